"""Entitlements files: YAML and CSV accepted, mistakes named with file and entry; the stored object."""
from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from lsc.entitlements import Entitlement, EntitlementsError, entitlements_object, headroom, load_entitlements_file


def test_yaml_and_csv_give_the_same_entitlements(tmp_path: Path) -> None:
    (tmp_path / "e.yaml").write_text(
        "entitlements:\n  - {product_id: p1, metric_name: VPC, licensed_quantity: 48, product_name: CP4I}\n"
        "  - {product_id: p2, metric_name: PVU, licensed_quantity: '5150.5'}\n")
    (tmp_path / "e.csv").write_text("product_id,metric_name,licensed_quantity,product_name\np1,VPC,48,CP4I\np2,PVU,5150.5,\n")
    expected = [Entitlement("p1", "VPC", Decimal(48), "CP4I"), Entitlement("p2", "PVU", Decimal("5150.5"), None)]
    assert load_entitlements_file(tmp_path / "e.yaml") == expected
    assert load_entitlements_file(tmp_path / "e.csv") == expected


@pytest.mark.parametrize(("text", "message"), [
    ("- {product_id: p1, metric_name: VPC}\n", "entry 1: missing licensed_quantity"),
    ("- {product_id: p1, metric_name: VPC, licensed_quantity: lots}\n", "entry 1: licensed_quantity 'lots' is not a number"),
    ("- {product_id: p1, metric_name: VPC, licensed_quantity: -1}\n", "entry 1: licensed_quantity must be a number >= 0"),
    ("- {product_id: p1, metric_name: VPC, licensed_quantity: 1}\n- {product_id: p1, metric_name: VPC, licensed_quantity: 2}\n",
     "entry 2: product p1 metric VPC is listed twice"),
    ("[]\n", "expected a non-empty list"),
    ("a: [\n", "not valid YAML"),
])
def test_mistakes_name_the_file_and_entry(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "e.yaml"
    path.write_text(text)
    with pytest.raises(EntitlementsError) as error:
        load_entitlements_file(path)
    assert str(error.value).startswith(str(path)) and message in str(error.value)


def test_object_key_and_lines() -> None:
    key, body = entitlements_object([Entitlement("p1", "VPC", Decimal("48.5"))], date(2026, 12, 3), "2026-12-03T10:00:00Z")
    assert key == "config/entitlements/dt=2026-12-03/entitlements.json"
    assert [json.loads(line) for line in body.decode().splitlines()] == [{
        "schema_version": 1, "cluster_id": None, "run_id": "entitlements-2026-12-03", "scheduled_time": "2026-12-03T10:00:00Z",
        "product_id": "p1", "product_name": None, "metric_name": "VPC", "licensed_quantity": 48.5}]


def test_headroom() -> None:
    assert headroom(Decimal("5180"), Decimal("5150")) == (-30.0, True)
    assert headroom(41.0, 48) == (7.0, False)
    assert headroom(48, 48) == (0.0, False)
    assert headroom(12, None) == (None, None)
