"""The auditor's commands against moto server + simulators: list/get/verify, coverage, --final."""
from __future__ import annotations

import hashlib
import json
from datetime import date, datetime, timedelta, timezone

import boto3

from lsc.local.aws_env import local_aws
from lsc.local.cli import main
from lsc.local.data_target import DataTarget


def lsc(estate, capsys, *argv: str) -> tuple[int, str, str]:
    target = ["--endpoint-url", estate.deployment.endpoint_url, "--bucket", estate.deployment.bucket]
    code = main([*argv, *target])
    out, err = capsys.readouterr()
    return code, out, err


def test_list_get_verify_round_trip_and_tampering_is_caught(make_estate, capsys, tmp_path):
    estate = make_estate()
    estate.collect()
    archived = estate.objects("snapshots/")
    assert len(archived) == len(estate.fixtures)

    code, out, _ = lsc(estate, capsys, "snapshots", "list", "--json")
    listed = json.loads(out)
    assert code == 0
    assert {s["key"]: s["sha256"] for s in listed} == {k: hashlib.sha256(b).hexdigest() for k, b in archived.items()}
    assert {(s["cluster_id"], s["window_start"], s["window_end"]) for s in listed} == {
        (f.cluster_id, "2024-11-30", "2026-11-30") for f in estate.fixtures}  # first collection: 24 months

    code, out, _ = lsc(estate, capsys, "snapshots", "get", "--cluster", "prod-east",
                       "--for-period", "2026-10-03", "2026-12-31", "--out", str(tmp_path))
    [path] = out.split()
    [(key, body)] = [(k, b) for k, b in archived.items() if "cluster_id=prod-east/" in k]
    assert code == 1  # the archive reaches 2026-11-30 only: December is reported missing
    assert path.endswith(key.rsplit("/", 1)[1])
    assert open(path, "rb").read() == body

    assert lsc(estate, capsys, "snapshots", "verify", "--all")[0] == 0

    s3 = boto3.client("s3", endpoint_url=estate.deployment.endpoint_url)
    bucket = estate.deployment.bucket
    altered, truncated, bare = sorted(archived)
    metadata = {k: estate.metadata(k) for k in archived}
    s3.put_object(Bucket=bucket, Key=altered, Body=archived[altered].replace(b"PK", b"PX", 1), Metadata=metadata[altered])
    s3.put_object(Bucket=bucket, Key=truncated, Body=archived[truncated][:-100], Metadata=metadata[truncated])
    s3.put_object(Bucket=bucket, Key=bare, Body=archived[bare])
    code, out, _ = lsc(estate, capsys, "snapshots", "verify", "--all")
    bad = {line.split()[1].rstrip(":"): line for line in out.splitlines() if line.startswith("BAD ")}
    assert code == 1
    assert set(bad) == {altered, truncated, bare}
    assert "differs from the recorded" in bad[altered] and "differs from the recorded" in bad[truncated]
    assert "metadata has no sha256" in bad[bare]


def test_quarter_with_a_hole_and_a_cluster_that_never_answered(make_estate, capsys, east):
    silent = east.model_copy(update={"cluster_id": "edge-silent", "hostname": "edge-silent.example"})
    estate = make_estate_with(make_estate, extra=[silent])
    servers = {s.cluster_id: s for s in estate.servers}
    servers["edge-silent"].faults = ["refuse"]
    for server in estate.servers:
        server.simulator.today = date(2026, 12, 11)
    estate.collect("2026-12-11T00:00:00Z")
    servers["prod-west"].faults = ["refuse"]  # stops answering after 2026-12-11
    for server in estate.servers:
        server.simulator.today = date(2026, 12, 31)
    estate.collect("2026-12-31T00:00:00Z")

    code, out, _ = lsc(estate, capsys, "coverage", "--quarter", "2026Q4", "--json")
    report = {c["cluster_id"]: c for c in json.loads(out)["clusters"]}
    assert code == 1
    assert report["prod-west"]["status"] == "missing"
    assert report["prod-west"]["missing"] == [{"start": "2026-12-12", "end": "2026-12-31", "days": 20}]
    assert report["prod-west"]["last_success"] == "2026-12-11T00:00:00Z"
    assert report["edge-silent"]["status"] == "never collected"
    assert report["edge-silent"]["missing"] == [{"start": "2026-10-03", "end": "2026-12-31", "days": 90}]
    assert report["edge-silent"]["last_success"] is None
    assert {report[c]["status"] for c in ("prod-east", "dev-emea")} == {"covered"}

    # the same answer from the status records, through the view the console uses
    with local_aws(estate.deployment.endpoint_url), \
            DataTarget(estate.deployment.bucket, estate.deployment.endpoint_url).local_engine() as engine:
        rows = {r["cluster_id"]: r for r in engine.query(
            "SELECT * FROM snapshot_coverage_quarterly WHERE quarter = '2026-Q4'")}
        gaps = engine.query("SELECT cluster_id, missing_start, missing_end FROM snapshot_coverage_gaps "
                            "WHERE quarter = '2026-Q4' ORDER BY cluster_id")
        november = engine.query("SELECT * FROM multicluster_peak_monthly WHERE month = '2026-11'")
    assert (rows["prod-west"]["missing_days"], rows["edge-silent"]["missing_days"]) == (20, 90)
    assert rows["prod-east"]["evidence_complete"] and not rows["prod-west"]["evidence_complete"]
    assert [(g["cluster_id"], str(g["missing_start"]), str(g["missing_end"])) for g in gaps] == [
        ("edge-silent", "2026-10-03", "2026-12-31"), ("prod-west", "2026-12-12", "2026-12-31")]
    # every November figure: four clusters expected, the silent one's 30 days missing
    assert november and {(r["clusters_expected"], r["cluster_days_missing"]) for r in november} == {(4, 30)}


def make_estate_with(make_estate, extra):
    from lsc.local.fixture import load_estate
    from tests.conftest import DEMO_ESTATE

    return make_estate([*load_estate(DEMO_ESTATE), *extra])


def test_same_zip_same_day_is_one_object_a_changed_zip_keeps_both(make_estate):
    estate = make_estate()
    estate.collect()
    first = estate.objects("snapshots/cluster_id=prod-east/")
    estate.collect()  # the same run re-driven: the same window, the same bytes
    assert estate.objects("snapshots/cluster_id=prod-east/") == first
    with local_aws(estate.deployment.endpoint_url):
        versions = boto3.client("s3").list_object_versions(
            Bucket=estate.deployment.bucket, Prefix="snapshots/cluster_id=prod-east/")["Versions"]
    assert len(versions) == 1  # the upload was skipped, not repeated

    server = next(s for s in estate.servers if s.cluster_id == "prod-east")
    product = server.simulator.fixture.products[0]
    changed = product.model_copy(update={"daily": {**product.daily, date(2026, 11, 29): 999}})
    server.simulator.fixture = server.simulator.fixture.model_copy(
        update={"products": [changed, *server.simulator.fixture.products[1:]]})
    estate.collect()
    after = estate.objects("snapshots/cluster_id=prod-east/")
    assert len(after) == 2 and set(first) < set(after)
    assert after[next(iter(first))] == first[next(iter(first))]


def test_final_collection_retires_the_cluster_and_keeps_its_history(make_estate, capsys):
    estate = make_estate()
    estate.collect()
    code, out, err = lsc(estate, capsys, "collect", "--cluster", "prod-west", "--final",
                         "--scheduled-time", "2026-11-30T12:00:00Z")
    assert code == 0, err
    [status_key] = [k for k in estate.objects("status/dt=2026-11-30/prod-west/") if "lsc-final" in k]
    status = json.loads(estate.objects(status_key)[status_key])
    assert (status["retired"], status["window_start"], status["window_end"]) == (True, "2024-11-30", "2026-11-30")
    state = json.loads(estate.objects("state/clusters/prod-west.json")["state/clusters/prod-west.json"])
    assert state["retired_run_id"] == "lsc-final-20261130T120000Z"

    code, out, _ = lsc(estate, capsys, "coverage", "--quarter", "2026Q4", "--json")
    report = {c["cluster_id"]: c for c in json.loads(out)["clusters"]}
    assert report["prod-west"]["retired_on"] == "2026-11-30" and report["prod-west"]["status"] == "covered"


def test_coverage_after_the_whole_estate_stopped_collecting(make_estate, capsys):
    estate = make_estate()
    estate.collect()  # the demo estate: every snapshot ends 2026-11-30, then nothing more
    code, out, _ = lsc(estate, capsys, "coverage", "--quarter", "2026Q4", "--as-of", "2026-12-04", "--json")
    report = json.loads(out)
    assert code == 1 and not report["complete"]
    assert (report["as_of"], report["checked_through"]) == ("2026-12-04", "2026-12-04")
    assert {c["cluster_id"]: (c["status"], c["missing"]) for c in report["clusters"]} == {
        f.cluster_id: ("missing", [{"start": "2026-12-01", "end": "2026-12-04", "days": 4}]) for f in estate.fixtures}

    code, out, _ = lsc(estate, capsys, "coverage", "--quarter", "2026Q4", "--as-of", "2026-11-30")
    assert code == 0 and out.splitlines()[-1] == "evidence complete through 2026-11-30"
    assert out.count("COVERED") == len(estate.fixtures)

    # a later quarter: collected before, nothing since -> missing days, never "never collected"
    code, out, _ = lsc(estate, capsys, "coverage", "--quarter", "2027Q1", "--as-of", "2027-02-01")
    assert code == 1 and "NEVER" not in out
    assert sum("MISSING" in line and "last success 2026-11-30T00:00:00Z" in line
               and "32 days missing: 2027-01-01..2027-02-01" in line for line in out.splitlines()) == 3
    code, out, _ = lsc(estate, capsys, "coverage", "--quarter", "2027Q1", "--as-of", "2026-11-30", "--json")
    assert code == 0 and {c["status"] for c in json.loads(out)["clusters"]} == {"not due yet"}

    # the views check through yesterday (UTC), or the latest collected day if that is later
    as_of = max(datetime.now(timezone.utc).date() - timedelta(days=1), date(2026, 11, 30))
    evidence_end = min(as_of, date(2026, 12, 31))
    with local_aws(estate.deployment.endpoint_url), \
            DataTarget(estate.deployment.bucket, estate.deployment.endpoint_url).local_engine() as engine:
        rows = engine.query("SELECT * FROM snapshot_coverage_quarterly WHERE quarter = '2026-Q4'")
        quarters = {r["quarter"] for r in engine.query("SELECT DISTINCT quarter FROM evidence_quarters")}
    assert {(r["cluster_id"], r["evidence_end"], r["missing_days"]) for r in rows} == {
        (f.cluster_id, evidence_end, (evidence_end - date(2026, 11, 30)).days) for f in estate.fixtures}
    assert f"{as_of.year}-Q{(as_of.month - 1) // 3 + 1}" in quarters


def test_coverage_verify_and_snapshot_errors_per_object(make_estate, capsys, tmp_path):
    estate = make_estate()
    # nothing archived yet: a registered cluster is a finding, an unknown id a usage error
    code, _, err = lsc(estate, capsys, "snapshots", "verify", "--cluster", "prod-east")
    assert code == 1 and "no archived snapshot of cluster 'prod-east'" in err
    code, _, err = lsc(estate, capsys, "snapshots", "verify", "--cluster", "nosuch")
    assert code == 2 and "'nosuch' is not in the registry" in err
    estate.collect()
    code, _, err = lsc(estate, capsys, "snapshots", "verify", "--cluster", "nosuch")
    assert code == 2 and "'nosuch' is not in the registry" in err

    s3 = boto3.client("s3", endpoint_url=estate.deployment.endpoint_url)
    bucket = estate.deployment.bucket
    archived = estate.objects("snapshots/")
    keys = {k.split("/")[1].removeprefix("cluster_id="): k for k in archived}
    for cluster in ("prod-east", "prod-west"):  # altered after collection, metadata kept
        key = keys[cluster]
        s3.put_object(Bucket=bucket, Key=key, Body=archived[key][:-100], Metadata=estate.metadata(key))
    code, out, _ = lsc(estate, capsys, "coverage", "--quarter", "2026Q4", "--as-of", "2026-11-30")
    assert code == 0  # presence only: the windows are all there
    code, out, _ = lsc(estate, capsys, "coverage", "--quarter", "2026Q4", "--as-of", "2026-11-30", "--verify", "--json")
    report = {c["cluster_id"]: c for c in json.loads(out)["clusters"]}
    assert code == 1
    assert {c: (r["status"], r["missing_days"], [b["key"] for b in r["bad_snapshots"]]) for c, r in report.items()} == {
        "prod-east": ("missing", 59, [keys["prod-east"]]), "prod-west": ("missing", 59, [keys["prod-west"]]),
        "dev-emea": ("covered", 0, [])}

    # an archived storage class: a clear per-object line with how to restore, the others still checked
    glacier = keys["dev-emea"]
    s3.copy_object(Bucket=bucket, Key=glacier, CopySource={"Bucket": bucket, "Key": glacier},
                   StorageClass="GLACIER", MetadataDirective="COPY")
    code, out, _ = lsc(estate, capsys, "snapshots", "verify", "--all")
    lines = out.splitlines()
    assert code == 1
    assert sorted(line.split()[0] for line in lines[:-1]) == ["BAD", "BAD", "UNAVAILABLE"]
    [unavailable] = [line for line in lines if line.startswith("UNAVAILABLE")]
    assert glacier in unavailable and "GLACIER" in unavailable and "restore-object" in unavailable
    assert lines[-1].startswith("0 of 3 snapshots verified, 2 BAD, 1 UNAVAILABLE")

    code, out, err = lsc(estate, capsys, "snapshots", "get", "--cluster", "dev-emea",
                         "--for-period", "2026-10-03", "2026-11-30", "--out", str(tmp_path))
    assert code == 1 and out == "" and f"UNAVAILABLE {glacier}: " in err and not list(tmp_path.rglob("*.zip*"))
    code, out, err = lsc(estate, capsys, "snapshots", "get", glacier, keys["prod-east"].replace("/dt=", "/dt=1"),
                         "--out", str(tmp_path))
    assert code == 2  # not a snapshot key: nothing is downloaded
    missing = keys["dev-emea"].rsplit("/", 1)[0] + "/gone.zip"
    code, out, err = lsc(estate, capsys, "snapshots", "get", missing, glacier, "--out", str(tmp_path))
    assert code == 1 and f"UNAVAILABLE {missing}: " in err and f"UNAVAILABLE {glacier}: " in err
