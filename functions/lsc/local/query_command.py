"""`lsc query SQL`: any SELECT over the tables and views, in the engine the other commands use."""
from __future__ import annotations

import argparse

from lsc.local.cli_output import (
    EXIT_OK, EXIT_USAGE, add_output_arguments, examples, format_table, print_json, progress, say, write_csv,
)


def register(subparsers: argparse._SubParsersAction) -> None:
    from lsc.local.query_source import add_source_arguments

    parser = subparsers.add_parser(
        "query", help="run a SELECT over the tables and views (DuckDB locally, Athena on AWS)",
        description="The same tables and views as Athena's Glue database (see infra/catalog.py); locally DuckDB runs "
                    "them over the bucket's objects.",
        **examples(
            "lsc query \"SELECT * FROM multicluster_peak_monthly ORDER BY month\"",
            "lsc query \"SELECT * FROM multicluster_peak_breakdown WHERE period_label = '2026-10'\" --csv",
            "lsc query \"SELECT cluster_id, last_outcome, days_since_last_success FROM cluster_latest\" --json",
        ),
    )
    parser.add_argument("sql", help="one SELECT statement")
    add_output_arguments(parser, csv_help="print the rows as CSV")
    add_source_arguments(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import duckdb

    from lsc.athena_source import AthenaQueryError
    from lsc.local.data_target import TargetError
    from lsc.local.query_source import open_source

    try:
        with open_source(args) as source:
            progress("running the query")
            rows = source.query(args.sql)
    except (TargetError, AthenaQueryError, duckdb.Error) as exc:
        say(str(exc))
        return EXIT_USAGE
    columns = list(rows[0]) if rows else []
    if args.json:
        print_json(rows)
    elif args.csv:
        write_csv(columns, rows)
    else:
        print(format_table([(name, name) for name in columns], rows) if rows else "no rows")
    return EXIT_OK
