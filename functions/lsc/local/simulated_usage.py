"""What a simulated License Service derives from a fixture for a window (fixtures/FORMAT.md):
period peaks for `/products` and `/bundled_products`, and the daily rows of the snapshot CSVs.

Records are dicts keyed by the wire field names in the order `/products` and
`/bundled_products` write them; CSV files pick their own column order from the same keys.
"""
from __future__ import annotations

import calendar
import decimal
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from lsc.local.fixture import BundledProductRow, ProductRow

DEFAULT_WINDOW_DAYS = 30
RETENTION_MONTHS = 24
START_PARAMETERS = ("startDate", "dateFrom")
END_PARAMETERS = ("endDate", "dateTo")

# Field order of the JSON endpoints; records carry these keys (daily ones `date` too).
PRODUCTS_FIELDS = ("name", "id", "metricPeakDate", "metricQuantity", "metricName")
BUNDLED_PRODUCTS_FIELDS = (
    "productName", "productId", "cloudpakId", "cloudpakName", "metricName", "metricPeakDate",
    "metricMeasuredQuantity", "metricConversion", "metricConvertedQuantity",
)

Record = dict[str, Any]
_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class WindowError(ValueError):
    """A window the License Service rejects with 400; the message is the reason it gives."""


@dataclass(frozen=True)
class Window:
    start: date
    end: date

    def days(self, daily: Mapping[date, Decimal]) -> list[tuple[date, Decimal]]:
        return sorted((day, value) for day, value in daily.items() if self.start <= day <= self.end)


def months_before(day: date, months: int) -> date:
    """The same day of the month `months` calendar months earlier (its last day if shorter)."""
    year, month_index = divmod(day.year * 12 + day.month - 1 - months, 12)
    last_day = calendar.monthrange(year, month_index + 1)[1]
    return date(year, month_index + 1, min(day.day, last_day))


def _first_given(query: Mapping[str, str], names: tuple[str, ...]) -> tuple[str, str] | None:
    return next(((name, query[name]) for name in names if query.get(name)), None)


def _parse_day(name: str, text: str) -> date:
    try:
        if _ISO_DAY.fullmatch(text):
            return date.fromisoformat(text)
    except ValueError:
        pass
    raise WindowError(f"{name} must be a date written YYYY-MM-DD, got {text!r}")


def resolve_window(query: Mapping[str, str], today: date) -> Window:
    """The window a request asks for (fixtures/WIRE.md "Window").

    Only one bound given → the default window, as the real service is reported to do. Out-of-range
    bounds are clamped silently; a start after the end (before or after clamping) is an error.
    """
    start_param = _first_given(query, START_PARAMETERS)
    end_param = _first_given(query, END_PARAMETERS)
    if start_param is None or end_param is None:
        return Window(today - timedelta(days=DEFAULT_WINDOW_DAYS), today)
    start, end = _parse_day(*start_param), _parse_day(*end_param)
    if start > end:
        raise WindowError(f"{start_param[0]} {start} is after {end_param[0]} {end}")
    oldest = months_before(today, RETENTION_MONTHS)
    clamped = Window(max(start, oldest), min(end, today))
    if clamped.start > clamped.end:
        raise WindowError(
            f"the window {start}..{end} holds no retained day: data exists from {oldest} to {today}"
        )
    return clamped


def converted_quantity(row: BundledProductRow, measured: Decimal) -> Decimal:
    a, b = row.conversion_ratio
    with decimal.localcontext(prec=34):  # exact for every ratio whose `a` divides a power of ten
        return measured * b / a


def _peak(row: ProductRow, window: Window) -> tuple[date, Decimal] | None:
    days = window.days(row.daily)
    if not days:
        return None
    peak_value = max(value for _, value in days)
    return next((day, value) for day, value in days if value == peak_value)  # earliest wins a tie


def _bundled_fields(row: BundledProductRow, measured: Decimal) -> Record:
    return {
        "productName": row.name,
        "productId": row.id,
        "cloudpakId": row.cloudpak_id,
        "cloudpakName": row.cloudpak_name,
        "metricName": row.metric,
        "metricMeasuredQuantity": measured,
        "metricConversion": row.conversion,
        "metricConvertedQuantity": converted_quantity(row, measured),
    }


def products_period(rows: Iterable[ProductRow], window: Window) -> list[Record]:
    records = []
    for row in sorted(rows, key=lambda r: (r.id, r.metric)):
        if peak := _peak(row, window):
            peak_date, quantity = peak
            records.append(
                {"name": row.name, "id": row.id, "metricPeakDate": peak_date,
                 "metricQuantity": quantity, "metricName": row.metric}
            )
    return records


def products_daily(rows: Iterable[ProductRow], window: Window) -> list[Record]:
    records = [
        {"date": day, "name": row.name, "id": row.id, "metricName": row.metric, "metricQuantity": value}
        for row in rows
        for day, value in window.days(row.daily)
    ]
    return sorted(records, key=lambda r: (r["date"], r["id"], r["metricName"]))


def bundled_period(rows: Iterable[BundledProductRow], window: Window) -> list[Record]:
    records = []
    for row in sorted(rows, key=lambda r: (r.id, r.metric, r.cloudpak_id)):
        if peak := _peak(row, window):
            peak_date, measured = peak
            records.append({**_bundled_fields(row, measured), "metricPeakDate": peak_date})
    return records


def bundled_daily(rows: Iterable[BundledProductRow], window: Window) -> list[Record]:
    records = [
        {"date": day, **_bundled_fields(row, value)}
        for row in rows
        for day, value in window.days(row.daily)
    ]
    return sorted(records, key=lambda r: (r["date"], r["productId"], r["metricName"], r["cloudpakId"]))
