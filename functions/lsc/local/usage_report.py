"""`lsc report`: one self-contained HTML file (charts as embedded SVG, no network) built from the
view SQL: the estate's position per product and metric, monthly and quarterly peaks, each peak
day's clusters, entitlement headroom, provisional marks and the collection health per cluster."""
from __future__ import annotations

import base64
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timezone
from html import escape
from pathlib import Path
from typing import Any

from lsc.local.cli_output import cell
from lsc.local.report_charts import DailySeries, close, daily_series, save_png, svg_bytes, usage_chart
from lsc.peak_details import breakdown_rows, detailed_rollup
from lsc.rollup import RollupSource

DEFAULT_STALE_DAYS = 2
# Status sits next to the figure it qualifies, so "provisional breach" stays in view on a narrow screen.
PEAK_COLUMNS = (
    ("product_name", "Product"), ("metric_name", "Metric"), ("period_start", "From"), ("period_end", "To"),
    ("peak_quantity", "Peak"), ("status", "Status"), ("peak_date", "Peak date"), ("clusters_reporting", "Clusters"),
    ("sum_of_cluster_peaks", "Sum of cluster peaks"), ("licensed_quantity", "Licensed"), ("headroom", "Headroom"),
)
BREAKDOWN_COLUMNS = (
    ("product_name", "Product"), ("metric_name", "Metric"), ("period_start", "From"), ("period_end", "To"),
    ("peak_quantity", "Peak"), ("status", "Status"), ("peak_date", "Peak date"), ("cluster_id", "Cluster"),
    ("quantity", "On peak day"),
)
# Every time is a run's scheduled time, the identity of a collection (as in `lsc coverage`).
HEALTH_COLUMNS = (
    ("cluster_id", "Cluster"), ("status", "Status"), ("last_outcome", "Last outcome"),
    ("last_scheduled_time", "Last run"), ("last_success_scheduled_time", "Last success"),
    ("days_since_last_success", "Days since success"), ("license_service_version", "License Service"),
    ("health_summary", "Health"), ("last_error", "Last error"),
)
NUMERIC = {"peak_quantity", "clusters_reporting", "sum_of_cluster_peaks", "licensed_quantity", "headroom", "quantity",
           "days_since_last_success"}
WRAPPING = {"product_name", "metric_name", "health_summary", "last_error"}
# What License Service's /health reports, in a licence manager's words.
INCOMPLETE_ANNOTATIONS = re.compile(r"incompleteAnnotations=(\d+)")
HEALTH_NOTE = ("Health is License Service's own check: <em>pods with incomplete annotations</em> are pods of IBM "
               "software whose licensing annotations (product id, metric, …) are missing or wrong, so License "
               "Service cannot count their usage. The cluster's <code>/health</code> answer lists them; fix their "
               "annotations (usually in the operator or deployment that created them).")


@dataclass
class ReportData:
    document: dict[str, Any]
    series: dict[tuple[str, str], DailySeries]
    health: list[dict[str, Any]]


def gather(source: RollupSource, start: date | None, end: date | None,
           progress: Callable[[str], None] = lambda _: None) -> ReportData:
    progress("peaks, entitlements and peak days")
    document = detailed_rollup(source, start, end)
    window = document["window"]
    rows: list[dict[str, Any]] = []
    if window:
        first, last = window[0]["period_start"], window[0]["period_end"]
        progress(f"daily usage per cluster {first} .. {last}")
        rows = source.query(
            "SELECT usage_date, product_id, product_name, metric_name, cluster_id, quantity, day_total, provisional "
            "FROM multicluster_daily_by_cluster WHERE month BETWEEN ? AND ? AND usage_date BETWEEN ? AND ?",
            (first[:7], last[:7], date.fromisoformat(first), date.fromisoformat(last)),
        )
    progress("collection health")
    return ReportData(document, daily_series(rows), source.view("cluster_latest"))


def days_since_success(cluster: Mapping[str, Any], as_of: date) -> int | None:
    """Days from the scheduled day of the cluster's last successful run to `as_of` (None: never)."""
    scheduled = cluster.get("last_success_scheduled_time")
    return (as_of - date.fromisoformat(str(scheduled)[:10])).days if scheduled else None


def stale(cluster: Mapping[str, Any], stale_days: int, as_of: date) -> bool:
    """No success yet, a failed latest run, or a last successful run scheduled more than
    `stale_days` days before `as_of`."""
    days = days_since_success(cluster, as_of)
    return cluster.get("last_outcome") != "success" or days is None or days > stale_days


def findings(data: ReportData, stale_days: int, as_of: date) -> list[str]:
    """What makes `lsc report` exit 1, as `lsc rollup` does: no usage in the period, a peak over its
    entitlement; and what only the report shows: a failed or stale cluster."""
    found = [] if data.document["window"] else ["no usage collected in this period"]
    found += [
        f"over entitlement: {row['product_name']} {row['metric_name']} peak {cell(row['peak_quantity'])} on "
        f"{row['peak_date']} > licensed {cell(row['licensed_quantity'])} ({row['period_start']}..{row['period_end']})"
        for name in ("window", "monthly", "quarterly") for row in data.document[name] if row.get("breach")
    ]
    found += [_stale_reason(cluster, as_of) for cluster in data.health if stale(cluster, stale_days, as_of)]
    return found


def _stale_reason(cluster: Mapping[str, Any], as_of: date) -> str:
    days = days_since_success(cluster, as_of)
    since = "no successful run yet" if days is None else \
        f"last successful run {cluster['last_success_scheduled_time']}, {days} days before {as_of}"
    failed = f"latest run {cluster.get('last_outcome')}, " if cluster.get("last_outcome") != "success" else ""
    return f"stale: {cluster['cluster_id']} ({failed}{since})"


def render_html(data: ReportData, *, title: str, source_label: str, stale_days: int = DEFAULT_STALE_DAYS,
                png_dir: Path | None = None, generated_at: datetime | None = None, as_of: date | None = None) -> str:
    now = generated_at or datetime.now(timezone.utc)
    generated = now.strftime("%Y-%m-%d %H:%M UTC")
    as_of = as_of or now.date()
    window = data.document["window"]
    period = f"{window[0]['period_start']} .. {window[0]['period_end']}" if window else "no usage collected"
    sections = [
        f"<h1>{escape(title)}</h1>",
        f"<p class='meta'>Period {escape(period)} · data {escape(source_label)} · generated {generated}</p>",
        "<p class='note'>The estate's licence position is the highest <em>daily sum</em> across clusters. "
        "<span class='provisional'>Provisional</span> figures include today or the current month and change "
        "with later collections; <span class='breach'>breach</span> marks a peak above the licensed quantity.</p>",
        "<h2>Estate position</h2>",
        _table("window-peaks", PEAK_COLUMNS, [_peak_cells(row) for row in window]),
        "<p class='note'>Each chart: the clusters' daily quantities stacked, the multicluster total as a black "
        "line, the peak day in red with its value, the sum of cluster peaks dashed grey, the licensed quantity "
        "dotted purple (with entitlements), provisional days shaded yellow.</p>" if window else "",
        *_charts(data, png_dir),
        "<h2>Monthly peaks</h2>",
        _table("monthly-peaks", PEAK_COLUMNS, [_peak_cells(row) for row in data.document["monthly"]]),
        "<h2>Quarterly peaks</h2>",
        _table("quarterly-peaks", PEAK_COLUMNS, [_peak_cells(row) for row in data.document["quarterly"]]),
        "<h2>Peak-day breakdown</h2>",
        "<p class='note'>What each cluster contributed on the day of each peak (period, month, quarter).</p>",
        _table("breakdown", BREAKDOWN_COLUMNS, [
            {**row, "status": "provisional" if row["provisional"] else ""}
            for name in ("window", "monthly", "quarterly") for row in breakdown_rows(data.document, name)
        ]),
        "<h2>Collection health</h2>",
        f"<p class='note'>As of {as_of}. Times are the runs' scheduled times (UTC), which identify a collection. "
        f"<span class='stale'>Stale</span>: the latest run failed, or the last successful run was scheduled more "
        f"than {stale_days} days before {as_of}.</p>",
        _table("health", HEALTH_COLUMNS, [_health_cells(cluster, stale_days, as_of) for cluster in data.health]),
        f"<p class='note'>{HEALTH_NOTE}</p>",
    ]
    return _page(title, "\n".join(sections))


def _charts(data: ReportData, png_dir: Path | None) -> list[str]:
    parts = []
    for peak in sorted(data.document["window"], key=lambda row: (row["product_name"], row["metric_name"])):
        series = data.series.get((peak["product_id"], peak["metric_name"]))
        if series is None or not series.totals:
            continue
        figure = usage_chart(series, peak)
        try:
            encoded = base64.b64encode(svg_bytes(figure)).decode("ascii")
            if png_dir is not None:
                png_dir.mkdir(parents=True, exist_ok=True)
                save_png(figure, str(png_dir / png_name(peak)))
        finally:
            close(figure)
        # The chart's own title names product and metric; the alt text says it for those who cannot see it.
        label = f"{peak['product_name']} {peak['metric_name']}: peak {cell(peak['peak_quantity'])} on {peak['peak_date']}"
        parts.append(f"<figure><img alt='{escape(label, quote=True)}' src='data:image/svg+xml;base64,{encoded}'></figure>")
    return parts


def png_name(peak: Mapping[str, Any]) -> str:
    """`ibm-cloud-pak-for-integration-VIRTUAL_PROCESSOR_CORE-c8b82d18.png`: readable in a file list,
    unique through the product id's first characters."""
    slug = re.sub(r"[^a-z0-9]+", "-", str(peak["product_name"]).lower()).strip("-") or "product"
    return f"{slug}-{peak['metric_name']}-{str(peak['product_id'])[:8]}.png"


def _peak_cells(row: Mapping[str, Any]) -> dict[str, Any]:
    status = [name for name, on in (("provisional", row.get("provisional")), ("breach", row.get("breach"))) if on]
    return {**row, "status": " ".join(status)}


def _health_cells(cluster: Mapping[str, Any], stale_days: int, as_of: date) -> dict[str, Any]:
    error = " ".join(str(part) for part in (cluster.get("last_error_class"), cluster.get("last_error_message")) if part)
    return {**cluster, "last_error": error, "status": "stale" if stale(cluster, stale_days, as_of) else "ok",
            "days_since_last_success": days_since_success(cluster, as_of),
            "health_summary": health_text(cluster.get("health_summary"))}


def health_text(summary: str | None) -> str | None:
    """`incompleteAnnotations=1` -> `1 pod with incomplete annotations`; anything else unchanged."""
    match = INCOMPLETE_ANNOTATIONS.fullmatch(summary or "")
    if not match:
        return summary
    count = int(match.group(1))
    return "ok" if count == 0 else f"{count} pod{'s' if count > 1 else ''} with incomplete annotations"


def _table(table_id: str, columns: Sequence[tuple[str, str]], rows: Sequence[Mapping[str, Any]]) -> str:
    if not rows:
        return f"<p id='{table_id}' class='empty'>none</p>"
    head = "".join(f"<th>{escape(title)}</th>" for _, title in columns)
    body = "\n".join(
        "<tr>" + "".join(_td(key, row.get(key)) for key, _ in columns) + "</tr>" for row in rows
    )
    return f"<table id='{table_id}'><thead><tr>{head}</tr></thead><tbody>\n{body}\n</tbody></table>"


def _td(key: str, value: Any) -> str:
    classes = ["num"] if key in NUMERIC else []
    if key == "status" and value:
        classes.extend(str(value).split())
    if key == "headroom" and value is not None and value < 0:
        classes.append("breach")
    attribute = f" class='{' '.join(classes)}'" if classes else ""
    text = escape(cell(value))
    if key == "metric_name":
        text = text.replace("_", "_<wbr>")  # VIRTUAL_PROCESSOR_CORE may break at its underscores
    return f"<td data-key='{key}'{attribute}>{text}</td>"


def _page(title: str, body: str) -> str:
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title>
<style>
body {{ font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem auto; max-width: 1200px; color: #1b1b1b; padding: 0 1rem; }}
h1 {{ margin-bottom: .2rem; }} h2 {{ margin-top: 2.2rem; border-bottom: 1px solid #ddd; }}
.meta, .note {{ color: #555; }}
table {{ border-collapse: collapse; font-size: .85rem; margin: .6rem 0; width: 100%; }}
th, td {{ border-bottom: 1px solid #e3e3e3; padding: .25rem .45rem; text-align: left; }}
td {{ white-space: nowrap; }}
{", ".join(f"td[data-key='{key}']" for key in sorted(WRAPPING))} {{ white-space: normal; }}
td[data-key='product_name'] {{ min-width: 9rem; }}
th {{ background: #f4f4f4; vertical-align: bottom; }}
td.num {{ text-align: right; font-variant-numeric: tabular-nums; }}
.provisional {{ background: #fcf3cf; }}
.breach {{ color: #b03a2e; font-weight: bold; }}
.stale {{ background: #fadbd8; }}
figure {{ margin: 1.2rem 0; }} figure img {{ max-width: 100%; height: auto; }}
</style></head>
<body>
{body}
</body></html>
"""
