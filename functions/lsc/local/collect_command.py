"""`lsc collect`: a collection run now, in this process, against the bucket's registry."""
from __future__ import annotations

import argparse
import os
import sys
from datetime import datetime, timezone

from lsc.local.data_target import TargetError, add_target_arguments, resolve_target

EXAMPLES = """examples:
  lsc collect                                   every enabled cluster of the registry, now
  lsc collect --cluster prod-east               one cluster (disabled ones too, when named)
  lsc collect --cluster prod-east --final       decommissioning: a last snapshot of everything the
                                                service keeps (24 months), and the cluster is retired
  lsc collect --endpoint-url http://127.0.0.1:5000 --bucket lsc-demo   after `lsc demo --keep`

The registry is read from the bucket (config/clusters.json), tokens from Secrets Manager at the
same endpoint. Exit code 1 when a cluster could not be collected (its status record says why)."""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "collect", help="run a collection now (all enabled clusters, or the ones named)",
        description="Collects in this process exactly as the collector Lambda does, writing into the data bucket.",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--cluster", action="append", metavar="ID", help="only this cluster (repeatable)")
    parser.add_argument("--final", action="store_true",
                        help="decommissioning run: take everything the service keeps and mark the cluster retired")
    parser.add_argument("--scheduled-time", type=_utc, default=None,
                        help="the run's scheduled time (ISO 8601, default now): it names the run and its keys")
    add_target_arguments(parser)
    parser.set_defaults(func=run)


def _utc(text: str) -> datetime:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return (moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)).astimezone(timezone.utc)


def run(args: argparse.Namespace) -> int:
    from lsc.collection import CollectionFailed, Collector, collect_cluster
    from lsc.data_bucket import DataBucket
    from lsc.dispatch import record_registry
    from lsc.events import CollectRequest, Run
    from lsc.registry import RegistryError
    from lsc.settings import Settings

    if args.final and not args.cluster:
        print("--final retires clusters: name them with --cluster ID", file=sys.stderr)
        return 2
    try:
        target = resolve_target(args)
        settings = Settings.from_env({**os.environ, "LSC_DATA_BUCKET": target.bucket})
        bucket = DataBucket(target.client(), target.bucket)
        registry = bucket.read_registry(settings.registry_key)
        clusters = [registry.get(c) for c in args.cluster] if args.cluster else registry.enabled()
    except (TargetError, RegistryError, FileNotFoundError) as exc:
        print(exc, file=sys.stderr)
        return 2
    scheduled = args.scheduled_time or datetime.now(timezone.utc).replace(microsecond=0)
    run = Run(schedule="lsc-final" if args.final else "lsc-collect", scheduled_time=scheduled)
    record_registry(bucket, run, registry)
    collector = Collector(bucket, settings, _secret_reader(target.client("secretsmanager")))
    failed = 0
    for cluster in clusters:
        request = CollectRequest(cluster_id=cluster.id, run_id=run.run_id, scheduled_time=run.scheduled_time)
        try:
            status = collect_cluster(collector, cluster, request, final=args.final)
        except CollectionFailed as failure:
            failed += 1
            print(f"FAILED {failure}", file=sys.stderr)
            continue
        print(f"{cluster.id}: collected {status['window_start']}..{status['window_end']}, snapshot "
              f"{status['snapshot_key']}" + (" — cluster retired" if args.final else ""))
    return 1 if failed else 0


def _secret_reader(secrets):  # type: ignore[no-untyped-def]
    cache: dict[str, str] = {}

    def read(name: str) -> str:
        if name not in cache:
            cache[name] = secrets.get_secret_value(SecretId=name)["SecretString"]
        return cache[name]

    return read
