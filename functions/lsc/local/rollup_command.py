"""`lsc rollup`: the multicluster peaks of a period, per month and per quarter, with entitlement
headroom, provisional marks and each peak day's per-cluster breakdown."""
from __future__ import annotations

import argparse
import sys
from typing import Any

from lsc.local.cli_output import (
    EXIT_FINDINGS, EXIT_OK, add_output_arguments, examples, format_table, print_json,
    progress, say, write_csv,
)

PERIOD_TITLES = (("window", "window"), ("monthly", "month"), ("quarterly", "quarter"))
WHOLE_PERIOD = {"monthly": " (whole month)", "quarterly": " (whole quarter)"}
PEAK_COLUMNS = (
    ("product_name", "product"), ("metric_name", "metric"), ("peak_quantity", "peak"), ("peak_date", "peak date"),
    ("clusters_reporting", "clusters"), ("sum_of_cluster_peaks", "sum of cluster peaks"),
    ("licensed_quantity", "licensed"), ("headroom", "headroom"), ("flags", "flags"),
)
BREAKDOWN_COLUMNS = (
    ("product_name", "product"), ("metric_name", "metric"), ("peak_date", "peak date"),
    ("peak_quantity", "peak"), ("cluster_id", "cluster"), ("quantity", "on peak day"), ("flags", "flags"),
)
CSV_PEAK_KEYS = ("period", "period_start", "period_end", "product_id", "product_name", "metric_name", "peak_quantity",
                 "peak_date", "clusters_reporting", "sum_of_cluster_peaks", "clusters_expected", "cluster_days_missing",
                 "provisional", "licensed_quantity", "headroom", "breach")


def register(subparsers: argparse._SubParsersAction) -> None:
    from lsc.local.query_source import add_period_arguments, add_source_arguments

    parser = subparsers.add_parser(
        "rollup", help="multicluster peaks of a period, per month and quarter (DuckDB locally, Athena on AWS)",
        description="The estate's licence position: the highest daily sum across clusters, for the period "
                    "(default: every collected day), each month and each quarter in it. The window covers exactly "
                    "--from..--to; months and quarters are whole calendar periods (those overlapping --from..--to, "
                    "each with its own first and last day), so a quarter's peak may fall outside --from..--to. "
                    "Figures that a later run can still change (today, this month) are marked provisional. Exit 1 "
                    "when a peak exceeds an uploaded entitlement (see `lsc entitlements upload`) or the period "
                    "has no usage.",
        **examples(
            "lsc rollup --endpoint-url http://127.0.0.1:5000 --bucket lsc-demo   # data of `lsc demo --keep`",
            "lsc rollup --from 2026-10-01 --to 2026-12-31 --json                   # deployed stack, via Athena",
            "lsc rollup --from 2026-01-01 --to 2026-12-31 --csv > peaks.csv        # window, monthly and quarterly rows",
            "lsc rollup --breakdown --csv > peak-days.csv                          # each peak day's clusters",
        ),
    )
    add_period_arguments(parser)
    parser.add_argument("--breakdown", action="store_true",
                        help="tables/CSV of what each cluster contributed on each peak day (JSON always has it)")
    add_output_arguments(parser, csv_help="print the peaks (or with --breakdown the peak days) as CSV")
    add_source_arguments(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from lsc.local.query_source import over_period
    from lsc.peak_details import detailed_rollup
    from lsc.rollup import DUPLICATES_KEY, duplicate_license_services

    def work(source, start, end):  # type: ignore[no-untyped-def]
        return {**detailed_rollup(source, start, end), DUPLICATES_KEY: duplicate_license_services(source)}

    progress("running the rollup views")
    document, failed = over_period(args, work)
    if failed is not None:
        return failed
    if args.json:
        print_json(document)
    elif args.csv:
        print_csv(document, breakdown=args.breakdown)
    else:
        print(render_tables(document, breakdown=args.breakdown))
    return findings_exit(document)


def findings_exit(document: dict[str, Any]) -> int:
    from lsc.rollup import DUPLICATES_KEY, duplicate_warnings

    for warning in duplicate_warnings(document.get(DUPLICATES_KEY, [])):
        say(warning)
    breaches = [row for name, _ in PERIOD_TITLES for row in document.get(name, []) if row.get("breach")]
    for row in breaches:
        say(f"over entitlement: {row['product_name']} {row['metric_name']} peak {row['peak_quantity']:g} on "
            f"{row['peak_date']} > licensed {row['licensed_quantity']:g} ({row['period_start']}..{row['period_end']})")
    if not document.get("window"):
        say("no usage collected in this period")
    return EXIT_FINDINGS if breaches or not document.get("window") else EXIT_OK


def _flags(row: dict[str, Any]) -> str:
    return " ".join(flag for flag, on in (("provisional", row.get("provisional")), ("BREACH", row.get("breach"))) if on)


def render_tables(document: dict[str, Any], *, breakdown: bool) -> str:
    from lsc.peak_details import breakdown_rows
    from lsc.rollup import rows_by_period

    sections = []
    for name, title in PERIOD_TITLES:
        rows = breakdown_rows(document, name) if breakdown else document.get(name, [])
        columns = BREAKDOWN_COLUMNS if breakdown else PEAK_COLUMNS
        for (start, end), period_rows in rows_by_period(rows).items():
            shown = [{**row, "flags": _flags(row)} for row in period_rows]
            sections.append(f"{title} {start} .. {end}{WHOLE_PERIOD.get(name, '')}\n{format_table(columns, shown)}")
    return "\n\n".join(sections) if sections else "no usage collected in this period"


def print_csv(document: dict[str, Any], *, breakdown: bool) -> None:
    from lsc.peak_details import BREAKDOWN_KEYS, breakdown_rows

    if breakdown:
        rows = [{"period": title, **row} for name, title in PERIOD_TITLES for row in breakdown_rows(document, name)]
        write_csv(("period", *BREAKDOWN_KEYS), rows)
    else:
        rows = [{"period": title, **row} for name, title in PERIOD_TITLES for row in document.get(name, [])]
        write_csv(CSV_PEAK_KEYS, rows)
    sys.stdout.flush()
