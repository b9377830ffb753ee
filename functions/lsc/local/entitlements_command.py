"""`lsc entitlements validate|upload FILE`: what is licensed, for headroom in reports, rollups and
the `multicluster_peak_headroom` Athena view."""
from __future__ import annotations

import argparse
from datetime import datetime, timezone

from lsc.local.cli_output import EXIT_OK, EXIT_USAGE, add_output_arguments, examples, format_table, print_json, say

COLUMNS = (("product_id", "product id"), ("product_name", "product"), ("metric_name", "metric"),
           ("licensed_quantity", "licensed"))
FILE_HELP = "YAML (a list, or `entitlements:` list) or CSV with columns product_id, metric_name, licensed_quantity[, product_name]"


def register(subparsers: argparse._SubParsersAction) -> None:
    from lsc.local.data_target import add_target_arguments

    parser = subparsers.add_parser("entitlements", help="licensed quantities per product and metric",
                                   **examples("lsc entitlements validate entitlements.yaml",
                                              "lsc entitlements upload entitlements.yaml"))
    commands = parser.add_subparsers(dest="entitlements_command", required=True, metavar="ACTION")
    validate = commands.add_parser(
        "validate", help="check an entitlements file and print it", description=FILE_HELP,
        **examples("lsc entitlements validate entitlements.yaml", "lsc entitlements validate entitlements.csv --json"),
    )
    validate.add_argument("file", help="entitlements file")
    add_output_arguments(validate)
    validate.set_defaults(func=run_validate)
    upload = commands.add_parser(
        "upload", help="put an entitlements file into the data bucket (Athena and local views read it)",
        description=f"{FILE_HELP}. Stored as config/entitlements/dt=<today>/entitlements.json; the latest upload "
                    "counts (view entitlements_current), earlier ones stay as history.",
        **examples("lsc entitlements upload entitlements.yaml                 # deployed stack's bucket",
                   "lsc entitlements upload entitlements.yaml --endpoint-url http://127.0.0.1:5000 --bucket lsc-demo"),
    )
    upload.add_argument("file", help="entitlements file")
    add_target_arguments(upload)
    upload.set_defaults(func=run_upload)


def run_validate(args: argparse.Namespace) -> int:
    from lsc.entitlements import EntitlementsError, load_entitlements_file

    try:
        entitlements = load_entitlements_file(args.file)
    except EntitlementsError as exc:
        say(f"invalid: {exc}")
        return EXIT_USAGE
    rows = [vars(e) for e in entitlements]
    if args.json:
        print_json(rows)
    else:
        print(format_table(COLUMNS, rows))
    return EXIT_OK


def run_upload(args: argparse.Namespace) -> int:
    from lsc.entitlements import EntitlementsError, entitlements_object, load_entitlements_file
    from lsc.local.data_target import TargetError, resolve_target

    try:
        entitlements = load_entitlements_file(args.file)
        target = resolve_target(args)
    except (EntitlementsError, TargetError) as exc:
        say(str(exc))
        return EXIT_USAGE
    now = datetime.now(timezone.utc)
    key, body = entitlements_object(entitlements, now.date(), now.isoformat(timespec="seconds").replace("+00:00", "Z"))
    target.client("s3").put_object(Bucket=target.bucket, Key=key, Body=body, ContentType="application/x-ndjson")
    say(f"uploaded {len(entitlements)} entitlements to s3://{target.bucket}/{key}")
    return EXIT_OK
