"""Which days a run asks a cluster for.

First collection: everything the service still keeps (24 months). Later runs: from the first day
of the previous month — or of the month of the last success, if that is older, so a cluster that
was unreachable for weeks gets its missing months back — to the collection day.
"""
from __future__ import annotations

from datetime import date, timedelta

from lsc.license_client import Window

RETENTION_MONTHS = 24


def add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    next_first = date(year + (month == 12), month % 12 + 1, 1)
    return date(year, month, min(day.day, (next_first - timedelta(days=1)).day))


def first_of_month(day: date) -> date:
    return day.replace(day=1)


def retention_start(collection_day: date) -> date:
    return add_months(collection_day, -RETENTION_MONTHS)


def collection_window(collection_day: date, last_success_day: date | None, *, first: bool) -> Window:
    oldest = retention_start(collection_day)
    if first or last_success_day is None:
        return Window(oldest, collection_day)
    start = min(add_months(first_of_month(collection_day), -1), first_of_month(last_success_day))
    return Window(max(start, oldest), collection_day)


def months_between(start: date, end: date) -> list[date]:
    """First days of every month from start's month to end's month, inclusive."""
    months, current = [], first_of_month(start)
    while current <= end:
        months.append(current)
        current = add_months(current, 1)
    return months


def days(window: Window) -> list[date]:
    return [window.start + timedelta(days=n) for n in range((window.end - window.start).days + 1)]
