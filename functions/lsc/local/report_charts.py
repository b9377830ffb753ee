"""One chart per product and metric: each cluster's daily quantity stacked, the multicluster total
as a line, the peak day marked with its value, the sum of cluster peaks (what adding up each
cluster's own peak would claim) and the licensed quantity for contrast, provisional days shaded."""
from __future__ import annotations

import io
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import matplotlib

matplotlib.use("Agg")  # files only: no display, no GUI toolkit
import matplotlib.dates as mdates  # noqa: E402 - after the backend is chosen
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from lsc.rollup import as_date  # noqa: E402

# Fixed ids and no timestamps in the SVG: the same data renders to the same bytes.
matplotlib.rcParams.update({"svg.hashsalt": "lsc-report", "svg.fonttype": "path"})
TOTAL_COLOR = "#1b1b1b"
PEAK_COLOR = "#c0392b"
CONTRAST_COLOR = "#7f8c8d"
LICENSED_COLOR = "#8e44ad"


@dataclass
class DailySeries:
    """The daily rows of one product and metric: per cluster, the SQL's day totals, provisional days."""

    product_id: str
    product_name: str
    metric_name: str
    clusters: dict[str, dict[date, float]] = field(default_factory=lambda: defaultdict(dict))
    totals: dict[date, float] = field(default_factory=dict)
    provisional_days: set[date] = field(default_factory=set)

    @property
    def days(self) -> list[date]:
        return sorted(self.totals)


def daily_series(rows: Iterable[Mapping[str, Any]]) -> dict[tuple[str, str], DailySeries]:
    """Rows of `multicluster_daily_by_cluster` grouped per (product id, metric)."""
    series: dict[tuple[str, str], DailySeries] = {}
    for row in rows:
        key = (row["product_id"], row["metric_name"])
        one = series.setdefault(key, DailySeries(row["product_id"], row["product_name"], row["metric_name"]))
        day = as_date(row["usage_date"])
        one.clusters[row["cluster_id"]][day] = float(row["quantity"])
        one.totals[day] = float(row["day_total"])
        if row["provisional"]:
            one.provisional_days.add(day)
    return series


def usage_chart(series: DailySeries, peak: Mapping[str, Any]) -> Figure:
    """`peak`: the period's rollup row (peak_quantity, peak_date, sum_of_cluster_peaks, licensed_quantity)."""
    days = series.days
    figure = plt.figure(figsize=(10, 3.8), dpi=100)
    axes = figure.add_subplot()
    names = sorted(series.clusters)
    stacks = [[series.clusters[name].get(day, 0.0) for day in days] for name in names]
    axes.stackplot(days, stacks, labels=names, alpha=0.55, step=None)
    axes.plot(days, [series.totals[day] for day in days], color=TOTAL_COLOR, linewidth=1.6, label="multicluster total")
    contrast = float(peak["sum_of_cluster_peaks"])
    axes.axhline(contrast, color=CONTRAST_COLOR, linestyle="--", linewidth=1,
                 label=f"sum of cluster peaks {_number(contrast)}")
    if peak.get("licensed_quantity") is not None:
        axes.axhline(float(peak["licensed_quantity"]), color=LICENSED_COLOR, linestyle=":", linewidth=1.4,
                     label=f"licensed {_number(peak['licensed_quantity'])}")
    for day in sorted(series.provisional_days):
        axes.axvspan(mdates.date2num(day) - 0.5, mdates.date2num(day) + 0.5, color="#f1c40f", alpha=0.45, linewidth=0,
                     label="provisional" if day == min(series.provisional_days) else None)
    peak_day, peak_value = as_date(peak["peak_date"]), float(peak["peak_quantity"])
    axes.plot([peak_day], [peak_value], "o", color=PEAK_COLOR, markersize=7, zorder=5)
    # Near either edge the label grows inwards, so it is never cut off by the axes.
    position = days.index(peak_day) / max(len(days) - 1, 1) if peak_day in days else 0.5
    align = "right" if position > 0.75 else "left" if position < 0.25 else "center"
    axes.annotate(f"peak {_number(peak_value)} on {peak_day.isoformat()}", (mdates.date2num(peak_day), peak_value),
                  xytext=(0, 12), textcoords="offset points", ha=align, color=PEAK_COLOR, fontweight="bold",
                  bbox={"boxstyle": "round,pad=0.2", "facecolor": "white", "edgecolor": "none", "alpha": 0.8})
    top = max([peak_value, contrast, float(peak.get("licensed_quantity") or 0)])
    axes.set_ylim(0, top * 1.22 or 1)
    # Half a day of margin, so the shading of a provisional last day stays visible.
    axes.set_xlim(mdates.date2num(days[0]) - 0.5, mdates.date2num(days[-1]) + 0.5)
    axes.set_title(f"{series.product_name} — {series.metric_name}", loc="left", fontsize=11)
    axes.set_ylabel(series.metric_name.replace("_", " ").lower())
    axes.xaxis.set_major_formatter(mdates.ConciseDateFormatter(axes.xaxis.get_major_locator()))
    axes.grid(axis="y", alpha=0.3)
    axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    figure.tight_layout()
    return figure


def svg_bytes(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None})
    return buffer.getvalue()


def save_png(figure: Figure, path: str) -> None:
    figure.savefig(path, format="png", metadata={"Software": None})


def close(figure: Figure) -> None:
    plt.close(figure)


def _number(value: Any) -> str:
    from lsc.local.cli_output import cell

    return cell(float(value))
