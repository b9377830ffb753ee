"""Runs the Lambda handlers in-process with the event shapes Lambda gives them.

The queue is real (SQS on the local endpoint): messages are received, handed to the collector
handler as an SQS event, and only those not reported in `batchItemFailures` are deleted, as
Lambda's event source mapping does.
"""
from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


from lsc.local.aws_env import LOCAL_REGION

Handler = Callable[[dict[str, Any], Any], Any]


@dataclass
class LambdaContext:
    function_name: str
    memory_limit_in_mb: int = 512
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    timeout_ms: int = 900_000

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:{LOCAL_REGION}:000000000000:function:{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        return self.timeout_ms


def scheduler_input(schedule: str, scheduled_time: str) -> dict[str, str]:
    return {"schedule": schedule, "scheduled_time": scheduled_time, "execution_id": str(uuid.uuid4())}


def sqs_event(messages: list[dict[str, Any]], queue_arn: str) -> dict[str, Any]:
    return {"Records": [
        {
            "messageId": m["MessageId"],
            "receiptHandle": m["ReceiptHandle"],
            "body": m["Body"],
            "attributes": m.get("Attributes", {}),
            "messageAttributes": {},
            "md5OfBody": hashlib.md5(m["Body"].encode()).hexdigest(),
            "eventSource": "aws:sqs",
            "eventSourceARN": queue_arn,
            "awsRegion": LOCAL_REGION,
        }
        for m in messages
    ]}


@dataclass
class DrainResult:
    batches: int = 0
    succeeded: int = 0
    failed_attempts: int = 0


def drain_queue(sqs: Any, queue_url: str, handler: Handler, *, batch_size: int = 10,
                on_batch: Callable[[DrainResult], None] | None = None) -> DrainResult:
    """Feeds the collector until the queue is empty (failed messages come back after their
    visibility timeout until the redrive policy moves them to the DLQ)."""
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    result = DrainResult()
    while True:
        messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=batch_size, WaitTimeSeconds=0,
                                       AttributeNames=["All"]).get("Messages", [])
        if not messages and not _in_flight(sqs, queue_url):
            return result
        if not messages:
            time.sleep(0.2)  # failed messages are invisible until their visibility timeout ends
            continue
        response = handler(sqs_event(messages, queue_arn), LambdaContext("lsc-collector"))
        failed = {f["itemIdentifier"] for f in response.get("batchItemFailures", [])}
        done = [m for m in messages if m["MessageId"] not in failed]
        if done:
            sqs.delete_message_batch(QueueUrl=queue_url, Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)])
        result.batches += 1
        result.succeeded += len(done)
        result.failed_attempts += len(failed)
        if on_batch:
            on_batch(result)


def _in_flight(sqs: Any, queue_url: str) -> bool:
    attributes = sqs.get_queue_attributes(
        QueueUrl=queue_url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return any(int(attributes[name]) for name in attributes)
