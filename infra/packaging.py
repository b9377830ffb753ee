"""Lambda code without Docker: the `functions/` folder as the code asset, its pip dependencies as a layer.

The layer folder is built once per `functions/requirements.txt` content into `build/` (gitignored)
and reused by every later synth; its asset hash is that content's hash, so nothing is re-hashed.
That file pins the whole layer (transitive dependencies too) and pip installs only what it lists,
so the hash names the content; a test keeps the list closed under its dependencies.
"""
from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from aws_cdk import AssetHashType
from aws_cdk import aws_lambda as lambda_

from infra.settings import REPO_ROOT

FUNCTIONS_DIR = REPO_ROOT / "functions"
REQUIREMENTS = FUNCTIONS_DIR / "requirements.txt"
BUILD_DIR = REPO_ROOT / "build" / "lambda-layer"
RUNTIME = lambda_.Runtime.PYTHON_3_12
ARCHITECTURE = lambda_.Architecture.X86_64
# Exactly the pinned list (it names every package, transitive ones too), as wheels for the Lambda
# platform whatever machine synthesizes (pydantic-core is binary).
PIP_OPTIONS = ("--no-deps", "--platform", "manylinux2014_x86_64", "--implementation", "cp", "--python-version", "3.12", "--only-binary=:all:")
# Local-only code (simulator, demo, CLI), tests and caches stay out of the Lambda package.
CODE_EXCLUDE = ["lsc/local", "**/__pycache__", "**/*.pyc", "requirements.txt", "tests", "*.egg-info"]


def function_code() -> lambda_.Code:
    return lambda_.Code.from_asset(str(FUNCTIONS_DIR), exclude=CODE_EXCLUDE)


def dependencies_code(install: bool) -> lambda_.Code:
    """The layer; with `install` false an empty one (tests: same template shape, no pip run)."""
    fingerprint = hashlib.sha256(REQUIREMENTS.read_bytes() + " ".join(PIP_OPTIONS).encode()).hexdigest()[:16]
    folder = BUILD_DIR / (fingerprint if install else "empty")
    if not folder.exists():
        _build(folder, install)
    return lambda_.Code.from_asset(str(folder), asset_hash=folder.name, asset_hash_type=AssetHashType.CUSTOM)


def _build(folder: Path, install: bool) -> None:
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=folder.parent, prefix=".staging-"))
    try:
        target = staging / "python"  # the layer path Lambda puts on sys.path
        target.mkdir()
        if install:
            subprocess.run(
                [sys.executable, "-m", "pip", "install", "--quiet", "--no-compile", "--target", str(target),
                 *PIP_OPTIONS, "-r", str(REQUIREMENTS)],
                check=True,
            )
        staging.rename(folder)  # atomic: an interrupted install never looks complete
    finally:
        shutil.rmtree(staging, ignore_errors=True)
