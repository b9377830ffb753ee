"""Where a command finds the data: a deployed stack's bucket, or any S3-compatible endpoint.

Order: `--bucket`, then `LSC_DATA_BUCKET`, then the deployed stack's output. The endpoint comes
from `--endpoint-url` or `AWS_ENDPOINT_URL` (what `lsc demo --keep` prints); none means AWS.
"""
from __future__ import annotations

import argparse
import os
from dataclasses import dataclass
from typing import Any

import boto3

STACK_OUTPUT_BUCKET = "DataBucketName"
DEFAULT_STACK = "Lsc"


class TargetError(RuntimeError):
    """No bucket could be found; the message says how to name one."""


def add_target_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("where the data is")
    group.add_argument("--endpoint-url", default=os.environ.get("AWS_ENDPOINT_URL"),
                       help="S3-compatible endpoint (default: $AWS_ENDPOINT_URL, else AWS)")
    group.add_argument("--bucket", default=os.environ.get("LSC_DATA_BUCKET"),
                       help="data bucket (default: $LSC_DATA_BUCKET, else the deployed stack's output)")
    group.add_argument("--stack", default=DEFAULT_STACK, help=f"deployed stack name (default {DEFAULT_STACK})")


@dataclass(frozen=True)
class DataTarget:
    bucket: str
    endpoint_url: str | None

    def client(self, service: str = "s3") -> Any:
        return boto3.client(service, endpoint_url=self.endpoint_url)

    def local_engine(self):  # type: ignore[no-untyped-def]
        """DuckDB over this bucket, with the credentials boto3 resolves (dummy ones locally)."""
        from lsc.local.sql_engine import LocalEngine

        session = boto3.Session()
        credentials = session.get_credentials()
        if credentials is None:
            raise TargetError("no AWS credentials found (set AWS_PROFILE or AWS_ACCESS_KEY_ID)")
        frozen = credentials.get_frozen_credentials()
        endpoint = self.endpoint_url or f"https://s3.{session.region_name or 'us-east-1'}.amazonaws.com"
        return LocalEngine.over_s3(endpoint, self.bucket, access_key=frozen.access_key,
                                   secret_key=frozen.secret_key, region=session.region_name or "us-east-1")


def resolve_target(args: argparse.Namespace) -> DataTarget:
    if args.bucket:
        return DataTarget(args.bucket, args.endpoint_url)
    if args.endpoint_url:
        raise TargetError("with --endpoint-url, name the bucket too (--bucket, e.g. lsc-demo)")
    return DataTarget(stack_output(args.stack, STACK_OUTPUT_BUCKET, "--bucket"), None)


def stack_output(stack: str, name: str, flag: str) -> str:
    """One output of the deployed stack; the error names the `flag` that replaces it."""
    try:
        stacks = boto3.client("cloudformation").describe_stacks(StackName=stack)["Stacks"]
    except Exception as exc:  # noqa: BLE001 - any failure means the same thing to the user
        raise TargetError(f"no {flag} given and stack {stack!r} could not be read ({exc.__class__.__name__}); "
                          f"pass {flag} or deploy the stack") from None
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stacks[0].get("Outputs", [])}
    if name not in outputs:
        raise TargetError(f"stack {stack!r} has no {name} output; pass {flag}")
    return outputs[name]
