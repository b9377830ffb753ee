"""Fleet fan-out and per-cluster overhead: many simulated clusters (HTTPS, a fixed latency per
request) collected through the real dispatcher -> SQS (moto server) -> collector handler path, with
a pool of worker threads standing in for the collector Lambda's concurrency.

The stand-ins run in processes of their own (moto server: `MotoProcess`; the simulators: a few
`SimulatorPool` children), so the measured process holds only the dispatcher and the collectors.

Baselines: the ideal ceil(N/C) x (requests per cluster x latency), a naive sequential loop over a
sample of the clusters, and raw httpx GETs of the same endpoints for one cluster. Alongside, the
CPU floor: the CPU time every process of the run used (collectors, moto, simulators), spread over
the machine's cores, which the wall time cannot go below on this machine; its stand-in part (moto
and the simulators) is work that S3, SQS and real clusters do elsewhere in AWS. The ideal assumes
no CPU time at all, so on a small machine the CPU floor, not the ideal, is the reachable figure.
"""
from __future__ import annotations

import math
import os
import resource
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from collections.abc import Callable
from typing import Any, Protocol

import boto3
import httpx

from lsc.local.aws_env import local_aws
from lsc.local.bench.aws_calls import AwsCalls
from lsc.local.bench.report import Measurement
from lsc.local.bench.simulator_pool import SimulatorPool
from lsc.local.cli_output import progress
from lsc.local.fixture import Fixture, load_estate
from lsc.local.lambda_runtime import LambdaContext, run_event_source, scheduler_input, sqs_event
from lsc.local.local_estate import LocalDeployment, cluster_entry, provision, seed
from lsc.local.tls import LocalCA

# The collector's requests for a cluster without chargeback groups (architecture §4).
ENDPOINTS = ("/version", "/health", "/products", "/bundled_products", "/services", "/snapshot")
TARGET_FLEET_RATIO = 1.2
TARGET_OVERHEAD_RATIO = 1.3
COLLECTOR_BATCH_SIZE = 1  # as deployed (infra/collection.py): one cluster per invocation
FIRST_RUN = "2026-11-29T06:00:00Z"  # seeds each cluster's state, so the measured run is a daily one
MEASURED_RUN = "2026-11-30T06:00:00Z"
FIRST_RUN_ID = "lsc-bench-first"


class LocalAws(Protocol):
    url: str

    def cpu_seconds(self) -> float: ...


def raise_open_files_limit() -> int:
    """Every simulated cluster holds a listening socket and a connection: use the hard limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


def bench_fixtures(demo_estate: str, clusters: int, *, first: int = 0) -> list[Fixture]:
    """Copies of a demo cluster without chargeback groups, so every cluster makes len(ENDPOINTS) calls."""
    plain = next(f for f in load_estate(demo_estate) if not f.chargeback and not f.bearer_tokens)
    return [plain.model_copy(update={"cluster_id": f"bench-{n:05d}", "path_prefix": None})
            for n in range(first, first + clusters)]


@dataclass
class FleetRun:
    wall_s: float
    succeeded: int
    calls: Counter[str]  # AWS calls by service during the run
    seconds: Counter[str]  # wall time inside them, summed over threads
    cpu_s: dict[str, float]  # CPU seconds used during the run, by process
    load_average: float = 0.0  # the machine's 1-minute load average at the end (other users count too)

    @property
    def s3_calls(self) -> int:
        return self.calls["s3"]


# The dispatcher and the collectors' worker threads run in the bench's own process.
COLLECTORS, MOTO, SIMULATORS = "dispatcher and collectors (this process)", "moto server", "simulators"


class CpuMeter:
    """CPU seconds of each process of a run, over a block."""

    def __init__(self, readers: dict[str, Callable[[], float]]) -> None:
        self._readers = readers

    def read(self) -> dict[str, float]:
        return {name: read() for name, read in self._readers.items()}


def _measured(calls: AwsCalls, cpu: CpuMeter, action) -> tuple[float, Any, Counter[str], Counter[str], dict[str, float]]:  # type: ignore[no-untyped-def]
    calls_before, seconds_before = calls.mark()
    cpu_before = cpu.read()
    started = time.perf_counter()
    result = action()
    wall_s = time.perf_counter() - started
    calls_after, seconds_after = calls.mark()
    cpu_after = cpu.read()
    return (wall_s, result, calls_after - calls_before, seconds_after - seconds_before,
            {name: cpu_after[name] - cpu_before[name] for name in cpu_after})


def _run_fleet(deployment: LocalDeployment, workers: int, scheduled_time: str, calls: AwsCalls,
               cpu: CpuMeter) -> FleetRun:
    from lsc.handlers import collector, dispatcher

    def run() -> int:
        dispatcher.handler(scheduler_input("lsc-bench", scheduled_time), LambdaContext("lsc-dispatcher"))
        return run_event_source(boto3.client("sqs"), deployment.queue_url, collector.handler, workers=workers,
                                batch_size=COLLECTOR_BATCH_SIZE).succeeded

    wall_s, succeeded, run_calls, run_seconds, cpu_s = _measured(calls, cpu, run)
    return FleetRun(wall_s, succeeded, run_calls, run_seconds, cpu_s, os.getloadavg()[0])


def collect_one(cluster_id: str, scheduled_time: str, run_id: str) -> None:
    """The collector handler on one message for `cluster_id`, as Lambda would invoke it."""
    from lsc.events import CollectRequest
    from lsc.handlers import collector

    scheduled = CollectRequest(cluster_id="x", run_id="x", scheduled_time=scheduled_time).scheduled_time
    body = CollectRequest(cluster_id=cluster_id, run_id=run_id, scheduled_time=scheduled).body()
    response = collector.handler(sqs_event([{"MessageId": cluster_id, "ReceiptHandle": "-", "Body": body}],
                                           "arn:aws:sqs:us-east-1:000000000000:bench"), LambdaContext("lsc-collector"))
    if response.get("batchItemFailures"):
        raise RuntimeError(f"cluster {cluster_id} was not collected")


def seed_first_collections(deployment: LocalDeployment, cluster_ids: list[str]) -> None:
    """Each cluster as its first collection (FIRST_RUN) left it for the measured daily run: that run
    reads the cluster's state and the month objects of its window, nothing else of the first run.

    The first cluster is collected for real; the others get copies of those objects with their own
    id. (A real first collection per cluster is ~34 S3 calls: at 1,000 clusters, minutes of moto.)
    """
    from lsc.collection import state_key
    from lsc.collection_window import collection_window, months_between
    from lsc.datasets import PRODUCTS_DAILY

    template, others = cluster_ids[0], cluster_ids[1:]
    collect_one(template, FIRST_RUN, FIRST_RUN_ID)
    window = collection_window(date.fromisoformat(MEASURED_RUN[:10]), date.fromisoformat(FIRST_RUN[:10]), first=False)
    keys = [state_key] + [lambda cid, month=month: PRODUCTS_DAILY.key(month, cid)
                          for month in months_between(window.start, window.end)]
    s3 = boto3.client("s3")
    objects = {}
    for key in keys:
        try:
            response = s3.get_object(Bucket=deployment.bucket, Key=key(template))
        except s3.exceptions.NoSuchKey:
            continue  # no usage that month
        objects[key] = (response["Body"].read(), response["ContentType"])

    def copy(cluster_id: str) -> None:
        for key, (body, content_type) in objects.items():
            s3.put_object(Bucket=deployment.bucket, Key=key(cluster_id), ContentType=content_type,
                          Body=body.replace(f'"{template}"'.encode(), f'"{cluster_id}"'.encode()))

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(copy, others))


def _raw_gets(url: str, fixture: Fixture, ca: LocalCA, today: date) -> float:
    """The same requests with a bare httpx client (one connection, bodies read whole)."""
    params = {"token": fixture.token, "startDate": f"{today:%Y-%m}-01", "endDate": today.isoformat()}
    started = time.perf_counter()
    with httpx.Client(base_url=url + "/", verify=ca.client_context()) as client:
        for endpoint in ENDPOINTS:
            client.get(endpoint.lstrip("/"), params=params).raise_for_status()
    return time.perf_counter() - started


def cores() -> int:
    return len(os.sched_getaffinity(0))


def measure(aws: LocalAws, demo_estate: str, clusters: int, workers: int, latency_s: float,
            sample: int, simulator_processes: int) -> list[Measurement]:
    raise_open_files_limit()
    ca = LocalCA()
    sequential = _sample_sequential(aws, demo_estate, ca, clusters, sample, latency_s)
    fixtures = bench_fixtures(demo_estate, clusters)
    started = time.perf_counter()
    with SimulatorPool(demo_estate, clusters, ca, processes=simulator_processes) as pool, AwsCalls() as calls:
        progress(f"  {clusters} simulators up in {time.perf_counter() - started:.2f}s ({simulator_processes} processes)")
        with local_aws(aws.url):
            deployment = provision(aws.url, f"bench-fleet-{clusters}", visibility_timeout=900)
            seed(deployment, [(f, cluster_entry(f, c.url)) for f, c in zip(fixtures, pool.clusters)], ca.ca_pem)
        with local_aws(aws.url, deployment.handler_env()):
            cpu = CpuMeter({COLLECTORS: time.process_time, MOTO: aws.cpu_seconds, SIMULATORS: pool.cpu_seconds})
            seeding_started = time.perf_counter()
            seed_first_collections(deployment, [c.cluster_id for c in pool.clusters])  # and the clients are warm
            progress(f"  first collections seeded (L=0): {time.perf_counter() - seeding_started:.1f}s")
            pool.set_latency(latency_s)
            progress(f"  collecting {clusters} clusters with {workers} workers")
            fleet = _run_fleet(deployment, workers, MEASURED_RUN, calls, cpu)
            progress(f"  {fleet.wall_s:.1f}s")
        raw = min(_raw_gets(pool.clusters[0].url, fixtures[0], ca, date.fromisoformat(MEASURED_RUN[:10]))
                  for _ in range(3))
    if fleet.succeeded != clusters:
        raise RuntimeError(f"the fleet run collected {fleet.succeeded} of {clusters} clusters")
    return rows(clusters, workers, latency_s, sample, fleet, sequential, raw)


def rows(clusters: int, workers: int, latency_s: float, sample: int, fleet: FleetRun, sequential: FleetRun,
         raw: float) -> list[Measurement]:
    ideal_s = math.ceil(clusters / workers) * len(ENDPOINTS) * latency_s
    sequential_s = sequential.wall_s / sample * clusters
    per_cluster_s = sequential.wall_s / sample
    per_cluster_s3_s = sequential.seconds["s3"] / sample
    collector_cpu_s = fleet.cpu_s[COLLECTORS]
    stand_in_cpu_s = fleet.cpu_s[MOTO] + fleet.cpu_s[SIMULATORS]
    cpu_floor_s = (collector_cpu_s + stand_in_cpu_s) / cores()
    aws_calls = sum(fleet.calls.values())
    common = {"clusters": clusters, "workers": workers, "latency_ms": latency_s * 1000,
              "requests_per_cluster": len(ENDPOINTS)}
    cpu = {"cpu_seconds_by_process": fleet.cpu_s, "cores": cores(), "load_average_1m": fleet.load_average,
           "collector_cpu_ms_per_cluster": 1000 * fleet.cpu_s[COLLECTORS] / clusters,
           "moto_cpu_ms_per_cluster": 1000 * fleet.cpu_s[MOTO] / clusters,
           "simulator_cpu_ms_per_cluster": 1000 * fleet.cpu_s[SIMULATORS] / clusters}
    label = f"{clusters:,} clusters, C={workers}, L={latency_s * 1000:g} ms"
    return [
        Measurement(
            name=f"fleet: {label}", value=fleet.wall_s, unit="s",
            baseline_name="ideal", baseline=ideal_s, target=f"<= {TARGET_FLEET_RATIO}x ideal (at 1,000)",
            met=fleet.wall_s <= TARGET_FLEET_RATIO * ideal_s if clusters >= 1000 else None,
            details={**common, "s3_calls": fleet.s3_calls, "s3_calls_per_cluster": fleet.s3_calls / clusters,
                     "aws_calls_by_service": dict(fleet.calls),
                     "s3_share_of_worker_time": fleet.seconds["s3"] / (fleet.wall_s * workers),
                     "ratio_to_cpu_floor": fleet.wall_s / cpu_floor_s if cpu_floor_s else None,
                     "naive_sequential_s_extrapolated": sequential_s,
                     "speedup_over_sequential": sequential_s / fleet.wall_s, **cpu},
        ),
        Measurement(
            # What the run could not go below on this machine: the CPU all its processes used,
            # spread over every core. The stand-ins' part of it is no cost of lsc in AWS.
            name=f"fleet: {clusters:,} clusters vs CPU floor (all processes' CPU / {cores()} cores)",
            value=fleet.wall_s, unit="s", baseline_name="CPU floor", baseline=cpu_floor_s,
            details={**common, **cpu, "collector_cpu_s": collector_cpu_s, "stand_in_cpu_s": stand_in_cpu_s,
                     "stand_in_floor_s": stand_in_cpu_s / cores(),
                     "ideal_plus_stand_in_floor_s": ideal_s + stand_in_cpu_s / cores(),
                     "aws_calls": aws_calls,
                     "moto_calls_per_cpu_second": aws_calls / fleet.cpu_s[MOTO] if fleet.cpu_s[MOTO] else None},
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


def _sample_sequential(aws: LocalAws, demo_estate: str, ca: LocalCA, clusters: int, sample: int,
                       latency_s: float) -> FleetRun:
    """The naive loop over `sample` clusters of their own (bench-<clusters>..., own simulators,
    bucket and queue, seeded like the fleet's), one cluster after the other: a daily collection of
    each, with warm clients as in the fleet run."""
    progress(f"  naive sequential loop over {sample} clusters")
    fixtures = bench_fixtures(demo_estate, sample, first=clusters)
    with SimulatorPool(demo_estate, sample, ca, processes=1, first=clusters) as pool, AwsCalls() as calls:
        cpu = CpuMeter({COLLECTORS: time.process_time, MOTO: aws.cpu_seconds, SIMULATORS: pool.cpu_seconds})
        with local_aws(aws.url):
            deployment = provision(aws.url, f"bench-fleet-{clusters}-sample", visibility_timeout=900)
            seed(deployment, [(f, cluster_entry(f, c.url)) for f, c in zip(fixtures, pool.clusters)], ca.ca_pem)
        with local_aws(aws.url, deployment.handler_env()):
            seed_first_collections(deployment, [c.cluster_id for c in pool.clusters])
            pool.set_latency(latency_s)

            def run() -> int:
                for cluster in pool.clusters:
                    collect_one(cluster.cluster_id, MEASURED_RUN, "lsc-bench-sequential")
                return len(pool.clusters)

            wall_s, succeeded, run_calls, run_seconds, cpu_s = _measured(calls, cpu, run)
    return FleetRun(wall_s, succeeded, run_calls, run_seconds, cpu_s)
