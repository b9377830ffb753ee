"""The demo estate's daily data, put straight into products_daily objects, rolls up to
`expected_rollup.json` through the view SQL."""
from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from lsc.datasets import PRODUCTS_DAILY
from lsc.local.dataset_files import objects_by_key, write_objects
from lsc.local.sql_engine import LocalEngine
from lsc.rollup import equal_rollups, rollup_document

DEMO_ESTATE = Path(__file__).resolve().parents[2] / "functions" / "lsc" / "local" / "demo_estate"
FIXTURE_FORMAT = "lsc-cluster-fixture/1"


def fixture_records(fixture: dict[str, Any]) -> list[dict[str, Any]]:
    """products_daily lines for every (day, product, metric) of a cluster fixture, zeros included."""
    return [
        {
            "schema_version": 1, "cluster_id": fixture["cluster_id"], "run_id": "demo-20261130T060000Z",
            "scheduled_time": "2026-11-30T06:00:00Z", "usage_date": date.fromisoformat(day),
            "product_id": product["id"], "product_name": product["name"], "metric_name": product["metric"],
            "quantity": quantity, "provisional": False, "source": "snapshot",
        }
        for product in fixture["products"]
        for day, quantity in product["daily"].items()
    ]


def test_demo_estate_rolls_up_to_the_expected_figures(tmp_path: Path) -> None:
    fixtures = [json.loads(path.read_text()) for path in sorted(DEMO_ESTATE.glob("*.json"))]
    records = [
        record for fixture in fixtures if fixture.get("format") == FIXTURE_FORMAT
        for record in fixture_records(fixture)
    ]
    write_objects(tmp_path, objects_by_key(PRODUCTS_DAILY, records))
    expected = json.loads((DEMO_ESTATE / "expected_rollup.json").read_text())

    with LocalEngine.over_directory(tmp_path) as engine:
        document = rollup_document(engine)

    assert equal_rollups(document, expected) == []
    assert json.loads(json.dumps(document)) == document  # plain JSON types only
