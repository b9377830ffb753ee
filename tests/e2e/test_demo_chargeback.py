"""Chargeback groups in `lsc demo --json` equal a group rollup computed here from the fixtures."""
from __future__ import annotations

import json
from collections import defaultdict
from decimal import Decimal

from lsc.local.fixture import load_estate
from lsc.rollup import equal_rollups


def independent_group_rollup(fixtures) -> list[dict]:
    """The multicluster rule per group: highest daily sum across clusters over the collected span."""
    per_day: dict[tuple, dict] = defaultdict(lambda: defaultdict(Decimal))  # (group, id, metric) -> day -> sum
    per_cluster_peak: dict[tuple, dict] = defaultdict(dict)  # (group, id, metric) -> cluster -> own peak
    days = set()
    provisional = set()  # keys with a value on its cluster's collection day (today), which a later run rewrites
    for fixture in fixtures:
        for group, rows in fixture.chargeback.items():
            for row in rows:
                key = (group, row.id, row.metric)
                for day, value in row.daily.items():
                    per_day[key][day] += Decimal(value)
                    days.add(day)
                    if day == fixture.today:
                        provisional.add(key)
                own = max(Decimal(v) for v in row.daily.values())
                per_cluster_peak[key][fixture.cluster_id] = max(own, per_cluster_peak[key].get(fixture.cluster_id, own))
    start, end = min(days).isoformat(), max(days).isoformat()
    rollup = []
    for (group, product_id, metric), sums in per_day.items():
        peak = max(sums.values())
        rollup.append({
            "group_name": group, "product_id": product_id, "metric_name": metric,
            "period_start": start, "period_end": end, "peak_quantity": float(peak),
            "peak_date": min(day for day, total in sums.items() if total == peak).isoformat(),
            "clusters_reporting": len(per_cluster_peak[(group, product_id, metric)]),
            "sum_of_cluster_peaks": float(sum(per_cluster_peak[(group, product_id, metric)].values())),
            "provisional": (group, product_id, metric) in provisional,
        })
    return rollup


def test_group_rollup_equals_the_independent_computation(demo_json_run, demo_estate_dir):
    assert demo_json_run.returncode == 0, demo_json_run.stderr
    document = json.loads(demo_json_run.stdout)
    fixtures = load_estate(demo_estate_dir)
    expected = independent_group_rollup(fixtures)
    # the demo estate covers both awkward cases: a group on one cluster only, and a group with a gap
    clusters_per_group = {g: [f.cluster_id for f in fixtures if g in f.chargeback] for g in ("finance", "retail")}
    assert clusters_per_group == {"finance": ["prod-east", "prod-west"], "retail": ["prod-east"]}
    west_finance = next(f for f in fixtures if f.cluster_id == "prod-west").chargeback["finance"][0].daily
    assert len(west_finance) < (max(west_finance) - min(west_finance)).days + 1
    assert sorted(row["group_name"] for row in document["chargeback"]) == ["finance", "retail"]
    assert equal_rollups({"chargeback": document["chargeback"]}, {"chargeback": expected}) == []
    # equal_rollups leaves flags aside: the provisional mark is compared on its own
    provisional = {(r["group_name"], r["product_id"], r["metric_name"]): r["provisional"] for r in expected}
    assert {(r["group_name"], r["product_id"], r["metric_name"]): r["provisional"] for r in document["chargeback"]} \
        == provisional
    assert any(provisional.values())  # the demo's groups do report on the collection day


def test_group_rows_carry_no_per_cluster_completeness(demo_json_run):
    """Evidence is tracked per cluster: a group on 2 of 3 clusters must not claim 3 expected."""
    rows = json.loads(demo_json_run.stdout)["chargeback"]
    assert rows and all(row["clusters_expected"] is None and row["cluster_days_missing"] is None for row in rows)
