"""`lsc bench --quick` (the `make bench` path at a small size): every measurement runs through the
real parts and lands in the table and the JSON. Figures are not asserted (no timing in tests);
what the bench counts is, against the generated estate's shape."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

from lsc.local.bench_command import QUICK

from tests.e2e.conftest import LSC


def test_quick_bench_measures_everything(tmp_path: Path) -> None:
    run = subprocess.run([LSC, "bench", "--quick", "--out", str(tmp_path)], capture_output=True, text=True, timeout=300)
    assert run.returncode in (0, 1), run.stderr  # 1: a target missed, which quick sizes say nothing about
    [written] = tmp_path.glob("bench-quick-*.json")
    document = json.loads(written.read_text())
    rows = {row["name"].split(":")[0]: row for row in document["measurements"]}
    assert set(rows) == {"fleet", "per-cluster", "snapshot", "cold start", "dispatcher", "rollup"}
    for row in document["measurements"]:
        assert row["value"] >= 0 and row["baseline"] > 0, row
        assert row["name"] in run.stdout  # the printed table has every row

    by_name = {row["name"]: row for row in document["measurements"]}
    month = next(row for name, row in by_name.items() if name.startswith("rollup: one month") and "objects" in name)
    # the key layout holds one daily object per cluster and month: a pruned one-month query reads exactly those
    assert month["value"] == month["baseline"] == QUICK.rollup_clusters
    assert month["details"]["objects_all_months"] == QUICK.rollup_clusters * 3  # 62 days to 2026-11-30: Sep-Nov
    rollup = next(row for name, row in by_name.items() if name.startswith("rollup: window"))
    assert rollup["details"]["rows"] == QUICK.rollup_clusters * QUICK.rollup_days * QUICK.rollup_products
    fleet = next(row for name, row in by_name.items() if name.startswith("fleet:") and "C=" in name)
    assert fleet["details"]["clusters"] == QUICK.fleets[0]
    assert fleet["baseline"] == -(-QUICK.fleets[0] // QUICK.workers) * 6 * QUICK.latency_ms / 1000  # ideal
