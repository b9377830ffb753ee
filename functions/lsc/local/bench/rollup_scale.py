"""Rollup at estate scale: daily usage of many clusters generated into the real key layout on local
disk (moto serves ~165 objects/s, no stand-in for S3 here), then the view SQL run by DuckDB.

Reported: the time of the rollup (`lsc rollup`'s queries) against a bare scan of the same objects,
and for one month's query the objects and bytes DuckDB read against that month's partition, which
is what partition pruning should limit it to (and what Athena bills)."""
from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import duckdb

from lsc.datasets import PRODUCTS_DAILY
from lsc.local.bench.report import Measurement
from lsc.local.sql_engine import LocalEngine
from lsc.rollup import rollup_document

ATHENA_USD_PER_TB = 5.0
ATHENA_MINIMUM_BYTES = 10 * 1024 * 1024  # Athena bills at least 10 MB per query
TARGET_SECONDS = 5.0
LAST_DAY = date(2026, 11, 30)


@dataclass(frozen=True)
class Estate:
    clusters: int
    days: int
    products: int

    @property
    def first_day(self) -> date:
        return LAST_DAY - timedelta(days=self.days - 1)


def generate(root: Path, estate: Estate) -> None:
    """One JSON Lines object per cluster and month, every products_daily column; DuckDB renders
    the lines (Python would take minutes for millions of them)."""
    connection = duckdb.connect()
    connection.execute(f"""
        CREATE VIEW generated AS
        SELECT 'bench-' || lpad(CAST(c AS VARCHAR), 5, '0') AS cluster_id, CAST(d AS DATE) AS usage_date, p
        FROM range({estate.clusters}) AS clusters(c), range({estate.products}) AS products(p),
             range(DATE '{estate.first_day}', DATE '{LAST_DAY + timedelta(days=1)}', INTERVAL 1 DAY) AS days(d)
    """)
    months = connection.execute(
        "SELECT DISTINCT date_trunc('month', usage_date) FROM generated ORDER BY 1").fetchall()
    for (month_start,) in months:
        objects = connection.execute(f"""
            SELECT cluster_id, string_agg(to_json({{
                schema_version: 1, cluster_id: cluster_id, run_id: 'lsc-bench-20261130T060000Z',
                scheduled_time: '2026-11-30T06:00:00Z', usage_date: usage_date, product_id: md5(CAST(p AS VARCHAR)),
                product_name: 'Product ' || p, metric_name: 'VIRTUAL_PROCESSOR_CORE',
                quantity: CAST((hash(cluster_id, usage_date, p) % 1700) / 100 AS DECIMAL(18, 6)),
                provisional: usage_date >= DATE '{LAST_DAY}', source: 'snapshot'}}), chr(10)) || chr(10)
            FROM generated WHERE date_trunc('month', usage_date) = ? GROUP BY cluster_id
        """, [month_start]).fetchall()
        for cluster_id, text in objects:
            target = root / PRODUCTS_DAILY.key(month_start, cluster_id)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text)
    connection.close()


def _bytes_read() -> int:
    """Bytes this process has read through read() calls so far (from the page cache or disk)."""
    for line in Path("/proc/self/io").read_text().splitlines():
        if line.startswith("rchar:"):
            return int(line.split()[1])
    raise RuntimeError("/proc/self/io has no rchar line")


def _files_read(profile: dict) -> int:
    """Objects read by every scan of a DuckDB JSON profile."""
    own = int(profile.get("extra_info", {}).get("Total Files Read", 0) or 0)
    return own + sum(_files_read(child) for child in profile.get("children", []))


def _profiled(engine: LocalEngine, sql: str, profile_path: Path) -> tuple[int, int]:
    """(objects, bytes) the query read."""
    engine.query("PRAGMA enable_profiling = 'json'")
    engine.query(f"PRAGMA profiling_output = '{profile_path}'")
    before = _bytes_read()
    engine.query(sql)
    read = _bytes_read() - before
    engine.query("PRAGMA disable_profiling")
    return _files_read(json.loads(profile_path.read_text())), read


def _timed(action) -> float:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def athena_cost(bytes_scanned: int) -> float:
    return max(bytes_scanned, ATHENA_MINIMUM_BYTES) / 1e12 * ATHENA_USD_PER_TB


def measure(workdir: Path, estate: Estate) -> list[Measurement]:
    generate(workdir, estate)
    month = f"{LAST_DAY - timedelta(days=45):%Y-%m}"  # a whole month, not the partial current one
    month_dir = workdir / PRODUCTS_DAILY.key(date.fromisoformat(month + "-01"), "x").rsplit("/", 1)[0]
    month_objects = list(month_dir.glob("*.json"))
    month_bytes = sum(path.stat().st_size for path in month_objects)
    all_objects = list((workdir / PRODUCTS_DAILY.prefix).glob("month=*/*.json"))
    all_bytes = sum(path.stat().st_size for path in all_objects)
    shape = f"{estate.clusters:,} clusters x {estate.days} days x {estate.products} products"
    with LocalEngine.over_directory(workdir) as engine:
        engine.query("SET enable_progress_bar = false")  # stdout carries only the table
        scan_s = _timed(lambda: engine.query("SELECT count(*), sum(quantity) FROM products_daily"))
        rollup_s = _timed(lambda: rollup_document(engine))
        month_s = _timed(lambda: engine.query("SELECT * FROM multicluster_peak_monthly WHERE month = ?", [month]))
        objects_read, bytes_read = _profiled(
            engine, f"SELECT * FROM multicluster_peak_monthly WHERE month = '{month}'", workdir / "profile.json")
    pruned = objects_read == len(month_objects)
    return [
        Measurement(
            name=f"rollup: window + monthly views ({shape})", value=rollup_s, unit="s",
            baseline_name="bare scan", baseline=scan_s, target=f"< {TARGET_SECONDS:g} s",
            met=rollup_s < TARGET_SECONDS,
            details={"objects": len(all_objects), "bytes": all_bytes, "rows": estate.clusters * estate.days * estate.products,
                     "athena_cost_usd_whole_period": athena_cost(all_bytes)},
        ),
        Measurement(
            name=f"rollup: one month ({month}), objects read", value=objects_read, unit="objects",
            baseline_name="objects of that month", baseline=len(month_objects), target="that month only",
            met=pruned, details={"query_s": month_s, "objects_all_months": len(all_objects)},
        ),
        Measurement(
            name=f"rollup: one month ({month}), bytes read", value=bytes_read / 1e6, unit="MB",
            baseline_name="bytes of that month", baseline=month_bytes / 1e6, target="that month only",
            met=None,
            details={"objects_per_month": len(month_objects), "bytes_per_month": month_bytes,
                     "athena_cost_usd_one_month_query": athena_cost(month_bytes),
                     "athena_usd_per_tb": ATHENA_USD_PER_TB},
        ),
    ]
