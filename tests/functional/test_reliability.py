"""Redelivery and the DLQ on the real queue, S3 write failures, gap healing, the double-count guard."""
from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import boto3
import pytest
from botocore.awsrequest import AWSResponse

from lsc import aws_clients
from lsc.jsonlines import loads_lines
from lsc.local.aws_env import local_aws
from lsc.local.cli import main
from lsc.local.local_estate import run_collection
from lsc.local.sql_engine import LocalEngine
from lsc.rollup import rollup_document
from tests.functional.conftest import Estate

QUICK_RETRIES = {"LSC_RETRY_BASE_DELAY": "0.01", "LSC_CONNECT_TIMEOUT": "1"}


def test_a_failing_cluster_is_retried_alone_then_dead_lettered(make_estate):
    estate = make_estate()
    down = estate.servers[1]
    down.faults = ["refuse"]
    with local_aws(estate.deployment.endpoint_url, {**estate.deployment.handler_env(), **QUICK_RETRIES}):
        result = run_collection(estate.deployment, estate.scheduled_time, schedule="lsc-test")
        dead = boto3.client("sqs").receive_message(QueueUrl=estate.deployment.dlq_url, MaxNumberOfMessages=10)
    assert (result.succeeded, result.failed_attempts) == (2, 3)  # provision(): maxReceiveCount 3
    assert [json.loads(m["Body"])["cluster_id"] for m in dead["Messages"]] == [down.cluster_id]
    statuses = [json.loads(body) for body in estate.objects(f"status/dt=2026-11-30/{down.cluster_id}/").values()]
    assert [(s["outcome"], s["error_class"], s["error_endpoint"]) for s in statuses] == [("failed", "ConnectError", "/version")]


class _Body:
    def __init__(self, data: bytes) -> None:
        self._data = data

    def stream(self, **_: object):
        yield self._data


def fail_puts(matches: Callable[[str], bool], status: int, code: str, times: int, failed: list[str]) -> None:
    """Makes the handlers' S3 client answer `times` matching PutObject calls with an S3 error
    (recorded in `failed`) before anything is sent; botocore retries what S3 would let it retry,
    exactly as against AWS."""

    def answer(request, **_: object):
        if matches(request.url) and len(failed) < times:
            failed.append(request.url)
            body = f"<Error><Code>{code}</Code><Message>injected</Message></Error>".encode()
            return AWSResponse(request.url, status, {"Content-Type": "application/xml"}, _Body(body))
        return None

    aws_clients.client("s3").meta.events.register("before-send.s3.PutObject", answer)


def usage_of(objects: dict[str, bytes], cluster_id: str) -> dict[str, bytes]:
    return {k: v for k, v in objects.items() if k.startswith("usage/") and k.endswith(f"/{cluster_id}.json")}


@pytest.mark.parametrize("status, code, times, fails", [(503, "SlowDown", 1, False), (403, "AccessDenied", 99, True)])
def test_s3_write_failures_are_retried_and_stay_the_clusters_own(make_estate, status, code, times, fails):
    estate = make_estate()
    estate.collect("2026-11-29T06:00:00Z")
    faulty = estate.fixtures[2].cluster_id
    before = estate.objects()
    failed: list[str] = []
    response = estate.deliver("2026-11-30T06:00:00Z", prepare=lambda: fail_puts(
        lambda url: "/usage/products_daily/" in url and url.endswith(f"/{faulty}.json"), status, code, times, failed))
    after = estate.objects()
    assert failed  # the fault was hit
    assert response == {"batchItemFailures": [{"itemIdentifier": f"m-{faulty}"}] if fails else []}
    status_record = json.loads(after[f"status/dt=2026-11-30/{faulty}/lsc-test-20261130T060000Z.json"])
    if fails:
        assert (status_record["outcome"], status_record["error_class"]) == ("failed", "AccessDenied")
        assert "AccessDenied" in status_record["error_message"] and "S3" in status_record["hint"]
        # months written before the failure hold the new run's complete data; none is partial or empty
        for key, body in usage_of(after, faulty).items():
            assert body == before.get(key) or (body and b"lsc-test-20261130T060000Z" in body)
    else:
        assert status_record["outcome"] == "success" and len(failed) == 1  # retried once, then written
    for fixture in estate.fixtures:
        if fixture.cluster_id != faulty:
            assert json.loads(after[f"status/dt=2026-11-30/{fixture.cluster_id}/lsc-test-20261130T060000Z.json"])[
                "outcome"] == "success"


def rollup_of(estate: Estate, root: Path) -> dict:
    for key, body in estate.objects("usage/").items():
        (root / key).parent.mkdir(parents=True, exist_ok=True)
        (root / key).write_bytes(body)
    with LocalEngine.over_directory(root) as engine:
        return rollup_document(engine)


MONTH_ENDS = ["2026-08-31T06:00:00Z", "2026-09-30T06:00:00Z", "2026-10-31T06:00:00Z", "2026-11-30T06:00:00Z"]


def test_a_cluster_unreachable_for_weeks_gets_its_months_back(make_estate, tmp_path):
    steady, healed = make_estate(), make_estate()
    gone = healed.servers[0]
    for moment in MONTH_ENDS:
        steady.deliver(moment, QUICK_RETRIES)
        gone.faults = ["refuse"] if moment in MONTH_ENDS[1:3] else []
        healed.deliver(moment, QUICK_RETRIES)
    months = sorted(k for k in healed.objects("usage/products_daily/") if k.endswith(f"/{gone.cluster_id}.json"))
    assert {"month=2026-09", "month=2026-10"} <= {k.split("/")[2] for k in months}
    last = json.loads(healed.objects(f"status/dt=2026-11-30/{gone.cluster_id}/")
                      [f"status/dt=2026-11-30/{gone.cluster_id}/lsc-test-20261130T060000Z.json"])
    assert (last["outcome"], last["window_start"]) == ("success", "2026-08-01")  # back to the last success's month
    expected = rollup_of(steady, tmp_path / "steady")
    assert expected["monthly"] and rollup_of(healed, tmp_path / "healed") == expected


def test_two_entries_reaching_one_license_service_are_flagged(make_estate, tmp_path, capsys):
    estate = make_estate()
    twin = estate.fixtures[0]
    with local_aws(estate.deployment.endpoint_url):  # a second entry for the same service, by another URL
        registry = json.loads(estate.objects("config/clusters.json")["config/clusters.json"])
        entry = next(c for c in registry["clusters"] if c["id"] == twin.cluster_id)
        registry["clusters"].append({**entry, "id": "twin-alias", "url": entry["url"].replace("127.0.0.1", "localhost")})
        boto3.client("s3").put_object(Bucket=estate.deployment.bucket, Key="config/clusters.json",
                                      Body=json.dumps(registry).encode())
    estate.collect()
    for key, body in estate.objects("status/").items():
        root = tmp_path / key
        root.parent.mkdir(parents=True, exist_ok=True)
        root.write_bytes(body)
    with LocalEngine.over_directory(tmp_path) as engine:
        rows = engine.view("license_service_duplicates")
        latest = engine.view("cluster_latest")
    assert sorted((r["license_service_host"], r["cluster_id"], r["clusters_sharing"]) for r in rows) == sorted([
        (twin.hostname.lower(), "twin-alias", 2), (twin.hostname.lower(), twin.cluster_id, 2)])
    others = {f.cluster_id for f in estate.fixtures} - {twin.cluster_id}
    assert {r["cluster_id"]: r["shares_license_service_with"] for r in latest} == {
        twin.cluster_id: ["twin-alias"], "twin-alias": [twin.cluster_id], **{c: None for c in others}}

    # the rollup says so next to its figures: a warning, and a key of its JSON document
    target = ["--endpoint-url", estate.deployment.endpoint_url, "--bucket", estate.deployment.bucket]
    main(["rollup", "--json", *target])
    out, err = capsys.readouterr()
    assert json.loads(out)["duplicate_license_services"] == [
        {"license_service_host": twin.hostname.lower(), "cluster_ids": sorted([twin.cluster_id, "twin-alias"])}]
    main(["rollup", *target])
    out, err = capsys.readouterr()
    [warning] = [line for line in err.splitlines() if "same License Service" in line]
    assert twin.cluster_id in warning and "twin-alias" in warning and twin.hostname.lower() in warning


def test_a_redriven_older_run_keeps_the_newer_runs_months(make_estate):
    """A DLQ redrive (or a late delivery) of an older run after a newer one succeeded: its snapshot
    and day objects are kept, but the month objects stay as the newer run wrote them (the older run
    knows fewer days, and its last day only as a partial value)."""
    estate = make_estate()
    newer, older = "2026-11-30T06:00:00Z", "2026-11-15T06:00:00Z"
    assert estate.deliver(newer) == {"batchItemFailures": []}
    months = estate.objects("usage/products_daily/") | estate.objects("usage/chargeback_daily/")
    east = next(f for f in estate.fixtures if f.cluster_id == "prod-east")
    november = {day.isoformat() for row in east.products for day in row.daily if day.isoformat() >= "2026-11"}
    key = "usage/products_daily/month=2026-11/prod-east.json"
    assert {r["usage_date"] for r in loads_lines(months[key])} == november and max(november) == "2026-11-30"

    assert estate.deliver(older) == {"batchItemFailures": []}
    after = estate.objects()
    assert {k: after[k] for k in months} == months and not [
        k for k in after if k.startswith(("usage/products_daily/", "usage/chargeback_daily/")) and k not in months]
    status = json.loads(after["status/dt=2026-11-15/prod-east/lsc-test-20261115T060000Z.json"])
    assert status["outcome"] == "success" and "lsc-test-20261130T060000Z" in status["warnings"]
    assert status["daily_rows"] == 0  # none written
    day_objects = {k: v for k, v in after.items() if "dt=2026-11-15/" in k and not k.startswith("status/")}
    assert {k.split("/")[1] for k in day_objects} == {"products", "bundled_products", "services", "cluster_id=prod-east",
                                                      "cluster_id=prod-west", "cluster_id=dev-emea"}

    # re-driving either run again gives the same keys and bytes
    assert estate.deliver(older) == {"batchItemFailures": []}
    assert without_status(estate.objects()) == without_status(after)
    assert estate.deliver(newer) == {"batchItemFailures": []}
    assert without_status(estate.objects()) == without_status(after)


def without_status(objects: dict[str, bytes]) -> dict[str, bytes]:
    return {k: v for k, v in objects.items() if not k.startswith(("status/", "state/"))}
