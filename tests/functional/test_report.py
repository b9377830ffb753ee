"""`lsc report`, `lsc rollup` and `lsc entitlements upload` over a collected demo estate (simulators,
moto server, DuckDB over its S3): the numbers in the HTML are those of expected_rollup.json, and the
page renders in headless Chromium (screenshot kept under test-artifacts/)."""
from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import uuid
from contextlib import ExitStack
from html.parser import HTMLParser
from pathlib import Path

import pytest

from lsc.local.aws_env import local_aws
from lsc.local.cli import main
from lsc.local.fixture import load_estate
from lsc.local.local_estate import cluster_entry, provision, run_collection, seed, start_simulators

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")  # Debian package `chromium`


class Tables(HTMLParser):
    """table id -> rows of {data-key: text}; the charts' `src` and every `src`/`href` of the page."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[dict[str, str]]] = {}
        self.images: list[str] = []
        self.references: list[str] = []
        self._table: str | None = None
        self._key: str | None = None
        self._in_head = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        if tag == "table":
            self._table = named["id"]
            self.tables[self._table] = []
        elif tag == "thead":
            self._in_head = True
        elif tag == "tr" and self._table and not self._in_head:
            self.tables[self._table].append({})
        elif tag == "td":
            self._key = named["data-key"]
            self.tables[self._table][-1][self._key] = ""
        elif tag == "img":
            self.images.append(named["src"] or "")
        self.references.extend(value or "" for name, value in attrs if name in ("src", "href"))

    def handle_endtag(self, tag: str) -> None:
        if tag == "td":
            self._key = None
        elif tag == "thead":
            self._in_head = False
        elif tag == "table":
            self._table = None

    def handle_data(self, data: str) -> None:
        if self._table and self._key:
            self.tables[self._table][-1][self._key] += data


@pytest.fixture(scope="module")
def collection_day(demo_estate_dir) -> str:
    """The day of the estate's collection run (its scheduled time's day): the demo's "today"."""
    return max(f.today for f in load_estate(demo_estate_dir)).isoformat()


@pytest.fixture(scope="module")
def estate(moto_endpoint, demo_estate_dir, local_ca):
    """The demo estate collected once for this module (as `make_estate` builds it, shared by the
    tests here); yields the CLI arguments naming its bucket."""
    fixtures = load_estate(demo_estate_dir)
    with ExitStack() as stack:
        servers = start_simulators(stack, fixtures, local_ca)
        with local_aws(moto_endpoint):
            deployment = provision(moto_endpoint, f"lsc-report-{uuid.uuid4().hex[:12]}")
            seed(deployment, [(f, cluster_entry(f, s.url)) for f, s in zip(fixtures, servers)], local_ca.ca_pem)
        with local_aws(moto_endpoint, deployment.handler_env()):
            run_collection(deployment, f"{max(f.today for f in fixtures)}T00:00:00Z", schedule="lsc-test")
        with local_aws(moto_endpoint):
            yield ["--endpoint-url", moto_endpoint, "--bucket", deployment.bucket]


def _key(row: dict) -> tuple[str, str, str]:
    return (str(row["period_start"]), str(row["product_name"]), str(row["metric_name"]))


def _number(text: str) -> float:
    return float(text) if text else float("nan")


def parse(out: Path) -> Tables:
    parsed = Tables()
    parsed.feed(out.read_text(encoding="utf-8"))
    return parsed


@pytest.fixture(scope="module")
def report(estate, collection_day: str, tmp_path_factory) -> tuple[Path, Tables]:
    out = tmp_path_factory.mktemp("report") / "report.html"
    png = out.parent / "png"
    # judged on the collection day: every cluster fresh, no entitlement yet, so no finding and exit 0
    assert main(["report", "--out", str(out), "--png", str(png), "--as-of", collection_day, *estate]) == 0
    parsed = Tables()
    parsed.feed(out.read_text(encoding="utf-8"))
    return out, parsed


def test_report_numbers_are_the_expected_rollup(report, expected_rollup: dict) -> None:
    _, parsed = report
    for table, name in (("window-peaks", "window"), ("monthly-peaks", "monthly")):
        shown = {_key(row): row for row in parsed.tables[table]}
        assert set(shown) == {_key(row) for row in expected_rollup[name]}
        for row in expected_rollup[name]:
            cells = shown[_key(row)]
            assert _number(cells["peak_quantity"]) == row["peak_quantity"]
            assert cells["peak_date"] == row["peak_date"]
            assert int(cells["clusters_reporting"]) == row["clusters_reporting"]
            assert _number(cells["sum_of_cluster_peaks"]) == row["sum_of_cluster_peaks"]


def test_report_marks_provisional_periods_and_shows_health(report, demo_estate_dir, collection_day: str) -> None:
    _, parsed = report
    for row in parsed.tables["monthly-peaks"]:
        assert ("provisional" in row["status"]) == (row["period_start"] == "2026-11-01")  # the collection day's month
    # a breakdown row carries its period's mark, also when the peak day itself is not the collection day
    breakdown = parsed.tables["breakdown"]
    assert {row["status"] for row in breakdown} == {"provisional", ""}
    for row in breakdown:
        assert (row["status"] == "provisional") == (row["period_start"] <= collection_day <= row["period_end"]), row
    clusters = sorted(p.stem for p in demo_estate_dir.glob("*.json") if p.stem != "expected_rollup")
    health = parsed.tables["health"]
    assert sorted(row["cluster_id"] for row in health) == clusters
    assert {row["last_outcome"] for row in health} == {"success"}
    # every time shown is the run's scheduled time; judged on that day, nothing is stale
    assert {(row["last_success_scheduled_time"], row["days_since_last_success"], row["status"]) for row in health} \
        == {(f"{collection_day}T00:00:00Z", "0", "ok")}
    assert "pod with incomplete annotations" in {row["cluster_id"]: row for row in health}["prod-east"]["health_summary"]


def test_report_judges_health_on_the_as_of_day(estate, collection_day: str, tmp_path: Path, capsys) -> None:
    from datetime import date, timedelta

    later = (date.fromisoformat(collection_day) + timedelta(days=3)).isoformat()
    out = tmp_path / "later.html"
    assert main(["report", "--out", str(out), "--as-of", later, "--stale-days", "2", *estate]) == 1
    health = parse(out).tables["health"]
    assert {(row["days_since_last_success"], row["status"]) for row in health} == {("3", "stale")}
    assert capsys.readouterr().err.count(f"days before {later}") == len(health)
    # the same day with a tolerance of 3 days: fresh again
    assert main(["report", "--out", str(out), "--as-of", later, "--stale-days", "3", *estate]) == 0


def test_report_of_a_period_without_usage_exits_1(estate, collection_day: str, tmp_path: Path, capsys) -> None:
    out = tmp_path / "empty.html"
    assert main(["report", "--out", str(out), "--from", "2020-01-01", "--to", "2020-01-31", "--as-of", collection_day,
                 *estate]) == 1
    assert "no usage collected in this period" in capsys.readouterr().err
    assert out.exists() and "window-peaks" in out.read_text(encoding="utf-8")  # still written, saying "none"


def test_report_is_self_contained_with_one_chart_per_product(report, expected_rollup: dict) -> None:
    out, parsed = report
    html = out.read_text(encoding="utf-8")
    assert len(parsed.images) == len(expected_rollup["window"])
    assert all(src.startswith("data:image/svg+xml;base64,") for src in parsed.images)
    assert all(reference.startswith("data:") for reference in parsed.references)
    assert "<script" not in html and "@import" not in html and "url(" not in html
    pngs = sorted(path.name for path in (out.parent / "png").glob("*.png"))
    assert pngs == sorted(
        f"{row['product_name'].lower().replace(' - ', '-').replace(' ', '-')}-{row['metric_name']}-{row['product_id'][:8]}.png"
        for row in expected_rollup["window"])


@pytest.mark.skipif(not CHROMIUM.exists(), reason="headless check needs the Debian package `chromium` (/usr/bin/chromium)")
def test_report_renders_in_headless_chromium(report) -> None:
    out, _ = report
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "report.png"
    shot.unlink(missing_ok=True)
    result = subprocess.run(
        [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=1280,2400",
         "--enable-logging=stderr", "--v=0", f"--screenshot={shot}", out.as_uri()],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Uncaught" not in result.stderr and "CONSOLE" not in result.stderr
    assert shot.stat().st_size > 50_000  # a page with charts, not a blank one
    shutil.copy(out, ARTIFACTS / "report.html")


def test_rollup_json_csv_and_breach_exit_code(estate, expected_rollup: dict, demo_estate_dir, tmp_path: Path,
                                              capsys) -> None:
    from lsc.rollup import equal_rollups

    assert main(["rollup", "--json", *estate]) == 0
    document = json.loads(capsys.readouterr().out)
    assert equal_rollups(document, expected_rollup) == []

    assert main(["rollup", "--csv", *estate]) == 0
    peaks = {(r["period"], r["period_start"], r["product_id"]): r for r in csv.DictReader(io.StringIO(capsys.readouterr().out))}
    clusters = len(load_estate(demo_estate_dir))
    for row in document["window"] + document["monthly"]:  # the completeness columns the JSON has
        shown = peaks[("window" if row in document["window"] else "month", row["period_start"], row["product_id"])]
        # every registered cluster expected; its first run took all the service keeps, so no day is missing
        assert (int(shown["clusters_expected"]), int(shown["cluster_days_missing"])) == \
            (row["clusters_expected"], row["cluster_days_missing"]) == (clusters, 0)

    # chargeback rows carry the provisional mark: the whole span holds the collection day, October does not
    assert all(row["provisional"] is True for row in document["chargeback"]) and document["chargeback"]
    assert main(["rollup", "--json", "--from", "2026-10-01", "--to", "2026-10-31", *estate]) == 0
    october = json.loads(capsys.readouterr().out)
    assert october["chargeback"] and not any(row["provisional"] for row in october["chargeback"])

    assert main(["rollup", "--csv", "--breakdown", *estate]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    september_apic = [r for r in rows if r["period"] == "month" and r["period_start"] == "2026-09-01"
                      and r["metric_name"] == "PROCESSOR_VALUE_UNIT"]
    assert sum(float(r["quantity"]) for r in september_apic) == 5110  # expected_rollup's September peak

    entitlements = tmp_path / "entitlements.csv"
    entitlements.write_text("product_id,metric_name,licensed_quantity\n2c717d4ecc924aa5ac345015b55492eb,PROCESSOR_VALUE_UNIT,5150\n")
    assert main(["entitlements", "upload", str(entitlements), *estate]) == 0
    assert main(["rollup", "--json", *estate]) == 1  # the window peak 5180 exceeds 5150
    window = {r["product_id"]: r for r in json.loads(capsys.readouterr().out)["window"]}
    assert window["2c717d4ecc924aa5ac345015b55492eb"]["headroom"] == -30
    assert window["2c717d4ecc924aa5ac345015b55492eb"]["breach"] is True

    # the report finds the same breach: exit 1 (as the rollup), the peak marked in the Status column
    out = tmp_path / "breach.html"
    assert main(["report", "--out", str(out), "--as-of", "2026-11-30", *estate]) == 1
    assert "over entitlement: IBM API Connect Enterprise" in capsys.readouterr().err
    statuses = {row["status"] for row in parse(out).tables["window-peaks"] if row["product_name"] == "IBM API Connect Enterprise"}
    assert statuses == {"provisional breach"}


def test_rollup_usage_errors_exit_2(estate, capsys) -> None:
    assert main(["rollup", "--from", "2026-10-02", "--to", "2026-10-01", *estate]) == 2
    assert main(["rollup", "--endpoint-url", "http://127.0.0.1:1"]) == 2
    assert "name the bucket" in capsys.readouterr().err


def test_query_runs_any_select_over_the_views(estate, expected_rollup: dict, capsys) -> None:
    assert main(["query", "SELECT month, product_id, peak_quantity FROM multicluster_peak_monthly", "--json", *estate]) == 0
    rows = {(r["month"], r["product_id"]): r["peak_quantity"] for r in json.loads(capsys.readouterr().out)}
    assert rows == {(r["period_start"][:7], r["product_id"]): r["peak_quantity"] for r in expected_rollup["monthly"]}
    assert main(["query", "SELECT * FROM no_such_view", *estate]) == 2


def test_query_executes_the_prepared_statement_as_athena_does(estate, expected_rollup: dict, capsys) -> None:
    window = expected_rollup["window"]
    start, end = window[0]["period_start"], window[0]["period_end"]
    sql = f"EXECUTE multicluster_peak_period USING DATE '{start}', DATE '{end}'"
    assert main(["query", sql, "--json", *estate]) == 0
    rows = [r for r in json.loads(capsys.readouterr().out) if r["usage_source"] == "products"]
    assert {r["product_id"]: (r["peak_quantity"], r["peak_date"]) for r in rows} == \
        {r["product_id"]: (r["peak_quantity"], r["peak_date"]) for r in window}
