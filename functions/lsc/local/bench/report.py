"""Measurements, the table `lsc bench` prints, the JSON it writes, and progress on stderr."""
from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any


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


def render_table(rows: list[Measurement]) -> str:
    header = ("measurement", "value", "baseline", "ratio", "target", "met")
    lines = [header] + [(
        row.name, f"{_figure(row.value)} {row.unit}", f"{row.baseline_name} {_figure(row.baseline)} {row.unit}",
        "-" if row.ratio is None else f"{row.ratio:.2f}", row.target or "-",
        {True: "yes", False: "NO", None: "-"}[row.met],
    ) for row in rows]
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    text = ["  ".join(cell.ljust(width) for cell, width in zip(line, widths)).rstrip() for line in lines]
    text.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(text)


def write_json(path: Path, rows: list[Measurement], run: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"run": run, "measurements": [row.to_json() for row in rows]}, indent=1) + "\n")


class Progress:
    """Progress lines on stderr, only when stderr is a terminal (quiet in CI logs and pipes)."""

    def __init__(self, enabled: bool | None = None) -> None:
        self.enabled = sys.stderr.isatty() if enabled is None else enabled

    def say(self, message: str) -> None:
        if self.enabled:
            print(message, file=sys.stderr, flush=True)

    @contextmanager
    def step(self, title: str) -> Iterator[None]:
        self.say(f"{title} ...")
        started = time.monotonic()
        yield
        self.say(f"{title}: {time.monotonic() - started:.1f}s")
