from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

LSC = str(Path(sys.executable).with_name("lsc"))


@pytest.fixture(scope="session")
def demo_json_run():
    """One `lsc demo --json` run shared by the end-to-end checks."""
    return subprocess.run([LSC, "demo", "--json"], capture_output=True, text=True, timeout=300)
