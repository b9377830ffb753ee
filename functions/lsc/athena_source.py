"""The catalog views in Athena, behind the same small protocol as the local DuckDB engine
(`lsc.rollup.RollupSource`): `query`, `view`, `peak_for_period`.

The SQL is the same text DuckDB runs: views by name in the Glue database, the any-period query as the
stack's prepared statement (`EXECUTE multicluster_peak_period USING …`), `?` parameters as
Athena execution parameters.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from infra.catalog import PERIOD_QUERY

FINISHED = {"SUCCEEDED", "FAILED", "CANCELLED"}
_INTEGER_TYPES = {"tinyint", "smallint", "integer", "bigint"}


class AthenaQueryError(RuntimeError):
    """A query did not succeed; the message carries Athena's reason and the query id."""


def sql_literal(value: Any) -> str:
    """An execution parameter: Athena binds each `?` to the SQL literal given as text."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, date):
        return f"DATE '{value.isoformat()}'"
    if isinstance(value, (int, float, Decimal)):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"


def _python_value(text: str | None, athena_type: str) -> Any:
    if text is None:
        return None
    if athena_type == "decimal":
        return Decimal(text)
    if athena_type in _INTEGER_TYPES:
        return int(text)
    if athena_type in ("double", "real", "float"):
        return float(text)
    if athena_type == "boolean":
        return text == "true"
    if athena_type == "date":
        return date.fromisoformat(text)
    return text


class AthenaSource:
    """Runs queries in one workgroup and Glue database and returns rows as dicts of Python values."""

    def __init__(self, client: Any, *, workgroup: str, database: str, poll_seconds: float = 0.5,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self._client = client
        self._workgroup = workgroup
        self._database = database
        self._poll_seconds = poll_seconds
        self._sleep = sleep

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        request: dict[str, Any] = {
            "QueryString": sql,
            "WorkGroup": self._workgroup,
            "QueryExecutionContext": {"Database": self._database},
        }
        if params:
            request["ExecutionParameters"] = [sql_literal(value) for value in params]
        query_id = self._client.start_query_execution(**request)["QueryExecutionId"]
        self._wait(query_id)
        return self._rows(query_id)

    def view(self, name: str) -> list[dict[str, Any]]:
        return self.query(f'SELECT * FROM "{name}"')

    def peak_for_period(self, start: date, end: date) -> list[dict[str, Any]]:
        """The stack's prepared statement for the period query file (`infra/query.py`)."""
        return self.query(f"EXECUTE {PERIOD_QUERY} USING {sql_literal(start)}, {sql_literal(end)}")

    def _wait(self, query_id: str) -> None:
        while True:
            status = self._client.get_query_execution(QueryExecutionId=query_id)["QueryExecution"]["Status"]
            if status["State"] in FINISHED:
                break
            self._sleep(self._poll_seconds)
        if status["State"] != "SUCCEEDED":
            reason = status.get("StateChangeReason") or status["State"].lower()
            raise AthenaQueryError(f"Athena query {query_id} in workgroup {self._workgroup}: {reason}")

    def _rows(self, query_id: str) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        columns: list[tuple[str, str]] = []
        pages = self._client.get_paginator("get_query_results").paginate(QueryExecutionId=query_id)
        for page in pages:
            result = page["ResultSet"]
            if not columns:
                columns = [(c["Name"], c["Type"]) for c in result["ResultSetMetadata"]["ColumnInfo"]]
                data = result["Rows"][1:]  # the first row of the first page repeats the column names
            else:
                data = result["Rows"]
            for row in data:
                cells = [cell.get("VarCharValue") for cell in row["Data"]]
                rows.append({name: _python_value(text, kind) for (name, kind), text in zip(columns, cells)})
        return rows
