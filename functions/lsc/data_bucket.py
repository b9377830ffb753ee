"""Data access for the data bucket: JSON Lines datasets, single JSON documents, the registry."""
from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError
from pydantic import PrivateAttr

from lsc.jsonlines import dumps_line, dumps_lines, loads_lines
from lsc.registry import Registry, RegistryError, parse_registry

JSON_LINES = "application/x-ndjson"
# How long a container reuses the registry it read without asking S3 again. After that it asks
# with the ETag it holds (an unchanged registry is neither sent nor parsed again); a cluster id the
# cached copy does not know always triggers a fresh read. So an edited entry (URL, secret, time
# zone) reaches warm collectors at most this long after the registry object changed.
REGISTRY_MAX_AGE_S = 60.0
# S3 answers a failed condition with 412; two conditional writes racing on one key can get 409.
_CONDITION_FAILED = ("PreconditionFailed", "412", "ConditionalRequestConflict", "409")


def _missing(exc: ClientError) -> bool:
    return exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404", "NotFound")


def condition_failed(exc: ClientError) -> bool:
    return exc.response.get("Error", {}).get("Code") in _CONDITION_FAILED


def supports_conditional_put(s3: Any) -> bool:
    """Whether this SDK can send If-Match / If-None-Match on PutObject (botocore >= 1.35.68).
    The collector uses the Lambda runtime's boto3, so an older one falls back to read-then-write."""
    members = s3.meta.service_model.operation_model("PutObject").input_shape.members
    return "IfMatch" in members and "IfNoneMatch" in members


@dataclass(frozen=True)
class Tagged:
    """A JSON document and the ETag it was read with (None, None: no object)."""

    document: dict[str, Any] | None
    etag: str | None


class DataBucket:
    def __init__(self, s3: Any, bucket: str) -> None:
        self.s3 = s3
        self.bucket = bucket

    def get_bytes(self, key: str) -> bytes | None:
        try:
            return self.s3.get_object(Bucket=self.bucket, Key=key)["Body"].read()
        except ClientError as exc:
            if _missing(exc):
                return None
            raise

    def put_bytes(self, key: str, body: bytes, content_type: str, **conditions: str) -> None:
        self.s3.put_object(Bucket=self.bucket, Key=key, Body=body, ContentType=content_type, **conditions)

    def put_json_lines(self, key: str, records: Iterable[Mapping[str, Any]]) -> None:
        self.put_bytes(key, dumps_lines(records), JSON_LINES)

    def get_json_lines(self, key: str) -> list[dict[str, Any]] | None:
        body = self.get_bytes(key)
        return None if body is None else loads_lines(body)

    def put_json(self, key: str, document: Mapping[str, Any]) -> None:
        self.put_bytes(key, _json_object(document), "application/json")

    def get_json(self, key: str) -> dict[str, Any] | None:
        body = self.get_bytes(key)
        return None if body is None else json.loads(body)

    def get_json_tagged(self, key: str) -> Tagged:
        try:
            response = self.s3.get_object(Bucket=self.bucket, Key=key)
        except ClientError as exc:
            if _missing(exc):
                return Tagged(None, None)
            raise
        return Tagged(json.loads(response["Body"].read()), response.get("ETag"))

    def put_json_if_unchanged(self, key: str, document: Mapping[str, Any], read: Tagged) -> bool:
        """Writes only if the object is still the one `read` saw (absent if it saw none), in one
        call; False when another writer got there first. Needs `supports_conditional_put`."""
        condition = {"IfMatch": read.etag} if read.etag else {"IfNoneMatch": "*"}
        try:
            self.put_bytes(key, _json_object(document), "application/json", **condition)
        except ClientError as exc:
            if condition_failed(exc) or (read.etag and _missing(exc)):
                return False
            raise
        return True

    def read_registry(self, key: str) -> Registry:
        """The registry, reused for up to REGISTRY_MAX_AGE_S per container (see there)."""
        return _REGISTRIES.get(self, key)

    def _read_registry_object(self, key: str, etag: str | None) -> tuple[Registry | None, str | None]:
        """(registry, etag), or (None, etag) when the object still has `etag`."""
        try:
            response = self.s3.get_object(Bucket=self.bucket, Key=key, **({"IfNoneMatch": etag} if etag else {}))
        except ClientError as exc:
            if etag and exc.response.get("Error", {}).get("Code") in ("304", "NotModified"):
                return None, etag
            if _missing(exc):
                raise FileNotFoundError(f"s3://{self.bucket}/{key}: the cluster registry is missing (deploy it)") from None
            raise
        body = response["Body"].read()
        return parse_registry(json.loads(body), source=f"s3://{self.bucket}/{key}"), response.get("ETag")


def _json_object(document: Mapping[str, Any]) -> bytes:
    # one line: Athena's JSON SerDe reads one object per line
    return (dumps_line(document) + "\n").encode()


class _CachedRegistry(Registry):
    """A registry from the cache: an id it does not know sends it back to S3 once, so a cluster
    added since the cache was filled is found."""

    _refresh: Callable[[], Registry] = PrivateAttr()

    def get(self, cluster_id: str) -> Any:
        try:
            return super().get(cluster_id)
        except RegistryError:
            return Registry.get(self._refresh(), cluster_id)  # the fresh copy's own lookup, once


@dataclass
class _Entry:
    registry: Registry
    etag: str | None
    checked_at: float


class _RegistryCache:
    """Per thread (a Lambda container runs one invocation at a time; local runs stand a worker
    thread in for each container) and per client, bucket and key."""

    def __init__(self) -> None:
        self._entries: dict[tuple[int, int, str, str], _Entry] = {}
        self._lock = threading.Lock()

    def get(self, bucket: DataBucket, key: str, *, fresh: bool = False) -> Registry:
        slot = (threading.get_ident(), id(bucket.s3), bucket.bucket, key)
        with self._lock:
            entry = self._entries.get(slot)
        now = time.monotonic()
        if entry is None or fresh or now - entry.checked_at >= REGISTRY_MAX_AGE_S:
            registry, etag = bucket._read_registry_object(key, entry.etag if entry else None)
            if registry is None:
                assert entry is not None
                entry = _Entry(entry.registry, etag, now)
            else:
                cached = _CachedRegistry.model_construct(**dict(registry))
                cached._refresh = lambda: self.get(bucket, key, fresh=True)
                entry = _Entry(cached, etag, now)
            with self._lock:
                self._entries[slot] = entry
        return entry.registry

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


_REGISTRIES = _RegistryCache()


def forget_cached_registries() -> None:
    """Local runs and tests: the next read goes to S3 (`aws_clients.reset` calls this)."""
    _REGISTRIES.clear()
