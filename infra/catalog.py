"""View SQL files: one per view, run unchanged by Athena and by the local DuckDB engine.

Views are listed in creation order (later views may select from earlier ones and from the tables
named in `lsc.datasets`). Views whose name starts with `usage_`, `cluster_daily` or `evidence_` are
building blocks shared by the rollup and coverage views; the others are meant for users.
"""
from __future__ import annotations

from pathlib import Path

SQL_DIR = Path(__file__).resolve().parent / "sql"

# name -> what one row is; the README's view table is generated from this.
VIEWS: dict[str, str] = {
    "usage_cluster_days": "usage source, chargeback group, cluster, usage day, product, metric: the cluster's daily peak (duplicates collapsed)",
    "cluster_daily_usage": "usage source, chargeback group, cluster, usage day, product, metric: the cluster's daily peak (duplicates collapsed) and the day's total across clusters",
    "usage_daily_totals": "usage source, chargeback group, usage day, product, metric: total across clusters",
    "multicluster_daily": "usage day, product, metric: total across clusters",
    "chargeback_multicluster_daily": "usage day, chargeback group, product, metric: total across clusters",
    "usage_month_parts": "month, usage source, chargeback group, product, metric, and one usage day (its total across clusters) or one cluster (its peak in the month)",
    "usage_period_parts": "period (month, quarter, the usage source's window of collected days), usage source, chargeback group, product, metric, and one usage day (its total) or one cluster (its peak in the period)",
    "usage_rollup_peaks": "period (month, quarter, window), usage source, chargeback group, product, metric: highest daily sum",
    "usage_period_peaks": "calendar period, usage source, chargeback group, product, metric: highest daily sum",
    "evidence_clusters": "cluster (registered or ever collected): days it is expected to have evidence for, retirement, last success",
    "evidence_ranges": "cluster, range of expected days: covered or not by successful collections (archived snapshots)",
    "usage_rollup_figures": "usage_rollup_peaks plus clusters expected and cluster-days missing in the period",
    "usage_period_figures": "usage_period_peaks plus clusters expected and cluster-days missing in the period",
    "multicluster_peak_monthly": "month, product, metric: highest daily sum",
    "multicluster_peak_quarterly": "quarter, product, metric: highest daily sum",
    "chargeback_peak_monthly": "month, chargeback group, product, metric: highest daily sum",
    "chargeback_share_of_peak": "month, product, metric, chargeback group: the group's share of the estate's peak on the peak day",
    "evidence_quarters": "quarter, expected cluster: the days (last 90 of the quarter) its audit evidence must cover",
    "snapshot_coverage_gaps": "quarter, cluster, range of evidence days no archived snapshot covers",
    "snapshot_coverage_quarterly": "quarter, cluster: evidence days, days missing, complete or not, last success",
    "cluster_latest": "cluster: latest collection, outcome, License Service version, health, days since last success, other clusters sharing its License Service",
    "license_service_duplicates": "cluster whose License Service host another cluster also reports: usage counted twice in the rollup",
    "multicluster_daily_by_cluster": "usage day, product, metric, cluster: the cluster's quantity, the day's total, provisional flag",
    "entitlements_current": "product, metric: licensed quantity from the latest entitlements upload",
    "multicluster_peak_headroom": "calendar period (month, quarter), product, metric: peak, provisional flag, licensed quantity, headroom, breach",
    "multicluster_peak_breakdown": "calendar period (month, quarter), product, metric, cluster: the cluster's quantity on the peak day",
}

# Any-period peak: a plain SELECT with two `?` placeholders (start date, end date).
PERIOD_QUERY = "multicluster_peak_period"


def sql_text(name: str) -> str:
    """The SQL of a view (its SELECT) or of a query file, exactly as stored."""
    return (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")
