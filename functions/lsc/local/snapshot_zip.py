"""The `/snapshot` audit zip (fixtures/WIRE.md): same request, same bytes.

Every entry is stamped with today 00:00:00 and written in a fixed order, so a collector that
archives snapshots by content hash sees a re-driven run as the identical object.
"""
from __future__ import annotations

import hashlib
import io
import zipfile
from dataclasses import dataclass
from datetime import date

from lsc.local.fixture import Fixture
from lsc.local.simulated_usage import (
    BUNDLED_PRODUCTS_FIELDS,
    Window,
    bundled_daily,
    bundled_period,
    products_daily,
    products_period,
)
from lsc.local.wire_format import to_csv

PRODUCTS_CSV = ("name", "id", "metricName", "metricPeakDate", "metricQuantity")
PRODUCTS_DAILY_CSV = ("date", "name", "id", "metricName", "metricQuantity")
BUNDLED_PRODUCTS_CSV = BUNDLED_PRODUCTS_FIELDS
BUNDLED_PRODUCTS_DAILY_CSV = (
    "date", "productName", "productId", "cloudpakId", "cloudpakName", "metricName",
    "metricMeasuredQuantity", "metricConversion", "metricConvertedQuantity",
)


@dataclass(frozen=True)
class Snapshot:
    filename: str
    content: bytes


def _data_condition(fixture: Fixture, window: Window, today: date) -> bytes:
    lines = (
        f"version: {fixture.version}",
        f"hostname: {fixture.hostname}",
        f"period_start: {window.start}",
        f"period_end: {window.end}",
        f"generated: {today}T00:00:00Z",
    )
    return "".join(line + "\n" for line in lines).encode("utf-8")


def _entries(fixture: Fixture, window: Window, today: date) -> list[tuple[str, bytes]]:
    suffix = f"{window.start}_{window.end}_{fixture.hostname}.csv"
    products, bundled = fixture.products, fixture.bundled_products
    return [
        ("data_condition.txt", _data_condition(fixture, window, today)),
        (f"products_{suffix}", to_csv(PRODUCTS_CSV, products_period(products, window))),
        (f"products_daily_{suffix}", to_csv(PRODUCTS_DAILY_CSV, products_daily(products, window))),
        (f"bundled_products_{suffix}", to_csv(BUNDLED_PRODUCTS_CSV, bundled_period(bundled, window))),
        (
            f"bundled_products_daily_{suffix}",
            to_csv(BUNDLED_PRODUCTS_DAILY_CSV, bundled_daily(bundled, window)),
        ),
    ]


def _checksums(entries: list[tuple[str, bytes]]) -> bytes:
    lines = (f"{hashlib.sha256(content).hexdigest()}  {name}\n" for name, content in sorted(entries))
    return "".join(lines).encode("utf-8")


def build_snapshot(fixture: Fixture, window: Window, today: date) -> Snapshot:
    entries = _entries(fixture, window, today)
    entries.append(("checksum.txt", _checksums(entries)))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in entries:
            info = zipfile.ZipInfo(name, date_time=(today.year, today.month, today.day, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, content)
    filename = f"audit_snapshot_{window.start}_{window.end}_{fixture.hostname}.zip"
    return Snapshot(filename, buffer.getvalue())
