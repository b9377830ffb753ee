"""Dispatcher: one message per enabled cluster, batched by ten (in-process moto)."""
import json

import boto3
import pytest
from moto import mock_aws

from lsc.dispatch import collect_requests, enqueue
from lsc.events import parse_schedule_event
from lsc.registry import parse_registry


def registry(n, disabled=()):
    return parse_registry({"clusters": [
        {"id": f"c{i:03d}", "url": f"https://c{i}.example.com", "auth": {"secret": f"lsc/c{i}"},
         "enabled": i not in disabled} for i in range(n)]})


@pytest.fixture
def sqs():
    with mock_aws():
        yield boto3.client("sqs", region_name="us-east-1")


def drain(sqs, url):
    bodies = []
    while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages"):
        bodies += [json.loads(m["Body"]) for m in messages]
        sqs.delete_message_batch(QueueUrl=url, Entries=[{"Id": m["MessageId"], "ReceiptHandle": m["ReceiptHandle"]} for m in messages])
    return bodies


def test_one_message_per_enabled_cluster(sqs):
    url = sqs.create_queue(QueueName="q")["QueueUrl"]
    run = parse_schedule_event({"schedule": "s", "scheduled_time": "2026-11-30T00:00:00Z", "execution_id": "e"})
    requests = collect_requests(run, registry(23, disabled={5, 7}))
    assert enqueue(sqs, url, requests) == []
    bodies = drain(sqs, url)
    assert sorted(b["cluster_id"] for b in bodies) == [f"c{i:03d}" for i in range(23) if i not in (5, 7)]
    assert {(b["run_id"], b["scheduled_time"], b["schema_version"]) for b in bodies} == {
        ("s-20261130T000000Z", "2026-11-30T00:00:00Z", 1)}


class RefusingSqs:
    """Refuses one entry per call, to show refused entries are retried once then reported."""

    def __init__(self, refuse_ids):
        self.refuse_ids = refuse_ids
        self.calls = []

    def send_message_batch(self, QueueUrl, Entries):
        self.calls.append([json.loads(e["MessageBody"])["cluster_id"] for e in Entries])
        failed = [{"Id": e["Id"], "Code": "x", "SenderFault": False}
                  for e in Entries if json.loads(e["MessageBody"])["cluster_id"] in self.refuse_ids]
        return {"Failed": failed}


def test_refused_entries_are_retried_then_reported():
    run = parse_schedule_event({"scheduled_time": "2026-11-30T00:00:00Z"})
    fake = RefusingSqs({"c003"})
    assert enqueue(fake, "url", collect_requests(run, registry(12))) == ["c003"]
    assert [len(c) for c in fake.calls] == [10, 1, 2]
