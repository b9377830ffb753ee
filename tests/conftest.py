"""Shared pytest fixtures; only generic ones belong here."""
from __future__ import annotations

from pathlib import Path

import pytest

from lsc.local.tls import LocalCA

REPO_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def demo_estate_dir() -> Path:
    """The demo estate shipped with the package (copies of fixtures/demo)."""
    return REPO_ROOT / "functions" / "lsc" / "local" / "demo_estate"


@pytest.fixture(scope="session")
def local_ca() -> LocalCA:
    """One generated CA for every HTTPS simulator of the session (clients trust only it)."""
    return LocalCA()
