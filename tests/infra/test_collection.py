"""Collection: schedule -> dispatcher -> queue (DLQ) -> collector, permissions, VPC, registry upload."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest
from aws_cdk.assertions import Match
from packaging.utils import canonicalize_name

from lsc.registry import load_registry_file
from tests.infra.conftest import DATA, Synthesized
from tests.infra.lambda_package import dependencies, lambda_modules, requirement_lines


def _function(synth: Synthesized, handler: str) -> dict:
    (props,) = [p for p in synth.props("AWS::Lambda::Function") if p.get("Handler") == handler]
    return props


def _policy_statements(synth: Synthesized, function) -> list[dict]:
    role_id = synth.stack.get_logical_id(function.role.node.default_child)
    return [
        statement
        for props in synth.props("AWS::IAM::Policy")
        if {"Ref": role_id} in props["Roles"]
        for statement in props["PolicyDocument"]["Statement"]
    ]


def test_functions_runtime_environment_and_tracing(synth: Synthesized) -> None:
    dispatcher = _function(synth, "lsc.handlers.dispatcher.handler")
    collector = _function(synth, "lsc.handlers.collector.handler")
    for props in (dispatcher, collector):
        assert props["Runtime"] == "python3.12"
        assert props["TracingConfig"] == {"Mode": "Active"}
        assert len(props["Layers"]) == 1
        env = props["Environment"]["Variables"]
        assert env["POWERTOOLS_SERVICE_NAME"] == "lsc"
        assert env["POWERTOOLS_METRICS_NAMESPACE"] == "LicenseServiceCollector"
        assert env["POWERTOOLS_LOG_LEVEL"] == "INFO"
        assert env["LSC_REGISTRY_KEY"] == "config/clusters.json"
        assert "LSC_DATA_BUCKET" in env
    assert "LSC_QUEUE_URL" in dispatcher["Environment"]["Variables"]
    env = collector["Environment"]["Variables"]
    assert (env["LSC_CONNECT_TIMEOUT"], env["LSC_READ_TIMEOUT"], env["LSC_SNAPSHOT_READ_TIMEOUT"]) == ("5", "60", "120")
    assert collector["Timeout"] == 900
    assert 3 * (5 + 60 + 120) < collector["Timeout"]


def test_log_groups_have_retention(synth: Synthesized) -> None:
    groups = synth.props("AWS::Logs::LogGroup")
    assert len(groups) == 3  # dispatcher, collector, registry deployment
    assert all(group["RetentionInDays"] == 90 for group in groups)


def _code_asset(synth: Synthesized, handler: str) -> Path:
    """The folder the template's code asset is staged from: what `cdk deploy` zips and ships."""
    s3_key = _function(synth, handler)["Code"]["S3Key"]
    return synth.outdir / f"asset.{s3_key.removesuffix('.zip')}"


def test_code_asset_leaves_out_local_only_code(synth: Synthesized) -> None:
    asset = _code_asset(synth, "lsc.handlers.collector.handler")
    assert asset == _code_asset(synth, "lsc.handlers.dispatcher.handler")  # one asset for both
    assert (asset / "lsc" / "handlers" / "collector.py").is_file()
    shipped = {p.relative_to(asset).as_posix() for p in asset.rglob("*")}
    assert not [p for p in shipped if p.startswith("lsc/local") or "__pycache__" in p or p.endswith(".pyc")]
    assert "requirements.txt" not in shipped


# Blocked for the handlers: every installed package the Lambda lacks, local-only code, and the
# stdlib modules Python 3.12 (the runtime) removed but 3.11 (here) still has.
REMOVED_IN_PY312 = ("distutils", "imp", "asynchat", "asyncore", "smtpd")
IMPORT_HANDLERS = """
import importlib.abc, json, sys
asset, blocked = sys.argv[1], set(json.loads(sys.argv[2]))

class NotInTheLambda(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in blocked or name == "lsc.local" or name.startswith("lsc.local."):
            raise ImportError(f"{name} is not in the Lambda (asset, layer, runtime SDK, Python 3.12 stdlib)")
        return None

sys.meta_path.insert(0, NotInTheLambda())
sys.path.insert(0, asset)
for dev_only in ("yaml", "duckdb", "infra", "lsc.local", "matplotlib", "moto", "aws_cdk"):
    try:
        __import__(dev_only)
    except ImportError:
        continue
    raise SystemExit(f"the check is broken: {dev_only} was importable")
import lsc
assert lsc.__file__.startswith(asset), f"lsc imported from {lsc.__file__}, not from the asset"
import lsc.handlers.collector, lsc.handlers.dispatcher
print("handlers imported")
"""


def test_handlers_import_from_the_shipped_asset_alone(synth: Synthesized) -> None:
    """Only the asset, the layer's packages and the Lambda runtime's SDK: a top-level import of a
    dev-only package (yaml, duckdb, infra, lsc.local, ...) fails here, not in AWS."""
    asset = _code_asset(synth, "lsc.handlers.collector.handler")
    allowed = lambda_modules()
    assert {"pydantic", "httpx", "aws_lambda_powertools", "boto3"} <= allowed
    blocked = (set(metadata.packages_distributions()) - allowed - {"lsc"}) | set(REMOVED_IN_PY312)
    assert {"yaml", "duckdb", "infra", "matplotlib", "moto", "aws_cdk", "cdk_nag"} <= blocked
    env = {"PATH": os.environ.get("PATH", ""), "AWS_DEFAULT_REGION": "us-east-1", "AWS_EC2_METADATA_DISABLED": "true"}
    result = subprocess.run(
        [sys.executable, "-I", "-c", IMPORT_HANDLERS, str(asset), json.dumps(sorted(blocked))],
        capture_output=True, text=True, env=env, timeout=120,
    )
    assert result.returncode == 0 and result.stdout.strip() == "handlers imported", result.stdout + result.stderr


def test_layer_requirements_pin_every_package_of_the_layer() -> None:
    """pip installs the list with --no-deps: a dependency missing from it would be missing in AWS."""
    requirements = requirement_lines()
    assert [str(r) for r in requirements if [s.operator for s in r.specifier] != ["=="]] == []
    pinned = {canonicalize_name(r.name) for r in requirements}
    assert {dep for name in pinned for dep in dependencies(name)} - pinned == set()
    assert not pinned & {"boto3", "botocore", "aws-cdk-lib"}  # the runtime's SDK; never the CDK


def test_queue_dlq_and_visibility_timeout(synth: Synthesized) -> None:
    logical_id = synth.stack.get_logical_id(synth.stack.collection.queue.node.default_child)
    props = synth.resources("AWS::SQS::Queue")[logical_id]["Properties"]
    assert props["VisibilityTimeout"] >= 6 * 900
    assert props["RedrivePolicy"]["maxReceiveCount"] == 3
    assert props["SqsManagedSseEnabled"] is True


def test_collector_event_source_reports_partial_failures(synth: Synthesized) -> None:
    synth.template.has_resource_properties(
        "AWS::Lambda::EventSourceMapping",
        {"BatchSize": 1, "FunctionResponseTypes": ["ReportBatchItemFailures"], "ScalingConfig": {"MaximumConcurrency": 5}},
    )


def test_schedule_target_input_dlq_and_retries(synth: Synthesized) -> None:
    (schedule,) = synth.props("AWS::Scheduler::Schedule")
    assert schedule["Name"] == "lsc-collection"
    assert schedule["ScheduleExpression"] == "cron(0 6 * * ? *)"
    assert schedule["ScheduleExpressionTimezone"] == "UTC"
    assert schedule["State"] == "ENABLED"
    target = schedule["Target"]
    assert json.loads(target["Input"]) == {
        "schedule": "lsc-collection",
        "scheduled_time": "<aws.scheduler.scheduled-time>",
        "execution_id": "<aws.scheduler.execution-id>",
    }
    assert target["RetryPolicy"] == {"MaximumEventAgeInSeconds": 21600, "MaximumRetryAttempts": 3}
    assert "Arn" in target["DeadLetterConfig"]


def test_dispatcher_failures_are_dead_lettered(synth: Synthesized) -> None:
    """The scheduler invokes the dispatcher asynchronously: after Lambda's retries, a failed run
    goes to the DispatchFailures queue instead of being dropped."""
    collection = synth.stack.collection
    dispatcher = synth.stack.get_logical_id(collection.dispatcher.node.default_child)
    queue = synth.stack.get_logical_id(collection.dispatch_failures.node.default_child)
    (config,) = synth.props("AWS::Lambda::EventInvokeConfig")
    assert config["FunctionName"] == {"Ref": dispatcher}
    assert config["MaximumRetryAttempts"] == 2
    assert config["DestinationConfig"] == {"OnFailure": {"Destination": {"Fn::GetAtt": [queue, "Arn"]}}}
    arn = {"Fn::GetAtt": [queue, "Arn"]}
    assert any(
        "sqs:SendMessage" in s["Action"] and arn in (s["Resource"] if isinstance(s["Resource"], list) else [s["Resource"]])
        for s in _policy_statements(synth, collection.dispatcher)
    )
    props = synth.resources("AWS::SQS::Queue")[queue]["Properties"]
    assert props["SqsManagedSseEnabled"] is True and props["MessageRetentionPeriod"] == 14 * 86400


def test_collector_reads_only_the_project_secrets(synth: Synthesized) -> None:
    statements = _policy_statements(synth, synth.stack.collection.collector)
    (secrets,) = [s for s in statements if s["Action"] == "secretsmanager:GetSecretValue"]
    assert secrets["Resource"] == {
        "Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":secretsmanager:", {"Ref": "AWS::Region"}, ":", {"Ref": "AWS::AccountId"}, ":secret:lsc/*"]]
    }
    actions = {a for s in statements for a in (s["Action"] if isinstance(s["Action"], list) else [s["Action"]])}
    assert "s3:DeleteObject*" not in actions and "s3:DeleteObject" not in actions


def test_collector_vpc_placement_imports_ids_offline(synth: Synthesized) -> None:
    collector = _function(synth, "lsc.handlers.collector.handler")
    assert collector["VpcConfig"] == {
        "SubnetIds": ["subnet-0aaaaaaaaaaaaaaaa", "subnet-0bbbbbbbbbbbbbbbb"],
        "SecurityGroupIds": ["sg-0123456789abcdef0"],
    }
    assert "VpcConfig" not in _function(synth, "lsc.handlers.dispatcher.handler")


def test_registry_is_deployed_as_json(synth: Synthesized) -> None:
    registry = load_registry_file(str(DATA / "clusters.yaml"))
    synth.template.has_resource_properties(
        "Custom::CDKBucketDeployment",
        {"DestinationBucketKeyPrefix": "config/", "Prune": False, "SourceMarkers": [Match.object_like({})]},
    )
    (deployment,) = synth.props("Custom::CDKBucketDeployment")
    assert deployment["SourceObjectKeys"]
    # Source.data puts the file in an asset folder: its content is the registry JSON.
    assets = [p for p in synth.outdir.glob("asset.*/clusters.json")]
    assert [a.read_bytes() for a in assets] == [registry.to_json()]


@pytest.mark.parametrize("writer", ["collector", "dispatcher"])
def test_each_function_may_write_exactly_the_prefixes_its_code_writes(synth: Synthesized, writer: str) -> None:
    """The prefixes come from the code that makes the keys, so a new dataset can't miss its grant."""
    from lsc.collection import STATE_PREFIX
    from lsc.datasets import DATASETS
    from lsc.snapshot_archive import PREFIX as SNAPSHOT_PREFIX

    function = getattr(synth.stack.collection, writer)
    statements = _policy_statements(synth, function)
    put_resources = json.dumps([s["Resource"] for s in statements if "s3:PutObject" in json.dumps(s["Action"])])
    granted = set(re.findall(r'/([a-z_]+)/\*"', put_resources))
    written = {d.prefix for d in DATASETS if d.writer == writer} | (
        {SNAPSHOT_PREFIX, STATE_PREFIX} if writer == "collector" else set())
    assert granted == {p.split("/")[0] for p in written}
