"""The view SQL is valid Trino (Athena engine v3) with nothing the validator does not know, so the
same text that DuckDB runs in the other tests also runs in Athena."""
from __future__ import annotations

import re

import pytest
import trino_sql_validator

from infra.catalog import PERIOD_QUERY, SQL_DIR, VIEWS, sql_text

SQL_FILES = sorted(path.stem for path in SQL_DIR.glob("*.sql"))
COMMENT = re.compile(r"--[^\n]*")


@pytest.mark.parametrize("name", SQL_FILES)
def test_sql_file_is_valid_trino_without_warnings(name: str) -> None:
    result = trino_sql_validator.validate(sql_text(name), dialect="trino")
    assert result.valid, result.error
    assert result.warnings == ()
    assert result.statement_count == 1


@pytest.mark.parametrize("name", SQL_FILES)
def test_sql_file_is_a_bare_query(name: str) -> None:
    # The engines wrap it in CREATE VIEW themselves; a trailing `;` or a CREATE would break that.
    code = COMMENT.sub("", sql_text(name)).strip()
    assert code.split(None, 1)[0].upper() in {"SELECT", "WITH"}
    assert not code.endswith(";")


def test_every_file_is_a_listed_view_or_the_period_query() -> None:
    assert sorted([*VIEWS, PERIOD_QUERY]) == SQL_FILES


def test_period_query_has_exactly_two_placeholders() -> None:
    assert sql_text(PERIOD_QUERY).count("?") == 2
