"""`lsc report --out report.html`: the usage report a licence manager opens in any browser."""
from __future__ import annotations

import argparse
from datetime import datetime, timezone
from pathlib import Path

from lsc.local.cli_output import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, examples, iso_date, progress, say


def register(subparsers: argparse._SubParsersAction) -> None:
    from lsc.local.query_source import add_period_arguments, add_source_arguments
    from lsc.local.usage_report import DEFAULT_STALE_DAYS

    parser = subparsers.add_parser(
        "report", help="write the usage report: one HTML file with charts and tables",
        description="One self-contained HTML file (opens offline): per product and metric the daily multicluster "
                    "total with each cluster's share stacked, the peak day and the sum of cluster peaks; monthly "
                    "and quarterly peaks; what each cluster contributed on each peak day; entitlement headroom; "
                    "the collection health of each cluster. Built from the same view SQL as `lsc rollup`. "
                    "The file is written in every case; exit 1 when the period has no usage, a peak exceeds its "
                    "entitlement, or a cluster is stale (latest run failed, or no successful run within "
                    "--stale-days of --as-of); 2 on usage or configuration errors.",
        **examples(
            "lsc report --endpoint-url http://127.0.0.1:5000 --bucket lsc-demo --out report.html --as-of 2026-11-30",
            "lsc report --from 2026-07-01 --to 2026-09-30 --out q3.html --png charts/   # deployed stack (Athena)",
        ),
    )
    parser.add_argument("--out", required=True, type=Path, metavar="FILE", help="HTML file to write")
    parser.add_argument("--png", type=Path, metavar="DIR", help="also write one PNG chart per product and metric here")
    add_period_arguments(parser)
    parser.add_argument("--title", default="License usage report", help="heading of the report")
    parser.add_argument("--stale-days", type=int, default=DEFAULT_STALE_DAYS, metavar="N",
                        help=f"flag clusters without a successful collection for more than N days (default {DEFAULT_STALE_DAYS})")
    parser.add_argument("--as-of", type=iso_date, metavar="D",
                        help="the day collection health is judged on (default: today, UTC); "
                             "e.g. the demo's collection day 2026-11-30")
    add_source_arguments(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from lsc.local.query_source import over_period, uses_athena
    from lsc.local.usage_report import findings, gather, render_html

    data, failed = over_period(args, lambda source, start, end: gather(source, start, end, progress))
    if failed is not None:
        return failed
    label = f"Athena workgroup {args.workgroup or '(stack output)'}" if uses_athena(args) else \
        f"s3://{args.bucket}" + (f" on {args.endpoint_url}" if args.endpoint_url else "")
    progress("drawing charts")
    as_of = args.as_of or datetime.now(timezone.utc).date()
    html = render_html(data, title=args.title, source_label=label, stale_days=args.stale_days, png_dir=args.png,
                       as_of=as_of)
    try:
        args.out.write_text(html, encoding="utf-8")
    except OSError as exc:
        say(f"cannot write {args.out}: {exc.strerror}")
        return EXIT_USAGE
    say(f"wrote {args.out}" + (f" and PNG charts in {args.png}/" if args.png else ""))
    found = findings(data, args.stale_days, as_of)
    for finding in found:
        say(finding)
    return EXIT_FINDINGS if found else EXIT_OK
