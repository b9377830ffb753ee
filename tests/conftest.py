"""Shared fixtures. Every test runs with dummy AWS credentials: nothing may leave loopback."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DEMO_ESTATE = ROOT / "functions" / "lsc" / "local" / "demo_estate"
SAMPLES = Path(__file__).resolve().parent / "data" / "samples"
SHARED_DEMO = ROOT.parent / "shared" / "fixtures" / "demo"

os.environ.update({
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_EC2_METADATA_DISABLED": "true",
    "POWERTOOLS_METRICS_DISABLED": "true",
    "POWERTOOLS_TRACE_DISABLED": "true",
})
os.environ.pop("AWS_PROFILE", None)


@pytest.fixture(scope="session")
def demo_estate_dir() -> Path:
    return DEMO_ESTATE


@pytest.fixture(scope="session")
def expected_rollup() -> dict:
    return json.loads((DEMO_ESTATE / "expected_rollup.json").read_text())


@pytest.fixture(scope="session")
def samples_dir() -> Path:
    return SAMPLES


@pytest.fixture(scope="session")
def moto_endpoint():
    """One moto server per test session; tests use their own bucket names."""
    from lsc.local.aws_env import MotoEndpoint

    with MotoEndpoint() as endpoint:
        yield endpoint.url


@pytest.fixture(scope="session")
def local_ca():
    """One generated CA for every HTTPS simulator of the session (clients trust only it)."""
    from lsc.local.tls import LocalCA

    return LocalCA()
