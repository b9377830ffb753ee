"""Per-day group calls: the 62-day retention, a bounded number of calls at once, and a failure
that stops the rest and leaves nothing half-collected."""
from __future__ import annotations

import threading
import time
from datetime import date, timedelta

from lsc.chargeback import CALLS_IN_PARALLEL, chargeback_window, fetch_group_days
from lsc.license_client import CallError, Window


def test_the_window_reaches_back_62_days_at_most():
    first_run = Window(date(2025, 1, 1), date(2026, 11, 30))
    # 2026-09-30 .. 2026-11-30 inclusive: 1 + 31 + 30 days
    assert chargeback_window(first_run, 62, new_groups=False) == Window(date(2026, 9, 30), date(2026, 11, 30))
    later_run = Window(date(2026, 10, 1), date(2026, 11, 30))
    assert chargeback_window(later_run, 62, new_groups=False) == later_run


def test_a_longer_retention_setting_reaches_further_back():
    first_run = Window(date(2025, 1, 1), date(2026, 11, 30))
    assert chargeback_window(first_run, 90, new_groups=False).start == date(2026, 9, 2)  # 29 + 31 + 30 days


def test_a_group_added_to_a_known_cluster_gets_the_whole_retention():
    later_run = Window(date(2026, 10, 1), date(2026, 11, 30))
    assert chargeback_window(later_run, 62, new_groups=True) == Window(date(2026, 9, 30), date(2026, 11, 30))


class GroupServer:
    """Answers `/products?groupName=` like the simulator, counting calls in flight."""

    def __init__(self, usage: dict[str, dict[str, int]], failing_group: str | None = None) -> None:
        self.usage, self.failing_group = usage, failing_group
        self.calls, self.in_flight, self.most_in_flight = 0, 0, 0
        self._lock = threading.Lock()

    def window_params(self, window: Window) -> dict[str, str]:
        return {"startDate": window.start.isoformat(), "endDate": window.end.isoformat()}

    def get_json(self, endpoint: str, params: dict[str, str]) -> bytes:
        with self._lock:
            self.calls += 1
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            time.sleep(0.005)
            group = params["groupName"]
            if group == self.failing_group:
                raise CallError(endpoint, "HTTP 400", "HTTP status 400", http_status=400)
            quantity = self.usage.get(group, {}).get(params["startDate"])
            return b"[]" if quantity is None else (
                b'[{"name":"P","id":"p1","metricName":"VPC","metricPeakDate":"%s","metricQuantity":%d}]'
                % (params["startDate"].encode(), quantity))
        finally:
            with self._lock:
                self.in_flight -= 1


def parse_payload(endpoint, parse):
    return parse()


WINDOW = Window(date(2026, 11, 1), date(2026, 11, 20))


def test_each_day_of_each_group_is_one_call_a_few_at_a_time():
    server = GroupServer({"finance": {"2026-11-03": 4, "2026-11-19": 6}})
    usage = fetch_group_days(server, ["finance", "ghost"], WINDOW, parse_payload)
    assert server.calls == 2 * 20
    assert 1 < server.most_in_flight <= CALLS_IN_PARALLEL
    assert sorted((r["group_name"], r["usage_date"], r["quantity"]) for r in usage.rows) == [
        ("finance", date(2026, 11, 3), 4), ("finance", date(2026, 11, 19), 6)]
    assert usage.silent == ["ghost"] and usage.failure is None


def test_a_failing_group_call_stops_the_rest_and_returns_no_rows():
    server = GroupServer({"finance": {(WINDOW.start + timedelta(days=n)).isoformat(): n for n in range(20)}},
                         failing_group="retail")
    usage = fetch_group_days(server, ["retail", "finance"], WINDOW, parse_payload)
    assert usage.rows == [] and usage.silent == []
    assert usage.failure.endpoint == "/products (groupName=retail)" and usage.failure.http_status == 400
    assert server.calls < 40  # the queued calls were cancelled
