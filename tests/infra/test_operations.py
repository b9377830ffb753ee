"""Operations: alarm topic, DLQ and error alarms, one stale alarm per enabled cluster."""
from __future__ import annotations

import re

from infra.settings import REPO_ROOT
from tests.infra.conftest import Synthesized


def _alarms(synth: Synthesized) -> list[dict]:
    return synth.props("AWS::CloudWatch::Alarm")


def _cluster_alarms(synth: Synthesized, metric: str) -> dict[str, dict]:
    return {
        {d["Name"]: d["Value"] for d in a["Dimensions"]}["cluster_id"]: a
        for a in _alarms(synth)
        if a.get("MetricName") == metric
    }


def test_cluster_alarms_watch_metrics_the_collector_emits(synth: Synthesized) -> None:
    source = (REPO_ROOT / "functions" / "lsc" / "handlers" / "collector.py").read_text()
    emitted = set(re.findall(r'count_for_cluster\("(\w+)"', source))
    watched = {a["MetricName"] for a in _alarms(synth) if "cluster_id" in str(a.get("Dimensions"))}
    assert watched == emitted == {"CollectionSuccess", "CollectionFailure"}


def test_topic_is_encrypted_tls_only_with_email(synth: Synthesized) -> None:
    (topic,) = synth.props("AWS::SNS::Topic")
    assert "KmsMasterKeyId" in topic
    synth.template.has_resource_properties("AWS::SNS::Subscription", {"Protocol": "email", "Endpoint": "ops@example.com"})
    (policy,) = synth.props("AWS::SNS::TopicPolicy")
    assert any(s["Effect"] == "Deny" for s in policy["PolicyDocument"]["Statement"])


def test_stale_alarm_per_enabled_cluster(synth: Synthesized) -> None:
    stale = _cluster_alarms(synth, "CollectionSuccess")
    assert sorted(stale) == ["prod-east", "prod-west"]  # dev-emea is disabled
    for alarm in stale.values():
        assert alarm["Namespace"] == "LicenseServiceCollector"
        # Powertools adds `service` to the collector's `cluster_id` dimension.
        assert {d["Name"]: d["Value"] for d in alarm["Dimensions"]}["service"] == "lsc"
        assert len(alarm["Dimensions"]) == 2
        assert alarm["Period"] * alarm["EvaluationPeriods"] == 36 * 3600
        assert alarm["DatapointsToAlarm"] == alarm["EvaluationPeriods"]
        assert alarm["TreatMissingData"] == "breaching"
        assert alarm["ComparisonOperator"] == "LessThanThreshold" and alarm["Threshold"] == 1


def test_failure_alarm_per_enabled_cluster(synth: Synthesized) -> None:
    """An ordinary cluster failure is a batch item failure: Lambda Errors never counts it."""
    failing = _cluster_alarms(synth, "CollectionFailure")
    assert sorted(failing) == ["prod-east", "prod-west"]  # dev-emea is disabled
    topic = synth.stack.get_logical_id(synth.stack.operations.topic.node.default_child)
    for cluster_id, alarm in failing.items():
        assert alarm["Namespace"] == "LicenseServiceCollector"
        assert {d["Name"]: d["Value"] for d in alarm["Dimensions"]} == {"service": "lsc", "cluster_id": cluster_id}
        assert (alarm["Statistic"], alarm["Period"], alarm["EvaluationPeriods"]) == ("Sum", 3600, 1)
        assert alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold" and alarm["Threshold"] == 1
        assert alarm["TreatMissingData"] == "notBreaching"  # no failure reported = nothing failed
        assert alarm["AlarmName"] == f"Lsc-failing-{cluster_id}"
        assert f"cluster {cluster_id} failed" in alarm["AlarmDescription"]
        assert "after 3 attempts" in alarm["AlarmDescription"]  # lsc:maxReceiveCount
        assert alarm["AlarmActions"] == alarm["OKActions"] == [{"Ref": topic}]


def test_dlq_depth_and_function_error_alarms_notify_the_topic(synth: Synthesized) -> None:
    alarms = _alarms(synth)
    errors = [a for a in alarms if a.get("MetricName") == "Errors"]
    assert len(errors) == 2
    collection = synth.stack.collection
    queues = {
        synth.stack.get_logical_id(queue.node.default_child): queue.node.id
        for queue in (collection.dead_letter_queue, collection.schedule_dead_letter_queue, collection.dispatch_failures)
    }
    depth = {
        queues[a["Dimensions"][0]["Value"]["Fn::GetAtt"][0]]: a
        for a in alarms
        if a.get("MetricName") == "ApproximateNumberOfMessagesVisible"
    }
    assert sorted(depth) == ["CollectDlq", "DispatchFailures", "ScheduleDlq"]
    assert all((a["Threshold"], a["ComparisonOperator"]) == (1, "GreaterThanOrEqualToThreshold") for a in depth.values())
    # Each says what its messages mean, no more: the schedule's DLQ only sees failed invocations.
    assert "could not invoke the dispatcher" in depth["ScheduleDlq"]["AlarmDescription"]
    assert "dispatcher failed on every attempt" in depth["DispatchFailures"]["AlarmDescription"]
    assert "failed on all 3 attempts" in depth["CollectDlq"]["AlarmDescription"]  # lsc:maxReceiveCount
    topic = synth.stack.get_logical_id(synth.stack.operations.topic.node.default_child)
    assert all(a["AlarmActions"] == [{"Ref": topic}] for a in alarms)
