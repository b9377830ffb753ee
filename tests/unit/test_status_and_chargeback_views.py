"""cluster_latest, the chargeback views and the one-month-per-object rule on small hand-computed data."""
from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

from lsc.datasets import CHARGEBACK_DAILY, COLLECTION_STATUS, PRODUCTS_DAILY
from lsc.jsonlines import dumps_lines
from lsc.local.dataset_files import objects_by_key, write_objects
from lsc.local.sql_engine import LocalEngine
from lsc.rollup import ROW_KEYS, document_rows, rollup_document

VPC = "VIRTUAL_PROCESSOR_CORE"


def line(cluster_id: str, **fields: Any) -> dict[str, Any]:
    return {"schema_version": 1, "cluster_id": cluster_id, "run_id": "daily-20261130T060000Z",
            "scheduled_time": "2026-11-30T06:00:00Z", **fields}


def chargeback(cluster_id: str, day: str, group: str, quantity: str) -> dict[str, Any]:
    return line(cluster_id, usage_date=day, group_name=group, product_id="p1", product_name="Cloud Pak",
                metric_name=VPC, quantity=Decimal(quantity), provisional=False)


def product(cluster_id: str, day: str, quantity: str) -> dict[str, Any]:
    return line(cluster_id, usage_date=day, product_id="p1", product_name="Cloud Pak", metric_name=VPC,
                quantity=Decimal(quantity), provisional=False, source="snapshot")


def test_chargeback_views_sum_per_group_and_stay_apart_from_product_usage(tmp_path: Path) -> None:
    write_objects(tmp_path, objects_by_key(CHARGEBACK_DAILY, [
        chargeback("a", "2026-10-01", "finance", "2"),
        chargeback("a", "2026-10-02", "finance", "3"),
        chargeback("a", "2026-10-01", "retail", "1"),
        chargeback("b", "2026-10-01", "finance", "2"),
        chargeback("b", "2026-10-02", "finance", "0.5"),
        chargeback("b", "2026-10-02", "finance", "0.25"),  # the same day twice: the larger counts
        chargeback("b", "2026-11-05", "finance", "4"),
    ]))
    write_objects(tmp_path, objects_by_key(PRODUCTS_DAILY, [product("a", "2026-10-01", "7")]))

    with LocalEngine.over_directory(tmp_path) as engine:
        daily = engine.query("SELECT usage_date, group_name, total_quantity, clusters_reporting "
                             "FROM chargeback_multicluster_daily ORDER BY usage_date, group_name")
        monthly = engine.query("SELECT month, group_name, product_id, metric_name, peak_quantity, peak_date, "
                               "clusters_reporting, sum_of_cluster_peaks FROM chargeback_peak_monthly "
                               "ORDER BY month, group_name")
        products = engine.query("SELECT usage_date, total_quantity, clusters_reporting FROM multicluster_daily")

    assert daily == [
        {"usage_date": date(2026, 10, 1), "group_name": "finance", "total_quantity": 4, "clusters_reporting": 2},
        {"usage_date": date(2026, 10, 1), "group_name": "retail", "total_quantity": 1, "clusters_reporting": 1},
        {"usage_date": date(2026, 10, 2), "group_name": "finance", "total_quantity": Decimal("3.5"), "clusters_reporting": 2},
        {"usage_date": date(2026, 11, 5), "group_name": "finance", "total_quantity": 4, "clusters_reporting": 1},
    ]
    assert monthly == [
        {"month": "2026-10", "group_name": "finance", "product_id": "p1", "metric_name": VPC, "peak_quantity": 4,
         "peak_date": date(2026, 10, 1), "clusters_reporting": 2, "sum_of_cluster_peaks": 5},
        {"month": "2026-10", "group_name": "retail", "product_id": "p1", "metric_name": VPC, "peak_quantity": 1,
         "peak_date": date(2026, 10, 1), "clusters_reporting": 1, "sum_of_cluster_peaks": 1},
        {"month": "2026-11", "group_name": "finance", "product_id": "p1", "metric_name": VPC, "peak_quantity": 4,
         "peak_date": date(2026, 11, 5), "clusters_reporting": 1, "sum_of_cluster_peaks": 4},
    ]
    assert products == [{"usage_date": date(2026, 10, 1), "total_quantity": 7, "clusters_reporting": 1}]


def test_whole_rollup_windows_are_the_period_query_over_each_sources_days(tmp_path: Path) -> None:
    # Without bounds the rollup reads usage_rollup_figures once; its windows must be what the period
    # query gives over each usage source's own first..last day (here the sources' spans differ).
    write_objects(tmp_path, objects_by_key(CHARGEBACK_DAILY, [
        chargeback("a", "2026-10-02", "finance", "3"),
        chargeback("b", "2026-10-02", "finance", "0.5"),
        chargeback("b", "2026-10-02", "finance", "0.25"),
        chargeback("b", "2026-11-05", "retail", "4"),
    ]))
    write_objects(tmp_path, objects_by_key(PRODUCTS_DAILY, [
        product("a", "2026-09-30", "7"), product("b", "2026-10-02", "1"), product("b", "2026-11-20", "8"),
    ]))
    with LocalEngine.over_directory(tmp_path) as engine:
        document = rollup_document(engine)
        products = engine.peak_for_period(date(2026, 9, 30), date(2026, 11, 20))
        groups = engine.peak_for_period(date(2026, 10, 2), date(2026, 11, 5))
        monthly = engine.view("multicluster_peak_monthly")
    assert document["window"] == document_rows(row for row in products if row["usage_source"] == "products")
    assert document["chargeback"] == document_rows(
        (row for row in groups if row["usage_source"] == "chargeback"), ("group_name", *ROW_KEYS))
    assert document["monthly"] == document_rows(monthly)
    assert [(row["period_start"], row["period_end"], row["peak_quantity"]) for row in document["window"]] == [
        ("2026-09-30", "2026-11-20", 8.0)]


def test_a_day_filed_under_another_month_is_ignored(tmp_path: Path) -> None:
    # The November object speaks for November: a stray October line in it must not add to October.
    october = PRODUCTS_DAILY.key(date(2026, 10, 1), "a")
    november = PRODUCTS_DAILY.key(date(2026, 11, 1), "a")
    write_objects(tmp_path, {
        october: dumps_lines([product("a", "2026-10-03", "2")]),
        november: dumps_lines([product("a", "2026-11-03", "5"), product("a", "2026-10-03", "9")]),
    })
    with LocalEngine.over_directory(tmp_path) as engine:
        daily = engine.query("SELECT usage_date, total_quantity FROM multicluster_daily ORDER BY usage_date")
    assert daily == [
        {"usage_date": date(2026, 10, 3), "total_quantity": 2},
        {"usage_date": date(2026, 11, 3), "total_quantity": 5},
    ]


def status(cluster_id: str, run_day: str, outcome: str, **fields: Any) -> dict[str, Any]:
    return {
        "schema_version": 1, "cluster_id": cluster_id, "run_id": f"daily-{run_day.replace('-', '')}T060000Z",
        "scheduled_time": f"{run_day}T06:00:00Z", "execution_id": "x", "outcome": outcome,
        "started_at": f"{run_day}T06:00:01.000Z", "finished_at": f"{run_day}T06:00:09.500Z", **fields,
    }


def test_cluster_latest_reports_latest_run_and_latest_success(tmp_path: Path) -> None:
    write_objects(tmp_path, objects_by_key(COLLECTION_STATUS, [
        status("east", "2026-11-28", "success", license_service_version="4.2.22", health_summary="ok",
               license_service_host="old-east.example"),
        status("east", "2026-11-29", "success", license_service_version="4.2.23",
               health_summary="1 pod with incomplete annotations", license_service_host="east.example"),
        status("east", "2026-11-30", "failed", error_class="ConnectTimeout", error_message="connect timed out"),
        status("west", "2026-11-30", "failed", error_class="HTTPStatusError", error_message="401 Unauthorized"),
        # a second registry entry for east's License Service; one for its old host would not count
        status("alias", "2026-11-30", "success", license_service_version="4.2.23", health_summary="ok",
               license_service_host="east.example"),
        status("stale", "2026-11-30", "success", license_service_version="4.2.22", health_summary="ok",
               license_service_host="old-east.example"),
    ]))
    today_before = datetime.now(timezone.utc).date()
    with LocalEngine.over_directory(tmp_path) as engine:
        rows = {row["cluster_id"]: row for row in engine.view("cluster_latest")}
    today_after = datetime.now(timezone.utc).date()

    east_days = rows["east"].pop("days_since_last_success")
    assert east_days in {(today - date(2026, 11, 29)).days for today in (today_before, today_after)}
    assert {c: (rows[c]["license_service_host"], rows[c]["shares_license_service_with"]) for c in ("alias", "stale")} == {
        "alias": ("east.example", ["east"]), "stale": ("old-east.example", None)}
    del rows["alias"], rows["stale"]
    assert rows == {
        "east": {
            "cluster_id": "east", "last_run_id": "daily-20261130T060000Z",
            "last_scheduled_time": "2026-11-30T06:00:00Z", "last_collected_at": "2026-11-30T06:00:09.500Z",
            "last_outcome": "failed", "last_error_class": "ConnectTimeout", "last_error_message": "connect timed out",
            "license_service_version": "4.2.23", "health_summary": "1 pod with incomplete annotations",
            "last_success_scheduled_time": "2026-11-29T06:00:00Z", "last_success_at": "2026-11-29T06:00:09.500Z",
            "license_service_host": "east.example", "shares_license_service_with": ["alias"],
        },
        "west": {
            "cluster_id": "west", "last_run_id": "daily-20261130T060000Z",
            "last_scheduled_time": "2026-11-30T06:00:00Z", "last_collected_at": "2026-11-30T06:00:09.500Z",
            "last_outcome": "failed", "last_error_class": "HTTPStatusError", "last_error_message": "401 Unauthorized",
            "license_service_version": None, "health_summary": None, "last_success_scheduled_time": None,
            "last_success_at": None, "days_since_last_success": None,
            "license_service_host": None, "shares_license_service_with": None,
        },
    }


def test_views_are_empty_before_any_collection(tmp_path: Path) -> None:
    with LocalEngine.over_directory(tmp_path) as engine:
        for view in ("multicluster_daily", "multicluster_peak_monthly", "cluster_latest", "chargeback_peak_monthly"):
            assert engine.view(view) == []
        assert engine.peak_for_period(date(2026, 1, 1), date(2026, 12, 31)) == []


def test_a_month_filter_on_the_views_reads_only_that_months_objects(tmp_path: Path) -> None:
    # An unreadable object in another month fails any query that opens it, so success here means
    # the month predicate reached the scan through the views (Athena prunes on the same predicate).
    write_objects(tmp_path, objects_by_key(PRODUCTS_DAILY, [product("a", "2026-10-03", "2")]))
    write_objects(tmp_path, {PRODUCTS_DAILY.key(date(2026, 9, 1), "a"): b"not json\n"})
    with LocalEngine.over_directory(tmp_path) as engine:
        monthly = engine.query("SELECT peak_quantity FROM multicluster_peak_monthly WHERE month = '2026-10'")
        daily = engine.query("SELECT total_quantity FROM multicluster_daily WHERE month = '2026-10'")
    assert monthly == [{"peak_quantity": 2}]
    assert daily == [{"total_quantity": 2}]
