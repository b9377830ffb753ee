"""Day ranges, snapshot zip checks and quarterly coverage, on hand-made inputs."""
from __future__ import annotations

import hashlib
import io
import zipfile
from datetime import date

import pytest

from lsc.coverage import ClusterState, quarter_coverage
from lsc.day_ranges import DayRange, evidence_days, quarter, uncovered
from lsc.local.fixture import load_fixture
from lsc.local.simulated_usage import Window
from lsc.local.snapshot_zip import build_snapshot
from lsc.snapshot_catalog import ArchivedSnapshot, ZipCheck, covering, zip_check, zip_problems
from tests.conftest import DEMO_ESTATE

D = date.fromisoformat


def test_quarter_and_its_last_90_days():
    assert quarter("2026Q4") == quarter("2026-q4") == DayRange(D("2026-10-01"), D("2026-12-31"))
    assert evidence_days(quarter("2026Q4")) == DayRange(D("2026-10-03"), D("2026-12-31"))
    assert evidence_days(quarter("2028Q1")) == DayRange(D("2028-01-02"), D("2028-03-31"))  # leap year
    with pytest.raises(ValueError, match="2026Q5"):
        quarter("2026Q5")


def test_uncovered_days_between_overlapping_and_adjacent_windows():
    required = DayRange(D("2026-10-03"), D("2026-12-31"))
    windows = [DayRange(D("2026-09-01"), D("2026-10-31")), DayRange(D("2026-11-01"), D("2026-11-10")),
               DayRange(D("2026-11-05"), D("2026-11-20")), DayRange(D("2026-12-11"), D("2026-12-25"))]
    assert uncovered(required, windows) == [DayRange(D("2026-11-21"), D("2026-12-10")),
                                            DayRange(D("2026-12-26"), D("2026-12-31"))]
    assert uncovered(required, []) == [required]


def _snapshot(cluster: str, start: str, end: str, key: str = "") -> ArchivedSnapshot:
    return ArchivedSnapshot(key or f"snapshots/cluster_id={cluster}/dt={end}/0000000000000000/{start}.zip", cluster,
                            D(end), "0" * 16, f"{start}.zip", 1,
                            {"sha256": "0" * 64, "window-start": start, "window-end": end, "collected-at": end})


def test_covering_takes_the_fewest_snapshots():
    first = _snapshot("a", "2024-10-01", "2026-10-01")
    overlapped = _snapshot("a", "2026-09-01", "2026-10-15")
    furthest = _snapshot("a", "2026-09-01", "2026-11-30")
    assert covering([overlapped, first, furthest], DayRange(D("2026-10-03"), D("2026-12-31"))) == [furthest]


def test_quarter_coverage_hole_retired_and_never_collected():
    snapshots = [_snapshot("holey", "2024-09-01", "2026-11-10"), _snapshot("holey", "2026-12-01", "2026-12-31"),
                 _snapshot("gone", "2024-11-15", "2026-11-15")]
    states = {"holey": ClusterState(True, True, "2026-12-31T00:00:00Z"),
              "gone": ClusterState(True, False, "2026-11-15T00:00:00Z", retired_on=D("2026-11-15")),
              "silent": ClusterState(True, True)}
    report = quarter_coverage("2026Q4", quarter("2026Q4"), snapshots, states)
    by_id = {c.cluster_id: c for c in report.clusters}
    assert not report.complete
    assert (by_id["holey"].status, by_id["holey"].missing) == ("missing", [DayRange(D("2026-11-11"), D("2026-11-30"))])
    assert by_id["holey"].missing_days == 20
    assert (by_id["gone"].status, by_id["gone"].required) == ("covered", DayRange(D("2026-10-03"), D("2026-11-15")))
    assert (by_id["silent"].status, by_id["silent"].missing_days) == ("never collected", 90)


def _zip(entries: dict[str, bytes]) -> io.BytesIO:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    buffer.seek(0)
    return buffer


def test_zip_checks_against_its_checksum_txt():
    fixture = load_fixture(DEMO_ESTATE / "prod-east.json")
    served = build_snapshot(fixture, Window(D("2026-11-01"), D("2026-11-30")), D("2026-11-30")).content
    assert zip_problems(io.BytesIO(served)) == []
    assert zip_problems(io.BytesIO(served[:-200])) and "truncated" in zip_problems(io.BytesIO(served[:-200]))[0]
    with zipfile.ZipFile(io.BytesIO(served)) as archive:
        entries = {name: archive.read(name) for name in archive.namelist()}
    altered = next(name for name in entries if name.startswith("products_daily_"))
    assert zip_problems(_zip({**entries, altered: entries[altered] + b"x"})) == [
        f"{altered} does not match its checksum.txt line"]
    assert zip_problems(_zip({k: v for k, v in entries.items() if k != "checksum.txt"})) == [
        "the zip has no checksum.txt"]


def served_entries() -> dict[str, bytes]:
    fixture = load_fixture(DEMO_ESTATE / "prod-east.json")
    served = build_snapshot(fixture, Window(D("2026-11-01"), D("2026-11-30")), D("2026-11-30")).content
    with zipfile.ZipFile(io.BytesIO(served)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_unlisted_signature_files_are_not_problems():
    entries = served_entries()
    signed = {**entries, "signature.rsa": b"\x01\x02", "pub_key.pem": b"-----BEGIN PUBLIC KEY-----\n"}
    assert zip_check(_zip(signed)) == ZipCheck([], [])
    assert zip_check(_zip({**signed, "extra.csv": b"a,b\n"})).problems == ["extra.csv is not in checksum.txt"]


@pytest.mark.parametrize("line", [
    "SHA256 ({name}) = {sha256}",  # BSD
    "{name}: {sha256}",
    "{name},{sha256}",
    "{sha1} *{name}",  # another digest, binary-mode mark
])
def test_other_checksum_line_formats_are_checked_too(line):
    entries = served_entries()
    checksums = "".join(line.format(name=name, sha256=hashlib.sha256(content).hexdigest(),
                                    sha1=hashlib.sha1(content).hexdigest()) + "\n"
                        for name, content in entries.items() if name != "checksum.txt")
    assert zip_check(_zip({**entries, "checksum.txt": checksums.encode()})) == ZipCheck([], [])
    altered = next(name for name in entries if name.startswith("products_daily_"))
    assert zip_check(_zip({**entries, altered: entries[altered] + b"x", "checksum.txt": checksums.encode()})) == \
        ZipCheck([f"{altered} does not match its checksum.txt line"], [])


def test_a_checksum_txt_in_an_unknown_format_is_a_note_not_a_problem():
    entries = served_entries()
    unknown = b'{"algorithm": "SHA-256", "files": 5}\n'
    check = zip_check(_zip({**entries, "checksum.txt": unknown}))
    assert check.problems == [] and len(check.notes) == 1 and "format lsc does not know" in check.notes[0]
    partly = entries["checksum.txt"] + b"generated by License Service 4.2.23\n"
    assert zip_check(_zip({**entries, "checksum.txt": partly})) == ZipCheck(
        [], ["1 lines of checksum.txt are in a format lsc does not know: not checked"])
