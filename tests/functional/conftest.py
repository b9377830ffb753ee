"""A collected estate: simulators over HTTPS, moto server, the real handlers."""
from __future__ import annotations

import json
import uuid
from contextlib import ExitStack
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from collections.abc import Callable
from typing import Any

import boto3
import pytest

from lsc.events import CollectRequest
from lsc.handlers import collector
from lsc.local.aws_env import local_aws
from lsc.local.fixture import Fixture, load_estate
from lsc.local.lambda_runtime import LambdaContext, sqs_event
from lsc.local.local_estate import LocalDeployment, cluster_entry, provision, run_collection, seed, start_simulators
from lsc.local.simulator_server import SimulatorServer
from lsc.local.tls import LocalCA


@dataclass
class Estate:
    fixtures: list[Fixture]
    servers: list[SimulatorServer]
    deployment: LocalDeployment
    scheduled_time: str

    def collect(self, scheduled_time: str | None = None):
        with local_aws(self.deployment.endpoint_url, self.deployment.handler_env()):
            return run_collection(self.deployment, scheduled_time or self.scheduled_time, schedule="lsc-test")

    def deliver(self, scheduled_time: str, env: dict[str, str] | None = None,
                prepare: Callable[[], None] = lambda: None) -> dict[str, Any]:
        """One run's messages handed straight to the collector as one SQS batch (no redelivery);
        returns its partial-batch response. `env` adds settings such as short timeouts; `prepare`
        runs where the handler's AWS clients are set up (to hook into them)."""
        moment = datetime.fromisoformat(scheduled_time.replace("Z", "+00:00")).astimezone(timezone.utc)
        messages = [{"MessageId": f"m-{cluster_id}", "ReceiptHandle": "r", "Body": CollectRequest(
            cluster_id=cluster_id, run_id=f"lsc-test-{moment:%Y%m%dT%H%M%SZ}", scheduled_time=moment).body()}
            for cluster_id in (f.cluster_id for f in self.fixtures)]
        with local_aws(self.deployment.endpoint_url, {**self.deployment.handler_env(), **(env or {})}):
            prepare()
            return collector.handler(sqs_event(messages, "arn:aws:sqs:us-east-1:000000000000:q"),
                                     LambdaContext("lsc-collector"))

    def fork(self) -> "Estate":
        """The same simulators and queue over a new bucket holding a copy of every object (metadata included)."""
        deployment = replace(self.deployment, bucket=f"lsc-test-{uuid.uuid4().hex[:12]}")
        with local_aws(self.deployment.endpoint_url):
            s3 = boto3.client("s3")
            s3.create_bucket(Bucket=deployment.bucket)
            for key in self.objects():
                s3.copy_object(Bucket=deployment.bucket, Key=key,
                               CopySource={"Bucket": self.deployment.bucket, "Key": key})
        return Estate(self.fixtures, self.servers, deployment, self.scheduled_time)

    def objects(self, prefix: str = "") -> dict[str, bytes]:
        with local_aws(self.deployment.endpoint_url):
            s3 = boto3.client("s3")
            keys = [o["Key"] for page in s3.get_paginator("list_objects_v2").paginate(
                Bucket=self.deployment.bucket, Prefix=prefix) for o in page.get("Contents", [])]
            return {k: s3.get_object(Bucket=self.deployment.bucket, Key=k)["Body"].read() for k in keys}

    def metadata(self, key: str) -> dict[str, str]:
        with local_aws(self.deployment.endpoint_url):
            return boto3.client("s3").head_object(Bucket=self.deployment.bucket, Key=key)["Metadata"]


def tokens_of(fixtures: list[Fixture]) -> list[str]:
    return [f.token for f in fixtures] + [t for f in fixtures for t in f.bearer_tokens]


def assert_logged_without_tokens(fixtures: list[Fixture], log: str, *expected: dict[str, Any]) -> None:
    """`log` has a JSON line holding each `expected` set of fields (so the check looks at the real
    log lines, not at an empty capture) and none of the fixtures' tokens anywhere."""
    lines = []
    for text in log.splitlines():
        try:
            lines.append(json.loads(text[text.index("{"):]))
        except ValueError:
            continue
    assert [fields for fields in expected if not any(fields.items() <= line.items() for line in lines)] == []
    assert [t for t in tokens_of(fixtures) if t in log] == []


def build_estate(stack: ExitStack, moto_endpoint: str, fixtures: list[Fixture], ca: LocalCA) -> Estate:
    """Simulators (stopped with `stack`) and a fresh bucket, queue and registry for `fixtures`."""
    servers = start_simulators(stack, fixtures, ca)
    with local_aws(moto_endpoint):
        deployment = provision(moto_endpoint, f"lsc-test-{uuid.uuid4().hex[:12]}")
        seed(deployment, [(f, cluster_entry(f, s.url)) for f, s in zip(fixtures, servers)], ca.ca_pem)
    return Estate(fixtures, servers, deployment, f"{max(f.today for f in fixtures)}T00:00:00Z")


@pytest.fixture
def make_estate(moto_endpoint, demo_estate_dir, local_ca):
    """Builds an estate from fixtures (default: the demo estate) in a fresh bucket; stops it after."""
    with ExitStack() as stack:
        yield lambda fixtures=None: build_estate(stack, moto_endpoint, fixtures or load_estate(demo_estate_dir), local_ca)


@pytest.fixture
def east(demo_estate_dir) -> Fixture:
    """The demo cluster with URL token, bearer token and bundled products."""
    from lsc.local.fixture import load_fixture

    return load_fixture(demo_estate_dir / "prod-east.json")


@pytest.fixture
def east_server(east: Fixture, local_ca: LocalCA):
    with SimulatorServer(east, tls=local_ca) as server:
        yield server
