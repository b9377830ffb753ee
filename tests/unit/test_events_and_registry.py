from datetime import datetime, timezone

import pytest

from lsc.events import CollectRequest, EventError, parse_schedule_event
from lsc.registry import RegistryError, parse_registry


def test_scheduler_input_gives_a_run_id_from_the_scheduled_time():
    run = parse_schedule_event({"schedule": "lsc-daily", "scheduled_time": "2026-11-30T01:00:00Z", "execution_id": "e-1"})
    assert run.run_id == "lsc-daily-20261130T010000Z" and run.execution_id == "e-1"


def test_eventbridge_scheduled_event_is_accepted():
    run = parse_schedule_event({"time": "2026-11-30T01:00:00Z", "id": "x",
                                "resources": ["arn:aws:events:us-east-1:1:rule/lsc-rule"]})
    assert run.run_id == "lsc-rule-20261130T010000Z"


@pytest.mark.parametrize("event", [{}, {"scheduled_time": "yesterday"}])
def test_bad_events(event):
    with pytest.raises(EventError):
        parse_schedule_event(event)


def test_queue_message_round_trip():
    request = CollectRequest(cluster_id="a", run_id="r", scheduled_time=datetime(2026, 11, 30, tzinfo=timezone.utc))
    again = CollectRequest.model_validate_json(request.body())
    assert again == request and again.scheduled_time_text == "2026-11-30T00:00:00Z"
    assert '"schema_version":1' in request.body()


def entry(**overrides):
    return {"id": "prod-east", "url": "https://ls.example.com/ibm-licensing-service-instance",
            "auth": {"type": "token", "secret": "lsc/prod-east/token"}, **overrides}


def test_valid_registry():
    registry = parse_registry({"clusters": [entry(), entry(id="dev", enabled=False)]})  # same URL, disabled
    assert [c.id for c in registry.enabled()] == ["prod-east"]
    assert registry.get("dev").date_params == ("startDate", "endDate")


@pytest.mark.parametrize("clusters, fragment", [
    ([entry(), entry()], "duplicate cluster id 'prod-east'"),
    ([entry(url="ftp://x")], "cluster 'prod-east' (entry 1): url"),
    ([entry(url="https://x/?token=abc")], "must not carry a query"),
    ([entry(auth={"type": "token"})], "auth.secret"),
    ([entry(id="Prod East")], "entry 1"),
    ([entry(tls={"ca_bundle_secret": "c", "insecure_skip_verify": True})], "either"),
    ([entry(timezone="Mars/Olympus")], "unknown time zone"),
    ([entry(auth={"type": "token", "secret": "  "})], "auth.secret"),
    ([entry(tls={"ca_bundle_secret": ""})], "tls.ca_bundle_secret"),
    ([entry(url="https://user:pw@ls.example.com")], "user info"),
    ([entry(url="https://ls.example.com:99999")], "bad port"),
    ([entry(url="http://ls.example.com")], "plain http to ls.example.com"),
    ([entry(url="http://ls.example.com", tls={"ca_bundle_secret": "c"})], "needs an https URL"),
    ([entry(), entry(id="prod-east-copy", url="https://LS.example.com/ibm-licensing-service-instance/")],
     "clusters 'prod-east' and 'prod-east-copy' have the same URL"),
])
def test_bad_entries_are_named(clusters, fragment):
    with pytest.raises(RegistryError) as info:
        parse_registry({"clusters": clusters}, source="clusters.yaml")
    assert fragment in str(info.value) and str(info.value).startswith("clusters.yaml")


@pytest.mark.parametrize("url, tls", [
    ("http://127.0.0.1:8080", {}),
    ("http://localhost:8080", {}),
    ("http://[::1]:8080", {}),
    ("http://ls.internal.example.com", {"insecure_skip_verify": True}),
])
def test_plain_http_needs_loopback_or_the_explicit_switch(url, tls):
    assert parse_registry({"clusters": [entry(url=url, tls=tls)]}).clusters[0].url == url


def test_same_host_with_another_path_prefix_is_another_service():
    registry = parse_registry({"clusters": [entry(), entry(id="other", url="https://ls.example.com/other")]})
    assert [c.service_address for c in registry.clusters] == [
        "ls.example.com/ibm-licensing-service-instance", "ls.example.com/other"]
