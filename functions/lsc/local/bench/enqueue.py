"""Dispatcher at scale: the real handler reads a registry of many clusters from S3 and enqueues one
message per cluster in batches of ten, on moto server SQS; the baseline sends the same bodies with
bare `send_message_batch` calls, so the ratio is what lsc adds to the SQS round trips.

moto's SendMessageBatch scans every message already in the queue (it recomputes the queue's
attributes per message), so 10,000 sends into one queue take minutes there and milliseconds each in
SQS. A side thread empties the queue during both runs, standing in for the collectors that consume
it in AWS, so that what is timed is the dispatcher, not moto's queue depth (the purges need moto's
once-a-minute purge limit lifted through the moto server's environment: `MOTO_PURGE_ANYTIME`).
"""
from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone

import boto3

from lsc.dispatch import SQS_BATCH
from lsc.events import CollectRequest
from lsc.local.aws_env import local_aws
from lsc.local.bench.report import Measurement
from lsc.local.lambda_runtime import LambdaContext, scheduler_input
from lsc.local.local_estate import REGISTRY_KEY, provision
from lsc.registry import parse_registry

TARGET_SECONDS = 30.0
MOTO_PURGE_ANYTIME = {"MOTO_SQS_ENFORCE_STRICT_QUEUE_PURGE_BEHAVIOUR": "false"}
SCHEDULED_TIME = "2026-11-30T06:00:00Z"


def bench_registry(clusters: int) -> bytes:
    return parse_registry({"clusters": [
        {"id": f"bench-{n:05d}", "url": f"https://ls-{n}.bench.invalid", "auth": {"secret": f"lsc/bench-{n:05d}/token"}}
        for n in range(clusters)
    ]}).to_json()


def _bare_enqueue(sqs, queue_url: str, clusters: int) -> None:  # type: ignore[no-untyped-def]
    scheduled = datetime.fromisoformat(SCHEDULED_TIME.replace("Z", "+00:00")).astimezone(timezone.utc)
    bodies = [CollectRequest(cluster_id=f"bench-{n:05d}", run_id="baseline", scheduled_time=scheduled).body()
              for n in range(clusters)]
    for offset in range(0, clusters, SQS_BATCH):
        sqs.send_message_batch(QueueUrl=queue_url, Entries=[
            {"Id": str(i), "MessageBody": body} for i, body in enumerate(bodies[offset:offset + SQS_BATCH])])


@contextmanager
def _consumed(queue_url: str) -> Iterator[None]:
    sqs, done = boto3.client("sqs"), threading.Event()

    def consume() -> None:
        while not done.wait(0.05):
            sqs.purge_queue(QueueUrl=queue_url)

    consumer = threading.Thread(target=consume, name="queue-consumer", daemon=True)
    consumer.start()
    try:
        yield
    finally:
        done.set()
        consumer.join()


def measure(endpoint_url: str, clusters: int) -> Measurement:
    from lsc.handlers import dispatcher

    with local_aws(endpoint_url, MOTO_PURGE_ANYTIME):
        deployment = provision(endpoint_url, "bench-dispatch")
        boto3.client("s3").put_object(Bucket=deployment.bucket, Key=REGISTRY_KEY, Body=bench_registry(clusters))
        sqs = boto3.client("sqs")
        with _consumed(deployment.queue_url):
            started = time.perf_counter()
            _bare_enqueue(sqs, deployment.queue_url, clusters)
            bare_s = time.perf_counter() - started
    with local_aws(endpoint_url, {**deployment.handler_env(), **MOTO_PURGE_ANYTIME}), _consumed(deployment.queue_url):
        started = time.perf_counter()
        result = dispatcher.handler(scheduler_input("lsc-bench", SCHEDULED_TIME), LambdaContext("lsc-dispatcher"))
        handler_s = time.perf_counter() - started
    if result["clusters"] != clusters:
        raise RuntimeError(f"the dispatcher enqueued {result['clusters']} of {clusters} clusters")
    return Measurement(
        name=f"dispatcher: enqueue {clusters:,} clusters", value=handler_s, unit="s",
        baseline_name="bare batched sends", baseline=bare_s, target=f"< {TARGET_SECONDS:g} s (at 10,000)",
        met=handler_s < TARGET_SECONDS if clusters >= 10_000 else None,
        details={"clusters": clusters, "send_message_batch_calls": -(-clusters // SQS_BATCH)},
    )
