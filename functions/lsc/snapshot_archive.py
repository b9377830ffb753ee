"""Audit snapshots archived byte-for-byte under a content-addressed key.

`snapshots/cluster_id=<id>/dt=<day>/<sha256[:16]>/<served name>`: an identical zip maps to the same
key (upload skipped), a different one to a new key; nothing is overwritten.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from lsc.data_bucket import condition_failed, supports_conditional_put

PREFIX = "snapshots"
# Up to this size a zip goes up in one PutObject that is refused if the key exists (one call; the
# usual daily case, a new key). Larger ones are checked first (HEAD), so an identical large zip is
# not sent again, then streamed from disk in parts.
SINGLE_PUT_MAX_BYTES = 8 * 1024 * 1024  # s3transfer's multipart threshold


@dataclass(frozen=True)
class ArchivedSnapshot:
    key: str
    sha256: str
    size: int
    uploaded: bool


def snapshot_key(cluster_id: str, day: date, sha256: str, file_name: str) -> str:
    return f"{PREFIX}/cluster_id={cluster_id}/dt={day.isoformat()}/{sha256[:16]}/{file_name}"


def default_file_name(cluster_id: str, start: date, end: date) -> str:
    return f"audit_snapshot_{start.isoformat()}_{end.isoformat()}_{cluster_id}.zip"


def archive_snapshot(s3: Any, bucket: str, path: Path, key: str, sha256: str, size: int,
                     metadata: dict[str, str]) -> ArchivedSnapshot:
    """Uploads (multipart for large files, streamed from disk) unless the same bytes are there."""
    extra = {"ContentType": "application/zip", "Metadata": {**metadata, "sha256": sha256}}
    if size <= SINGLE_PUT_MAX_BYTES and supports_conditional_put(s3):
        try:
            with path.open("rb") as body:
                s3.put_object(Bucket=bucket, Key=key, Body=body, IfNoneMatch="*", **extra)
            return ArchivedSnapshot(key, sha256, size, uploaded=True)
        except ClientError as exc:
            if not condition_failed(exc):
                raise
        # the key exists: skipped if it holds these bytes, replaced otherwise (as below)
    if _holds(s3, bucket, key, sha256):
        return ArchivedSnapshot(key, sha256, size, uploaded=False)
    s3.upload_file(str(path), bucket, key, ExtraArgs=extra)
    return ArchivedSnapshot(key, sha256, size, uploaded=True)


def _holds(s3: Any, bucket: str, key: str, sha256: str) -> bool:
    try:
        head = s3.head_object(Bucket=bucket, Key=key)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") not in ("404", "NoSuchKey", "NotFound"):
            raise
        return False
    return head.get("Metadata", {}).get("sha256") == sha256
