"""Chargeback groups: daily usage per group from per-day `/products?groupName=` calls.

The API returns only period peaks per group and keeps 62 days, so each day is its own call,
a few at a time so that a cluster is never hammered.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from lsc.api_models import ProductRow, parse_rows
from lsc.collection_window import days
from lsc.license_client import CallError, LicenseServiceClient, Window

CALLS_IN_PARALLEL = 4


def chargeback_window(window: Window, retention_days: int, *, new_groups: bool) -> Window:
    """The run's window, or everything the service keeps for groups: at most `retention_days`,
    and all of them when a group is collected for the first time (added to a known cluster)."""
    oldest = window.end - timedelta(days=retention_days - 1)
    return Window(oldest if new_groups else max(window.start, oldest), window.end)


@dataclass
class GroupUsage:
    rows: list[dict[str, Any]] = field(default_factory=list)
    silent: list[str] = field(default_factory=list)  # groups that returned nothing at all
    failure: CallError | None = None  # set: `rows` is incomplete and must not replace stored months


def fetch_group_days(client: LicenseServiceClient, groups: list[str], window: Window,
                     parse_payload: Any) -> GroupUsage:
    """Daily rows with group_name. The first failed call stops the rest: a chargeback month object
    holds every group, so one group missing would erase its stored days."""

    def one(group: str, day: date) -> list[dict[str, Any]]:
        endpoint = f"/products (groupName={group})"
        try:
            body = client.get_json("/products", {"groupName": group, **client.window_params(Window(day, day))})
        except CallError as exc:
            raise CallError(endpoint, exc.error_class, exc.message, http_status=exc.http_status,
                            hint=exc.hint) from None
        return [{"usage_date": day, "group_name": group, "product_id": row.product_id,
                 "product_name": row.product_name, "metric_name": row.metric_name, "quantity": row.quantity}
                for row in parse_payload(endpoint, lambda: parse_rows(body, ProductRow))]

    usage = GroupUsage()
    with ThreadPoolExecutor(max_workers=CALLS_IN_PARALLEL) as pool:
        calls = [pool.submit(one, group, day) for group in groups for day in days(window)]
        try:
            usage.rows = [row for call in calls for row in call.result()]
        except CallError as exc:
            pool.shutdown(cancel_futures=True)
            return GroupUsage(failure=exc)
    usage.silent = [g for g in groups if not any(r["group_name"] == g for r in usage.rows)]
    return usage
