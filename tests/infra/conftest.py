"""Synthesized apps shared by all infra tests (synth is the slow part): one with every option
switched on, which nearly all tests read, and one with the defaults (S3-managed keys, no VPC, no
tracing, no Object Lock) for what changes with them."""
from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template

from infra.app_stacks import LscStack, build_app
from infra.settings import cdk_json_context

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

DATA = Path(__file__).parent / "data"
TEST_CONTEXT: dict[str, Any] = {
    "lsc:registryFile": "tests/infra/data/clusters.yaml",
    "lsc:bundleDependencies": False,  # no pip run: an empty layer of the same shape
    "lsc:alarmEmail": "ops@example.com",
    "lsc:objectLockDays": 730,
    "lsc:snapshotExpirationDays": 2555,
    "lsc:tracing": True,
    "lsc:vpcId": "vpc-0123456789abcdef0",
    "lsc:subnetIds": ["subnet-0aaaaaaaaaaaaaaaa", "subnet-0bbbbbbbbbbbbbbbb"],
    "lsc:securityGroupId": "sg-0123456789abcdef0",
    "aws:cdk:bundling-stacks": [],
}
PLAIN_CONTEXT: dict[str, Any] = {
    "lsc:registryFile": TEST_CONTEXT["lsc:registryFile"],
    "lsc:bundleDependencies": False,
    "lsc:encryption": "s3",
    "aws:cdk:bundling-stacks": [],
}


@dataclass(frozen=True)
class Synthesized:
    stack: LscStack
    template: Template
    outdir: Path
    seconds: float  # App() to app.synth()

    def resources(self, kind: str) -> dict[str, dict[str, Any]]:
        return self.template.find_resources(kind)

    def props(self, kind: str) -> list[dict[str, Any]]:
        return [resource["Properties"] for resource in self.resources(kind).values()]


def synthesize(outdir: Path, **context: Any) -> Synthesized:
    started = time.monotonic()
    app = cdk.App(outdir=str(outdir), context={**cdk_json_context(), **context})
    stack = build_app(app)
    app.synth()  # runs cdk-nag: a finding without acknowledgement raises here
    seconds = time.monotonic() - started
    return Synthesized(stack, Template.from_stack(stack), outdir, seconds)


@pytest.fixture(scope="session")
def synth(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    """The session's first synth (the others depend on it): its time is a cold synth's."""
    return synthesize(tmp_path_factory.mktemp("cdk.out"), **TEST_CONTEXT)


@pytest.fixture(scope="session")
def plain_synth(synth: Synthesized, tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    return synthesize(tmp_path_factory.mktemp("cdk.out.plain"), **PLAIN_CONTEXT)
