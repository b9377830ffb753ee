"""Which engine runs the view SQL for a command: DuckDB over an S3-compatible endpoint (the demo,
moto, any bucket), or Athena over the deployed Glue database. Both implement `RollupSource`."""
from __future__ import annotations

import argparse
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from typing import TypeVar

from lsc.local.cli_output import EXIT_USAGE, iso_date, say
from lsc.local.data_target import TargetError, add_target_arguments, resolve_target, stack_output
from lsc.rollup import RollupSource

T = TypeVar("T")


def add_source_arguments(parser: argparse.ArgumentParser) -> None:
    add_target_arguments(parser)
    group = parser.add_argument_group("query engine")
    group.add_argument("--engine", choices=("auto", "duckdb", "athena"), default="auto",
                       help="auto (default): DuckDB when an endpoint URL is set (local data), else Athena")
    group.add_argument("--workgroup", default=os.environ.get("LSC_ATHENA_WORKGROUP"),
                       help="Athena workgroup (default: $LSC_ATHENA_WORKGROUP, else the stack's WorkGroup output)")
    group.add_argument("--database", default=os.environ.get("LSC_GLUE_DATABASE"),
                       help="Glue database (default: $LSC_GLUE_DATABASE, else the stack's Database output)")


def add_period_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--from", dest="start", type=iso_date, metavar="D", help="first day (default: first collected day)")
    parser.add_argument("--to", dest="end", type=iso_date, metavar="D", help="last day, inclusive (default: last collected day)")


def over_period(args: argparse.Namespace,
                work: Callable[[RollupSource, date | None, date | None], T]) -> tuple[T | None, int | None]:
    """Runs `work(source, start, end)` on the engine the flags name: (result, None), or (None, exit
    code) after saying what was wrong with the period, the data or the workgroup."""
    from lsc.athena_source import AthenaQueryError

    if args.start and args.end and args.start > args.end:
        say(f"--from {args.start} is after --to {args.end}")
        return None, EXIT_USAGE
    try:
        with open_source(args) as source:
            return work(source, args.start, args.end), None
    except (TargetError, AthenaQueryError) as exc:
        say(str(exc))
        return None, EXIT_USAGE


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

