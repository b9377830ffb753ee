"""The simulator as a pure function, against fixtures/WIRE.md.

Expected values are computed here from the fixture JSON itself (or written by hand for the small
synthetic fixtures), never taken from the simulator's own helpers.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from lsc.local.fixture import load_fixture
from lsc.local.simulator import LicenseServiceSimulator, Request, Response

UNAUTHORIZED_BODY = b"<html><body><b>Unauthorized</b></body></html>"
AUTHENTICATED_PATHS = ["/products", "/bundled_products", "/services", "/health", "/status", "/snapshot"]
CP4I = "c8b82d189e7545f0892db9ef2731b90d"


def raw_fixture(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(), parse_float=Decimal)


def expected_peaks(rows: list[dict[str, Any]], start: date, end: date) -> list[dict[str, Any]]:
    """`/products` rows computed straight from fixture rows: highest value, earliest day with it."""
    result = []
    for row in rows:
        in_window = {d: v for d, v in row["daily"].items() if start.isoformat() <= d <= end.isoformat()}
        if not in_window:
            continue
        peak = max(in_window.values())
        peak_day = min(d for d, v in in_window.items() if v == peak)
        result.append({"name": row["name"], "id": row["id"], "metricPeakDate": peak_day,
                       "metricQuantity": peak, "metricName": row["metric"]})
    return sorted(result, key=lambda r: (r["id"], r["metricName"]))


def fixture_doc(**overrides: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "format": "lsc-cluster-fixture/1",
        "cluster_id": "synthetic",
        "hostname": "synth-host",
        "version": "9.9.9",
        "token": "synthToken123",
        "today": "2026-11-30",
        "products": [],
        "bundled_products": [],
        "chargeback": {},
        "health": {"ok": True},
    }
    return {**doc, **overrides}


def product(pid: str, daily: dict[str, Any], metric: str = "VIRTUAL_PROCESSOR_CORE") -> dict[str, Any]:
    return {"id": pid * 32 if len(pid) == 1 else pid, "name": f"Product {pid}", "metric": metric,
            "daily": daily}


def simulator_for(tmp_path: Path, doc: dict[str, Any], **kwargs: Any) -> LicenseServiceSimulator:
    path = tmp_path / "fixture.json"
    # Written by hand so that literals such as 3220.0 reach the loader exactly as typed.
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc, default=str))
    return LicenseServiceSimulator(load_fixture(path), **kwargs)


def get(sim: LicenseServiceSimulator, path: str, token: str | None = None, **query: str) -> Response:
    if token is not None:
        query["token"] = token
    return sim.handle(Request(path, query))


def body_json(response: Response) -> Any:
    assert response.status == 200, response.body
    assert response.content_type == "application/json"
    return json.loads(response.body, parse_float=Decimal)


@pytest.fixture
def east_path(demo_estate_dir: Path) -> Path:
    return demo_estate_dir / "prod-east.json"


@pytest.fixture
def east(east_path: Path) -> LicenseServiceSimulator:
    return LicenseServiceSimulator(load_fixture(east_path))


@pytest.fixture
def east_raw(east_path: Path) -> dict[str, Any]:
    return raw_fixture(east_path)


# --- paths and auth -------------------------------------------------------------------------

def test_root_and_version_need_no_token(east: LicenseServiceSimulator, east_raw: dict[str, Any]) -> None:
    landing = get(east, "/")
    assert landing.status == 200 and landing.content_type.startswith("text/html")
    assert body_json(get(east, "/version")) == {"version": east_raw["version"]}


@pytest.mark.parametrize("path", AUTHENTICATED_PATHS)
@pytest.mark.parametrize("token", [None, "wrong-token", ""])
def test_missing_or_wrong_token_is_401_html(east: LicenseServiceSimulator, path: str, token: str | None) -> None:
    response = get(east, path, token)
    assert response.status == 401
    assert response.content_type.startswith("text/html")
    assert response.body == UNAUTHORIZED_BODY


@pytest.mark.parametrize("path", AUTHENTICATED_PATHS)
def test_url_token_is_accepted(east: LicenseServiceSimulator, east_raw: dict[str, Any], path: str) -> None:
    assert get(east, path, east_raw["token"]).status == 200


@pytest.mark.parametrize("scheme", ["Bearer", "bearer"])
def test_bearer_token_is_accepted(east: LicenseServiceSimulator, east_raw: dict[str, Any], scheme: str) -> None:
    headers = {"authorization": f"{scheme} {east_raw['bearer_tokens'][0]}"}
    assert east.handle(Request("/products", {}, headers)).status == 200


@pytest.mark.parametrize("header", ["Bearer not-a-reader", "Basic abc", "Bearer "])
def test_wrong_bearer_is_401(east: LicenseServiceSimulator, header: str) -> None:
    assert east.handle(Request("/products", {}, {"Authorization": header})).status == 401


def test_fixture_token_is_not_a_bearer_token(east: LicenseServiceSimulator, east_raw: dict[str, Any]) -> None:
    headers = {"Authorization": f"Bearer {east_raw['token']}"}
    assert east.handle(Request("/products", {}, headers)).status == 401


@pytest.mark.parametrize("path", ["/nope", "/products/", "/Products", "/ibm-licensing-service-instance/products"])
def test_unknown_path_is_404_html_even_without_token(east: LicenseServiceSimulator, path: str) -> None:
    response = get(east, path)
    assert response.status == 404 and response.content_type.startswith("text/html")


def test_auth_is_checked_before_parameters(east: LicenseServiceSimulator) -> None:
    assert get(east, "/products", startDate="2026-11-10", endDate="2026-11-01").status == 401


def test_prefix_from_fixture(demo_estate_dir: Path) -> None:
    raw = raw_fixture(demo_estate_dir / "prod-west.json")
    west = LicenseServiceSimulator(load_fixture(demo_estate_dir / "prod-west.json"))
    prefix = raw["path_prefix"]
    assert get(west, f"{prefix}/products", raw["token"]).status == 200
    assert get(west, f"{prefix}/version").status == 200
    assert get(west, prefix).status == 200  # the landing page
    assert get(west, "/products", raw["token"]).status == 404
    assert get(west, "/version").status == 404


def test_prefix_override_and_none(east_path: Path, east_raw: dict[str, Any]) -> None:
    fixture = load_fixture(east_path)
    prefixed = LicenseServiceSimulator(fixture, prefix="/gw/")
    assert get(prefixed, "/gw/health", east_raw["token"]).status == 200
    assert get(prefixed, "/health", east_raw["token"]).status == 404
    assert get(prefixed, "/gwx/health", east_raw["token"]).status == 404


def test_empty_prefix_serves_at_root_despite_fixture_prefix(demo_estate_dir: Path) -> None:
    west = LicenseServiceSimulator(load_fixture(demo_estate_dir / "prod-west.json"), prefix="")
    assert get(west, "/version").status == 200


# --- JSON endpoints -------------------------------------------------------------------------

def test_products_default_window(east: LicenseServiceSimulator, east_raw: dict[str, Any]) -> None:
    today = date.fromisoformat(east_raw["today"])
    expected = expected_peaks(east_raw["products"], today - timedelta(days=30), today)
    assert body_json(get(east, "/products", east_raw["token"])) == expected


@pytest.mark.parametrize("names", [("startDate", "endDate"), ("dateFrom", "dateTo")])
def test_products_explicit_window_in_both_spellings(
    east: LicenseServiceSimulator, east_raw: dict[str, Any], names: tuple[str, str]
) -> None:
    query = {names[0]: "2026-09-05", names[1]: "2026-10-02"}
    expected = expected_peaks(east_raw["products"], date(2026, 9, 5), date(2026, 10, 2))
    assert body_json(get(east, "/products", east_raw["token"], **query)) == expected


@pytest.mark.parametrize("query", [{"startDate": "2026-09-05"}, {"endDate": "2026-09-20"}, {"dateTo": "2026-09-20"}])
def test_only_one_bound_gives_the_default_window(
    east: LicenseServiceSimulator, east_raw: dict[str, Any], query: dict[str, str]
) -> None:
    today = date.fromisoformat(east_raw["today"])
    expected = expected_peaks(east_raw["products"], today - timedelta(days=30), today)
    assert body_json(get(east, "/products", east_raw["token"], **query)) == expected


def test_end_after_today_is_clamped(east: LicenseServiceSimulator, east_raw: dict[str, Any]) -> None:
    clamped = get(east, "/snapshot", east_raw["token"], startDate="2026-11-20", endDate="2027-03-01")
    assert "audit_snapshot_2026-11-20_2026-11-30_" in dict(clamped.extra_headers)["Content-Disposition"]


def test_start_older_than_24_months_is_clamped(tmp_path: Path) -> None:
    sim = simulator_for(tmp_path, fixture_doc(today="2026-03-31", products=[
        product("a", {"2024-02-28": 9, "2024-03-31": 2, "2026-03-01": 1}),
    ]))
    response = get(sim, "/snapshot", "synthToken123", startDate="2020-01-01", endDate="2026-03-31")
    assert 'filename="audit_snapshot_2024-03-31_2026-03-31_synth-host.zip"' in dict(response.extra_headers)[
        "Content-Disposition"]
    rows = body_json(get(sim, "/products", "synthToken123", startDate="2020-01-01", endDate="2026-03-31"))
    assert rows[0]["metricQuantity"] == 2  # 2024-02-28 lies before the retained 24 months


def test_leap_day_retention_boundary(tmp_path: Path) -> None:
    sim = simulator_for(tmp_path, fixture_doc(today="2028-02-29"))
    response = get(sim, "/snapshot", "synthToken123", startDate="2025-01-01", endDate="2028-02-29")
    assert "audit_snapshot_2026-02-28_2028-02-29_" in dict(response.extra_headers)["Content-Disposition"]


@pytest.mark.parametrize("query", [
    {"startDate": "2026-11-10", "endDate": "2026-11-01"},
    {"dateFrom": "2026-11-10", "dateTo": "2026-11-01"},
    {"startDate": "2026-12-05", "endDate": "2026-12-10"},  # after today: empty once clamped
    {"startDate": "2026-11-01", "endDate": "30/11/2026"},
    {"startDate": "2026-02-30", "endDate": "2026-11-30"},
])
def test_bad_window_is_400_text(east: LicenseServiceSimulator, east_raw: dict[str, Any], query: dict[str, str]) -> None:
    for path in ("/products", "/bundled_products", "/snapshot"):
        response = get(east, path, east_raw["token"], **query)
        assert response.status == 400
        assert response.content_type.startswith("text/plain")
        assert response.body.strip()


def test_group_name(east: LicenseServiceSimulator, east_raw: dict[str, Any]) -> None:
    today = date.fromisoformat(east_raw["today"])
    start = today - timedelta(days=30)
    for group, rows in east_raw["chargeback"].items():
        assert body_json(get(east, "/products", east_raw["token"], groupName=group)) == expected_peaks(
            rows, start, today)
    assert body_json(get(east, "/products", east_raw["token"], groupName="no-such-group")) == []


def test_peak_tie_takes_earliest_day_and_ignores_days_outside(tmp_path: Path) -> None:
    sim = simulator_for(tmp_path, fixture_doc(products=[
        product("a", {"2026-11-25": 7, "2026-11-10": 7, "2026-11-20": 3, "2026-10-01": 99}),
    ]))
    [row] = body_json(get(sim, "/products", "synthToken123"))
    assert (row["metricPeakDate"], row["metricQuantity"]) == ("2026-11-10", 7)


def test_rows_without_days_in_window_are_absent(tmp_path: Path) -> None:
    sim = simulator_for(tmp_path, fixture_doc(products=[product("a", {"2026-01-01": 4}), product("b", {"2026-11-30": 0})]))
    assert [r["id"] for r in body_json(get(sim, "/products", "synthToken123"))] == ["b" * 32]


def test_numbers_in_shortest_exact_form(tmp_path: Path) -> None:
    text = json.dumps(fixture_doc(products=[
        product("a", {"2026-11-29": "@3220.0@"}),
        product("b", {"2026-11-29": "@0.5@"}),
        product("c", {"2026-11-29": "@1.10@"}),
    ])).replace('"@', "").replace('@"', "")
    sim = simulator_for(tmp_path, text)  # type: ignore[arg-type]
    body = get(sim, "/products", "synthToken123").body.decode()
    assert '"metricQuantity":3220,' in body
    assert '"metricQuantity":0.5,' in body
    assert '"metricQuantity":1.1,' in body
    assert "3220.0" not in body


def test_bundled_products_conversion(tmp_path: Path) -> None:
    def bundled(pid: str, conversion: str, value: str) -> dict[str, Any]:
        return {**product(pid, {"2026-11-29": value}), "cloudpak_id": "f" * 32,
                "cloudpak_name": "Pak", "conversion": conversion}

    doc = fixture_doc(bundled_products=[bundled("a", "2:1", "@6.5@"), bundled("b", "3:2", "@4.5@"),
                                        bundled("c", "1:1", "@3220.0@"), bundled("d", "4:1", "@1@")])
    sim = simulator_for(tmp_path, json.dumps(doc).replace('"@', "").replace('@"', ""))  # type: ignore[arg-type]
    response = get(sim, "/bundled_products", "synthToken123")
    rows = {r["productId"][0]: r for r in body_json(response)}
    assert {k: r["metricConvertedQuantity"] for k, r in rows.items()} == {
        "a": Decimal("3.25"), "b": Decimal("3"), "c": Decimal("3220"), "d": Decimal("0.25")}
    assert list(rows["a"]) == ["productName", "productId", "cloudpakId", "cloudpakName", "metricName",
                               "metricPeakDate", "metricMeasuredQuantity", "metricConversion",
                               "metricConvertedQuantity"]
    assert rows["a"]["metricMeasuredQuantity"] == Decimal("6.5") and rows["a"]["metricConversion"] == "2:1"
    body = response.body.decode()
    assert '"metricConvertedQuantity":3}' in body and '"metricConvertedQuantity":3220}' in body
    assert '"metricMeasuredQuantity":3220,' in body


def test_demo_bundled_products(east: LicenseServiceSimulator, east_raw: dict[str, Any]) -> None:
    today = date.fromisoformat(east_raw["today"])
    rows = body_json(get(east, "/bundled_products", east_raw["token"]))
    assert len(rows) == len(east_raw["bundled_products"])
    for source in east_raw["bundled_products"]:
        [peak] = expected_peaks([source], today - timedelta(days=30), today)
        [row] = [r for r in rows if r["productId"] == source["id"]]
        a, b = (int(x) for x in source["conversion"].split(":"))
        assert row["metricMeasuredQuantity"] == peak["metricQuantity"]
        assert row["metricPeakDate"] == peak["metricPeakDate"]
        assert row["metricConvertedQuantity"] == peak["metricQuantity"] * b / a
        assert row["cloudpakId"] == source["cloudpak_id"] and row["cloudpakName"] == source["cloudpak_name"]


def test_health_services_status(east: LicenseServiceSimulator, east_raw: dict[str, Any], tmp_path: Path) -> None:
    assert body_json(get(east, "/health", east_raw["token"])) == east_raw["health"]
    assert body_json(get(east, "/services", east_raw["token"])) == []
    status = get(east, "/status", east_raw["token"])
    assert status.content_type.startswith("text/html") and east_raw["hostname"].encode() in status.body
    services = [{"serviceName": "svc", "serviceMetricValue": 1.5, "cloudpakId": "x"}]
    sim = simulator_for(tmp_path, fixture_doc(services=services))
    assert json.loads(get(sim, "/services", "synthToken123").body) == services


# --- snapshot -------------------------------------------------------------------------------

def snapshot_entries(response: Response) -> dict[str, bytes]:
    assert response.status == 200 and response.content_type == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.body)) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def read_csv(content: bytes) -> list[dict[str, str]]:
    assert b"\r" not in content
    return list(csv.DictReader(io.StringIO(content.decode("utf-8"))))


def test_snapshot_layout(east: LicenseServiceSimulator, east_raw: dict[str, Any]) -> None:
    response = get(east, "/snapshot", east_raw["token"], startDate="2026-10-15", endDate="2026-11-14")
    suffix = f"2026-10-15_2026-11-14_{east_raw['hostname']}"
    assert dict(response.extra_headers)["Content-Disposition"] == f'attachment; filename="audit_snapshot_{suffix}.zip"'
    with zipfile.ZipFile(io.BytesIO(response.body)) as archive:
        infos = archive.infolist()
    assert [i.filename for i in infos] == [
        "data_condition.txt", f"products_{suffix}.csv", f"products_daily_{suffix}.csv",
        f"bundled_products_{suffix}.csv", f"bundled_products_daily_{suffix}.csv", "checksum.txt",
    ]
    assert {i.date_time for i in infos} == {(2026, 11, 30, 0, 0, 0)}
    entries = snapshot_entries(response)
    assert entries["data_condition.txt"].decode() == (
        f"version: {east_raw['version']}\nhostname: {east_raw['hostname']}\n"
        "period_start: 2026-10-15\nperiod_end: 2026-11-14\ngenerated: 2026-11-30T00:00:00Z\n"
    )
    checksum_lines = entries["checksum.txt"].decode().splitlines()
    others = sorted(name for name in entries if name != "checksum.txt")
    assert checksum_lines == [f"{hashlib.sha256(entries[n]).hexdigest()}  {n}" for n in others]


def test_snapshot_is_deterministic(east: LicenseServiceSimulator, east_raw: dict[str, Any], east_path: Path) -> None:
    again = LicenseServiceSimulator(load_fixture(east_path))
    first = get(east, "/snapshot", east_raw["token"]).body
    assert first == get(east, "/snapshot", east_raw["token"]).body == get(again, "/snapshot", east_raw["token"]).body


def test_snapshot_csv_contents(east: LicenseServiceSimulator, east_raw: dict[str, Any]) -> None:
    start, end = "2026-11-01", "2026-11-30"
    entries = snapshot_entries(get(east, "/snapshot", east_raw["token"], dateFrom=start, dateTo=end))
    suffix = f"{start}_{end}_{east_raw['hostname']}.csv"

    daily = read_csv(entries[f"products_daily_{suffix}"])
    expected_daily = sorted(
        (d, row["id"], row["metric"], str(v.normalize()) if v % 1 else str(int(v)))
        for row in east_raw["products"] for d, v in row["daily"].items() if start <= d <= end
    )
    assert [(r["date"], r["id"], r["metricName"], r["metricQuantity"]) for r in daily] == expected_daily
    assert list(daily[0]) == ["date", "name", "id", "metricName", "metricQuantity"]

    period = read_csv(entries[f"products_{suffix}"])
    expected = expected_peaks(east_raw["products"], date(2026, 11, 1), date(2026, 11, 30))
    assert [(r["id"], r["metricPeakDate"], Decimal(r["metricQuantity"])) for r in period] == [
        (e["id"], e["metricPeakDate"], e["metricQuantity"]) for e in expected]
    assert list(period[0]) == ["name", "id", "metricName", "metricPeakDate", "metricQuantity"]

    bundled_daily = read_csv(entries[f"bundled_products_daily_{suffix}"])
    count = sum(1 for row in east_raw["bundled_products"] for d in row["daily"] if start <= d <= end)
    assert len(bundled_daily) == count
    assert [(r["date"], r["productId"]) for r in bundled_daily] == sorted((r["date"], r["productId"]) for r in bundled_daily)
    for r in bundled_daily:
        a, b = (int(x) for x in r["metricConversion"].split(":"))
        assert Decimal(r["metricConvertedQuantity"]) == Decimal(r["metricMeasuredQuantity"]) * b / a


def test_snapshot_daily_keeps_zero_values(tmp_path: Path) -> None:
    sim = simulator_for(tmp_path, fixture_doc(products=[product("a", {"2026-11-29": 0, "2026-11-30": 2})]))
    entries = snapshot_entries(get(sim, "/snapshot", "synthToken123"))
    lines = entries["products_daily_2026-10-31_2026-11-30_synth-host.csv"].decode().splitlines()
    assert lines[1:] == [f"2026-11-29,Product a,{'a' * 32},VIRTUAL_PROCESSOR_CORE,0",
                         f"2026-11-30,Product a,{'a' * 32},VIRTUAL_PROCESSOR_CORE,2"]


def test_empty_cluster_gets_header_only_csvs(tmp_path: Path) -> None:
    sim = simulator_for(tmp_path, fixture_doc())
    assert body_json(get(sim, "/products", "synthToken123")) == []
    assert body_json(get(sim, "/bundled_products", "synthToken123")) == []
    entries = snapshot_entries(get(sim, "/snapshot", "synthToken123"))
    csvs = {name: content for name, content in entries.items() if name.endswith(".csv")}
    assert len(csvs) == 4
    for content in csvs.values():
        assert content.count(b"\n") == 1 and content.endswith(b"\n") and content.startswith((b"name,", b"date,", b"productName,"))


def test_today_override(east_path: Path, east_raw: dict[str, Any]) -> None:
    sim = LicenseServiceSimulator(load_fixture(east_path), today=date(2026, 10, 15))
    expected = expected_peaks(east_raw["products"], date(2026, 9, 15), date(2026, 10, 15))
    assert body_json(get(sim, "/products", east_raw["token"])) == expected
