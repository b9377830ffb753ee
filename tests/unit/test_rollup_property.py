"""Random estates: the view SQL agrees with a plain-Python reading of the multicluster rule
(license-service-api.md §6, FORMAT.md) for months, quarters and arbitrary periods."""
from __future__ import annotations

import tempfile
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lsc.datasets import PRODUCTS_DAILY
from lsc.local.dataset_files import objects_by_key, write_objects
from lsc.local.sql_engine import LocalEngine

FIRST_DAY = date(2026, 8, 20)  # mid-month and mid-quarter; the range reaches into 2027
DAYS = 150
CLUSTERS = ("east", "west", "emea")
EMPTY_CLUSTER = "idle"  # collected, but without a single daily row
PRODUCTS = {"p1": ("Cloud Pak", "Cloud Pak for Integration"), "p2": ("API Connect",)}
METRICS = ("VIRTUAL_PROCESSOR_CORE", "PROCESSOR_VALUE_UNIT")
# Few distinct values, so zero days and equal daily sums are frequent.
QUANTITIES = tuple(Decimal(text) for text in ("0", "0.5", "1", "2.25", "3", "4.5", "10"))


@dataclass(frozen=True)
class Usage:
    cluster_id: str
    day: date
    product_id: str
    product_name: str
    metric: str
    quantity: Decimal


@st.composite
def estates(draw: st.DrawFn) -> list[Usage]:
    # A few runs of nearby days per estate: clusters share days (real sums), a month holds several
    # days with equal sums (ties), and duplicates of one (cluster, day, product, metric) appear
    # (they must count once).
    starts = draw(st.lists(st.integers(0, DAYS - 7), min_size=1, max_size=3))
    offsets = {start + step for start in starts for step in draw(st.lists(st.integers(0, 6), min_size=1, max_size=4))}
    usage = st.builds(
        Usage,
        cluster_id=st.sampled_from(CLUSTERS),
        day=st.sampled_from(sorted(FIRST_DAY + timedelta(days=offset) for offset in offsets)),
        product_id=st.sampled_from(sorted(PRODUCTS)),
        product_name=st.sampled_from(sorted({name for names in PRODUCTS.values() for name in names})),
        metric=st.sampled_from(METRICS),
        quantity=st.sampled_from(QUANTITIES),
    ).filter(lambda usage: usage.product_name in PRODUCTS[usage.product_id])
    return draw(st.lists(usage, min_size=1, max_size=40))


def record(usage: Usage) -> dict[str, Any]:
    return {
        "schema_version": 1, "cluster_id": usage.cluster_id, "run_id": "test-run",
        "scheduled_time": "2027-01-20T06:00:00Z", "usage_date": usage.day, "product_id": usage.product_id,
        "product_name": usage.product_name, "metric_name": usage.metric, "quantity": usage.quantity,
        "provisional": False, "source": "snapshot",
    }


def reference_peaks(estate: list[Usage], start: date, end: date) -> dict[tuple[Any, ...], tuple[Any, ...]]:
    """(start, end, product, metric) -> (peak, peak date, clusters reporting, sum of cluster peaks)."""
    daily: dict[tuple[str, date, str, str], Decimal] = {}
    for usage in estate:
        if start <= usage.day <= end:
            key = (usage.cluster_id, usage.day, usage.product_id, usage.metric)
            daily[key] = max(daily.get(key, usage.quantity), usage.quantity)
    day_sums: dict[tuple[str, str], dict[date, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    cluster_peaks: dict[tuple[str, str], dict[str, Decimal]] = defaultdict(dict)
    for (cluster, day, product, metric), quantity in daily.items():
        day_sums[product, metric][day] += quantity
        peaks = cluster_peaks[product, metric]
        peaks[cluster] = max(peaks.get(cluster, quantity), quantity)
    result = {}
    for (product, metric), sums in day_sums.items():
        peak = max(sums.values())
        peak_date = min(day for day, total in sums.items() if total == peak)
        peaks = cluster_peaks[product, metric]
        result[start, end, product, metric] = (peak, peak_date, len(peaks), sum(peaks.values()))
    return result


def calendar_periods(estate: list[Usage], months: int) -> set[tuple[date, date]]:
    """The calendar periods of `months` months (1 or 3) that contain a usage day."""
    periods = set()
    for usage in estate:
        first_month = (usage.day.month - 1) // months * months + 1
        start = date(usage.day.year, first_month, 1)
        following = date(start.year + (first_month + months - 1) // 12, (first_month + months - 1) % 12 + 1, 1)
        periods.add((start, following - timedelta(days=1)))
    return periods


def reference_calendar(estate: list[Usage], months: int) -> dict[tuple[Any, ...], tuple[Any, ...]]:
    expected: dict[tuple[Any, ...], tuple[Any, ...]] = {}
    for start, end in calendar_periods(estate, months):
        expected.update(reference_peaks(estate, start, end))
    return expected


def engine_peaks(rows: list[dict[str, Any]]) -> dict[tuple[Any, ...], tuple[Any, ...]]:
    return {
        (row["period_start"], row["period_end"], row["product_id"], row["metric_name"]):
        (row["peak_quantity"], row["peak_date"], row["clusters_reporting"], row["sum_of_cluster_peaks"])
        for row in rows
    }


def assert_names_belong_to_products(rows: list[dict[str, Any]]) -> None:
    for row in rows:
        assert row["product_name"] in PRODUCTS[row["product_id"]]


period_bounds = st.tuples(st.integers(0, DAYS - 1), st.integers(0, DAYS - 1)).map(
    lambda offsets: tuple(FIRST_DAY + timedelta(days=offset) for offset in sorted(offsets))
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(estate=estates(), bounds=period_bounds)
def test_views_and_period_query_follow_the_multicluster_rule(estate: list[Usage], bounds: tuple[date, date]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        write_objects(root, objects_by_key(PRODUCTS_DAILY, [record(usage) for usage in estate]))
        write_objects(root, {PRODUCTS_DAILY.key(FIRST_DAY, EMPTY_CLUSTER): b""})
        with LocalEngine.over_directory(root) as engine:
            monthly = engine.view("multicluster_peak_monthly")
            quarterly = engine.view("multicluster_peak_quarterly")
            period = engine.peak_for_period(*bounds)
            window = engine.query("SELECT * FROM usage_rollup_figures WHERE period_kind = 'window'")

    assert engine_peaks(monthly) == reference_calendar(estate, months=1)
    assert engine_peaks(quarterly) == reference_calendar(estate, months=3)
    assert engine_peaks(period) == reference_peaks(estate, *bounds)
    # the window of the whole rollup: every collected day, from the earliest to the latest
    assert engine_peaks(window) == reference_peaks(estate, min(u.day for u in estate), max(u.day for u in estate))
    assert {row["month"] for row in monthly} == {row["period_start"].strftime("%Y-%m") for row in monthly}
    assert {row["quarter"] for row in quarterly} == {
        f"{row['period_start'].year}-Q{(row['period_start'].month + 2) // 3}" for row in quarterly
    }
    for rows in (monthly, quarterly, period, window):
        assert_names_belong_to_products(rows)
