"""Day ranges, snapshot zip checks and quarterly coverage, on hand-made inputs."""
from __future__ import annotations

import hashlib
import io
import zipfile
from dataclasses import replace
from datetime import date

import pytest
from botocore.exceptions import ClientError

from lsc.coverage import ClusterState, default_as_of, quarter_coverage
from lsc.day_ranges import DayRange, evidence_days, quarter, uncovered
from lsc.local.fixture import load_fixture
from lsc.local.simulated_usage import Window
from lsc.local.snapshot_zip import build_snapshot
from lsc.snapshot_catalog import (
    ArchivedSnapshot, SnapshotUnavailable, ZipCheck, copy_verified, covering, verify_snapshot, zip_check, zip_problems,
)
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
    report = quarter_coverage("2026Q4", quarter("2026Q4"), snapshots, states, as_of=D("2026-12-31"))
    by_id = {c.cluster_id: c for c in report.clusters}
    assert not report.complete
    assert (by_id["holey"].status, by_id["holey"].missing) == ("missing", [DayRange(D("2026-11-11"), D("2026-11-30"))])
    assert by_id["holey"].missing_days == 20
    assert (by_id["gone"].status, by_id["gone"].required) == ("covered", DayRange(D("2026-10-03"), D("2026-11-15")))
    assert (by_id["silent"].status, by_id["silent"].missing_days) == ("never collected", 90)


DEMO_LIKE = [_snapshot(c, "2024-11-30", "2026-11-30") for c in ("east", "west")]
DEMO_STATES = {c: ClusterState(True, True, "2026-11-30T00:00:00Z") for c in ("east", "west")}


def test_coverage_is_checked_through_the_as_of_day_not_the_last_collected_day():
    # the whole estate stopped after 2026-11-30: the days since are missing for every cluster
    report = quarter_coverage("2026Q4", quarter("2026Q4"), DEMO_LIKE, DEMO_STATES, as_of=D("2026-12-03"))
    assert not report.complete and report.checked_through == D("2026-12-03")
    assert {(c.cluster_id, c.status, tuple(c.missing)) for c in report.clusters} == {
        (c, "missing", (DayRange(D("2026-12-01"), D("2026-12-03")),)) for c in ("east", "west")}
    # long after the quarter: every December day is missing, not just the ones up to the last collection
    late = quarter_coverage("2026Q4", quarter("2026Q4"), DEMO_LIKE, DEMO_STATES, as_of=D("2027-02-15"))
    assert late.checked_through == D("2026-12-31")
    assert {c.missing_days for c in late.clusters} == {31}
    # as of the last collected day, the evidence so far is complete
    assert quarter_coverage("2026Q4", quarter("2026Q4"), DEMO_LIKE, DEMO_STATES, as_of=D("2026-11-30")).complete


def test_a_quarter_not_due_yet_and_a_later_quarter_without_snapshots():
    early = quarter_coverage("2027Q1", quarter("2027Q1"), [], DEMO_STATES, as_of=D("2026-12-03"))
    assert early.complete and {c.status for c in early.clusters} == {"not due yet"}
    assert {c.missing_days for c in early.clusters} == {0}
    # collected before, nothing since: missing days, not "never collected"
    later = quarter_coverage("2027Q1", quarter("2027Q1"), [], {**DEMO_STATES, "silent": ClusterState(True, True)},
                             as_of=D("2027-02-01"))
    by_id = {c.cluster_id: c for c in later.clusters}
    assert (by_id["east"].status, by_id["east"].missing) == ("missing", [DayRange(D("2027-01-01"), D("2027-02-01"))])
    assert by_id["silent"].status == "never collected"


def test_the_default_as_of_day_is_yesterday_or_the_latest_day_collected():
    assert default_as_of(D("2026-12-04"), DEMO_LIKE) == D("2026-12-03")  # today may not be collected yet
    assert default_as_of(D("2026-11-30"), DEMO_LIKE) == D("2026-11-30")  # today's run has already collected
    assert default_as_of(D("2026-12-04"), []) == D("2026-12-03")


def test_a_snapshot_that_fails_verification_does_not_cover():
    report = quarter_coverage("2026Q4", quarter("2026Q4"), DEMO_LIKE, DEMO_STATES, as_of=D("2026-11-30"),
                              unusable={DEMO_LIKE[0].key: ["sha256 differs"]})
    by_id = {c.cluster_id: c for c in report.clusters}
    assert not report.complete
    assert (by_id["east"].status, by_id["east"].missing_days) == ("missing", 59)  # 2026-10-03..2026-11-30
    assert by_id["east"].as_json()["bad_snapshots"] == [{"key": DEMO_LIKE[0].key, "problems": ["sha256 differs"]}]
    assert by_id["west"].status == "covered"


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


class _Refusing:
    """An S3 client whose GetObject fails as S3 does for an archived or vanished object."""

    def __init__(self, code: str) -> None:
        self.code = code

    def get_object(self, **_: object) -> None:
        raise ClientError({"Error": {"Code": self.code, "Message": "refused"}}, "GetObject")


def test_an_object_s3_does_not_hand_over_is_unavailable_with_what_to_do():
    archived = replace(_snapshot("a", "2024-11-30", "2026-11-30"), storage_class="DEEP_ARCHIVE")
    with pytest.raises(SnapshotUnavailable, match=f"list-object-versions --bucket b --prefix '{archived.key}'"):
        copy_verified(_Refusing("NoSuchKey"), "b", archived, io.BytesIO())
    [problem] = verify_snapshot(_Refusing("InvalidObjectState"), "b", archived)
    assert problem.startswith("unavailable: archived in storage class DEEP_ARCHIVE")
    assert f"restore-object --bucket b --key '{archived.key}'" in problem
    assert verify_snapshot(_Refusing("AccessDenied"), "b", archived) == ["unavailable: S3 refused it: AccessDenied refused"]
