"""Glue `VIRTUAL_VIEW` definitions for the view SQL files (the encoding Athena itself writes).

Athena rejects a view as stale when its stored column types cannot take what the SQL yields, and no
Trino runs here, so the column types come from DuckDB running the very same SQL over empty tables
built from `lsc.datasets`; nothing is typed by hand. Where the engines differ (DuckDB `sum(bigint)`
is HUGEINT, `date_trunc` of a date a TIMESTAMP) the type chosen is one Athena's result widens to.
"""
from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterable

import duckdb

from infra.catalog import VIEWS, sql_text
from lsc.datasets import DATASETS, duckdb_type

ATHENA_CATALOG = "awsdatacatalog"

# DuckDB type -> (Presto/Trino type for the view definition, Hive type for the Glue column list).
_SIMPLE_TYPES: dict[str, tuple[str, str]] = {
    "VARCHAR": ("varchar", "string"),
    "BOOLEAN": ("boolean", "boolean"),
    "INTEGER": ("integer", "int"),
    "BIGINT": ("bigint", "bigint"),
    "HUGEINT": ("bigint", "bigint"),
    "DOUBLE": ("double", "double"),
    "FLOAT": ("real", "float"),
    "DATE": ("date", "date"),
    "TIMESTAMP": ("timestamp", "timestamp"),
    "TIMESTAMP WITH TIME ZONE": ("timestamp with time zone", "timestamp"),
    "VARCHAR[]": ("array(varchar)", "array<string>"),
}
_DECIMAL = re.compile(r"^DECIMAL\((\d+),(\d+)\)$")


class ViewTypeError(ValueError):
    """A view yields a column type the Glue view definition cannot express."""


def presto_type(duck: str, where: str) -> tuple[str, str]:
    """(Presto type, Hive type) of a DuckDB column type; `where` names the column in errors."""
    if duck in _SIMPLE_TYPES:
        return _SIMPLE_TYPES[duck]
    if match := _DECIMAL.match(duck):
        decimal = f"decimal({match[1]},{match[2]})"
        return decimal, decimal
    raise ViewTypeError(f"{where}: DuckDB type {duck} has no Athena mapping; CAST it in the SQL")


def view_columns(views: Iterable[str] = VIEWS) -> dict[str, list[tuple[str, str, str]]]:
    """view -> [(column, Presto type, Hive type)], in SELECT order, from the SQL files."""
    con = duckdb.connect(":memory:")
    try:
        for dataset in DATASETS:
            columns = [f'"{name}" {duckdb_type(kind)}' for name, kind in dataset.all_columns]
            columns.append(f'"{dataset.partition}" VARCHAR')  # partition keys are strings in Glue
            con.execute(f'CREATE TABLE "{dataset.table}" ({", ".join(columns)})')
        result = {}
        for view in views:
            if sql_text(view).rstrip().endswith(";"):
                raise ViewTypeError(f"infra/sql/{view}.sql: a view is one SELECT without a trailing ';'")
            con.execute(f'CREATE VIEW "{view}" AS {sql_text(view)}')
            described = con.execute(f'DESCRIBE "{view}"').fetchall()
            result[view] = [(name, *presto_type(duck, f"view {view}, column {name}")) for name, duck, *_ in described]
        return result
    finally:
        con.close()


def presto_view_original_text(sql: str, database: str, columns: list[tuple[str, str, str]]) -> str:
    """`ViewOriginalText` of a Glue table Athena reads as a view."""
    definition = {
        "originalSql": sql,
        "catalog": ATHENA_CATALOG,
        "schema": database,
        "columns": [{"name": name, "type": presto} for name, presto, _ in columns],
        "runAsInvoker": False,
    }
    encoded = base64.b64encode(json.dumps(definition).encode("utf-8")).decode("ascii")
    return f"/* Presto View: {encoded} */"
