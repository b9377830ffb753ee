from datetime import date

import pytest

from lsc.collection_window import add_months, collection_window, months_between


@pytest.mark.parametrize("day, months, expected", [
    (date(2026, 3, 31), -1, date(2026, 2, 28)),
    (date(2026, 11, 30), -24, date(2024, 11, 30)),
    (date(2024, 2, 29), 12, date(2025, 2, 28)),
    (date(2026, 12, 15), 1, date(2027, 1, 15)),
    (date(2026, 1, 10), -1, date(2025, 12, 10)),
])
def test_add_months_clamps_to_month_end(day, months, expected):
    assert add_months(day, months) == expected


def test_first_collection_takes_the_whole_retention():
    window = collection_window(date(2026, 11, 30), None, first=True)
    assert (window.start, window.end) == (date(2024, 11, 30), date(2026, 11, 30))


def test_later_runs_start_on_the_first_of_the_previous_month():
    window = collection_window(date(2026, 11, 3), date(2026, 11, 2), first=False)
    assert (window.start, window.end) == (date(2026, 10, 1), date(2026, 11, 3))


def test_a_long_gap_reaches_back_to_the_month_of_the_last_success():
    window = collection_window(date(2026, 11, 3), date(2026, 7, 20), first=False)
    assert window.start == date(2026, 7, 1)


def test_the_gap_never_reaches_past_retention():
    window = collection_window(date(2026, 11, 3), date(2023, 1, 1), first=False)
    assert window.start == date(2024, 11, 3)


def test_months_between():
    assert months_between(date(2026, 11, 15), date(2027, 1, 2)) == [date(2026, 11, 1), date(2026, 12, 1), date(2027, 1, 1)]
