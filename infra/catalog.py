"""View SQL files: one per view, run unchanged by Athena and by the local DuckDB engine.

Views are listed in creation order (later views may select from earlier ones).
"""
from __future__ import annotations

from pathlib import Path

SQL_DIR = Path(__file__).resolve().parent / "sql"

# name -> what one row is; the README's view table is generated from this.
VIEWS: dict[str, str] = {
    "multicluster_daily": "usage day, product, metric: total across clusters",
    "multicluster_peak_monthly": "month, product, metric: highest daily sum",
    "multicluster_peak_quarterly": "quarter, product, metric: highest daily sum",
}

# Any-period peak: a plain SELECT with two `?` placeholders (start date, end date).
PERIOD_QUERY = "multicluster_peak_period"


def sql_text(name: str) -> str:
    """The SQL of a view (its SELECT) or of a query file, exactly as stored."""
    return (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")
