"""`lsc demo`: the main job on one machine, from simulated clusters to the multicluster rollup."""
from __future__ import annotations

import argparse
import json
import signal
import sys
import time
from contextlib import ExitStack
from pathlib import Path

DEMO_ESTATE = Path(__file__).resolve().parent / "demo_estate"
DEMO_BUCKET = "lsc-demo"

EXAMPLES = """examples:
  lsc demo                       collect the demo estate and print the multicluster rollup
  lsc demo --json                only the rollup document on stdout (window + monthly rows)
  lsc demo --keep                leave simulators and the S3 endpoint up until Ctrl-C
  lsc demo --endpoint-url http://127.0.0.1:5000 --bucket my-bucket   write into an endpoint that outlives the demo
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "demo", help="run the whole collection locally against simulated clusters",
        description="Starts one License Service simulator per fixture and moto server as AWS, runs the "
                    "dispatcher and collector handlers, then the view SQL in DuckDB, and prints the rollup.",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--fixtures", type=Path, default=DEMO_ESTATE, help="folder of cluster fixtures (default: the demo estate)")
    parser.add_argument("--endpoint-url", help="S3-compatible endpoint to write into instead of a private moto server")
    parser.add_argument("--bucket", default=DEMO_BUCKET, help=f"data bucket (default {DEMO_BUCKET})")
    parser.add_argument("--keep", action="store_true", help="keep simulators and the endpoint running until Ctrl-C")
    parser.add_argument("--json", action="store_true", help="print only the rollup JSON document on stdout")
    parser.add_argument("--verbose", action="store_true", help="show the handlers' logs")
    parser.set_defaults(func=run)


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _stop_on_sigterm() -> None:
    # SystemExit unwinds the ExitStack, so servers stop and ports are freed as on Ctrl-C
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))


def run(args: argparse.Namespace) -> int:
    from lsc.local.aws_env import DUMMY_KEY, LOCAL_REGION, MotoEndpoint, local_aws
    from lsc.local.fixture import load_estate
    from lsc.local.local_estate import cluster_entry, provision, run_collection, seed, start_simulators
    from lsc.local.sql_engine import LocalEngine
    from lsc.local.tls import LocalCA
    from lsc.observability import logger
    from lsc.peak_details import mark_provisional
    from lsc.rollup import DUPLICATES_KEY, duplicate_license_services, duplicate_warnings, render_text, rollup_document

    _stop_on_sigterm()
    if not args.verbose:
        logger.setLevel("WARNING")
    fixtures = load_estate(args.fixtures)
    if not fixtures:
        say(f"no cluster fixtures in {args.fixtures}")
        return 2
    scheduled_time = f"{max(f.today for f in fixtures).isoformat()}T00:00:00Z"
    with ExitStack() as stack:
        ca = LocalCA()
        say(f"starting {len(fixtures)} License Service simulators (HTTPS, local CA)")
        servers = start_simulators(stack, fixtures, ca)
        endpoint = args.endpoint_url or stack.enter_context(MotoEndpoint()).url
        say(f"AWS endpoint: {endpoint}{'' if args.endpoint_url else ' (moto server)'}")
        started = time.monotonic()
        with local_aws(endpoint):
            deployment = provision(endpoint, args.bucket)
            registry = seed(deployment, [(f, cluster_entry(f, s.url)) for f, s in zip(fixtures, servers)], ca.ca_pem)
        with local_aws(endpoint, deployment.handler_env()):
            say(f"collecting run {scheduled_time} from {len(registry.enabled())} clusters")
            result = run_collection(deployment, scheduled_time, schedule="lsc-demo",
                                    on_batch=lambda r: say(f"  collected {r.succeeded}/{len(registry.enabled())}"))
        say(f"collection finished in {time.monotonic() - started:.1f}s: {result.succeeded} clusters collected, "
            f"{result.failed_attempts} failed attempts")
        with LocalEngine.over_s3(endpoint, args.bucket, access_key=DUMMY_KEY, secret_key=DUMMY_KEY,
                                 region=LOCAL_REGION) as engine:
            document = {**rollup_document(engine), DUPLICATES_KEY: duplicate_license_services(engine)}
            mark_provisional(engine, document)
        if args.json:
            print(json.dumps(document, indent=1, sort_keys=True))
        else:
            print(render_text(document))
            print(f"\nData landed in s3://{args.bucket}/ on {endpoint}: snapshots/ (audit zips), usage/ (JSON Lines), "
                  "status/ (one record per cluster and run)")
        for warning in duplicate_warnings(document[DUPLICATES_KEY]):
            say(warning)
        if result.succeeded < len(registry.enabled()):
            say("some clusters failed: see status/ records")
        if args.keep:
            _wait_for_interrupt(endpoint, args.bucket, servers)
    return 0 if result.succeeded == len(registry.enabled()) else 1


def _wait_for_interrupt(endpoint: str, bucket: str, servers: list) -> None:  # type: ignore[type-arg]
    say("\nKept running (Ctrl-C to stop):")
    for server in servers:
        say(f"  simulator {server.cluster_id}: {server.url}")
    say(f"  S3 endpoint {endpoint}, bucket {bucket}. Point other commands at it with:\n"
        f"    export AWS_ENDPOINT_URL={endpoint} AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing "
        f"AWS_DEFAULT_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true\n"
        f"    aws s3 ls s3://{bucket}/ --recursive   # or: lsc rollup --endpoint-url {endpoint} --bucket {bucket}")
    try:
        while True:
            # short naps: the kernel may hand the signal to a server thread, and a long sleep in
            # the main thread would only notice it when it ends
            time.sleep(0.2)
    except KeyboardInterrupt:
        say("stopping")
