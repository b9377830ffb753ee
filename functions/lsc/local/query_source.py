"""Which engine runs the view SQL for a command: DuckDB over an S3-compatible endpoint (the demo,
moto, any bucket), or Athena over the deployed Glue database. Both implement `RollupSource`."""
from __future__ import annotations

import argparse
import os
from collections.abc import Iterator
from contextlib import contextmanager

from lsc.local.data_target import add_target_arguments, resolve_target, stack_output
from lsc.rollup import RollupSource


def add_source_arguments(parser: argparse.ArgumentParser) -> None:
    add_target_arguments(parser)
    group = parser.add_argument_group("query engine")
    group.add_argument("--engine", choices=("auto", "duckdb", "athena"), default="auto",
                       help="auto (default): DuckDB when an endpoint URL is set (local data), else Athena")
    group.add_argument("--workgroup", default=os.environ.get("LSC_ATHENA_WORKGROUP"),
                       help="Athena workgroup (default: $LSC_ATHENA_WORKGROUP, else the stack's WorkGroup output)")
    group.add_argument("--database", default=os.environ.get("LSC_GLUE_DATABASE"),
                       help="Glue database (default: $LSC_GLUE_DATABASE, else the stack's Database output)")


def uses_athena(args: argparse.Namespace) -> bool:
    return args.engine == "athena" or (args.engine == "auto" and not args.endpoint_url)


@contextmanager
def open_source(args: argparse.Namespace) -> Iterator[RollupSource]:
    """The engine for `args`; raises `data_target.TargetError` when the data or the workgroup cannot be found."""
    if uses_athena(args):
        import boto3

        from lsc.athena_source import AthenaSource

        workgroup = args.workgroup or stack_output(args.stack, "WorkGroup", "--workgroup")
        database = args.database or stack_output(args.stack, "Database", "--database")
        yield AthenaSource(boto3.client("athena"), workgroup=workgroup, database=database)
        return
    with resolve_target(args).local_engine() as engine:
        yield engine

