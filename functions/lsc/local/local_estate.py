"""A whole estate on one machine: License Service simulators, AWS on a local endpoint, the handlers.

Shared by `lsc demo`, the functional and end-to-end tests and `make bench`.
"""
from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.exceptions import ClientError

from lsc.local.fixture import Fixture
from lsc.local.lambda_runtime import DrainResult, LambdaContext, drain_queue, scheduler_input
from lsc.local.simulator_server import SimulatorServer
from lsc.local.tls import LocalCA
from lsc.registry import Registry, parse_registry

SECRET_PREFIX = "lsc/"
CA_SECRET = f"{SECRET_PREFIX}local/ca-bundle"
REGISTRY_KEY = "config/clusters.json"


@dataclass(frozen=True)
class LocalDeployment:
    """The AWS side of a local run: what the stack would create."""

    endpoint_url: str
    bucket: str
    queue_url: str
    dlq_url: str

    def handler_env(self) -> dict[str, str]:
        return {"LSC_DATA_BUCKET": self.bucket, "LSC_QUEUE_URL": self.queue_url, "LSC_REGISTRY_KEY": REGISTRY_KEY}


def provision(endpoint_url: str, bucket: str, *, max_receive_count: int = 3,
              visibility_timeout: int = 1) -> LocalDeployment:
    """Bucket (versioned) and queue with DLQ on the endpoint; existing ones are reused."""
    s3, sqs = boto3.client("s3"), boto3.client("sqs")
    try:
        s3.create_bucket(Bucket=bucket)
    except ClientError as exc:
        if exc.response["Error"]["Code"] not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
            raise
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    dlq_url = sqs.create_queue(QueueName=f"{bucket}-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    queue_url = sqs.create_queue(QueueName=f"{bucket}-collect", Attributes={
        "VisibilityTimeout": str(visibility_timeout),
        "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": str(max_receive_count)}),
    })["QueueUrl"]
    return LocalDeployment(endpoint_url, bucket, queue_url, dlq_url)


def put_secret(name: str, value: str) -> None:
    secrets = boto3.client("secretsmanager")
    try:
        secrets.create_secret(Name=name, SecretString=value)
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "ResourceExistsException":
            raise
        secrets.put_secret_value(SecretId=name, SecretString=value)


def cluster_entry(fixture: Fixture, url: str) -> dict[str, Any]:
    """Registry entry for a simulated cluster: bearer auth where the fixture has bearer tokens."""
    bearer = bool(fixture.bearer_tokens)
    return {
        "id": fixture.cluster_id,
        "url": url,
        "auth": {"type": "bearer" if bearer else "token", "secret": f"{SECRET_PREFIX}{fixture.cluster_id}/token"},
        "tls": {"ca_bundle_secret": CA_SECRET} if url.startswith("https") else {},
        "tags": {"source": "simulator"},
        "groups": sorted(fixture.chargeback),
    }


def seed(deployment: LocalDeployment, entries: Iterable[tuple[Fixture, dict[str, Any]]], ca_pem: str | None) -> Registry:
    """Secrets and the registry object, as `cdk deploy` plus the operator's secret creation would."""
    if ca_pem:
        put_secret(CA_SECRET, ca_pem)
    clusters = []
    for fixture, entry in entries:
        put_secret(entry["auth"]["secret"],
                   fixture.bearer_tokens[0] if entry["auth"]["type"] == "bearer" else fixture.token)
        clusters.append(entry)
    registry = parse_registry({"clusters": clusters}, source="local registry")
    boto3.client("s3").put_object(Bucket=deployment.bucket, Key=REGISTRY_KEY, Body=registry.to_json())
    return registry


def start_simulators(stack: ExitStack, fixtures: Iterable[Fixture], ca: LocalCA | None,
                     **server_options: Any) -> list[SimulatorServer]:
    servers = []
    for fixture in fixtures:
        server = SimulatorServer(fixture, prefix=fixture.path_prefix, tls=ca, **server_options)
        stack.enter_context(server)
        servers.append(server)
    return servers


def run_collection(deployment: LocalDeployment, scheduled_time: str, *, schedule: str = "lsc-local",
                   on_batch: Callable[[DrainResult], None] | None = None) -> DrainResult:
    """Dispatcher then collector, exactly as Scheduler → Lambda → SQS → Lambda would run them."""
    from lsc.handlers import collector, dispatcher

    dispatcher.handler(scheduler_input(schedule, scheduled_time), LambdaContext("lsc-dispatcher"))
    return drain_queue(boto3.client("sqs"), deployment.queue_url, collector.handler, on_batch=on_batch)
