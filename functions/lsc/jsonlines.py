"""Canonical JSON Lines: sorted keys, compact separators, sorted lines.

The same run over the same data must write the same bytes, so a re-driven run is a no-op for
readers and an identical object for S3.
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        # JSON numbers in the shortest exact decimal form: 4 not 4.0, 6.5 not 6.50.
        normalized = value.normalize()
        return int(normalized) if normalized == normalized.to_integral_value() else float(normalized)
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"not JSON serializable: {type(value).__name__}")


def dumps_line(record: Mapping[str, Any]) -> str:
    return json.dumps(record, sort_keys=True, separators=(",", ":"), default=_default, ensure_ascii=False)


def dumps_lines(records: Iterable[Mapping[str, Any]]) -> bytes:
    lines = sorted(dumps_line(r) for r in records)
    return "".join(line + "\n" for line in lines).encode("utf-8")


def loads_lines(data: bytes) -> list[dict[str, Any]]:
    return [json.loads(line) for line in data.decode("utf-8").splitlines() if line.strip()]
