"""`lsc report --out report.html`: the usage report a licence manager opens in any browser."""
from __future__ import annotations

import argparse
from pathlib import Path

from lsc.local.cli_output import EXIT_OK, EXIT_USAGE, examples, progress, say


def register(subparsers: argparse._SubParsersAction) -> None:
    from lsc.local.query_source import add_period_arguments, add_source_arguments
    from lsc.local.usage_report import DEFAULT_STALE_DAYS

    parser = subparsers.add_parser(
        "report", help="write the usage report: one HTML file with charts and tables",
        description="One self-contained HTML file (opens offline): per product and metric the daily multicluster "
                    "total with each cluster's share stacked, the peak day and the sum of cluster peaks; monthly "
                    "and quarterly peaks; what each cluster contributed on each peak day; entitlement headroom; "
                    "the collection health of each cluster. Built from the same view SQL as `lsc rollup`.",
        **examples(
            "lsc report --endpoint-url http://127.0.0.1:5000 --bucket lsc-demo --out report.html",
            "lsc report --from 2026-07-01 --to 2026-09-30 --out q3.html --png charts/   # deployed stack (Athena)",
        ),
    )
    parser.add_argument("--out", required=True, type=Path, metavar="FILE", help="HTML file to write")
    parser.add_argument("--png", type=Path, metavar="DIR", help="also write one PNG chart per product and metric here")
    add_period_arguments(parser)
    parser.add_argument("--title", default="License usage report", help="heading of the report")
    parser.add_argument("--stale-days", type=int, default=DEFAULT_STALE_DAYS, metavar="N",
                        help=f"flag clusters without a successful collection for more than N days (default {DEFAULT_STALE_DAYS})")
    add_source_arguments(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from lsc.local.query_source import over_period, uses_athena
    from lsc.local.usage_report import gather, render_html

    data, failed = over_period(args, lambda source, start, end: gather(source, start, end, progress))
    if failed is not None:
        return failed
    label = f"Athena workgroup {args.workgroup or '(stack output)'}" if uses_athena(args) else \
        f"s3://{args.bucket}" + (f" on {args.endpoint_url}" if args.endpoint_url else "")
    progress("drawing charts")
    html = render_html(data, title=args.title, source_label=label, stale_days=args.stale_days, png_dir=args.png)
    try:
        args.out.write_text(html, encoding="utf-8")
    except OSError as exc:
        say(f"cannot write {args.out}: {exc.strerror}")
        return EXIT_USAGE
    say(f"wrote {args.out}" + (f" and PNG charts in {args.png}/" if args.png else ""))
    return EXIT_OK
