"""The rule that keeps a faulty answer from replacing stored usage with less."""
from __future__ import annotations

import io
import zipfile
from datetime import date

import pytest

from lsc.license_client import CallError, Window
from lsc.local.fixture import load_fixture
from lsc.local.simulated_usage import Window as SimulatorWindow
from lsc.local.snapshot_zip import build_snapshot
from lsc.snapshot_parser import SnapshotFormatError, bundled_period_rows, check_complete, daily_usage
from lsc.usage_guards import check_consistent, check_no_lost_days, check_not_emptied

from tests.conftest import DEMO_ESTATE


class StoredMonths:
    """Just the read side of DataBucket: month objects by key."""

    def __init__(self, rows_by_key):
        self.rows_by_key = rows_by_key

    def get_json_lines(self, key):
        return self.rows_by_key.get(key)


def header_only_snapshot() -> io.BytesIO:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("data_condition.txt", "version: 4.2.0\nhostname: OCP-A\n")
        archive.writestr("products_daily_2026-10-01_2026-11-30_ocp-a.csv", "date,name,id,metricName,metricQuantity\n")
    buffer.seek(0)
    return buffer


def test_a_header_only_daily_file_while_products_lists_usage_is_refused():
    snapshot = header_only_snapshot()
    assert check_complete(snapshot) == "ocp-a"
    days = {row.usage_date for row in daily_usage(snapshot)}
    with pytest.raises(CallError) as info:
        check_consistent(2, days, "/snapshot")
    assert (info.value.endpoint, info.value.error_class) == ("/snapshot", "InconsistentUsage")


def test_empty_products_beside_daily_usage_is_refused_and_both_empty_is_fine():
    with pytest.raises(CallError, match="/products is \\[\\]"):
        check_consistent(0, {date(2026, 11, 1)}, "/snapshot")
    check_consistent(0, set(), "/snapshot")  # a cluster without IBM software


def test_days_collected_before_must_still_have_rows():
    stored = StoredMonths({"usage/products_daily/month=2026-10/a.json": [
        {"usage_date": "2026-09-30"}, {"usage_date": "2026-10-01"}, {"usage_date": "2026-10-02"}]})
    window = Window(date(2026, 10, 1), date(2026, 11, 30))
    check_no_lost_days(stored, "a", window, {date(2026, 10, 1), date(2026, 10, 2)}, "/snapshot")
    with pytest.raises(CallError) as info:
        check_no_lost_days(stored, "a", window, {date(2026, 10, 1)}, "/snapshot")
    assert info.value.error_class == "UsageShrank" and "2026-10-02" in info.value.message
    assert "2026-09-30" not in info.value.message  # outside the window: kept by write_monthly anyway


def test_a_cut_off_zip_is_not_complete():
    whole = header_only_snapshot().getvalue()
    with pytest.raises(SnapshotFormatError, match="not a complete zip"):
        check_complete(io.BytesIO(whole[: len(whole) // 2]))


def test_an_empty_bundled_answer_beside_a_snapshot_listing_bundled_products_is_refused():
    east = load_fixture(DEMO_ESTATE / "prod-east.json")  # two bundled products with usage all November
    window = Window(date(2026, 11, 1), date(2026, 11, 30))
    served = build_snapshot(east, SimulatorWindow(window.start, window.end), window.end).content
    in_snapshot = bundled_period_rows(io.BytesIO(served))
    assert in_snapshot == len(east.bundled_products) == 2
    with pytest.raises(CallError) as info:
        check_not_emptied("/bundled_products", 0, window, snapshot_rows=in_snapshot)
    assert (info.value.endpoint, info.value.error_class) == ("/bundled_products", "InconsistentUsage")
    assert "bundled_products_" in info.value.message and "2 rows" in info.value.message and info.value.hint
    check_not_emptied("/bundled_products", 2, window, snapshot_rows=in_snapshot)
    check_not_emptied("/bundled_products", 0, window, snapshot_rows=0)  # no Cloud Pak on the cluster
    assert bundled_period_rows(header_only_snapshot()) is None  # a snapshot without the file proves nothing


@pytest.mark.parametrize("last_peak, refused", [("2026-11-20", True), ("2026-11-01", True), ("2026-10-31", False),
                                                ("2026-12-01", False), (None, False)])
def test_an_empty_answer_where_the_last_run_saw_a_peak_inside_the_window_is_refused(last_peak, refused):
    window = Window(date(2026, 11, 1), date(2026, 11, 30))
    if not refused:
        check_not_emptied("/services", 0, window, last_peak=last_peak)
        return
    with pytest.raises(CallError) as info:
        check_not_emptied("/services", 0, window, last_peak=last_peak)
    assert (info.value.endpoint, info.value.error_class) == ("/services", "InconsistentUsage")
    assert last_peak in info.value.message
    check_not_emptied("/services", 1, window, last_peak=last_peak)
