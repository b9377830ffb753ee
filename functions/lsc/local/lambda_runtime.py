"""Runs the Lambda handlers in-process with the event shapes Lambda gives them.

The queue is real (SQS on the local endpoint): messages are received, handed to the collector
handler as an SQS event, and only those not reported in `batchItemFailures` are deleted, as
Lambda's event source mapping does.
"""
from __future__ import annotations

import hashlib
import queue
import threading
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


def run_event_source(sqs: Any, queue_url: str, handler: Handler, *, workers: int, batch_size: int = 10) -> DrainResult:
    """Lambda's SQS event source mapping in small, for many concurrent invocations: one poller
    receives up to ten messages at a time, but only while fewer than `workers` batches are waiting
    or running (so no worker hoards messages another could run), `workers` threads invoke the
    handler with up to `batch_size` records each, and the records not reported in
    `batchItemFailures` are deleted ten at a time. Returns when the queue is empty and nothing is
    in flight; the first exception a handler raised is raised then."""
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    per_receive = max(1, 10 // batch_size)  # batches one ReceiveMessage call (at most ten messages) can fill
    free = threading.Semaphore(workers)  # one per batch that is neither waiting nor running
    batches: queue.Queue[list[dict[str, Any]] | None] = queue.Queue()
    done: queue.Queue[dict[str, Any]] = queue.Queue()
    result, errors, lock = DrainResult(), [], threading.Lock()

    def work() -> None:
        while (batch := batches.get()) is not None:
            try:
                response = handler(sqs_event(batch, queue_arn), LambdaContext("lsc-collector"))
                failed = {f["itemIdentifier"] for f in response.get("batchItemFailures", [])}
                for message in batch:
                    if message["MessageId"] not in failed:
                        done.put(message)
                with lock:
                    result.batches += 1
                    result.succeeded += len(batch) - len(failed)
                    result.failed_attempts += len(failed)
            except Exception as exc:  # noqa: BLE001 (raised in the caller's thread below)
                errors.append(exc)
            finally:
                free.release()

    def delete(at_least: int) -> None:
        while done.qsize() >= max(at_least, 1):
            messages = [done.get() for _ in range(min(10, done.qsize()))]
            sqs.delete_message_batch(QueueUrl=queue_url, Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)])

    threads = [threading.Thread(target=work, name=f"invocation-{n}", daemon=True) for n in range(workers)]
    for thread in threads:
        thread.start()
    try:
        while not errors:
            delete(at_least=10)
            if not free.acquire(timeout=0.05):
                continue
            slots = 1 + sum(free.acquire(blocking=False) for _ in range(per_receive - 1))
            messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=min(10, slots * batch_size),
                                           WaitTimeSeconds=0, AttributeNames=["All"]).get("Messages", [])
            filled = [messages[i:i + batch_size] for i in range(0, len(messages), batch_size)]
            for _ in range(slots - len(filled)):
                free.release()
            for batch in filled:
                batches.put(batch)
            if not messages:
                delete(at_least=1)
                idle = sum(free.acquire(blocking=False) for _ in range(workers))
                for _ in range(idle):
                    free.release()
                if idle == workers and done.empty() and not _in_flight(sqs, queue_url):
                    break
                time.sleep(0.2)  # failed messages are invisible until their visibility timeout ends
    finally:
        for _ in threads:
            batches.put(None)
        for thread in threads:
            thread.join()
        delete(at_least=1)
    if errors:
        raise errors[0]
    return result


def _in_flight(sqs: Any, queue_url: str) -> bool:
    attributes = sqs.get_queue_attributes(
        QueueUrl=queue_url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return any(int(attributes[name]) for name in attributes)
