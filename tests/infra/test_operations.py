"""Operations: alarm topic, DLQ and error alarms, one stale alarm per enabled cluster."""
from __future__ import annotations

from tests.infra.conftest import Synthesized


def _alarms(synth: Synthesized) -> list[dict]:
    return synth.props("AWS::CloudWatch::Alarm")


def test_topic_is_encrypted_tls_only_with_email(synth: Synthesized) -> None:
    (topic,) = synth.props("AWS::SNS::Topic")
    assert "KmsMasterKeyId" in topic
    synth.template.has_resource_properties("AWS::SNS::Subscription", {"Protocol": "email", "Endpoint": "ops@example.com"})
    (policy,) = synth.props("AWS::SNS::TopicPolicy")
    assert any(s["Effect"] == "Deny" for s in policy["PolicyDocument"]["Statement"])


def test_stale_alarm_per_enabled_cluster(synth: Synthesized) -> None:
    stale = {
        {d["Name"]: d["Value"] for d in a["Dimensions"]}["cluster_id"]: a
        for a in _alarms(synth)
        if a.get("MetricName") == "CollectionSuccess"
    }
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


def test_dlq_depth_and_function_error_alarms_notify_the_topic(synth: Synthesized) -> None:
    alarms = _alarms(synth)
    depth = [a for a in alarms if a.get("MetricName") == "ApproximateNumberOfMessagesVisible"]
    errors = [a for a in alarms if a.get("MetricName") == "Errors"]
    assert len(depth) == 2 and len(errors) == 2
    topic = synth.stack.get_logical_id(synth.stack.operations.topic.node.default_child)
    assert all(a["AlarmActions"] == [{"Ref": topic}] for a in alarms)
