"""Entitlements: what is licensed per product and metric, compared with the multicluster peaks.

The file (YAML or CSV, columns `product_id, metric_name, licensed_quantity` and optionally
`product_name`) is uploaded to the data bucket as the `entitlements` dataset, so that Athena (the
`entitlements_current` and `multicluster_peak_headroom` views) and the local engine read the same
figures the report and `lsc rollup` show.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml

from lsc import SCHEMA_VERSION
from lsc.datasets import ENTITLEMENTS
from lsc.jsonlines import dumps_lines

REQUIRED = ("product_id", "metric_name", "licensed_quantity")


class EntitlementsError(ValueError):
    """The entitlements file is unusable; the message names the file, the entry and the problem."""


@dataclass(frozen=True)
class Entitlement:
    product_id: str
    metric_name: str
    licensed_quantity: Decimal
    product_name: str | None = None


def load_entitlements_file(path: str | Path) -> list[Entitlement]:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise EntitlementsError(f"{path}: cannot read ({exc.strerror})") from None
    if path.suffix.lower() == ".csv":
        entries: Any = list(csv.DictReader(io.StringIO(text)))
    else:
        try:
            document = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise EntitlementsError(f"{path}: not valid YAML ({exc.__class__.__name__})") from None
        entries = document.get("entitlements") if isinstance(document, dict) else document
    if not isinstance(entries, list) or not entries:
        raise EntitlementsError(f"{path}: expected a non-empty list of entitlements (YAML list, "
                                "`entitlements:` key, or CSV with a header row)")
    return parse_entitlements(entries, str(path))


def parse_entitlements(entries: list[Any], source: str) -> list[Entitlement]:
    parsed: list[Entitlement] = []
    seen: set[tuple[str, str]] = set()
    for number, entry in enumerate(entries, start=1):
        where = f"{source}: entry {number}"
        if not isinstance(entry, dict):
            raise EntitlementsError(f"{where}: expected a mapping with {', '.join(REQUIRED)}")
        missing = [name for name in REQUIRED if not str(entry.get(name) or "").strip()]
        if missing:
            raise EntitlementsError(f"{where}: missing {', '.join(missing)}")
        try:
            quantity = Decimal(str(entry["licensed_quantity"]).strip())
        except InvalidOperation:
            raise EntitlementsError(f"{where}: licensed_quantity {entry['licensed_quantity']!r} is not a number") from None
        if not quantity.is_finite() or quantity < 0:
            raise EntitlementsError(f"{where}: licensed_quantity must be a number >= 0")
        identity = (str(entry["product_id"]).strip(), str(entry["metric_name"]).strip())
        if identity in seen:
            raise EntitlementsError(f"{where}: product {identity[0]} metric {identity[1]} is listed twice")
        seen.add(identity)
        name = str(entry.get("product_name") or "").strip() or None
        parsed.append(Entitlement(identity[0], identity[1], quantity, name))
    return parsed


def entitlements_object(entitlements: list[Entitlement], upload_day: date, uploaded_at: str) -> tuple[str, bytes]:
    """(key, JSON Lines body) of the dataset object for one upload."""
    records = [
        {"schema_version": SCHEMA_VERSION, "cluster_id": None, "run_id": f"entitlements-{upload_day.isoformat()}",
         "scheduled_time": uploaded_at, "product_id": e.product_id, "product_name": e.product_name,
         "metric_name": e.metric_name, "licensed_quantity": e.licensed_quantity}
        for e in entitlements
    ]
    return ENTITLEMENTS.key(upload_day, ""), dumps_lines(records)


def headroom(peak: Decimal | float, licensed: Decimal | float | None) -> tuple[float | None, bool | None]:
    """(licensed − peak, peak > licensed); (None, None) without an entitlement.

    The same rule as the `multicluster_peak_headroom` view, for periods no view covers (any window).
    """
    if licensed is None:
        return None, None
    left = Decimal(str(licensed)) - Decimal(str(peak))
    return float(left), left < 0
