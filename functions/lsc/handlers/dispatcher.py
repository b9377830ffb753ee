"""Scheduler → one SQS message per enabled cluster."""
from __future__ import annotations

from typing import Any

from lsc.aws_clients import client
from lsc.data_bucket import DataBucket
from lsc.dispatch import collect_requests, enqueue, record_registry
from lsc.events import parse_schedule_event
from lsc.observability import logger, metrics
from lsc.settings import get_settings


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    settings = get_settings()
    run = parse_schedule_event(event)
    bucket = DataBucket(client("s3"), settings.data_bucket)
    registry = bucket.read_registry(settings.registry_key)
    record_registry(bucket, run, registry)
    requests = collect_requests(run, registry)
    if not settings.queue_url:
        raise ValueError("LSC_QUEUE_URL is not set")
    refused = enqueue(client("sqs"), settings.queue_url, requests)
    metrics.add_metric(name="ClustersDispatched", unit="Count", value=len(requests) - len(refused))
    logger.info("run dispatched", extra={"run_id": run.run_id, "clusters": len(requests), "refused": refused})
    if refused:
        raise RuntimeError(f"SQS refused messages for clusters {refused}")
    return {"run_id": run.run_id, "clusters": len(requests)}
