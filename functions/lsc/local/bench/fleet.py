"""Fleet fan-out and per-cluster overhead: many simulated clusters (HTTPS, a fixed latency per
request) collected through the real dispatcher -> SQS (moto server) -> collector handler path, with
a pool of worker threads standing in for the collector Lambda's concurrency.

Baselines: the ideal ceil(N/C) x (requests per cluster x latency), a naive sequential loop over a
sample of the clusters, and raw httpx GETs of the same endpoints for one cluster. Time spent in S3
calls (moto writes ~160 objects/s, far below S3) is measured on every call and reported apart.
"""
from __future__ import annotations

import math
import resource
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import date

import boto3
import httpx

from lsc.local.aws_env import local_aws
from lsc.local.bench.report import Measurement
from lsc.local.cli_output import progress
from lsc.local.fixture import Fixture, load_estate
from lsc.local.lambda_runtime import LambdaContext, drain_queue, scheduler_input
from lsc.local.local_estate import cluster_entry, provision, seed, start_simulators
from lsc.local.tls import LocalCA

# The collector's requests for a cluster without chargeback groups (architecture §4).
ENDPOINTS = ("/version", "/health", "/products", "/bundled_products", "/services", "/snapshot")
TARGET_FLEET_RATIO = 1.2
TARGET_OVERHEAD_RATIO = 1.3
COLLECTOR_BATCH_SIZE = 1  # as deployed (infra/collection.py): one cluster per invocation
FIRST_RUN = "2026-11-29T06:00:00Z"  # seeds each cluster's state, so the measured run is a daily one
MEASURED_RUN = "2026-11-30T06:00:00Z"


def raise_open_files_limit() -> int:
    """Every simulated cluster holds a listening socket and a connection: use the hard limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


def bench_fixtures(demo_estate: str, clusters: int) -> list[Fixture]:
    """Copies of a demo cluster without chargeback groups, so every cluster makes len(ENDPOINTS) calls."""
    plain = next(f for f in load_estate(demo_estate) if not f.chargeback and not f.bearer_tokens)
    return [plain.model_copy(update={"cluster_id": f"bench-{n:05d}", "path_prefix": None}) for n in range(clusters)]


class S3Timer:
    """Wall time spent inside S3 calls, summed over threads (botocore events fire in the calling thread)."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.calls = 0
        self._started = threading.local()
        self._lock = threading.Lock()

    def attach(self, client) -> None:  # type: ignore[no-untyped-def]
        client.meta.events.register("before-call.s3", self._before)
        client.meta.events.register("after-call.s3", self._after)

    def _before(self, **_: object) -> None:
        self._started.at = time.perf_counter()

    def _after(self, **_: object) -> None:
        with self._lock:
            self.seconds += time.perf_counter() - self._started.at
            self.calls += 1


@dataclass
class FleetRun:
    wall_s: float
    succeeded: int
    s3_s: float
    s3_calls: int


def _run_fleet(deployment, workers: int, scheduled_time: str, timer: S3Timer) -> FleetRun:  # type: ignore[no-untyped-def]
    from lsc import aws_clients
    from lsc.handlers import collector, dispatcher

    timer.attach(aws_clients.client("s3"))
    calls_before, seconds_before = timer.calls, timer.seconds
    started = time.perf_counter()
    dispatcher.handler(scheduler_input("lsc-bench", scheduled_time), LambdaContext("lsc-dispatcher"))

    def worker(_: int) -> int:
        return drain_queue(boto3.client("sqs"), deployment.queue_url, collector.handler,
                           batch_size=COLLECTOR_BATCH_SIZE).succeeded

    with ThreadPoolExecutor(max_workers=workers) as pool:
        succeeded = sum(pool.map(worker, range(workers)))
    return FleetRun(time.perf_counter() - started, succeeded, timer.seconds - seconds_before,
                    timer.calls - calls_before)


def _raw_gets(url: str, fixture: Fixture, ca: LocalCA, today: date) -> float:
    """The same requests with a bare httpx client (one connection, bodies read whole)."""
    params = {"token": fixture.token, "startDate": f"{today:%Y-%m}-01", "endDate": today.isoformat()}
    started = time.perf_counter()
    with httpx.Client(base_url=url + "/", verify=ca.client_context()) as client:
        for endpoint in ENDPOINTS:
            client.get(endpoint.lstrip("/"), params=params).raise_for_status()
    return time.perf_counter() - started


def measure(endpoint_url: str, demo_estate: str, clusters: int, workers: int, latency_s: float,
            sample: int) -> list[Measurement]:
    raise_open_files_limit()
    fixtures = bench_fixtures(demo_estate, clusters)
    ca = LocalCA()
    timer = S3Timer()
    with ExitStack() as stack:
        started = time.perf_counter()
        servers = start_simulators(stack, fixtures, ca, latency_s=latency_s)
        progress(f"  {clusters} simulators up in {time.perf_counter() - started:.2f}s")
        bucket = f"bench-fleet-{clusters}"
        with local_aws(endpoint_url):
            deployment = provision(endpoint_url, bucket, visibility_timeout=900)
            seed(deployment, [(f, cluster_entry(f, s.url)) for f, s in zip(fixtures, servers)], ca.ca_pem)
        with local_aws(endpoint_url, deployment.handler_env()):
            for server in servers:
                server.latency_s = 0.0
            _run_fleet(deployment, workers, FIRST_RUN, timer)  # first collections: state for the daily run
            for server in servers:
                server.latency_s = latency_s
            progress(f"  collecting {clusters} clusters with {workers} workers")
            fleet = _run_fleet(deployment, workers, MEASURED_RUN, timer)
            progress(f"  naive sequential loop over {sample} clusters")
            sequential = _sample_sequential(deployment, servers[:sample], MEASURED_RUN)
        raw = min(_raw_gets(servers[0].url, fixtures[0], ca, date.fromisoformat(MEASURED_RUN[:10])) for _ in range(3))
    ideal_s = math.ceil(clusters / workers) * len(ENDPOINTS) * latency_s
    sequential_s = sequential.wall_s / sample * clusters
    per_cluster_s = sequential.wall_s / sample
    per_cluster_s3_s = sequential.s3_s / sample
    if fleet.succeeded != clusters:
        raise RuntimeError(f"the fleet run collected {fleet.succeeded} of {clusters} clusters")
    common = {"clusters": clusters, "workers": workers, "latency_ms": latency_s * 1000,
              "requests_per_cluster": len(ENDPOINTS)}
    return [
        Measurement(
            name=f"fleet: {clusters:,} clusters, C={workers}, L={latency_s * 1000:g} ms", value=fleet.wall_s, unit="s",
            baseline_name="ideal", baseline=ideal_s, target=f"<= {TARGET_FLEET_RATIO}x ideal (at 1,000)",
            met=fleet.wall_s <= TARGET_FLEET_RATIO * ideal_s if clusters >= 1000 else None,
            details={**common, "s3_calls": fleet.s3_calls, "s3_share_of_worker_time": fleet.s3_s / (fleet.wall_s * workers),
                     "naive_sequential_s_extrapolated": sequential_s,
                     "speedup_over_sequential": sequential_s / fleet.wall_s},
        ),
        Measurement(
            name=f"fleet: {clusters:,} clusters vs naive sequential loop", value=fleet.wall_s, unit="s",
            baseline_name=f"sequential (sample of {sample}, extrapolated)", baseline=sequential_s,
            details=common,
        ),
        Measurement(
            name=f"per-cluster: collector vs raw httpx GETs (L={latency_s * 1000:g} ms)", value=per_cluster_s * 1000,
            unit="ms", baseline_name="raw GETs", baseline=raw * 1000, target=f"<= {TARGET_OVERHEAD_RATIO}x",
            met=per_cluster_s <= TARGET_OVERHEAD_RATIO * raw,
            details={**common, "s3_ms_per_cluster": per_cluster_s3_s * 1000,
                     "s3_calls_per_cluster": sequential.s3_calls / sample,
                     "ratio_without_s3": (per_cluster_s - per_cluster_s3_s) / raw},
        ),
    ]


def _sample_sequential(deployment, servers, scheduled_time: str) -> FleetRun:  # type: ignore[no-untyped-def]
    """One worker over a sample: the naive loop, one cluster after the other."""
    from lsc import aws_clients
    from lsc.events import CollectRequest
    from lsc.handlers import collector
    from lsc.local.lambda_runtime import sqs_event

    timer = S3Timer()
    timer.attach(aws_clients.client("s3"))
    scheduled = CollectRequest(cluster_id="x", run_id="x", scheduled_time=scheduled_time).scheduled_time
    started = time.perf_counter()
    for server in servers:
        body = CollectRequest(cluster_id=server.cluster_id, run_id="lsc-bench-sequential", scheduled_time=scheduled).body()
        response = collector.handler(sqs_event([{"MessageId": server.cluster_id, "ReceiptHandle": "-", "Body": body}],
                                                "arn:aws:sqs:us-east-1:000000000000:bench"), LambdaContext("lsc-collector"))
        if response.get("batchItemFailures"):
            raise RuntimeError(f"cluster {server.cluster_id} failed in the sequential sample")
    return FleetRun(time.perf_counter() - started, len(servers), timer.seconds, timer.calls)
