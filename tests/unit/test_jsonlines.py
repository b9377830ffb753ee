from datetime import date
from decimal import Decimal

from lsc.jsonlines import dumps_lines, loads_lines


def test_canonical_bytes_do_not_depend_on_input_order():
    a = [{"b": Decimal("4.0"), "a": date(2026, 1, 2)}, {"b": Decimal("6.50"), "a": date(2026, 1, 1)}]
    assert dumps_lines(a) == dumps_lines(list(reversed(a)))
    assert dumps_lines(a) == b'{"a":"2026-01-01","b":6.5}\n{"a":"2026-01-02","b":4}\n'
    assert loads_lines(dumps_lines(a))[0] == {"a": "2026-01-01", "b": 6.5}


def test_empty_dataset_is_an_empty_object():
    assert dumps_lines([]) == b""
