"""Measurements, the table `lsc bench` prints and the JSON it writes."""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from lsc.local.cli_output import format_table


@dataclass
class Measurement:
    """One row: `value` set against a `baseline` measured in the same run; `ratio` = value / baseline."""

    name: str
    value: float
    unit: str
    baseline_name: str
    baseline: float
    target: str = ""
    met: bool | None = None  # None: no target for this row
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        return self.value / self.baseline if self.baseline else None

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "ratio": self.ratio}


def _figure(value: float) -> str:
    if value == 0 or abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.3g}" if abs(value) < 10 else f"{value:.1f}"


TABLE_COLUMNS = (("measurement", "measurement"), ("value", "value"), ("baseline", "baseline"), ("ratio", "ratio"),
                 ("target", "target"), ("met", "met"))


def render_table(rows: list[Measurement]) -> str:
    return format_table(TABLE_COLUMNS, [{
        "measurement": row.name, "value": f"{_figure(row.value)} {row.unit}",
        "baseline": f"{row.baseline_name} {_figure(row.baseline)} {row.unit}",
        "ratio": "-" if row.ratio is None else f"{row.ratio:.2f}", "target": row.target or "-",
        "met": {True: "yes", False: "NO", None: "-"}[row.met],
    } for row in rows])


def write_json(path: Path, rows: list[Measurement], run: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"run": run, "measurements": [row.to_json() for row in rows]}, indent=1) + "\n")
