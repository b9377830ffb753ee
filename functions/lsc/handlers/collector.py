"""SQS batch → one cluster collection per record; failed records are reported, not the batch."""
from __future__ import annotations

import time
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from lsc.aws_clients import client, read_secret
from lsc.collection import CollectionFailed, Collector, collect_cluster
from lsc.data_bucket import DataBucket
from lsc.events import CollectRequest
from lsc.observability import count_for_cluster, logger
from lsc.registry import Registry
from lsc.settings import FETCH_SHARE, Settings, get_settings

LOGGED_ERROR_FIELDS = {"cluster_id", "run_id", "error_endpoint", "error_class", "http_status", "error_message", "hint"}


def fetch_deadline(settings: Settings, context: Any) -> float:
    """When calls to the cluster must stop: a share of the invocation's remaining time, or less."""
    budget = FETCH_SHARE * context.get_remaining_time_in_millis() / 1000
    if settings.fetch_budget_seconds is not None:
        budget = min(budget, settings.fetch_budget_seconds)
    return time.monotonic() + budget


def collect_record(record: SQSRecord, registry: Registry, collector: Collector, deadline: float) -> dict[str, Any]:
    request = CollectRequest.model_validate_json(record.body)
    cluster = registry.get(request.cluster_id)
    try:
        status = collect_cluster(collector, cluster, request, deadline=deadline)
    except CollectionFailed as failure:
        count_for_cluster("CollectionFailure", request.cluster_id)
        logger.error("cluster collection failed", extra={k: v for k, v in failure.status.items() if k in LOGGED_ERROR_FIELDS})
        raise
    count_for_cluster("CollectionSuccess", request.cluster_id)
    summary = {"cluster_id": request.cluster_id, "run_id": request.run_id, "daily_rows": status["daily_rows"],
               "snapshot_key": status["snapshot_key"]}
    if status["warnings"]:  # insecure TLS, chargeback not collected, ...: collected, but someone should look
        logger.warning("cluster collected with warnings", extra={**summary, "warnings": status["warnings"]})
    else:
        logger.info("cluster collected", extra=summary)
    return status


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    settings = get_settings()
    bucket = DataBucket(client("s3"), settings.data_bucket)
    registry = bucket.read_registry(settings.registry_key)  # once per batch, not per record
    collector = Collector(bucket, settings, read_secret)
    # A failed cluster is a batch item failure (retried, then dead-lettered; the DLQ and stale alarms
    # report it), never a function error: the Errors alarm stays for the collector's own failures.
    # One processor per invocation: it holds the batch's records, and local runs (a worker pool
    # standing in for Lambda concurrency) invoke the handler from several threads at once.
    processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
    return process_partial_response(event=event, processor=processor, context=context,
                                    record_handler=lambda record: collect_record(
                                        record, registry, collector, fetch_deadline(settings, context)))
