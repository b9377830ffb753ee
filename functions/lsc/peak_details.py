"""The rollup document with what a licence manager asks next about each peak.

Per row of every period list (`window`, `monthly`, `quarterly`): `provisional` (the period holds a
day whose figure a later run can still change; chargeback rows get it too), `licensed_quantity`, `headroom` and `breach` (from
the `entitlements_current` view; null without an entitlement) and `peak_day_clusters` (what each
cluster contributed on the peak day, from `multicluster_daily_by_cluster`). The monthly and
quarterly figures equal those of the `multicluster_peak_headroom` and `multicluster_peak_breakdown`
views; these are computed here because the window is any period, which no view covers.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from lsc.entitlements import headroom
from lsc.rollup import RollupSource, document_rows, overlapping, rollup_document

DETAILED_PERIOD_LISTS = ("window", "monthly", "quarterly")
BREAKDOWN_KEYS = ("period_start", "period_end", "product_id", "product_name", "metric_name", "peak_date",
                  "peak_quantity", "cluster_id", "quantity", "provisional")

Key = tuple[str, str]  # (product_id, metric_name)


def detailed_rollup(source: RollupSource, start: date | None = None, end: date | None = None) -> dict[str, Any]:
    document: dict[str, Any] = rollup_document(source, start, end)
    document["quarterly"] = document_rows(overlapping(source.view("multicluster_peak_quarterly"), start, end))
    mark_provisional(source, document)
    rows = [row for name in DETAILED_PERIOD_LISTS for row in document[name]]
    if not rows:
        return document
    contributions = _peak_day_contributions(source, sorted({row["peak_date"] for row in rows}))
    licensed = {(row["product_id"], row["metric_name"]): row["licensed_quantity"]
                for row in source.view("entitlements_current")}
    for row in rows:
        key = (row["product_id"], row["metric_name"])
        row["licensed_quantity"] = _number(licensed.get(key))
        row["headroom"], row["breach"] = headroom(row["peak_quantity"], licensed.get(key))
        row["peak_day_clusters"] = contributions[(row["peak_date"], *key)]
    return document


def mark_provisional(source: RollupSource, document: dict[str, Any]) -> None:
    """Sets `provisional` on every row of the document's period lists, chargeback rows included:
    true when the period holds a day whose figure a later run can still change (for a chargeback
    row, a provisional day of that group)."""
    for names, days_of in ((DETAILED_PERIOD_LISTS, _provisional_days), (("chargeback",), _provisional_group_days)):
        rows = [row for name in names for row in document.get(name, [])]
        if not rows:
            continue
        days = days_of(source, min(row["period_start"] for row in rows), max(row["period_end"] for row in rows))
        for row in rows:
            key = (row["group_name"], row["product_id"], row["metric_name"]) if "group_name" in row else \
                (row["product_id"], row["metric_name"])
            row["provisional"] = any(row["period_start"] <= day <= row["period_end"] for day in days[key])


def _provisional_group_days(source: RollupSource, first: str, last: str) -> dict[tuple[str, str, str], list[str]]:
    rows = source.query(
        "SELECT DISTINCT usage_date, group_name, product_id, metric_name FROM chargeback_daily "
        "WHERE provisional AND month BETWEEN ? AND ? AND usage_date BETWEEN ? AND ?",
        (first[:7], last[:7], date.fromisoformat(first), date.fromisoformat(last)),
    )
    days: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    for row in rows:
        days[(row["group_name"], row["product_id"], row["metric_name"])].append(_iso(row["usage_date"]))
    return days


def _provisional_days(source: RollupSource, first: str, last: str) -> dict[Key, list[str]]:
    rows = source.query(
        "SELECT DISTINCT usage_date, product_id, metric_name FROM multicluster_daily_by_cluster "
        "WHERE provisional AND month BETWEEN ? AND ? AND usage_date BETWEEN ? AND ?",
        (first[:7], last[:7], date.fromisoformat(first), date.fromisoformat(last)),
    )
    days: dict[Key, list[str]] = defaultdict(list)
    for row in rows:
        days[(row["product_id"], row["metric_name"])].append(_iso(row["usage_date"]))
    return days


def _peak_day_contributions(source: RollupSource, peak_days: list[str]) -> dict[tuple[str, str, str], list[dict[str, Any]]]:
    placeholders = ", ".join("?" for _ in peak_days)
    months = sorted({day[:7] for day in peak_days})
    rows = source.query(
        "SELECT usage_date, product_id, metric_name, cluster_id, quantity, provisional "
        f"FROM multicluster_daily_by_cluster WHERE month IN ({', '.join('?' for _ in months)}) "
        f"AND usage_date IN ({placeholders})",
        (*months, *(date.fromisoformat(day) for day in peak_days)),
    )
    contributions: dict[tuple[str, str, str], list[dict[str, Any]]] = defaultdict(list)
    for row in sorted(rows, key=lambda row: (-float(row["quantity"]), row["cluster_id"])):
        contributions[(_iso(row["usage_date"]), row["product_id"], row["metric_name"])].append(
            {"cluster_id": row["cluster_id"], "quantity": _number(row["quantity"]), "provisional": bool(row["provisional"])}
        )
    return contributions


def breakdown_rows(document: dict[str, Any], period_list: str) -> list[dict[str, Any]]:
    """One flat row per peak and contributing cluster (the CSV / table form of `peak_day_clusters`).
    `provisional` is the period's: its peak can still change even when the peak day's figure cannot."""
    return [
        {**{key: row[key] for key in BREAKDOWN_KEYS[:7]}, **cluster,
         "provisional": bool(row.get("provisional") or cluster.get("provisional"))}
        for row in document.get(period_list, [])
        for cluster in row.get("peak_day_clusters", [])
    ]


def _iso(value: date | str) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)


def _number(value: Any) -> float | None:
    return None if value is None else float(value)
