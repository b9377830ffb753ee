"""`lsc snapshots list|get|verify`: the archived audit snapshots, for the auditor."""
from __future__ import annotations

import argparse
import functools
import json
import sys
import tempfile
from datetime import date
from pathlib import Path
from collections.abc import Callable

from lsc.local.cli_output import examples
from lsc.local.data_target import TargetError, add_target_arguments, resolve_target

EXAMPLES = {
    "list": """examples:
  lsc snapshots list                                     every archived snapshot, newest first
  lsc snapshots list --cluster prod-east --from 2026-10-03 --to 2026-12-31
  lsc snapshots list --json --bucket lsc-demo --endpoint-url http://127.0.0.1:5000""",
    "get": """examples:
  lsc snapshots get --cluster prod-east --for-period 2026-10-03 2026-12-31 --out evidence/
  lsc snapshots get snapshots/cluster_id=prod-east/dt=2026-11-30/0123456789abcdef/audit_snapshot_….zip --out evidence/""",
    "verify": """examples:
  lsc snapshots verify --all                 every archived snapshot
  lsc snapshots verify --cluster prod-east   one cluster's snapshots""",
}


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "snapshots", help="list, download and verify archived audit snapshots",
        **examples("lsc snapshots list --cluster prod-east", "lsc snapshots get --cluster prod-east --for-period 2026-10-03 2026-12-31 --out evidence/",
                   "lsc snapshots verify --all"))
    actions = parser.add_subparsers(dest="snapshots_command", required=True, metavar="ACTION")

    def action(name: str, summary: str) -> argparse.ArgumentParser:
        sub = actions.add_parser(name, help=summary, description=summary, epilog=EXAMPLES[name],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
        add_target_arguments(sub)
        return sub

    listing = action("list", "archived snapshots with cluster, covered period, collected time, size, sha256, key")
    listing.add_argument("--cluster", help="only this cluster")
    listing.add_argument("--from", dest="start", type=date.fromisoformat, help="only snapshots covering a day from D on")
    listing.add_argument("--to", dest="end", type=date.fromisoformat, help="only snapshots covering a day up to D")
    listing.add_argument("--json", action="store_true", help="JSON list on stdout")
    listing.set_defaults(func=_exit_2_on_usage_errors(run_list))

    get = action("get", "download snapshots byte for byte, with their served file names, verifying each")
    get.add_argument("keys", nargs="*", metavar="KEY", help="S3 keys of snapshots (as `list` shows them)")
    get.add_argument("--cluster", help="the cluster whose snapshots cover --for-period")
    get.add_argument("--for-period", nargs=2, type=date.fromisoformat, metavar=("FROM", "TO"),
                     help="the fewest snapshots covering these days (inclusive)")
    get.add_argument("--out", type=Path, required=True, help="folder to write <cluster>/<file name> into")
    get.set_defaults(func=_exit_2_on_usage_errors(run_get))

    verify = action("verify", "recompute each snapshot's sha256 and check the zip's checksum.txt")
    verify.add_argument("--cluster", help="only this cluster's snapshots")
    verify.add_argument("--all", action="store_true", help="every archived snapshot")
    verify.set_defaults(func=_exit_2_on_usage_errors(run_verify))


def _say(message: str) -> None:
    print(message, file=sys.stderr)


def run_list(args: argparse.Namespace) -> int:
    from lsc.day_ranges import DayRange
    from lsc.snapshot_catalog import list_snapshots

    target = resolve_target(args)
    snapshots = list_snapshots(target.client(), target.bucket, cluster_id=args.cluster, collected_from=args.start)
    if args.start or args.end:
        period = DayRange(args.start or date.min, args.end or date.max)
        snapshots = [s for s in snapshots if s.window is None or s.window.overlaps(period)]
    if args.json:
        print(json.dumps([s.as_json() for s in snapshots], indent=1))
        return 0
    for s in snapshots:
        window = str(s.window) if s.window else "(window not recorded)"
        print(f"{s.cluster_id:<20} {window:<24} {s.collected_at or '-':<25} {s.size:>10} {s.sha256 or '-'}  {s.key}")
    _say(f"{len(snapshots)} snapshots in s3://{target.bucket}/")
    return 0


def run_get(args: argparse.Namespace) -> int:
    from lsc.day_ranges import DayRange, uncovered
    from lsc.snapshot_catalog import SnapshotUnavailable, covering, list_snapshots, snapshot_at

    if bool(args.keys) == bool(args.for_period) or (args.for_period and not args.cluster):
        raise UsageError("give either KEY... or --cluster ID --for-period FROM TO")
    target = resolve_target(args)
    s3 = target.client()
    bad = 0
    if args.keys:
        chosen = []
        for key in args.keys:
            try:
                chosen.append(snapshot_at(s3, target.bucket, key))
            except SnapshotUnavailable as exc:
                bad += 1
                _say(f"UNAVAILABLE {key}: {exc}")
        gaps = []
    else:
        period = DayRange(*args.for_period)
        chosen = covering(list_snapshots(s3, target.bucket, cluster_id=args.cluster, collected_from=period.start), period)
        gaps = uncovered(period, [s.window for s in chosen if s.window])
    bad += sum(_download(s3, target.bucket, snapshot, args.out) for snapshot in chosen)
    for gap in gaps:
        _say(f"MISSING {args.cluster}: no archived snapshot covers {gap} ({gap.days} days)")
    return 1 if bad or gaps or not chosen else 0


def _download(s3, bucket: str, snapshot, out: Path) -> bool:  # type: ignore[no-untyped-def]
    """Writes <out>/<cluster>/<file name>; a file that fails verification is removed. True if bad."""
    from lsc.snapshot_catalog import SnapshotUnavailable, copy_verified

    folder = out / snapshot.cluster_id
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / snapshot.file_name
    partial = path.with_name(path.name + ".part")
    try:
        with partial.open("w+b") as sink:
            problems = copy_verified(s3, bucket, snapshot, sink)
    except SnapshotUnavailable as exc:
        partial.unlink(missing_ok=True)
        _say(f"UNAVAILABLE {snapshot.key}: {exc}")
        return True
    if problems:
        partial.unlink()
        _say(f"BAD {snapshot.key}: " + "; ".join(problems))
        return True
    partial.replace(path)
    print(path)
    _say(f"ok  {path} ({snapshot.size} bytes, sha256 {snapshot.sha256}, covers {snapshot.window})")
    return False


def run_verify(args: argparse.Namespace) -> int:
    from lsc.snapshot_catalog import SnapshotUnavailable, copy_verified, list_snapshots

    if not (args.cluster or args.all):
        raise UsageError("name a cluster (--cluster ID) or verify the whole archive (--all)")
    target = resolve_target(args)
    s3 = target.client()
    snapshots = list_snapshots(s3, target.bucket, cluster_id=args.cluster)
    if not snapshots:
        return _nothing_to_verify(s3, target.bucket, args.cluster)
    bad = unavailable = 0
    for snapshot in snapshots:
        notes: list[str] = []
        try:
            with tempfile.TemporaryFile() as sink:
                problems = copy_verified(s3, target.bucket, snapshot, sink, notes)
        except SnapshotUnavailable as exc:
            unavailable += 1
            print(f"UNAVAILABLE {snapshot.key}: {exc}")
            continue
        if notes:
            _say(f"note {snapshot.key}: " + "; ".join(notes))
        if problems:
            bad += 1
            print(f"BAD {snapshot.key}: " + "; ".join(problems))
    print(f"{len(snapshots) - bad - unavailable} of {len(snapshots)} snapshots verified"
          + (f", {bad} BAD" if bad else "") + (f", {unavailable} UNAVAILABLE" if unavailable else "")
          + f" in s3://{target.bucket}/")
    return 1 if bad or unavailable else 0


def _nothing_to_verify(s3, bucket: str, cluster_id: str | None) -> int:  # type: ignore[no-untyped-def]
    """No snapshot matched: an id the registry does not know is a usage error (2), a known cluster
    or the whole archive without any snapshot is missing evidence (1)."""
    from lsc.data_bucket import DataBucket
    from lsc.local.local_estate import REGISTRY_KEY

    if cluster_id is None:
        _say(f"nothing verified: no archived snapshot in s3://{bucket}/")
        return 1
    try:
        known = {c.id for c in DataBucket(s3, bucket).read_registry(REGISTRY_KEY).clusters}
    except (FileNotFoundError, ValueError):  # RegistryError is a ValueError
        known = None
    if known is not None and cluster_id not in known:
        raise UsageError(f"nothing verified: cluster {cluster_id!r} is not in the registry and has no archived "
                         f"snapshot in s3://{bucket}/ (check the id: `lsc snapshots list` shows the archived ones)")
    _say(f"nothing verified: no archived snapshot of cluster {cluster_id!r} in s3://{bucket}/")
    return 1


class UsageError(ValueError):
    """The arguments do not make a request; the message says what to give."""


def _exit_2_on_usage_errors(run: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    @functools.wraps(run)
    def wrapped(args: argparse.Namespace) -> int:
        try:
            return run(args)
        except (UsageError, TargetError, LookupError) as exc:
            _say(str(exc))
            return 2

    return wrapped
