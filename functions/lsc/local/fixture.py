"""Cluster fixtures (`lsc-cluster-fixture/1`, see fixtures/FORMAT.md): what one simulated License
Service knows.

JSON is parsed with `parse_float=Decimal` so quantities stay exact: the simulator must serve
`3220.0` as `3220` and `0.1 + 0.2` as `0.3`, which binary floats cannot promise.
"""
from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

FORMAT = "lsc-cluster-fixture/1"


class FixtureError(ValueError):
    """A file that claims to be a fixture but is not a valid one."""


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ProductRow(_Model):
    id: str = Field(pattern=r"^[0-9a-f]{32}$")
    name: str
    metric: str
    daily: dict[date, Decimal]


class BundledProductRow(ProductRow):
    cloudpak_id: str
    cloudpak_name: str
    conversion: str = Field(pattern=r"^[1-9][0-9]*:[0-9]+$")

    @property
    def conversion_ratio(self) -> tuple[int, int]:
        """`"a:b"` as (a, b): a measured units count as b Cloud Pak units."""
        a, b = self.conversion.split(":")
        return int(a), int(b)


def _reject_duplicates(rows: list[Any], key: Any, what: str) -> None:
    seen: set[Any] = set()
    for row in rows:
        if key(row) in seen:
            raise ValueError(f"{what}: more than one row for {key(row)}")
        seen.add(key(row))


class Fixture(_Model):
    format: Literal["lsc-cluster-fixture/1"]
    cluster_id: str = Field(min_length=1)
    hostname: str = Field(min_length=1)
    version: str
    token: str = Field(min_length=1)
    bearer_tokens: tuple[str, ...] = ()
    path_prefix: str | None = Field(default=None, pattern=r"^/[^?#]*[^/?#]$")
    today: date
    products: list[ProductRow]
    bundled_products: list[BundledProductRow] = []
    chargeback: dict[str, list[ProductRow]] = {}
    health: dict[str, Any]
    services: list[dict[str, Any]] = []

    @model_validator(mode="after")
    def _one_row_per_product_and_metric(self) -> Fixture:
        # Two rows with the same key would make "the peak of (id, metric)" ambiguous.
        _reject_duplicates(self.products, lambda r: (r.id, r.metric), "products")
        _reject_duplicates(
            self.bundled_products, lambda r: (r.cloudpak_id, r.id, r.metric), "bundled_products"
        )
        for group, rows in self.chargeback.items():
            _reject_duplicates(rows, lambda r: (r.id, r.metric), f"chargeback[{group}]")
        return self


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_bytes(), parse_float=Decimal)
    except ValueError as error:
        raise FixtureError(f"{path}: not JSON: {error}") from error


def _validate(document: Any, source: str) -> Fixture:
    try:
        return Fixture.model_validate(document)
    except ValidationError as error:
        raise FixtureError(f"{source}: not a valid {FORMAT} fixture: {error}") from error


def load_fixture(path: str | Path) -> Fixture:
    return _validate(_read_json(Path(path)), str(path))


def load_estate(directory: str | Path) -> list[Fixture]:
    """Every `*.json` in `directory` whose `format` is a cluster fixture, sorted by file name.

    Other JSON files (such as `expected_rollup.json`) are skipped; a file that says it is a
    fixture but is invalid raises, so a typo never silently drops a cluster.
    """
    fixtures = []
    for path in sorted(Path(directory).glob("*.json")):
        document = _read_json(path)
        if isinstance(document, dict) and document.get("format") == FORMAT:
            fixtures.append(_validate(document, str(path)))
    return fixtures
