"""Records laid out as the collector lays them out in S3: one canonical JSON Lines object per key.

For tests and benchmarks that need collected data without running a collection, on local disk
(`LocalEngine.over_directory`) or put into an S3 endpoint.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from pathlib import Path
from typing import Any

from lsc.datasets import Dataset
from lsc.jsonlines import dumps_lines


def object_day(dataset: Dataset, record: Mapping[str, Any]) -> date:
    """The day in the record's key: its usage day for monthly datasets, else its collection day
    (the UTC date of the scheduled time)."""
    text = record["usage_date"] if dataset.partition == "month" else record["scheduled_time"][:10]
    return text if isinstance(text, date) else date.fromisoformat(text)


def objects_by_key(dataset: Dataset, records: Iterable[Mapping[str, Any]]) -> dict[str, bytes]:
    """S3 key -> object bytes, every record in the object its key contract puts it in."""
    grouped: dict[str, list[Mapping[str, Any]]] = {}
    for record in records:
        key = dataset.key(object_day(dataset, record), record["cluster_id"], record["run_id"])
        grouped.setdefault(key, []).append(record)
    return {key: dumps_lines(lines) for key, lines in grouped.items()}


def write_objects(root: Path, objects: Mapping[str, bytes]) -> None:
    for key, body in objects.items():
        path = root / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(body)
