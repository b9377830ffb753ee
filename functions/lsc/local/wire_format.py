"""How the simulator writes values on the wire (fixtures/WIRE.md): numbers in the shortest exact
decimal form (`4`, not `4.0`; `6.5`), dates as `YYYY-MM-DD`, CSV with LF line ends.

`json.dumps` cannot write a Decimal without going through float, which is neither exact nor
shortest for every value, so JSON is written here by a small serializer of plain data.
"""
from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any


def format_quantity(value: Decimal | int) -> str:
    number = Decimal(value).normalize()
    if number.is_zero():
        return "0"  # also for -0 and 0E-7
    if number == number.to_integral_value():
        return str(int(number))  # normalize() writes 3220 as 3.22E+3
    return format(number, "f")


def format_scalar(value: Any) -> str:
    """A CSV cell."""
    if isinstance(value, (Decimal, int)) and not isinstance(value, bool):
        return format_quantity(value)
    if isinstance(value, date):
        return value.isoformat()
    return "" if value is None else str(value)


def to_json(value: Any) -> str:
    """Compact JSON of dicts, lists, strings, numbers (Decimal exact), booleans, None and dates."""
    if isinstance(value, Mapping):
        items = (f"{json.dumps(str(key))}:{to_json(item)}" for key, item in value.items())
        return "{" + ",".join(items) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(to_json(item) for item in value) + "]"
    if isinstance(value, Decimal):
        return format_quantity(value)
    if isinstance(value, date):
        return json.dumps(value.isoformat())
    return json.dumps(value, ensure_ascii=False)


def to_csv(header: Sequence[str], records: Iterable[Mapping[str, Any]]) -> bytes:
    """UTF-8, LF, comma, header first; each record contributes the header's keys, in order."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for record in records:
        writer.writerow([format_scalar(record[column]) for column in header])
    return buffer.getvalue().encode("utf-8")
