"""Chargeback groups: daily usage per group from per-day `/products?groupName=` calls.

The API returns only period peaks per group and keeps 62 days, so each day is its own call,
a few at a time so that a cluster is never hammered.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from typing import Any

from lsc.api_models import ProductRow, parse_rows
from lsc.collection_window import days
from lsc.license_client import LicenseServiceClient, Window

RETENTION_DAYS = 62
CALLS_IN_PARALLEL = 4


def chargeback_window(window: Window) -> Window:
    return Window(max(window.start, window.end - timedelta(days=RETENTION_DAYS - 1)), window.end)


def fetch_group_days(client: LicenseServiceClient, groups: list[str], window: Window,
                     parse_payload: Any) -> tuple[list[dict[str, Any]], list[str]]:
    """(daily rows with group_name, groups that returned nothing at all)."""

    def one(task: tuple[str, date]) -> list[dict[str, Any]]:
        group, day = task
        body = client.get_json("/products", {"groupName": group, **client.window_params(Window(day, day))})
        return [{"usage_date": day, "group_name": group, "product_id": row.product_id,
                 "product_name": row.product_name, "metric_name": row.metric_name, "quantity": row.quantity}
                for row in parse_payload("/products", lambda: parse_rows(body, ProductRow))]

    tasks = [(group, day) for group in groups for day in days(window)]
    with ThreadPoolExecutor(max_workers=CALLS_IN_PARALLEL) as pool:
        rows = [row for result in pool.map(one, tasks) for row in result]
    silent = [g for g in groups if not any(r["group_name"] == g for r in rows)]
    return rows, silent
