"""Provisional marks, entitlement headroom and peak-day breakdown, through the view SQL in DuckDB,
checked against the fixtures' daily figures computed here in plain Python."""
from __future__ import annotations

import json
from collections import defaultdict
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from lsc.datasets import PRODUCTS_DAILY
from lsc.entitlements import Entitlement, entitlements_object
from lsc.local.dataset_files import objects_by_key, write_objects
from lsc.local.sql_engine import LocalEngine
from lsc.peak_details import detailed_rollup
from lsc.rollup import equal_rollups

PROVISIONAL_DAY = "2026-11-30"  # the demo estate's collection day
APIC = ("2c717d4ecc924aa5ac345015b55492eb", "PROCESSOR_VALUE_UNIT")
CP4I = ("c8b82d189e7545f0892db9ef2731b90d", "VIRTUAL_PROCESSOR_CORE")
LICENSED = {APIC: Decimal(5150), CP4I: Decimal(48)}


def _fixtures(demo_estate_dir: Path) -> list[dict[str, Any]]:
    return [json.loads(p.read_text()) for p in sorted(demo_estate_dir.glob("*.json")) if p.name != "expected_rollup.json"]


def _records(fixtures: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {"schema_version": 1, "cluster_id": f["cluster_id"], "run_id": "r", "scheduled_time": "2026-11-30T00:00:00Z",
         "usage_date": day, "product_id": p["id"], "product_name": p["name"], "metric_name": p["metric"],
         "quantity": quantity, "provisional": day == PROVISIONAL_DAY, "source": "snapshot"}
        for f in fixtures for p in f["products"] for day, quantity in p["daily"].items()
    ]


@pytest.fixture(scope="module")
def daily(demo_estate_dir: Path) -> dict[tuple[str, str], dict[str, dict[str, Decimal]]]:
    """(product, metric) -> day -> cluster -> quantity, straight from the fixtures."""
    table: dict[tuple[str, str], dict[str, dict[str, Decimal]]] = defaultdict(lambda: defaultdict(dict))
    for record in _records(_fixtures(demo_estate_dir)):
        table[(record["product_id"], record["metric_name"])][record["usage_date"]][record["cluster_id"]] = Decimal(str(record["quantity"]))
    return table


@pytest.fixture(scope="module")
def engine(demo_estate_dir: Path, tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("estate")
    write_objects(root, objects_by_key(PRODUCTS_DAILY, _records(_fixtures(demo_estate_dir))))
    key, body = entitlements_object([Entitlement(*key, quantity) for key, quantity in LICENSED.items()],
                                    date(2026, 12, 1), "2026-12-01T00:00:00Z")
    write_objects(root, {key: body})
    with LocalEngine.over_directory(root) as engine:
        yield engine


@pytest.fixture(scope="module")
def document(engine: LocalEngine) -> dict[str, Any]:
    return detailed_rollup(engine)


def test_the_figures_stay_those_of_the_expected_rollup(document: dict[str, Any], expected_rollup: dict) -> None:
    assert equal_rollups(document, expected_rollup) == []


def test_peak_day_contributions_are_the_fixture_quantities_of_that_day(document: dict[str, Any], daily) -> None:
    for name in ("window", "monthly", "quarterly"):
        for row in document[name]:
            on_peak_day = daily[(row["product_id"], row["metric_name"])][row["peak_date"]]
            assert {c["cluster_id"]: Decimal(str(c["quantity"])) for c in row["peak_day_clusters"]} == on_peak_day
            assert sum(on_peak_day.values()) == Decimal(str(row["peak_quantity"]))


def test_periods_holding_the_collection_day_are_provisional(document: dict[str, Any]) -> None:
    for name in ("window", "monthly", "quarterly"):
        for row in document[name]:
            assert row["provisional"] == (row["period_start"] <= PROVISIONAL_DAY <= row["period_end"]), row


def test_headroom_and_breach_against_the_licensed_quantity(document: dict[str, Any], daily) -> None:
    window = {(row["product_id"], row["metric_name"]): row for row in document["window"]}
    for key, rows_by_day in daily.items():
        peak = max(sum(clusters.values()) for clusters in rows_by_day.values())
        row = window[key]
        if key in LICENSED:
            assert Decimal(str(row["headroom"])) == LICENSED[key] - peak
            assert row["breach"] == (peak > LICENSED[key])
        else:
            assert (row["licensed_quantity"], row["headroom"], row["breach"]) == (None, None, None)
    assert window[APIC]["breach"] is True  # 5180 on 2026-11-23 against 5150


def test_headroom_view_agrees_with_the_document(engine: LocalEngine, document: dict[str, Any]) -> None:
    expected = {
        (kind, row["period_start"], row["product_id"], row["metric_name"]):
            (row["peak_quantity"], row["provisional"], row["licensed_quantity"], row["headroom"], row["breach"])
        for kind, name in (("month", "monthly"), ("quarter", "quarterly")) for row in document[name]
    }
    view = {
        (row["period_kind"], row["period_start"].isoformat(), row["product_id"], row["metric_name"]):
            (float(row["peak_quantity"]), row["provisional"],
             None if row["licensed_quantity"] is None else float(row["licensed_quantity"]),
             None if row["headroom"] is None else float(row["headroom"]), row["breach"])
        for row in engine.view("multicluster_peak_headroom")
    }
    assert view == expected


def test_breakdown_view_agrees_with_the_document(engine: LocalEngine, document: dict[str, Any]) -> None:
    expected = sorted(
        (kind, row["period_start"], row["product_id"], row["metric_name"], row["peak_date"], c["cluster_id"], c["quantity"])
        for kind, name in (("month", "monthly"), ("quarter", "quarterly")) for row in document[name]
        for c in row["peak_day_clusters"]
    )
    view = sorted(
        (row["period_kind"], row["period_start"].isoformat(), row["product_id"], row["metric_name"],
         row["peak_date"].isoformat(), row["cluster_id"], float(row["cluster_quantity"]))
        for row in engine.view("multicluster_peak_breakdown")
    )
    assert view == expected


def test_a_period_narrows_the_window_and_the_months(engine: LocalEngine, daily) -> None:
    document = detailed_rollup(engine, date(2026, 10, 1), date(2026, 10, 31))
    assert {row["period_start"] for row in document["window"]} == {"2026-10-01"}
    assert {row["period_start"] for row in document["monthly"]} == {"2026-10-01"}
    assert {row["period_start"] for row in document["quarterly"]} == {"2026-10-01"}
    for row in document["window"]:
        october = {day: c for day, c in daily[(row["product_id"], row["metric_name"])].items() if day.startswith("2026-10")}
        assert Decimal(str(row["peak_quantity"])) == max(sum(c.values()) for c in october.values())
        assert row["provisional"] is False
