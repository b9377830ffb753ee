"""Chargeback views over the demo estate's fixture data, checked against sums done here."""
from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

from lsc.datasets import CHARGEBACK_DAILY, PRODUCTS_DAILY
from lsc.local.dataset_files import objects_by_key, write_objects
from lsc.local.fixture import load_estate
from lsc.local.sql_engine import LocalEngine

COMMON = {"schema_version": 1, "run_id": "t-20261130T000000Z", "scheduled_time": "2026-11-30T00:00:00Z",
          "provisional": False}


def _records(fixtures):
    products, groups = [], []
    for f in fixtures:
        for row in f.products:
            products += [{**COMMON, "cluster_id": f.cluster_id, "usage_date": day, "product_id": row.id,
                          "product_name": row.name, "metric_name": row.metric, "quantity": q, "source": "snapshot"}
                         for day, q in row.daily.items()]
        for group, rows in f.chargeback.items():
            groups += [{**COMMON, "cluster_id": f.cluster_id, "usage_date": day, "group_name": group, "product_id": row.id,
                        "product_name": row.name, "metric_name": row.metric, "quantity": q}
                       for row in rows for day, q in row.daily.items()]
    return products, groups


def test_group_share_of_the_estate_peak_on_the_peak_day(tmp_path, demo_estate_dir, expected_rollup):
    fixtures = load_estate(demo_estate_dir)
    products, groups = _records(fixtures)
    write_objects(tmp_path, {**objects_by_key(PRODUCTS_DAILY, products), **objects_by_key(CHARGEBACK_DAILY, groups)})
    group_day = defaultdict(Decimal)
    for record in groups:
        group_day[(record["group_name"], record["usage_date"], record["product_id"])] += Decimal(record["quantity"])
    expected = {}
    for row in expected_rollup["monthly"]:
        peak_day = date.fromisoformat(row["peak_date"])
        for group in ("finance", "retail"):
            total = group_day.get((group, peak_day, row["product_id"]))
            if total is not None:
                expected[(row["period_start"][:7], row["product_id"], group)] = (
                    float(total), float(total) / row["peak_quantity"])
    with LocalEngine.over_directory(tmp_path) as engine:
        rows = engine.view("chargeback_share_of_peak")
    got = {(r["month"], r["product_id"], r["group_name"]): (float(r["group_quantity"]), r["share_of_peak"]) for r in rows}
    assert got.keys() == expected.keys() and len(got) >= 3
    for key, (quantity, share) in expected.items():
        assert got[key][0] == quantity and abs(got[key][1] - share) < 1e-9


def test_chargeback_monthly_peaks_per_group(tmp_path, demo_estate_dir):
    fixtures = load_estate(demo_estate_dir)
    _, groups = _records(fixtures)
    write_objects(tmp_path, objects_by_key(CHARGEBACK_DAILY, groups))
    sums = defaultdict(Decimal)
    for record in groups:
        sums[(record["group_name"], record["usage_date"])] += Decimal(record["quantity"])
    expected = {}
    for (group, day), total in sorted(sums.items(), key=lambda item: item[0][1]):
        key = (group, day.strftime("%Y-%m"))
        if key not in expected or total > expected[key][0]:
            expected[key] = (total, day)
    with LocalEngine.over_directory(tmp_path) as engine:
        rows = engine.view("chargeback_peak_monthly")
    got = {(r["group_name"], r["month"]): (Decimal(r["peak_quantity"]), r["peak_date"]) for r in rows}
    assert got == expected
