"""Daily usage from an audit snapshot zip, by column *name* (the real CSV layout is unverified).

Tolerated: reordered columns, case/space/`_`/`-` variants and aliases, ISO or M/D/YYYY dates, a
daily file without an id column (joined to the period file by product name).
"""
from __future__ import annotations

import csv
import io
import zipfile
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import IO


class SnapshotFormatError(ValueError):
    """No usable daily products file in the snapshot; the message says why."""


@dataclass(frozen=True)
class DailyUsage:
    usage_date: date
    product_id: str
    product_name: str
    metric_name: str
    quantity: Decimal


ALIASES: dict[str, tuple[str, ...]] = {
    "date": ("date", "day", "metricdate", "usagedate", "reportdate"),
    "id": ("id", "productid"),
    "name": ("name", "productname"),
    "metric": ("metricname", "metric"),
    "quantity": ("metricquantity", "quantity", "value", "metricvalue"),
}


def normalize(header: str) -> str:
    return "".join(ch for ch in header.strip().lower() if ch not in " _-\ufeff")


def column_map(headers: Iterable[str]) -> dict[str, int]:
    """Role → column index for the roles found in the header."""
    positions = {normalize(h): i for i, h in enumerate(headers)}
    found = {}
    for role, names in ALIASES.items():
        for name in names:
            if name in positions:
                found[role] = positions[name]
                break
    return found


def parse_day(text: str) -> date:
    text = text.strip()
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        return datetime.strptime(text, "%m/%d/%Y").date()


def _rows(member: IO[bytes]) -> tuple[list[str], list[list[str]]]:
    reader = csv.reader(io.TextIOWrapper(member, encoding="utf-8-sig", newline=""))
    header = next(reader, [])
    return header, [row for row in reader if any(cell.strip() for cell in row)]


def _is_period_file(info: zipfile.ZipInfo, prefix: str) -> bool:
    """`<prefix><start>_<end>_<host>.csv`, not its `<prefix>daily_…` sibling."""
    base = info.filename.rsplit("/", 1)[-1]
    return base.startswith(prefix) and not base.startswith(f"{prefix}daily_") and base.endswith(".csv")


def _period_file_ids(archive: zipfile.ZipFile) -> dict[str, str]:
    for info in archive.infolist():
        if _is_period_file(info, "products_"):
            with archive.open(info) as member:
                header, rows = _rows(member)
            cols = column_map(header)
            if "id" in cols and "name" in cols:
                return {row[cols["name"]]: row[cols["id"]] for row in rows if len(row) > max(cols.values())}
    return {}


def check_complete(zip_file: IO[bytes]) -> str | None:
    """Raises SnapshotFormatError unless every entry reads back with its CRC (a cut-off download
    fails here); returns the License Service host named in `data_condition.txt`, if any."""
    try:
        with zipfile.ZipFile(zip_file) as archive:
            broken = archive.testzip()
            if broken is not None:
                raise SnapshotFormatError(f"entry {broken} fails its CRC check")
            names = {info.filename.rsplit("/", 1)[-1]: info.filename for info in archive.infolist()}
            if "data_condition.txt" not in names:
                return None
            text = archive.read(names["data_condition.txt"]).decode("utf-8", errors="replace")
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as exc:
        raise SnapshotFormatError(f"not a complete zip ({exc.__class__.__name__}: {exc})") from None
    finally:
        zip_file.seek(0)
    return _condition_value(text, "hostname")


def bundled_period_rows(zip_file: IO[bytes]) -> int | None:
    """Rows of the snapshot's `bundled_products_<start>_<end>_<host>.csv`; None without that file
    (older services, or a layout that names it otherwise: then it proves nothing)."""
    try:
        with zipfile.ZipFile(zip_file) as archive:
            member = next((info for info in archive.infolist() if _is_period_file(info, "bundled_products_")), None)
            if member is None:
                return None
            with archive.open(member) as entry:
                return len(_rows(entry)[1])
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error, UnicodeDecodeError):
        return None
    finally:
        zip_file.seek(0)


def _condition_value(text: str, name: str) -> str | None:
    for line in text.splitlines():
        key, separator, value = line.partition(":")
        if separator and normalize(key) == name and value.strip():
            return value.strip().lower()
    return None


def daily_usage(zip_file: IO[bytes], name_to_id: Mapping[str, str] | None = None) -> list[DailyUsage]:
    """Parses the `products_daily_*` entry; `name_to_id` (from /products) helps when ids are missing."""
    try:
        archive = zipfile.ZipFile(zip_file)
    except zipfile.BadZipFile as exc:
        raise SnapshotFormatError(f"not a readable zip ({exc})") from None
    with archive:
        members = [i for i in archive.infolist() if i.filename.rsplit("/", 1)[-1].startswith("products_daily_")]
        if not members:
            raise SnapshotFormatError("no products_daily_* file in the snapshot")
        try:
            with archive.open(members[0]) as member:
                header, rows = _rows(member)
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            raise SnapshotFormatError(f"{members[0].filename} cannot be read ({exc})") from None
        cols = column_map(header)
        missing = [role for role in ("date", "metric", "quantity") if role not in cols]
        if "id" not in cols and "name" not in cols:
            missing.append("id or name")
        if missing:
            raise SnapshotFormatError(f"{members[0].filename}: no column for {', '.join(missing)} (header: {header})")
        ids = {**(name_to_id or {}), **_period_file_ids(archive)} if "id" not in cols else {}
        return [_usage(members[0].filename, n, row, cols, ids) for n, row in enumerate(rows, start=2)]


def _usage(file_name: str, line: int, row: list[str], cols: dict[str, int], ids: Mapping[str, str]) -> DailyUsage:
    try:
        name = row[cols["name"]].strip() if "name" in cols else ""
        product_id = row[cols["id"]].strip() if "id" in cols else ids.get(name, "")
        if not product_id:
            raise SnapshotFormatError(f"{file_name} line {line}: product {name!r} has no id in the period data")
        return DailyUsage(
            usage_date=parse_day(row[cols["date"]]),
            product_id=product_id,
            product_name=name or product_id,
            metric_name=row[cols["metric"]].strip(),
            quantity=Decimal(row[cols["quantity"]].strip()),
        )
    except (IndexError, ValueError, InvalidOperation) as exc:
        if isinstance(exc, SnapshotFormatError):
            raise
        raise SnapshotFormatError(f"{file_name} line {line}: unreadable row ({exc.__class__.__name__})") from None
