"""Inclusive ranges of days: what evidence covers, and what it does not."""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from lsc.collection_window import add_months

EVIDENCE_DAYS = 90  # IBM: one audit snapshot per cluster and quarter covering (at least) 90 days
_QUARTER = re.compile(r"^(\d{4})-?Q([1-4])$", re.IGNORECASE)


@dataclass(frozen=True, order=True)
class DayRange:
    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def overlaps(self, other: DayRange) -> bool:
        return self.start <= other.end and other.start <= self.end

    def __str__(self) -> str:
        return str(self.start) if self.start == self.end else f"{self.start}..{self.end}"


def quarter(label: str) -> DayRange:
    """`2026Q4` or `2026-Q4` → 2026-10-01..2026-12-31."""
    match = _QUARTER.match(label.strip())
    if not match:
        raise ValueError(f"not a quarter: {label!r} (expected e.g. 2026Q4)")
    start = date(int(match[1]), 3 * int(match[2]) - 2, 1)
    return DayRange(start, add_months(start, 3) - timedelta(days=1))


def evidence_days(quarter_range: DayRange) -> DayRange:
    """The last 90 days of the quarter."""
    return DayRange(quarter_range.end - timedelta(days=EVIDENCE_DAYS - 1), quarter_range.end)


def uncovered(required: DayRange, covering: Iterable[DayRange]) -> list[DayRange]:
    """The ranges of `required` that no range of `covering` reaches, in order."""
    gaps, next_day = [], required.start
    for piece in sorted(covering):
        if piece.end < next_day:
            continue
        if piece.start > required.end:
            break
        if piece.start > next_day:
            gaps.append(DayRange(next_day, piece.start - timedelta(days=1)))
        next_day = piece.end + timedelta(days=1)
    if next_day <= required.end:
        gaps.append(DayRange(next_day, required.end))
    return gaps
