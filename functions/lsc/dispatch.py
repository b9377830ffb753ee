"""Fan-out: one queue message per enabled cluster of the registry, and the run's registry record."""
from __future__ import annotations

import json
from typing import Any

from lsc import SCHEMA_VERSION
from lsc.data_bucket import DataBucket
from lsc.datasets import CLUSTER_REGISTRY
from lsc.events import CollectRequest, Run
from lsc.registry import Registry

SQS_BATCH = 10  # SendMessageBatch limit


def collect_requests(run: Run, registry: Registry) -> list[CollectRequest]:
    return [
        CollectRequest(cluster_id=c.id, run_id=run.run_id, scheduled_time=run.scheduled_time,
                       execution_id=run.execution_id)
        for c in registry.enabled()
    ]


def registry_records(run: Run, registry: Registry) -> list[dict[str, Any]]:
    """Every registered cluster (disabled ones too: they are still expected in the figures)."""
    return [
        {"schema_version": SCHEMA_VERSION, "cluster_id": c.id, "run_id": run.run_id,
         "scheduled_time": run.scheduled_time_text, "enabled": c.enabled, "timezone": c.timezone,
         "tags": json.dumps(c.tags, sort_keys=True)}
        for c in registry.clusters
    ]


def record_registry(bucket: DataBucket, run: Run, registry: Registry) -> str:
    """Writes the run's registry record (deterministic key: a re-driven run overwrites it)."""
    key = CLUSTER_REGISTRY.key(run.scheduled_time.date(), "", run.run_id)
    bucket.put_json_lines(key, registry_records(run, registry))
    return key


def enqueue(sqs: Any, queue_url: str, requests: list[CollectRequest]) -> list[str]:
    """Sends in batches of ten; returns the cluster ids SQS refused (after one retry of each)."""
    refused: list[str] = []
    for offset in range(0, len(requests), SQS_BATCH):
        batch = {str(i): r for i, r in enumerate(requests[offset:offset + SQS_BATCH])}
        for _ in range(2):
            response = sqs.send_message_batch(
                QueueUrl=queue_url,
                Entries=[{"Id": entry_id, "MessageBody": r.body()} for entry_id, r in batch.items()],
            )
            batch = {f["Id"]: batch[f["Id"]] for f in response.get("Failed", [])}
            if not batch:
                break
        refused += [r.cluster_id for r in batch.values()]
    return refused
