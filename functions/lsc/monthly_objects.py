"""Month-partitioned datasets: one object per (cluster, month), rewritten whole by each run.

A month that the window only partly covers keeps the days before the window from the object
already there, so a run never drops days it did not ask for.
"""
from __future__ import annotations

from collections.abc import Callable, Hashable
from datetime import date
from typing import Any

from lsc.collection_window import first_of_month, months_between
from lsc.data_bucket import DataBucket
from lsc.datasets import Dataset
from lsc.license_client import Window

Record = dict[str, Any]


def keep_highest(records: list[Record], key: Callable[[Record], Hashable]) -> list[Record]:
    """One record per key: a duplicate is the same daily peak reported twice, not more usage."""
    best: dict[Hashable, Record] = {}
    for record in sorted(records, key=lambda r: (str(key(r)), r.get("product_name") or "")):
        k = key(record)
        if k not in best or record["quantity"] > best[k]["quantity"]:
            best[k] = record
    return list(best.values())


def write_monthly(bucket: DataBucket, dataset: Dataset, cluster_id: str, window: Window,
                  records: list[Record], *, first: bool) -> int:
    """Writes the months the window covers (on a first collection: from the first month with data).

    Returns the number of records inside the window.
    """
    in_window = [r for r in records if window.start <= r["usage_date"] <= window.end]
    start = min((r["usage_date"] for r in in_window), default=window.end) if first else window.start
    for month_start in months_between(start, window.end):
        key = dataset.key(month_start, cluster_id)
        month_records = [r for r in in_window if first_of_month(r["usage_date"]) == month_start]
        if window.start > month_start:
            kept = bucket.get_json_lines(key) or []
            month_records += [r for r in kept if r["usage_date"] < window.start.isoformat()]
        bucket.put_json_lines(key, month_records)
    return len(in_window)


def is_provisional(usage_date: date, collection_day: date) -> bool:
    """Today's daily peak can still rise: later runs overwrite it."""
    return usage_date >= collection_day
