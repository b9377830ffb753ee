"""Numbers on the wire: shortest exact decimal form."""
from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from lsc.local.wire_format import format_quantity, to_json


def test_examples() -> None:
    assert [format_quantity(Decimal(t)) for t in ("4", "4.0", "3220.0", "6.50", "0.5", "-0", "1E+3", "0.000")] == [
        "4", "4", "3220", "6.5", "0.5", "0", "1000", "0"]


@given(st.decimals(allow_nan=False, allow_infinity=False, min_value=-10**12, max_value=10**12, places=8))
def test_round_trips_exactly_without_exponent_or_trailing_zeros(value: Decimal) -> None:
    text = format_quantity(value)
    assert Decimal(text) == value
    assert "E" not in text.upper()
    assert not ("." in text and text.endswith("0"))


def test_json_keeps_order_and_exact_numbers() -> None:
    assert to_json({"b": Decimal("0.1"), "a": [1, None, True, "é"]}) == '{"b":0.1,"a":[1,null,true,"é"]}'
