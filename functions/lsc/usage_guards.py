"""Checks that keep a faulty answer from replacing good usage data with less (README, "Failure behaviour").

A License Service never forgets a usage day inside its retention, and its period and daily data
describe the same usage. So a run is refused, before anything is written, when:

1. `/products` and the daily data disagree about whether there was any usage in the window (one is
   empty, the other is not: a `[]` from a gateway, a snapshot whose daily file is only a header);
2. a usage day inside the window that already has rows in the cluster's stored month objects has
   none in the new data (a reinstalled License Service, a cut-down answer);
3. `/bundled_products` or `/services` is `[]` although the snapshot's bundled products file lists
   rows, or the last successful run saw one of its rows peak on a day inside this window.

The stored objects then stay as they are, and the cluster's status record says why.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from lsc.collection_window import months_between
from lsc.data_bucket import DataBucket
from lsc.datasets import PRODUCTS_DAILY
from lsc.license_client import CallError, Window

SHOWN_DAYS = 5
EMPTY_ANSWER_HINT = ("an empty answer (gateway or a License Service restart?): nothing was written, "
                     "earlier data is kept; the run is retried")


def check_consistent(period_rows: int, daily_days: Iterable[date], daily_endpoint: str) -> None:
    has_daily = any(True for _ in daily_days)
    if period_rows and not has_daily:
        raise CallError(daily_endpoint, "InconsistentUsage",
                        f"/products lists {period_rows} products for the window but the daily data has no rows",
                        hint="the daily data is empty or cut down: nothing was written, earlier data is kept; "
                             "check the License Service's health and storage")
    if has_daily and not period_rows:
        raise CallError("/products", "InconsistentUsage", "/products is [] but the daily data shows usage",
                        hint=EMPTY_ANSWER_HINT)


def check_not_emptied(endpoint: str, rows: int, window: Window, *, snapshot_rows: int | None = None,
                      last_peak: str | None = None) -> None:
    """Rule 3 for a period endpoint: `snapshot_rows` is what the snapshot's own file for it lists,
    `last_peak` the latest peak date among the rows the last successful run stored."""
    if rows:
        return
    if snapshot_rows:
        raise CallError(endpoint, "InconsistentUsage",
                        f"{endpoint} is [] but the snapshot's bundled_products_*.csv lists {snapshot_rows} rows "
                        "for the same window", hint=EMPTY_ANSWER_HINT)
    if last_peak and window.start.isoformat() <= last_peak <= window.end.isoformat():
        raise CallError(endpoint, "InconsistentUsage",
                        f"{endpoint} is [] but the last successful run listed a row peaking on {last_peak}, "
                        "inside this window", hint=EMPTY_ANSWER_HINT)


def check_no_lost_days(bucket: DataBucket, cluster_id: str, window: Window, new_days: Iterable[date],
                       daily_endpoint: str) -> None:
    """Rule 2, over the month objects the run would rewrite."""
    stored: set[str] = set()
    for month in months_between(window.start, window.end):
        for row in bucket.get_json_lines(PRODUCTS_DAILY.key(month, cluster_id)) or []:
            if window.start.isoformat() <= row["usage_date"] <= window.end.isoformat():
                stored.add(row["usage_date"])
    lost = sorted(stored - {day.isoformat() for day in new_days})
    if lost:
        shown = ", ".join(lost[:SHOWN_DAYS]) + (f" and {len(lost) - SHOWN_DAYS} more" if len(lost) > SHOWN_DAYS else "")
        raise CallError(daily_endpoint, "UsageShrank",
                        f"{len(lost)} usage days collected before have no rows now ({shown})",
                        hint="the License Service answered with less than it reported before (data lost or "
                             "reinstalled?): nothing was written, earlier data is kept; check the License Service")
