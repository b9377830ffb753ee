"""Pyflakes-level checks (unused imports and names, undefined names, syntax) on every Python file."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_no_unused_or_undefined_names():
    ruff = Path(sys.executable).with_name("ruff")
    run = subprocess.run([str(ruff), "check", "--select", "F,E9", "--no-cache", "functions", "infra", "tests", "app.py"],
                         cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
