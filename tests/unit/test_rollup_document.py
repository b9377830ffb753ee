"""FORMAT.md's notion of equal rollups, and the terminal table, on the demo's expected figures."""
from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from lsc.rollup import equal_rollups, render_text

EXPECTED = json.loads(
    (Path(__file__).resolve().parents[2] / "functions/lsc/local/demo_estate/expected_rollup.json").read_text()
)


@pytest.fixture()
def expected() -> dict[str, Any]:
    return copy.deepcopy(EXPECTED)


def test_order_names_extra_fields_and_keys_are_not_compared(expected: dict[str, Any]) -> None:
    actual = copy.deepcopy(expected)
    actual["monthly"].reverse()
    actual["window"][0]["product_name"] = "renamed"
    actual["window"][0]["note"] = "extra field"
    actual["generated_by"] = "extra top-level key"
    actual["monthly"][0]["peak_quantity"] += 1e-12
    assert equal_rollups(actual, expected) == []


@pytest.mark.parametrize(
    ("field", "value"),
    [("peak_quantity", 1e-6), ("sum_of_cluster_peaks", 1.0), ("clusters_reporting", 1)],
)
def test_numbers_beyond_the_tolerance_differ(expected: dict[str, Any], field: str, value: float) -> None:
    actual = copy.deepcopy(expected)
    actual["monthly"][2][field] += value
    differences = equal_rollups(actual, expected)
    assert len(differences) == 1 and field in differences[0]


def test_peak_date_must_match(expected: dict[str, Any]) -> None:
    actual = copy.deepcopy(expected)
    actual["window"][1]["peak_date"] = "2026-09-19"
    assert equal_rollups(actual, expected) == [
        f"window {tuple(str(expected['window'][1][key]) for key in ('period_start', 'period_end', 'product_id', 'metric_name'))}: "
        "peak_date '2026-09-19' != '2026-09-18'"
    ]


def test_missing_and_unexpected_rows_differ(expected: dict[str, Any]) -> None:
    actual = copy.deepcopy(expected)
    removed = actual["monthly"].pop(0)
    actual["window"].append({**actual["window"][0], "metric_name": "PROCESSOR_VALUE_UNIT_2"})
    differences = equal_rollups(actual, expected)
    assert len(differences) == 2
    assert any(text.startswith("monthly: missing row") and removed["product_id"] in text for text in differences)
    assert any(text.startswith("window: unexpected row") and "PROCESSOR_VALUE_UNIT_2" in text for text in differences)


def test_a_missing_period_list_differs(expected: dict[str, Any]) -> None:
    assert len(equal_rollups({"window": expected["window"]}, expected)) == len(expected["monthly"])


def test_text_table_shows_every_row_of_every_period(expected: dict[str, Any]) -> None:
    text = render_text(expected)
    assert text.startswith("window 2026-09-01 .. 2026-11-30")
    for month in ("2026-09-01 .. 2026-09-30", "2026-10-01 .. 2026-10-31", "2026-11-01 .. 2026-11-30"):
        assert f"month {month}" in text
    lines = text.splitlines()
    for row in expected["window"] + expected["monthly"]:
        cells = [row["product_name"], row["metric_name"], f"{row['peak_quantity']:g}", row["peak_date"],
                 str(row["clusters_reporting"]), f"{row['sum_of_cluster_peaks']:g}"]
        assert any(line.split() == " ".join(cells).split() for line in lines), cells


def test_text_without_rows_says_so() -> None:
    assert render_text({"window": [], "monthly": []}) == "no usage collected yet"


def test_a_row_reported_twice_differs(expected: dict[str, Any]) -> None:
    actual = copy.deepcopy(expected)
    actual["monthly"].append(dict(actual["monthly"][0]))
    differences = equal_rollups(actual, expected)
    assert len(differences) == 1 and differences[0].startswith("monthly: row") and "appears 2 times" in differences[0]
