"""The multicluster rollup document (`lsc demo --json`, `lsc rollup --json`), its text table and
the notion of two rollups being equal (`fixtures/FORMAT.md`).

Only glue: the figures come from the view SQL, run by whatever implements `RollupSource` (the local
DuckDB engine, or Athena).
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any, Protocol

ROW_KEYS: tuple[str, ...] = (
    "product_id", "product_name", "metric_name", "period_start", "period_end",
    "peak_quantity", "peak_date", "clusters_reporting", "sum_of_cluster_peaks",
    # completeness: an understated peak (a cluster that did not report counts as 0) shows next to it
    "clusters_expected", "cluster_days_missing",
)
PERIOD_LISTS: tuple[str, ...] = ("window", "monthly", "chargeback")
NUMERIC_KEYS: tuple[str, ...] = ("peak_quantity", "sum_of_cluster_peaks", "clusters_reporting")
ROW_IDENTITY: tuple[str, ...] = ("period_start", "period_end", "product_id", "metric_name")
GROUP_IDENTITY: tuple[str, ...] = ("group_name", *ROW_IDENTITY)
TOLERANCE = 1e-9

Row = Mapping[str, Any]


class RollupSource(Protocol):
    """What the rollup needs from an SQL engine holding the catalog views.

    Rows carry Python values: dates as `date` (or ISO text), quantities as `Decimal` or numbers.
    """

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]: ...

    def view(self, name: str) -> list[dict[str, Any]]: ...

    def peak_for_period(self, start: date, end: date) -> list[dict[str, Any]]: ...


def usage_window(source: RollupSource, daily_view: str = "multicluster_daily") -> tuple[date, date] | None:
    """Earliest and latest usage day collected across all clusters; None before any collection."""
    bounds = source.query(f"SELECT min(usage_date) AS first_day, max(usage_date) AS last_day FROM {daily_view}")[0]
    if bounds["first_day"] is None:
        return None
    return as_date(bounds["first_day"]), as_date(bounds["last_day"])


# Every month and each usage source's window (its earliest to its latest collected day) in one
# query: the months and the windows share one pass over the daily rows.
WHOLE_ROLLUP_QUERY = (
    "SELECT * FROM usage_rollup_figures "
    "WHERE period_kind = 'window' OR (period_kind = 'month' AND usage_source = 'products')"
)


def rollup_document(source: RollupSource, start: date | None = None,
                    end: date | None = None) -> dict[str, list[dict[str, Any]]]:
    """`window`: one period over every collected day (or `start`..`end`); `monthly`: one period per
    calendar month (those overlapping `start`..`end`); `chargeback`: each group's peak over every
    day of chargeback data collected (or `start`..`end`).

    Every query reads all the objects it needs, so the document asks as few as it can: without
    bounds one (`usage_rollup_figures`); with bounds the monthly view and the period query (once
    when both usage sources share the span: one run returns the rows of both)."""
    if start is None and end is None:
        rows = source.query(WHOLE_ROLLUP_QUERY)

        def of(kind: str, usage: str) -> list[dict[str, Any]]:
            return [row for row in rows if row["period_kind"] == kind and row["usage_source"] == usage]

        return {
            "window": document_rows(of("window", "products")),
            "monthly": document_rows(of("month", "products")),
            "chargeback": document_rows(of("window", "chargeback"), ("group_name", *ROW_KEYS)),
        }
    spans = {usage: _span(source, daily_view, start, end)
             for usage, daily_view in (("products", "multicluster_daily"), ("chargeback", "chargeback_multicluster_daily"))}
    periods: dict[tuple[date, date], list[dict[str, Any]]] = {}

    def window_rows(usage: str) -> list[dict[str, Any]]:
        span = spans[usage]
        if span is None:
            return []
        if span not in periods:
            periods[span] = source.peak_for_period(*span)
        return [row for row in periods[span] if row["usage_source"] == usage]

    return {
        "window": document_rows(window_rows("products")),
        "monthly": document_rows(overlapping(source.view("multicluster_peak_monthly"), start, end)),
        "chargeback": document_rows(window_rows("chargeback"), ("group_name", *ROW_KEYS)),
    }


DUPLICATES_KEY = "duplicate_license_services"


def duplicate_license_services(source: RollupSource) -> list[dict[str, Any]]:
    """Registry entries reaching one License Service (the same host in their snapshots'
    data_condition.txt, view `license_service_duplicates`): one entry per host with its cluster ids.
    The rollup adds such a service's usage once per entry."""
    hosts: dict[str, list[str]] = {}
    for row in source.view("license_service_duplicates"):
        hosts.setdefault(str(row["license_service_host"]), []).append(str(row["cluster_id"]))
    return [{"license_service_host": host, "cluster_ids": sorted(ids)} for host, ids in sorted(hosts.items())]


def duplicate_warnings(duplicates: Iterable[Mapping[str, Any]]) -> list[str]:
    return [
        f"warning: clusters {', '.join(d['cluster_ids'])} reach the same License Service ({d['license_service_host']}): "
        f"its usage is counted {len(d['cluster_ids'])} times in these figures; disable all but one registry entry"
        for d in duplicates
    ]


def _span(source: RollupSource, daily_view: str, start: date | None, end: date | None) -> tuple[date, date] | None:
    """`start`..`end`, an open end taken from the collected days; None: no usage collected."""
    if start and end:
        return start, end  # no usage in them: the period query returns no rows either
    span = usage_window(source, daily_view)
    return (start or span[0], end or span[1]) if span else None


def overlapping(rows: Iterable[Row], start: date | None, end: date | None) -> list[Row]:
    """Rows of calendar periods that share at least one day with `start`..`end` (open ends allowed)."""
    return [
        row for row in rows
        if (end is None or as_date(row["period_start"]) <= end) and (start is None or as_date(row["period_end"]) >= start)
    ]


def document_rows(rows: Iterable[Row], keys: Sequence[str] = ROW_KEYS) -> list[dict[str, Any]]:
    converted = [{key: _json_value(row[key]) for key in keys} for row in rows]
    return sorted(converted, key=lambda row: tuple(str(row.get(key)) for key in GROUP_IDENTITY))


def _json_value(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


def as_date(value: date | str) -> date:
    # Athena returns dates as text, DuckDB as `date`.
    return value if isinstance(value, date) else date.fromisoformat(value)


def render_text(document: Mapping[str, Sequence[Row]]) -> str:
    """The rollup document as aligned tables, the whole window first, then each month."""
    sections = [
        f"{title} {start} .. {end}\n{_table(rows)}"
        for title, name in (("window", "window"), ("month", "monthly"))
        for (start, end), rows in rows_by_period(document.get(name, ())).items()
    ]
    groups = sorted({str(row["group_name"]) for row in document.get("chargeback", ())})
    sections += [
        f"chargeback group {group} {start} .. {end}\n{_table(rows)}"
        for group in groups
        for (start, end), rows in rows_by_period(
            row for row in document["chargeback"] if row["group_name"] == group).items()
    ]
    return "\n\n".join(sections) if sections else "no usage collected yet"


def rows_by_period(rows: Iterable[Row]) -> dict[tuple[str, str], list[Row]]:
    periods: dict[tuple[str, str], list[Row]] = {}
    for row in sorted(rows, key=lambda row: (str(row["period_start"]), str(row["period_end"]))):
        periods.setdefault((str(row["period_start"]), str(row["period_end"])), []).append(row)
    return periods


COMPLETENESS_KEYS = ("clusters_expected", "cluster_days_missing")


def _table(rows: Sequence[Row]) -> str:
    # completeness columns appear when the rows carry them (documents from older runs, and chargeback
    # rows, whose evidence is not tracked per group, do not)
    completeness = all(row.get(key) is not None for row in rows for key in COMPLETENESS_KEYS)
    flagged = any("provisional" in row for row in rows)  # set by peak_details.mark_provisional
    header = ("product", "metric", "peak", "peak date", "clusters", "sum of cluster peaks") + (
        ("expected", "cluster-days missing") if completeness else ()) + (("flags",) if flagged else ())
    body = [
        (
            str(row["product_name"]), str(row["metric_name"]), _number(row["peak_quantity"]),
            str(row["peak_date"]), str(row["clusters_reporting"]), _number(row["sum_of_cluster_peaks"]),
        ) + (tuple(str(row[key]) for key in COMPLETENESS_KEYS) if completeness else ())
        + (("provisional" if row.get("provisional") else "",) if flagged else ())
        for row in sorted(rows, key=lambda row: (str(row["product_name"]), str(row["metric_name"])))
    ]
    widths = [max(len(line[column]) for line in [header, *body]) for column in range(len(header))]
    numeric_columns = {2, 4, 5, 6, 7}

    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            cell.rjust(width) if column in numeric_columns else cell.ljust(width)
            for column, (cell, width) in enumerate(zip(cells, widths))
        ).rstrip()

    return "\n".join([line(header), line(["-" * width for width in widths]), *(line(cells) for cells in body)])


def _number(value: Any) -> str:
    # 5110.0 -> "5110", 0.5 -> "0.5": licence quantities read best without a trailing fraction.
    return format(Decimal(str(value)).normalize(), "f")


def equal_rollups(actual: Mapping[str, Any], expected: Mapping[str, Any]) -> list[str]:
    """Differences between two rollup documents under FORMAT.md's "equal"; empty when equal.

    Per period list: the same (period_start, period_end, product_id, metric_name) keys, numeric
    fields within 1e-9, the same peak_date. Order, product names, extra fields and extra
    top-level keys are not compared.
    """
    differences: list[str] = []
    for name in (name for name in PERIOD_LISTS if name in expected):
        columns = GROUP_IDENTITY if name == "chargeback" else ROW_IDENTITY
        actual_rows = _rows_by_identity(actual.get(name) or [], columns)
        expected_rows = _rows_by_identity(expected.get(name) or [], columns)
        differences += [f"{name}: row {identity} appears {count} times" for identity, count in sorted(Counter(
            _identity(row, columns) for row in actual.get(name) or []).items()) if count > 1]
        for identity in sorted(expected_rows.keys() - actual_rows.keys()):
            differences.append(f"{name}: missing row {identity}")
        for identity in sorted(actual_rows.keys() - expected_rows.keys()):
            differences.append(f"{name}: unexpected row {identity}")
        for identity in sorted(expected_rows.keys() & actual_rows.keys()):
            differences.extend(
                f"{name} {identity}: {problem}"
                for problem in _row_differences(actual_rows[identity], expected_rows[identity])
            )
    return differences


def _identity(row: Row, identity: Sequence[str]) -> tuple[str, ...]:
    return tuple(str(row[key]) for key in identity)


def _rows_by_identity(rows: Iterable[Row], identity: Sequence[str]) -> dict[tuple[str, ...], Row]:
    return {_identity(row, identity): row for row in rows}


def _row_differences(actual: Row, expected: Row) -> list[str]:
    problems = [
        f"{key} {actual.get(key)!r} != {expected[key]!r}"
        for key in NUMERIC_KEYS
        if not _numbers_close(actual.get(key), expected[key])
    ]
    if str(actual.get("peak_date")) != str(expected["peak_date"]):
        problems.append(f"peak_date {actual.get('peak_date')!r} != {expected['peak_date']!r}")
    return problems


def _numbers_close(actual: Any, expected: Any) -> bool:
    if isinstance(actual, bool) or not isinstance(actual, (int, float, Decimal)):
        return False
    return abs(Decimal(str(actual)) - Decimal(str(expected))) <= Decimal(str(TOLERANCE))
