"""`lsc coverage --quarter 2026Q4`: does archived evidence cover each cluster's quarter?"""
from __future__ import annotations

import argparse
import json
import sys

from lsc.local.data_target import TargetError, add_target_arguments, resolve_target

EXAMPLES = """examples:
  lsc coverage --quarter 2026Q4          per cluster: covered, missing days, never collected
  lsc coverage --quarter 2026Q4 --json   the same as one JSON document on stdout

exit code: 0 every cluster covered, 1 evidence missing, 2 usage or configuration error"""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "coverage", help="do archived snapshots cover each cluster's last 90 days of a quarter?",
        description="Per cluster of the registry (and every cluster with archived snapshots): whether the "
                    "windows of its archived audit snapshots cover the quarter's last 90 days, the days not "
                    "covered, clusters never collected, and the last successful collection.",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--quarter", required=True, help="quarter, e.g. 2026Q4")
    parser.add_argument("--json", action="store_true", help="JSON document on stdout")
    add_target_arguments(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from lsc.coverage import quarter_coverage, read_states
    from lsc.data_bucket import DataBucket
    from lsc.day_ranges import evidence_days, quarter
    from lsc.local.local_estate import REGISTRY_KEY
    from lsc.registry import RegistryError
    from lsc.snapshot_catalog import list_snapshots

    try:
        quarter_range = quarter(args.quarter)
        target = resolve_target(args)
        bucket = DataBucket(target.client(), target.bucket)
        registry = bucket.read_registry(REGISTRY_KEY)
    except (ValueError, TargetError, RegistryError, FileNotFoundError) as exc:
        print(exc, file=sys.stderr)
        return 2
    snapshots = list_snapshots(bucket.s3, bucket.bucket, collected_from=evidence_days(quarter_range).start)
    states = read_states(bucket, registry, {s.cluster_id for s in snapshots})
    report = quarter_coverage(args.quarter, quarter_range, snapshots, states)
    if args.json:
        print(json.dumps(report.as_json(), indent=1))
    else:
        print(render(report))
    return 0 if report.complete else 1


def render(report) -> str:  # type: ignore[no-untyped-def]
    lines = [f"{report.quarter}: evidence days {report.evidence}"
             + ("" if report.checked_through == report.evidence.end else f", checked through {report.checked_through}")]
    for c in report.clusters:
        notes = [n for n in ("" if c.state.registered else "not in the registry",
                             "disabled" if c.state.enabled is False else "",
                             f"retired {c.state.retired_on}" if c.state.retired_on else "") if n]
        line = f"  {c.cluster_id:<20} {c.status.upper():<16} last success {c.state.last_success or 'never'}"
        if c.missing:
            line += f"; {c.missing_days} days missing: " + ", ".join(str(gap) for gap in c.missing)
        lines.append(line + (f" ({', '.join(notes)})" if notes else ""))
    lines.append("evidence complete" if report.complete else "EVIDENCE MISSING")
    return "\n".join(lines)
