"""`lsc demo` as a user runs it: a subprocess of the installed command."""
from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import time

import pytest

from lsc.local.fixture import load_estate
from lsc.rollup import equal_rollups

from tests.e2e.conftest import LSC


def test_demo_json_equals_the_expected_rollup(demo_json_run, expected_rollup):
    assert demo_json_run.returncode == 0, demo_json_run.stderr
    document = json.loads(demo_json_run.stdout)  # stdout carries only the JSON document
    assert set(document) >= {"window", "monthly"}
    assert equal_rollups(document, expected_rollup) == []


def test_demo_output_never_shows_a_token(demo_json_run, demo_estate_dir):
    secrets = [t for f in load_estate(demo_estate_dir) for t in (f.token, *f.bearer_tokens)]
    text_run = subprocess.run([LSC, "demo", "--verbose"], capture_output=True, text=True, timeout=300)
    assert text_run.returncode == 0
    combined = demo_json_run.stdout + demo_json_run.stderr + text_run.stdout + text_run.stderr
    assert "GET /snapshot" in combined  # the verbose run really logged requests
    assert [s for s in secrets if s in combined] == []


def test_demo_table_shows_peak_and_sum_of_cluster_peaks():
    run = subprocess.run([LSC, "demo"], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0
    cp4i = [line for line in run.stdout.splitlines() if line.startswith("IBM Cloud Pak for Integration")]
    assert re.split(r"\s{2,}", cp4i[0])[2:6] == ["41", "2026-10-05", "3", "54"]  # window row, from expected_rollup.json


def _ports_in(text: str) -> set[int]:
    return {int(p) for p in re.findall(r"127\.0\.0\.1:(\d+)", text)}


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0


@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM])
def test_interrupting_a_kept_demo_leaves_no_process_or_port(stop_signal, tmp_path):
    log = tmp_path / "stderr.txt"
    with log.open("w") as err:
        process = subprocess.Popen([LSC, "demo", "--keep"], stdout=subprocess.DEVNULL, stderr=err,
                                   start_new_session=True)
        deadline = time.monotonic() + 120
        while "Ctrl-C to stop" not in log.read_text() and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
        ports = _ports_in(log.read_text())
        assert len(ports) == 4 and all(_listening(p) for p in ports)  # 3 simulators + S3
        os.killpg(process.pid, stop_signal)
        assert process.wait(timeout=30) in (0, 130, 143, -stop_signal)
    assert [p for p in ports if _listening(p)] == []
    leftover = subprocess.run(["pgrep", "-g", str(process.pid)], capture_output=True, text=True)
    assert leftover.stdout.strip() == ""


@pytest.mark.parametrize("moment", ["collecting run", "collection finished"])
def test_ctrl_c_at_any_step_stops_cleanly(moment, tmp_path):
    """Ctrl-C while collecting or while the view SQL runs: "interrupted", exit 130, no traceback, no
    process left (a demo that finished first exits 0)."""
    log = tmp_path / "stderr.txt"
    with log.open("w") as err:
        process = subprocess.Popen([LSC, "demo"], stdout=subprocess.DEVNULL, stderr=err, start_new_session=True)
        deadline = time.monotonic() + 120
        while moment not in log.read_text() and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        os.killpg(process.pid, signal.SIGINT)
        code = process.wait(timeout=30)
    text = log.read_text()
    assert "Traceback" not in text
    assert code == 130 and "interrupted" in text or code == 0 and moment == "collection finished"
    leftover = subprocess.run(["pgrep", "-g", str(process.pid)], capture_output=True, text=True)
    assert leftover.stdout.strip() == ""


def test_demo_flags_two_clusters_reaching_one_license_service(demo_estate_dir, tmp_path):
    for fixture in demo_estate_dir.glob("*.json"):
        (tmp_path / fixture.name).write_bytes(fixture.read_bytes())
    twin = json.loads((demo_estate_dir / "prod-east.json").read_text())
    (tmp_path / "prod-east-alias.json").write_text(json.dumps({**twin, "cluster_id": "prod-east-alias"}))
    run = subprocess.run([LSC, "demo", "--fixtures", str(tmp_path), "--json"], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["duplicate_license_services"] == [
        {"license_service_host": twin["hostname"].lower(), "cluster_ids": ["prod-east", "prod-east-alias"]}]
    assert [line for line in run.stderr.splitlines() if "same License Service" in line and "prod-east-alias" in line]
