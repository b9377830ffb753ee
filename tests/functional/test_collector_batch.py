"""The collector handler reports a failing record as a partial batch failure; the others land."""
from __future__ import annotations

import json
from datetime import datetime, timezone

from lsc.events import CollectRequest
from lsc.handlers import collector
from lsc.local.aws_env import local_aws
from lsc.local.lambda_runtime import LambdaContext, sqs_event


def test_one_unreachable_cluster_fails_alone(make_estate):
    estate = make_estate()
    down = estate.servers[0]
    down.stop()
    scheduled = datetime(2026, 11, 30, tzinfo=timezone.utc)
    messages = [
        {"MessageId": f"m-{f.cluster_id}", "ReceiptHandle": "r",
         "Body": CollectRequest(cluster_id=f.cluster_id, run_id="lsc-test-20261130T000000Z", scheduled_time=scheduled).body()}
        for f in estate.fixtures
    ]
    with local_aws(estate.deployment.endpoint_url, estate.deployment.handler_env()):
        response = collector.handler(sqs_event(messages, "arn:aws:sqs:us-east-1:000000000000:q"), LambdaContext("c"))
    assert response == {"batchItemFailures": [{"itemIdentifier": f"m-{down.cluster_id}"}]}
    statuses = {json.loads(b)["cluster_id"]: json.loads(b) for b in estate.objects("status/").values()}
    assert {c: s["outcome"] for c, s in statuses.items()} == {
        f.cluster_id: ("failed" if f.cluster_id == down.cluster_id else "success") for f in estate.fixtures}
    failed = statuses[down.cluster_id]
    assert failed["error_endpoint"] == "/version" and failed["error_class"] == "ConnectError"
    assert "DNS" in failed["hint"]
    assert not estate.objects(f"usage/products_daily/month=2026-11/{down.cluster_id}.json")
