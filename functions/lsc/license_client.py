"""HTTP client for one cluster's License Service API.

Every error names the endpoint, the HTTP status or error class and a remedy hint; URLs in errors
never carry the query string (the token travels there).
"""
from __future__ import annotations

import hashlib
import random
import re
import ssl
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import BinaryIO, TypeVar

import httpx

RETRYABLE_STATUS = {500, 502, 503, 504}
SNAPSHOT_CHUNK = 1024 * 1024
T = TypeVar("T")


@dataclass(frozen=True)
class Window:
    start: date
    end: date


class CallError(Exception):
    """One failed call to a License Service endpoint."""

    def __init__(self, endpoint: str, error_class: str, message: str, *, http_status: int | None = None,
                 hint: str = "") -> None:
        super().__init__(f"{endpoint}: {error_class}: {message}")
        self.endpoint = endpoint
        self.error_class = error_class
        self.message = message
        self.http_status = http_status
        self.hint = hint


_STATUS_HINTS = {
    401: "token rejected: put the current token in the cluster's secret (a rotated token needs a License Service pod restart)",
    403: "token lacks access: grant the reader ClusterRole (ibm-licensing-default-reader) to the service account",
    404: "not found: check the URL and the ingress path prefix (e.g. /ibm-licensing-service-instance)",
    503: "service unavailable: check the route/ingress certificate and that the License Service pod is ready",
}


def status_hint(status: int) -> str:
    if status in _STATUS_HINTS:
        return _STATUS_HINTS[status]
    if status >= 500:
        return "License Service error: check the License Service pod's logs; the run is retried"
    return "unexpected HTTP status: check the URL points at License Service"


def transport_hint(exc: Exception) -> tuple[str, str]:
    """(error class, hint) for a transport-level failure."""
    text = str(exc)
    if isinstance(exc, httpx.TimeoutException):
        return "Timeout", "timed out: the service is slow or unreachable; check the network path or raise the read timeout"
    if isinstance(exc, ssl.SSLError) or "CERTIFICATE_VERIFY_FAILED" in text or "SSL" in text:
        return "TLSError", "TLS verification failed: put the cluster's CA in tls.ca_bundle_secret (or set insecure_skip_verify)"
    if isinstance(exc, httpx.ConnectError):
        return "ConnectError", "cannot connect: check DNS, the network path (VPC placement) and that the service is exposed"
    return type(exc).__name__, "connection failed: the call is retried"


_QUERY = re.compile(r"\?[^\s'\"]*")


def redact(text: str) -> str:
    """Drops query strings from any URL inside a message."""
    return _QUERY.sub("?<redacted>", text)


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 3
    base_delay: float = 0.5
    max_delay: float = 4.0

    def delay(self, attempt: int) -> float:
        # full jitter: spreads retries of many collectors hitting one router
        return random.uniform(0, min(self.max_delay, self.base_delay * 2 ** attempt))


class LicenseServiceClient:
    """GETs against one License Service; token in the query or a bearer header."""

    def __init__(self, base_url: str, *, auth_type: str, token: str, verify: ssl.SSLContext | bool,
                 connect_timeout: float, read_timeout: float, snapshot_read_timeout: float,
                 date_params: tuple[str, str] = ("startDate", "endDate"), max_json_bytes: int = 32 << 20,
                 retry: RetryPolicy = RetryPolicy(), sleep: Callable[[float], None] = time.sleep) -> None:
        self._auth_params = {"token": token} if auth_type == "token" else {}
        headers = {"Authorization": f"Bearer {token}"} if auth_type == "bearer" else {}
        self._client = httpx.Client(
            base_url=base_url + "/", headers=headers, verify=verify,
            timeout=httpx.Timeout(connect=connect_timeout, read=read_timeout, write=read_timeout, pool=connect_timeout),
        )
        self._snapshot_timeout = httpx.Timeout(connect=connect_timeout, read=snapshot_read_timeout,
                                               write=read_timeout, pool=connect_timeout)
        self._date_params = date_params
        self._max_json_bytes = max_json_bytes
        self._retry = retry
        self._sleep = sleep

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> "LicenseServiceClient":
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def window_params(self, window: Window) -> dict[str, str]:
        start, end = self._date_params
        return {start: window.start.isoformat(), end: window.end.isoformat()}

    def get_json(self, endpoint: str, params: Mapping[str, str] | None = None, *, auth: bool = True) -> bytes:
        """Body of a JSON endpoint, after status, content-type and size checks."""

        def once() -> bytes:
            query = {**(self._auth_params if auth else {}), **(params or {})}
            with self._client.stream("GET", endpoint.lstrip("/"), params=query) as response:
                self._check_status(endpoint, response)
                kind = response.headers.get("content-type", "")
                if kind and "json" not in kind:
                    raise CallError(endpoint, "UnexpectedContentType", f"expected JSON, got {kind.split(';')[0]}",
                                    http_status=response.status_code,
                                    hint="the URL answers with a page, not the API: check the URL and path prefix")
                return self._read_limited(endpoint, response)

        return self._with_retries(endpoint, once)

    def download_snapshot(self, window: Window, sink: BinaryIO) -> tuple[str | None, str, int]:
        """Streams /snapshot into `sink`; returns (served file name, sha256 hex, size)."""
        endpoint = "/snapshot"

        def once() -> tuple[str | None, str, int]:
            sink.seek(0)
            sink.truncate()
            digest, size = hashlib.sha256(), 0
            query = {**self._auth_params, **self.window_params(window)}
            with self._client.stream("GET", "snapshot", params=query, timeout=self._snapshot_timeout) as response:
                self._check_status(endpoint, response)
                kind = response.headers.get("content-type", "")
                if "zip" not in kind and "octet-stream" not in kind:
                    raise CallError(endpoint, "UnexpectedContentType", f"expected a zip, got {kind.split(';')[0] or 'nothing'}",
                                    http_status=response.status_code,
                                    hint="the URL answers with a page, not the API: check the URL and path prefix")
                for chunk in response.iter_bytes(SNAPSHOT_CHUNK):
                    digest.update(chunk)
                    sink.write(chunk)
                    size += len(chunk)
                return served_file_name(response.headers.get("content-disposition", "")), digest.hexdigest(), size

        return self._with_retries(endpoint, once)

    def _with_retries(self, endpoint: str, call: Callable[[], T]) -> T:
        """Retries only what a retry can help: 5xx, timeouts, resets — never 4xx or TLS failures."""
        last = self._retry.attempts - 1
        for attempt in range(self._retry.attempts):
            try:
                return call()
            except CallError as exc:
                if exc.http_status not in RETRYABLE_STATUS or attempt == last:
                    raise
            except httpx.TransportError as exc:
                error_class, hint = transport_hint(exc)
                if error_class == "TLSError" or attempt == last:
                    raise CallError(endpoint, error_class, redact(str(exc)) or error_class, hint=hint) from None
            self._sleep(self._retry.delay(attempt))
        raise AssertionError("retry loop always returns or raises")

    @staticmethod
    def _check_status(endpoint: str, response: httpx.Response) -> None:
        if response.status_code != 200:
            raise CallError(endpoint, f"HTTP {response.status_code}", f"HTTP status {response.status_code}",
                            http_status=response.status_code, hint=status_hint(response.status_code))

    def _read_limited(self, endpoint: str, response: httpx.Response) -> bytes:
        chunks, size = [], 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > self._max_json_bytes:
                raise CallError(endpoint, "ResponseTooLarge", f"body exceeds {self._max_json_bytes} bytes",
                                http_status=response.status_code, hint="the response is larger than any License Service answer: check the URL")
            chunks.append(chunk)
        return b"".join(chunks)


_FILENAME = re.compile(r"""filename\*?=(?:UTF-8'')?"?([^";]+)"?""", re.IGNORECASE)


def served_file_name(content_disposition: str) -> str | None:
    """File name from Content-Disposition, reduced to a safe S3 key segment."""
    match = _FILENAME.search(content_disposition)
    if not match:
        return None
    name = Path(match.group(1).strip()).name
    name = re.sub(r"[^A-Za-z0-9._-]", "_", name)
    return name or None


def make_tls_verify(ca_pem: str | None, insecure: bool) -> ssl.SSLContext | bool:
    if insecure:
        return False
    if ca_pem:
        return ssl.create_default_context(cadata=ca_pem)
    return True
