"""Loading cluster fixtures: which files count, exact quantities, rejected inputs."""
from __future__ import annotations

import json
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from lsc.local.fixture import FixtureError, load_estate, load_fixture


def test_demo_estate_loads_fixtures_and_skips_other_json(demo_estate_dir: Path) -> None:
    fixtures = load_estate(demo_estate_dir)
    assert [f.cluster_id for f in fixtures] == ["dev-emea", "prod-east", "prod-west"]


def test_quantities_are_exact_decimals(demo_estate_dir: Path) -> None:
    east = load_fixture(demo_estate_dir / "prod-east.json")
    values = [v for row in east.products for v in row.daily.values()]
    assert all(isinstance(v, Decimal) for v in values)
    assert Decimal("3220.0") in values


def invalid_variants(doc: dict) -> list[dict]:
    first = doc["products"][0]
    return [
        {**doc, "token": ""},
        {**doc, "today": "30.11.2026"},
        {**doc, "unexpected": 1},
        {**doc, "products": [{**first, "id": "not-hex"}]},
        {**doc, "products": [first, first]},  # two rows for one (id, metric)
        {**doc, "path_prefix": "no-leading-slash"},
    ]


def test_invalid_fixtures_raise(demo_estate_dir: Path, tmp_path: Path) -> None:
    doc = json.loads((demo_estate_dir / "dev-emea.json").read_text())
    for index, variant in enumerate(invalid_variants(doc)):
        path = tmp_path / f"bad{index}.json"
        path.write_text(json.dumps(variant))
        with pytest.raises(FixtureError, match=f"bad{index}.json"):
            load_fixture(path)


def test_estate_with_a_broken_fixture_raises(demo_estate_dir: Path, tmp_path: Path) -> None:
    shutil.copy(demo_estate_dir / "dev-emea.json", tmp_path)
    (tmp_path / "typo.json").write_text('{"format": "lsc-cluster-fixture/1", "cluster_id": "x"}')
    (tmp_path / "notes.json").write_text("[1, 2]")
    with pytest.raises(FixtureError, match="typo.json"):
        load_estate(tmp_path)
