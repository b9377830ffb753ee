"""`lsc simulate`: one fixture served as a License Service until Ctrl-C or SIGTERM."""
from __future__ import annotations

import argparse
import logging
import signal
import sys
import tempfile
import threading
from datetime import date
from pathlib import Path
from types import FrameType

from lsc.local.faults import FAULT_NAMES, ROTATED_SUFFIX, FaultSpec, parse_fault
from lsc.local.fixture import FixtureError, load_fixture
from lsc.local.simulator_server import SimulatorServer
from lsc.local.tls import LocalCA


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "simulate",
        help="serve a cluster fixture as a License Service (HTTPS on loopback)",
        description="Serve one lsc-cluster-fixture/1 file through the License Service HTTP API. "
        "The URL and the CA certificate file are printed to stderr; the token is the fixture's.",
        epilog="examples:\n  lsc simulate --fixture functions/lsc/local/demo_estate/prod-east.json --port 9443 --ca-out ca.pem\n"
        "  lsc simulate --fixture prod-east.json --fault 401:/snapshot --fault slow-drip=50:/snapshot",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--fixture", required=True, type=Path, help="cluster fixture JSON file")
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: any free one)")
    parser.add_argument("--today", type=date.fromisoformat, help="the simulated day (YYYY-MM-DD)")
    parser.add_argument("--prefix", help="path prefix such as /ibm-licensing-service-instance "
                        "(default: the fixture's path_prefix; '' for none)")
    parser.add_argument("--http", action="store_true", help="plain HTTP instead of HTTPS")
    parser.add_argument("--ca-out", type=Path, help="where to write the CA certificate (PEM)")
    parser.add_argument(
        "--fault", action="append", default=[], type=_fault, metavar="NAME[=ARG][:ENDPOINT]",
        help=f"inject a fault, repeatable; names: {', '.join(FAULT_NAMES)}. "
        "ARG: slow-drip bytes/s, oversized MiB, timeout seconds, token-rotated requests the old token "
        f"still gets; after rotation the token is the fixture's with '{ROTATED_SUFFIX}' appended",
    )
    parser.set_defaults(func=run)


def _fault(text: str) -> FaultSpec:
    try:
        return parse_fault(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def run(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(message)s")
    try:
        fixture = load_fixture(args.fixture)
    except (FixtureError, OSError) as error:
        print(f"lsc simulate: {error}", file=sys.stderr)
        return 2
    tls = None if args.http else LocalCA()
    try:
        server = SimulatorServer(
            fixture, port=args.port, prefix=args.prefix, today=args.today, tls=tls, faults=args.fault
        )
    except ValueError as error:
        print(f"lsc simulate: {error}", file=sys.stderr)
        return 2
    stop_requested = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop_requested.set()

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        with server:
            print(f"License Service simulator for {fixture.cluster_id}: {server.url}", file=sys.stderr)
            if tls is not None:
                ca_path = args.ca_out or Path(tempfile.gettempdir()) / f"lsc-simulator-{fixture.cluster_id}-ca.pem"
                print(f"CA certificate: {tls.write_ca_pem(ca_path)}", file=sys.stderr)
            if server.faults:
                print(f"Faults: {' '.join(str(fault) for fault in server.faults)}", file=sys.stderr)
            print("Ctrl-C stops it.", file=sys.stderr)
            stop_requested.wait()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    print("simulator stopped", file=sys.stderr)
    return 0
