"""License Service JSON payloads, parsed by key: unknown keys ignored, optional keys may be absent.

Aliases are the API's camelCase names; attributes are the dataset's column names.
"""
from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator


class PayloadError(ValueError):
    """A body that is not the documented shape; the message says what was wrong."""


class _Row(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    @field_validator("*", mode="before")
    @classmethod
    def _numbers_exact(cls, value: Any) -> Any:
        # floats from JSON would turn 0.1 into 0.1000000000000000055…; go through text.
        return Decimal(repr(value)) if isinstance(value, float) else value


class ProductRow(_Row):
    product_name: str = Field(alias="name")
    product_id: str = Field(alias="id")
    metric_name: str = Field(alias="metricName")
    peak_date: date | None = Field(default=None, alias="metricPeakDate")
    quantity: Decimal = Field(alias="metricQuantity")


class BundledProductRow(_Row):
    product_name: str = Field(alias="productName")
    product_id: str = Field(alias="productId")
    cloudpak_id: str | None = Field(default=None, alias="cloudpakId")
    cloudpak_name: str | None = Field(default=None, alias="cloudpakName")
    metric_name: str = Field(alias="metricName")
    peak_date: date | None = Field(default=None, alias="metricPeakDate")
    measured_quantity: Decimal | None = Field(default=None, alias="metricMeasuredQuantity")
    conversion: str | None = Field(default=None, alias="metricConversion")
    converted_quantity: Decimal | None = Field(default=None, alias="metricConvertedQuantity")


class ServiceRow(_Row):
    """`/services` shape is unverified: map what is known, keep the whole row in `raw`."""

    cloudpak_id: str | None = Field(default=None, alias="cloudpakId")
    product_id: str | None = Field(default=None, alias="productId")
    product_name: str | None = Field(default=None, alias="productName")
    metric_name: str | None = Field(default=None, alias="metricName")
    service_id: str | None = Field(default=None, alias="serviceId")
    service_name: str | None = Field(default=None, alias="serviceName")
    quantity: Decimal | None = Field(default=None, alias="serviceMetricValue")
    peak_date: date | None = Field(default=None, alias="metricPeakDate")
    raw: str = ""


RowT = TypeVar("RowT", bound=_Row)


def parse_rows(body: bytes, row_type: type[RowT]) -> list[RowT]:
    """A top-level JSON array of objects → rows; anything else is a PayloadError."""
    try:
        data = json.loads(body, parse_float=Decimal)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise PayloadError(f"body is not JSON ({exc.__class__.__name__}: {str(exc)[:80]})") from None
    if not isinstance(data, list):
        raise PayloadError(f"expected a JSON array, got {type(data).__name__}")
    rows = []
    for index, item in enumerate(data):
        if not isinstance(item, dict):
            raise PayloadError(f"item {index} is {type(item).__name__}, not an object")
        try:
            row = row_type.model_validate(item)
        except ValidationError as exc:
            problems = ", ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
            raise PayloadError(f"item {index}: {problems}") from None
        if isinstance(row, ServiceRow):
            row.raw = json.dumps(item, sort_keys=True, separators=(",", ":"), default=str)
        rows.append(row)
    return rows


def parse_object(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise PayloadError(f"body is not JSON ({exc.__class__.__name__})") from None
    if not isinstance(data, dict):
        raise PayloadError(f"expected a JSON object, got {type(data).__name__}")
    return data


UNKNOWN_VERSION = "unknown"


def parse_version(body: bytes) -> str:
    """`/version` → the version text, or UNKNOWN_VERSION.

    Only a JSON object proves a License Service answered (a login page or gateway does not); the
    field names are not documented, so `version` is preferred and any other key naming a version
    (`buildVersion`, `Version`, ...) is accepted.
    """
    data = parse_object(body)
    named = [data.get("version")] + [value for key, value in data.items() if "version" in key.lower()]
    for value in named:
        if isinstance(value, (str, int, float)) and not isinstance(value, bool) and str(value).strip():
            return str(value).strip()[:100]
    return UNKNOWN_VERSION
