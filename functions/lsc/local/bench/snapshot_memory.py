"""Snapshot memory: peak RSS growth of the collector while it downloads, checks and archives one
large snapshot to S3 (moto server), measured in a fresh child process so nothing else in the bench
counts. The simulator in that process streams the padded zip (`oversized` fault) without holding it.

Run as `python -m lsc.local.bench.snapshot_memory ENDPOINT_URL MEGABYTES`; prints one JSON line.
"""
from __future__ import annotations

import json
import subprocess
import sys
import time
from contextlib import ExitStack
from pathlib import Path

from lsc.local.bench.report import Measurement

TARGET_MB = 64.0
MB = 1024 * 1024


def _status_kb(field: str) -> int:
    """VmRSS (now) or VmHWM (peak so far) of this process, in kB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"/proc/self/status has no {field}")


def _collect_once(megabytes: float, endpoint_url: str) -> dict[str, float]:
    from lsc.local.aws_env import local_aws
    from lsc.local.demo import DEMO_ESTATE
    from lsc.local.fixture import load_estate
    from lsc.local.local_estate import cluster_entry, provision, run_collection, seed, start_simulators
    from lsc.local.tls import LocalCA
    from lsc.observability import logger

    logger.setLevel("WARNING")
    fixture = next(f for f in load_estate(DEMO_ESTATE) if not f.chargeback and not f.bearer_tokens)
    ca = LocalCA()
    with ExitStack() as stack:
        [server] = start_simulators(stack, [fixture], ca)
        with local_aws(endpoint_url):
            deployment = provision(endpoint_url, "bench-snapshot-memory")
            seed(deployment, [(fixture, cluster_entry(fixture, server.url))], ca.ca_pem)
        with local_aws(endpoint_url, deployment.handler_env()):
            # warm-up: every module loaded, every client and connection pool made
            run_collection(deployment, "2026-11-29T06:00:00Z")
            server.faults = [f"oversized={megabytes}:/snapshot"]
            rss_before = _status_kb("VmRSS")
            started = time.perf_counter()
            result = run_collection(deployment, "2026-11-30T06:00:00Z")
            seconds = time.perf_counter() - started
            peak = _status_kb("VmHWM")
    if result.succeeded != 1:
        raise RuntimeError("the large snapshot was not collected")
    return {"growth_mb": max(0, peak - rss_before) / 1024, "rss_before_mb": rss_before / 1024, "seconds": seconds}


def measure(endpoint_url: str, megabytes: float) -> Measurement:
    run = subprocess.run([sys.executable, "-m", __name__, endpoint_url, str(megabytes)],
                         check=True, capture_output=True, text=True)
    figures = json.loads(run.stdout.splitlines()[-1])
    return Measurement(
        name=f"snapshot: peak RSS growth archiving {megabytes:g} MB", value=figures["growth_mb"], unit="MB",
        baseline_name="snapshot size", baseline=float(megabytes), target=f"<= {TARGET_MB:g} MB",
        met=figures["growth_mb"] <= TARGET_MB,
        details={**figures, "throughput_mb_s": megabytes / figures["seconds"]},
    )


if __name__ == "__main__":
    print(json.dumps(_collect_once(float(sys.argv[2]), sys.argv[1])))
