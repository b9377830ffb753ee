"""The Athena source against a fake Athena client (moto's Athena returns no rows): the requests it
makes (workgroup, database, SQL, execution parameters, the prepared statement) and the typed rows
it reads back from Athena's result pages."""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from infra.catalog import PERIOD_QUERY
from lsc.athena_source import AthenaQueryError, AthenaSource


class FakeAthena:
    """Records requests; answers with the given states and result pages (Athena's response shapes)."""

    def __init__(self, pages: list[dict[str, Any]], states: list[str] = ("RUNNING", "SUCCEEDED"), reason: str = "") -> None:
        self.pages, self.states, self.reason = pages, list(states), reason
        self.started: list[dict[str, Any]] = []

    def start_query_execution(self, **request: Any) -> dict[str, Any]:
        self.started.append(request)
        return {"QueryExecutionId": "q-1"}

    def get_query_execution(self, QueryExecutionId: str) -> dict[str, Any]:
        status = {"State": self.states.pop(0)}
        if self.reason:
            status["StateChangeReason"] = self.reason
        return {"QueryExecution": {"Status": status}}

    def get_paginator(self, name: str) -> "FakeAthena":
        assert name == "get_query_results"
        return self

    def paginate(self, QueryExecutionId: str) -> list[dict[str, Any]]:
        return self.pages


def page(columns: list[tuple[str, str]], rows: list[list[str | None]], *, header: bool) -> dict[str, Any]:
    data = ([[name for name, _ in columns]] if header else []) + rows
    return {"ResultSet": {
        "ResultSetMetadata": {"ColumnInfo": [{"Name": n, "Type": t} for n, t in columns]},
        "Rows": [{"Data": [{} if v is None else {"VarCharValue": v} for v in row]} for row in data],
    }}


COLUMNS = [("product_id", "varchar"), ("peak_quantity", "decimal"), ("peak_date", "date"),
           ("clusters_reporting", "bigint"), ("breach", "boolean"), ("licensed_quantity", "decimal")]


def source(fake: FakeAthena) -> AthenaSource:
    return AthenaSource(fake, workgroup="lsc", database="license_usage", sleep=lambda _: None)


def test_rows_are_typed_and_span_pages_without_the_header() -> None:
    fake = FakeAthena([
        page(COLUMNS, [["a", "5110.000000", "2026-09-14", "2", "false", None]], header=True),
        page(COLUMNS, [["b", "12.500000", "2026-09-18", "1", "true", "10"]], header=False),
    ])
    rows = source(fake).view("multicluster_peak_headroom")
    assert rows == [
        {"product_id": "a", "peak_quantity": Decimal("5110"), "peak_date": date(2026, 9, 14),
         "clusters_reporting": 2, "breach": False, "licensed_quantity": None},
        {"product_id": "b", "peak_quantity": Decimal("12.5"), "peak_date": date(2026, 9, 18),
         "clusters_reporting": 1, "breach": True, "licensed_quantity": Decimal("10")},
    ]
    assert fake.started == [{"QueryString": 'SELECT * FROM "multicluster_peak_headroom"', "WorkGroup": "lsc",
                             "QueryExecutionContext": {"Database": "license_usage"}}]


def test_parameters_become_execution_parameters() -> None:
    fake = FakeAthena([page(COLUMNS, [], header=True)])
    assert source(fake).query("SELECT 1 WHERE ? AND ? < ? AND ? = ?", (True, date(2026, 9, 1), 3, "o'k", None)) == []
    assert fake.started[0]["ExecutionParameters"] == ["TRUE", "DATE '2026-09-01'", "3", "'o''k'", "NULL"]


def test_period_query_runs_the_prepared_statement() -> None:
    fake = FakeAthena([page(COLUMNS, [], header=True)])
    source(fake).peak_for_period(date(2026, 9, 1), date(2026, 11, 30))
    assert fake.started[0]["QueryString"] == f"EXECUTE {PERIOD_QUERY} USING DATE '2026-09-01', DATE '2026-11-30'"
    assert "ExecutionParameters" not in fake.started[0]


def test_a_failed_query_raises_with_athena_reason() -> None:
    fake = FakeAthena([], states=["QUEUED", "FAILED"], reason="TABLE_NOT_FOUND: line 1:15: Table 'x' does not exist")
    with pytest.raises(AthenaQueryError, match="q-1 in workgroup lsc: TABLE_NOT_FOUND"):
        source(fake).view("x")
