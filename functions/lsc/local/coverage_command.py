"""`lsc coverage --quarter 2026Q4`: does archived evidence cover each cluster's quarter?"""
from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime, timezone

from lsc.local.cli_output import iso_date
from lsc.local.data_target import TargetError, add_target_arguments, resolve_target

EXAMPLES = """examples:
  lsc coverage --quarter 2026Q4          per cluster: covered, missing days, never collected
  lsc coverage --quarter 2026Q4 --json   the same as one JSON document on stdout
  lsc coverage --quarter 2026Q4 --verify also download and verify the snapshots that cover the days
  lsc coverage --quarter 2026Q4 --as-of 2026-11-30   the evidence as it stood on a past day

exit code: 0 every cluster covered, 1 evidence missing, 2 usage or configuration error"""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "coverage", help="do archived snapshots cover each cluster's last 90 days of a quarter?",
        description="Per cluster of the registry (and every cluster with archived snapshots): whether the "
                    "windows of its archived audit snapshots cover the quarter's last 90 days up to the as-of "
                    "day, the days not covered, clusters never collected, and the last successful collection. "
                    "This checks presence; --verify also checks that each covering snapshot is intact "
                    "(as `lsc snapshots verify`), and a bad or unreadable one covers nothing.",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--quarter", required=True, help="quarter, e.g. 2026Q4")
    parser.add_argument("--as-of", type=iso_date, metavar="D",
                        help="the last day evidence is required for (default: yesterday, UTC, or the latest day "
                             "an archived snapshot reaches if later); days after it are not due yet")
    parser.add_argument("--verify", action="store_true",
                        help="download and verify (sha256, checksum.txt) every snapshot covering the days")
    parser.add_argument("--json", action="store_true", help="JSON document on stdout")
    add_target_arguments(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from lsc.coverage import default_as_of, quarter_coverage, read_states
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
    as_of = args.as_of or default_as_of(datetime.now(timezone.utc).date(), snapshots)
    unusable = _verify_covering(bucket, snapshots, quarter_range, as_of) if args.verify else None
    report = quarter_coverage(args.quarter, quarter_range, snapshots, states, as_of=as_of, unusable=unusable)
    if args.json:
        print(json.dumps(report.as_json(), indent=1))
    else:
        print(render(report))
    return 0 if report.complete else 1


def _verify_covering(bucket, snapshots, quarter_range, as_of):  # type: ignore[no-untyped-def]
    """key -> problems of each snapshot reaching the days checked that fails verification."""
    from lsc.day_ranges import DayRange, evidence_days
    from lsc.snapshot_catalog import verify_snapshot

    evidence = evidence_days(quarter_range)
    checked = DayRange(evidence.start, min(evidence.end, as_of))
    if checked.start > checked.end:
        return {}
    reaching = [s for s in snapshots if s.window is not None and s.window.overlaps(checked)]
    problems = {s.key: verify_snapshot(bucket.s3, bucket.bucket, s) for s in reaching}
    return {key: found for key, found in problems.items() if found}


def render(report) -> str:  # type: ignore[no-untyped-def]
    if not report.due:
        head = f", not due yet: they start after {report.as_of}"
    elif report.checked_through < report.evidence.end:
        head = f", checked through {report.checked_through}"
    else:
        head = ""
    lines = [f"{report.quarter}: evidence days {report.evidence}{head}"]
    for c in report.clusters:
        notes = [n for n in ("" if c.state.registered else "not in the registry",
                             "disabled" if c.state.enabled is False else "",
                             f"retired {c.state.retired_on}" if c.state.retired_on else "") if n]
        line = f"  {c.cluster_id:<20} {c.status.upper():<16} last success {c.state.last_success or 'never'}"
        if c.missing:
            line += f"; {c.missing_days} days missing: " + ", ".join(str(gap) for gap in c.missing)
        lines.append(line + (f" ({', '.join(notes)})" if notes else ""))
        lines += [f"    BAD {key}: " + "; ".join(problems) for key, problems in c.bad_snapshots.items()]
    if not report.due:
        lines.append(f"no evidence due yet as of {report.as_of}")
    elif report.complete:
        lines.append("evidence complete" + (f" through {report.checked_through}"
                                            if report.checked_through < report.evidence.end else ""))
    else:
        lines.append("EVIDENCE MISSING")
    return "\n".join(lines)
