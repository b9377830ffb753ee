"""`lsc bench` (`make bench`): the performance and scale measurements of the README's Performance
section, each against a baseline measured in the same run, printed as one table and written as JSON."""
from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from lsc.local.cli_output import EXIT_FINDINGS, EXIT_OK, examples, progress


MEASUREMENTS = ("fleet", "snapshot", "cold-start", "dispatcher", "rollup")


@dataclass(frozen=True)
class Scale:
    fleets: tuple[int, ...]
    workers: int
    latency_ms: float
    sequential_sample: int
    snapshot_mb: float
    import_repeats: int
    dispatch_clusters: int
    rollup_clusters: int
    rollup_days: int
    rollup_products: int
    simulator_processes: int  # child processes serving the fleet's simulated clusters


FULL = Scale(fleets=(100, 1000), workers=50, latency_ms=200, sequential_sample=5, snapshot_mb=200, import_repeats=15,
             dispatch_clusters=10_000, rollup_clusters=1000, rollup_days=365, rollup_products=20,
             simulator_processes=2)
# Every path of the full run at a size that takes seconds: the smoke test in `make test`.
QUICK = Scale(fleets=(12,), workers=4, latency_ms=20, sequential_sample=2, snapshot_mb=8, import_repeats=1,
              dispatch_clusters=120, rollup_clusters=12, rollup_days=62, rollup_products=3, simulator_processes=1)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "bench", help="performance and scale measurements (fleet fan-out, overhead, memory, cold start, rollup)",
        description="Measures collection fan-out over simulated clusters, the collector's overhead over raw "
                    "GETs, peak memory while archiving a large snapshot, handler import time, dispatcher "
                    "enqueue rate and the rollup over a generated estate, each against a baseline from the same "
                    "run. Prints one table and writes it as JSON. Exit 1 when a target is missed.",
        **examples("lsc bench                       # the full run (several minutes)",
                   "lsc bench --quick               # every measurement at a small size (seconds)",
                   "lsc bench --only fleet rollup   # some measurements only"),
    )
    parser.add_argument("--quick", action="store_true", help="small sizes: checks the bench works, not the figures")
    parser.add_argument("--only", nargs="+", choices=MEASUREMENTS, metavar="NAME",
                        help=f"run only these measurements ({', '.join(MEASUREMENTS)})")
    parser.add_argument("--out", type=Path, default=Path("results"),
                        help="folder for the JSON results (default ./results)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from lsc.local.aws_env import MotoProcess
    from lsc.local.bench import cold_start, enqueue, fleet, rollup_scale, snapshot_memory
    from lsc.local.child_process import stop_on_sigterm
    from lsc.local.bench.report import render_table, write_json
    from lsc.local.demo import DEMO_ESTATE
    from lsc.observability import logger

    logger.setLevel("WARNING")
    stop_on_sigterm()  # like Ctrl-C: the moto and simulator processes are stopped on the way out
    scale = QUICK if args.quick else FULL
    wanted = args.only or MEASUREMENTS
    rows = []
    started = time.monotonic()
    # moto server in a process of its own, so the collectors measured here do not share its GIL
    with MotoProcess(enqueue.MOTO_PURGE_ANYTIME) as moto, tempfile.TemporaryDirectory(prefix="lsc-bench-") as workdir:
        steps = {
            "fleet": lambda: [row for clusters in scale.fleets for row in fleet.measure(
                moto, str(DEMO_ESTATE), clusters, scale.workers, scale.latency_ms / 1000, scale.sequential_sample,
                scale.simulator_processes)],
            "snapshot": lambda: [snapshot_memory.measure(moto.url, scale.snapshot_mb)],
            "cold-start": lambda: cold_start.measure(scale.import_repeats),
            "dispatcher": lambda: [enqueue.measure(moto.url, scale.dispatch_clusters)],
            "rollup": lambda: rollup_scale.measure(Path(workdir), rollup_scale.Estate(
                scale.rollup_clusters, scale.rollup_days, scale.rollup_products)),
        }
        for name in MEASUREMENTS:
            if name in wanted:
                progress(f"{name} ...")
                step_started = time.monotonic()
                rows.extend(steps[name]())
                progress(f"{name}: {time.monotonic() - step_started:.1f}s")
    print(render_table(rows))
    stamp = datetime.now(timezone.utc)
    path = args.out / f"bench-{'quick-' if args.quick else ''}{stamp:%Y%m%dT%H%M%SZ}.json"
    write_json(path, rows, {"at": stamp.isoformat(timespec="seconds"), "quick": args.quick, "scale": scale.__dict__,
                            "seconds": round(time.monotonic() - started, 1), "python": sys.version.split()[0],
                            "machine": platform.platform(), "cpus": len(os.sched_getaffinity(0))})
    print(f"\nwritten: {path}", file=sys.stderr)
    return EXIT_FINDINGS if any(row.met is False for row in rows) else EXIT_OK
