"""Dispatcher → queue → collector against HTTPS simulators and moto server, checked against the fixtures."""
from __future__ import annotations

import hashlib
import io
import json
import zipfile
from decimal import Decimal

import httpx
import ssl

from lsc.jsonlines import loads_lines
from lsc.local.fixture import Fixture
from tests.functional.conftest import assert_logged_without_tokens, tokens_of


def fixture_daily(fixture: Fixture) -> dict[tuple[str, str, str], Decimal]:
    return {(day.isoformat(), row.id, row.metric): Decimal(value)
            for row in fixture.products for day, value in row.daily.items()}


def test_daily_usage_lands_per_cluster_and_month_with_the_fixture_values(make_estate):
    estate = make_estate()
    result = estate.collect()
    assert result.succeeded == len(estate.fixtures) and result.failed_attempts == 0
    objects = estate.objects("usage/products_daily/")
    for fixture in estate.fixtures:
        expected = fixture_daily(fixture)
        months = sorted({day[:7] for day, _, _ in expected})
        keys = sorted(k for k in objects if k.endswith(f"/{fixture.cluster_id}.json"))
        assert keys == [f"usage/products_daily/month={m}/{fixture.cluster_id}.json" for m in months]
        lines = [line for k in keys for line in loads_lines(objects[k])]
        assert {(r["usage_date"], r["product_id"], r["metric_name"]): Decimal(str(r["quantity"])) for r in lines} == expected
        assert len(lines) == len(expected)
        assert {r["run_id"] for r in lines} == {"lsc-test-20261130T000000Z"}
        assert {r["usage_date"] for r in lines if r["provisional"]} == {"2026-11-30"}


def test_chargeback_groups_land_per_day(make_estate):
    estate = make_estate()
    estate.collect()
    objects = estate.objects("usage/chargeback_daily/")
    for fixture in estate.fixtures:
        expected = {(day.isoformat(), group, row.id, row.metric): Decimal(value)
                    for group, rows in fixture.chargeback.items() for row in rows for day, value in row.daily.items()}
        lines = [line for k, body in objects.items() if k.endswith(f"/{fixture.cluster_id}.json") for line in loads_lines(body)]
        got = {(r["usage_date"], r["group_name"], r["product_id"], r["metric_name"]): Decimal(str(r["quantity"])) for r in lines}
        assert got == expected


def test_snapshots_are_archived_byte_for_byte_with_their_checksum(make_estate):
    estate = make_estate()
    estate.collect()
    snapshots = estate.objects("snapshots/")
    assert len(snapshots) == len(estate.fixtures)
    for fixture, server in zip(estate.fixtures, estate.servers):
        (key,) = [k for k in snapshots if f"cluster_id={fixture.cluster_id}/" in k]
        body = snapshots[key]
        sha = hashlib.sha256(body).hexdigest()
        assert key == (f"snapshots/cluster_id={fixture.cluster_id}/dt=2026-11-30/{sha[:16]}/"
                       f"audit_snapshot_2024-11-30_2026-11-30_{fixture.hostname}.zip")
        meta = estate.metadata(key)
        assert meta["sha256"] == sha and meta["run-id"] == "lsc-test-20261130T000000Z"
        assert (meta["window-start"], meta["window-end"]) == ("2024-11-30", "2026-11-30")
        direct = httpx.get(f"{server.url}/snapshot", params={"token": fixture.token, "startDate": "2024-11-30",
                                                             "endDate": "2026-11-30"},
                           verify=ssl.create_default_context(cadata=server.tls.ca_pem))
        assert direct.content == body
        assert zipfile.ZipFile(io.BytesIO(body)).testzip() is None


def test_rerunning_the_same_scheduled_run_rewrites_the_same_keys_and_bytes(make_estate):
    estate = make_estate()
    estate.collect()
    first = {k: v for k, v in estate.objects().items() if not k.startswith("status/")}
    first_status = {k for k in estate.objects("status/")}
    estate.collect()
    assert {k: v for k, v in estate.objects().items() if not k.startswith("status/")} == first
    assert set(estate.objects("status/")) == first_status


def test_status_records_say_what_was_collected(make_estate):
    estate = make_estate()
    estate.collect()
    for fixture in estate.fixtures:
        (body,) = estate.objects(f"status/dt=2026-11-30/{fixture.cluster_id}/").values()
        status = json.loads(body)
        assert status["outcome"] == "success" and status["license_service_version"] == fixture.version
        assert status["daily_rows"] == len(fixture_daily(fixture))
        assert status["window_start"] == "2024-11-30" and status["error_class"] is None


def test_no_token_appears_in_any_object_or_metadata(make_estate, capfd, caplog):
    estate = make_estate()
    estate.collect()
    secrets = tokens_of(estate.fixtures)
    objects = estate.objects()
    for key, body in objects.items():
        text = body.decode("latin-1") + key + json.dumps(estate.metadata(key))
        if key.startswith("snapshots/"):
            text += "".join(zipfile.ZipFile(io.BytesIO(body)).read(n).decode() for n in zipfile.ZipFile(io.BytesIO(body)).namelist())
        assert not [s for s in secrets if s in text], key
    captured = capfd.readouterr()
    assert_logged_without_tokens(estate.fixtures, captured.out + captured.err + caplog.text,
                                 *({"message": "cluster collected", "cluster_id": f.cluster_id} for f in estate.fixtures))


def test_a_later_run_takes_the_previous_month_to_today(make_estate):
    estate = make_estate()
    estate.collect()
    estate.collect("2026-11-30T12:00:00Z")
    status = [json.loads(b) for k, b in estate.objects("status/").items() if "T120000Z" in k]
    assert {(s["window_start"], s["window_end"]) for s in status} == {("2026-10-01", "2026-11-30")}
    september = estate.objects("usage/products_daily/month=2026-09/")
    assert {r["run_id"] for body in september.values() for r in loads_lines(body)} == {"lsc-test-20261130T000000Z"}
