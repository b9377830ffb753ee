"""The archived audit snapshots, as `lsc.snapshot_archive` stored them: listed from their keys and
object metadata, and checked byte for byte (sha256 recorded at collection, the zip's checksum.txt).
"""
from __future__ import annotations

import hashlib
import re
import tempfile
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any, BinaryIO

from botocore.exceptions import BotoCoreError, ClientError

from lsc.day_ranges import DayRange
from lsc.snapshot_archive import PREFIX

CHUNK = 1024 * 1024
CHECKSUM_ENTRY = "checksum.txt"
_KEY = re.compile(rf"^{PREFIX}/cluster_id=(?P<cluster>[^/]+)/dt=(?P<day>\d{{4}}-\d{{2}}-\d{{2}})/"
                  r"(?P<sha>[0-9a-f]{16})/(?P<name>[^/]+)$")
REQUIRED_METADATA = ("sha256", "window-start", "window-end")


@dataclass(frozen=True)
class ArchivedSnapshot:
    """One archived zip: what its key says and what its metadata recorded at collection."""

    key: str
    cluster_id: str
    collection_day: date
    sha256_prefix: str
    file_name: str
    size: int
    metadata: dict[str, str]
    storage_class: str = "STANDARD"

    @property
    def sha256(self) -> str | None:
        return self.metadata.get("sha256")

    @property
    def window(self) -> DayRange | None:
        """The period the snapshot covers; None when the metadata does not say."""
        try:
            return DayRange(date.fromisoformat(self.metadata["window-start"]),
                            date.fromisoformat(self.metadata["window-end"]))
        except (KeyError, ValueError):
            return None

    @property
    def collected_at(self) -> str:
        return self.metadata.get("collected-at", "")

    def as_json(self) -> dict[str, Any]:
        window = self.window
        return {"cluster_id": self.cluster_id, "window_start": window and str(window.start),
                "window_end": window and str(window.end), "collected_at": self.collected_at or None,
                "run_id": self.metadata.get("run-id"), "size": self.size, "sha256": self.sha256,
                "key": self.key, "file_name": self.file_name, "storage_class": self.storage_class}


def cluster_prefix(cluster_id: str | None) -> str:
    return f"{PREFIX}/cluster_id={cluster_id}/" if cluster_id else f"{PREFIX}/"


def list_snapshots(s3: Any, bucket: str, *, cluster_id: str | None = None,
                   collected_from: date | None = None) -> list[ArchivedSnapshot]:
    """Every archived zip (of one cluster; collected on or after a day), newest first.

    A snapshot's window ends on its collection day, so `collected_from` skips, by key alone,
    snapshots that cannot reach that day; the others cost one HEAD each for their metadata.
    """
    found = []
    for item in _objects(s3, bucket, cluster_prefix(cluster_id)):
        match = _KEY.match(item["Key"])
        if not match:
            continue
        day = date.fromisoformat(match["day"])
        if collected_from and day < collected_from:
            continue
        try:
            head = s3.head_object(Bucket=bucket, Key=item["Key"])
        except ClientError as exc:
            if _gone(exc):
                continue  # deleted since it was listed
            raise
        found.append(_snapshot(item["Key"], match, head))
    return sorted(found, key=lambda s: (s.collection_day, s.collected_at, s.key), reverse=True)


def _snapshot(key: str, match: re.Match[str], head: dict[str, Any]) -> ArchivedSnapshot:
    return ArchivedSnapshot(key, match["cluster"], date.fromisoformat(match["day"]), match["sha"], match["name"],
                            int(head["ContentLength"]), dict(head.get("Metadata", {})),
                            head.get("StorageClass") or "STANDARD")


def _gone(exc: ClientError) -> bool:
    return exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404", "NotFound")


def _objects(s3: Any, bucket: str, prefix: str) -> Iterator[dict[str, Any]]:
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        yield from page.get("Contents", [])


def covering(snapshots: Iterable[ArchivedSnapshot], period: DayRange) -> list[ArchivedSnapshot]:
    """Fewest snapshots whose windows together cover as much of `period` as the archive can."""
    candidates = [(s.window, s) for s in snapshots if s.window is not None and s.window.overlaps(period)]
    chosen: list[ArchivedSnapshot] = []
    next_day = period.start
    while next_day <= period.end:
        reaching = [(w, s) for w, s in candidates if w.start <= next_day <= w.end]
        if not reaching:
            later = [w.start for w, _ in candidates if w.start > next_day]
            if not later:
                break
            next_day = min(later)
            continue
        # the one reaching furthest; among equals the most recent collection
        window, best = max(reaching, key=lambda pair: (pair[0].end, pair[1].collected_at))
        chosen.append(best)
        next_day = window.end + timedelta(days=1)
    return chosen


def copy_verified(s3: Any, bucket: str, snapshot: ArchivedSnapshot, sink: BinaryIO,
                  notes: list[str] | None = None) -> list[str]:
    """Streams the object into `sink` (chunk by chunk, never whole in memory) and returns what is
    wrong with it: metadata missing, sha256 or size not as recorded, zip or checksum.txt broken.
    What could not be checked (see `zip_check`) is added to `notes`. Raises `SnapshotUnavailable`
    when S3 does not hand the object over.
    """
    problems = [f"metadata has no {name}" for name in REQUIRED_METADATA if not snapshot.metadata.get(name)]
    digest, size = hashlib.sha256(), 0
    try:
        body = s3.get_object(Bucket=bucket, Key=snapshot.key)["Body"]
        for chunk in body.iter_chunks(CHUNK):
            digest.update(chunk)
            sink.write(chunk)
            size += len(chunk)
    except ClientError as exc:
        raise SnapshotUnavailable(_why_unavailable(bucket, snapshot.key, exc, snapshot.storage_class)) from None
    except BotoCoreError as exc:
        raise SnapshotUnavailable(f"reading it failed ({exc}); try again") from None
    actual = digest.hexdigest()
    if snapshot.sha256 and actual != snapshot.sha256:
        problems.append(f"sha256 {actual} differs from the recorded {snapshot.sha256} (altered or truncated)")
    if not actual.startswith(snapshot.sha256_prefix):
        problems.append(f"sha256 {actual[:16]}… does not match the key's {snapshot.sha256_prefix}")
    if size != snapshot.size:
        problems.append(f"read {size} bytes, the object has {snapshot.size}")
    sink.flush()
    sink.seek(0)
    check = zip_check(sink)
    if notes is not None:
        notes += check.notes
    return problems + check.problems


@dataclass(frozen=True)
class ZipCheck:
    """`problems`: the zip is not what its checksum.txt says (truncated, altered, entries missing or
    added); `notes`: what could not be checked (a checksum.txt in a format lsc does not know)."""

    problems: list[str]
    notes: list[str]


# Files a signed zip carries beside its checksums (ILMT-style `signature.rsa`, `pub_key.pem`; unverified
# for License Service): they sign checksum.txt and are not listed in it.
SIGNATURE_SUFFIXES = (".rsa", ".pem", ".sig", ".asc")
_DIGESTS = {32: "md5", 40: "sha1", 64: "sha256", 128: "sha512"}
_HEX = "[0-9a-fA-F]{32,128}"
_LINE_FORMATS = (
    re.compile(rf"^(?P<digest>{_HEX})\s+\*?(?P<name>.+)$"),  # sha256sum: `<hex>  <name>`, `*` = binary mode
    re.compile(rf"^[A-Za-z0-9-]+\s*\((?P<name>.+)\)\s*=\s*(?P<digest>{_HEX})$"),  # BSD: `SHA256 (<name>) = <hex>`
    re.compile(rf"^(?P<name>.+?)\s*[\s:,=]\s*(?P<digest>{_HEX})$"),  # `<name>: <hex>`, `<name>,<hex>`
)


class SnapshotUnavailable(Exception):
    """S3 did not hand the object over (archived storage class, deleted, access denied); the
    message says why and what to do."""


RESTORE_REQUEST = '{"Days": 7, "GlacierJobParameters": {"Tier": "Standard"}}'


def _why_unavailable(bucket: str, key: str, exc: ClientError, storage_class: str = "") -> str:
    error = exc.response.get("Error", {})
    code = error.get("Code", "error")
    if code == "InvalidObjectState":
        return (f"archived in storage class {error.get('StorageClass') or storage_class or 'GLACIER/DEEP_ARCHIVE'}: "
                f"restore it first (aws s3api restore-object --bucket {bucket} --key '{key}' "
                f"--restore-request '{RESTORE_REQUEST}') and retry when the restore has finished "
                "(hours; up to 12 for DEEP_ARCHIVE)")
    if _gone(exc):
        return ("not in the bucket (deleted?); versioning keeps earlier versions: "
                f"aws s3api list-object-versions --bucket {bucket} --prefix '{key}'")
    return f"S3 refused it: {code} {error.get('Message', '')}".strip()


def verify_snapshot(s3: Any, bucket: str, snapshot: ArchivedSnapshot) -> list[str]:
    """What is wrong with an archived snapshot (`copy_verified` into a temporary file), including
    why S3 would not hand it over; empty when it is intact."""
    try:
        with tempfile.TemporaryFile() as sink:
            return copy_verified(s3, bucket, snapshot, sink)
    except SnapshotUnavailable as exc:
        return [f"unavailable: {exc}"]


def zip_problems(source: BinaryIO | Path) -> list[str]:
    """What is wrong with a snapshot zip: unreadable, or entries not matching its checksum.txt."""
    return zip_check(source).problems


def zip_check(source: BinaryIO | Path) -> ZipCheck:
    """The zip against its own checksum.txt, tolerant of the (unverified) real format."""
    try:
        with zipfile.ZipFile(source) as archive:
            names = set(archive.namelist())
            if CHECKSUM_ENTRY not in names:
                return ZipCheck(["the zip has no checksum.txt"], [])
            listed, unread = _checksum_lines(archive.read(CHECKSUM_ENTRY))
            if not listed:
                return ZipCheck([], [f"checksum.txt is in a format lsc does not know ({len(unread)} lines, none "
                                     "'<sha256>  <file>'): the entries were not checked against it"])
            notes = []
            if unread:
                notes.append(f"{len(unread)} lines of checksum.txt are in a format lsc does not know: not checked")
            problems = [f"checksum.txt lists {name}, which the zip does not hold"
                        for name in sorted(listed.keys() - names)]
            problems += [f"{name} is not in checksum.txt"
                         for name in sorted(names - listed.keys() - {CHECKSUM_ENTRY})
                         if not name.lower().endswith(SIGNATURE_SUFFIXES)]
            for name in sorted(listed.keys() & names):
                digest = hashlib.new(_DIGESTS[len(listed[name])])
                with archive.open(name) as entry:
                    for chunk in iter(lambda: entry.read(CHUNK), b""):
                        digest.update(chunk)
                if digest.hexdigest() != listed[name]:
                    problems.append(f"{name} does not match its checksum.txt line")
            return ZipCheck(problems, notes)
    except (zipfile.BadZipFile, EOFError, OSError, zlib.error) as exc:
        return ZipCheck([f"not a readable zip ({exc}): truncated or altered"], [])


def _checksum_lines(text: bytes) -> tuple[dict[str, str], list[str]]:
    """(entry name → lower-case hex digest, lines in no known format). Blank and `#` lines are skipped."""
    listed, unread = {}, []
    for line in text.decode("utf-8", errors="replace").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        match = next((m for m in (f.match(line) for f in _LINE_FORMATS) if m and len(m["digest"]) in _DIGESTS), None)
        if match:
            listed[match["name"].strip()] = match["digest"].lower()
        else:
            unread.append(line)
    return listed, unread


def snapshot_at(s3: Any, bucket: str, key: str) -> ArchivedSnapshot:
    """The archived snapshot under `key`; LookupError if the key is not one, `SnapshotUnavailable`
    if there is none (or S3 refuses it)."""
    match = _KEY.match(key)
    if not match:
        raise LookupError(f"{key}: not a snapshot key ({PREFIX}/cluster_id=<id>/dt=<day>/<sha256 prefix>/<file>)")
    try:
        head = s3.head_object(Bucket=bucket, Key=key)
    except ClientError as exc:
        raise SnapshotUnavailable(_why_unavailable(bucket, key, exc)) from None
    return _snapshot(key, match, head)
