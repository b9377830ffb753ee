"""HTTP client for one cluster's License Service API.

Every error names the endpoint, the HTTP status or error class and a remedy hint; URLs in errors
never carry the query string (the token travels there). Every call, its retries and its body
stop at the cluster's deadline, so a hung or trickling cluster ends in a reported failure while
the Lambda still runs.
"""
from __future__ import annotations

import hashlib
import random
import re
import ssl
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import BinaryIO, TypeVar
from urllib.parse import quote

import httpx

RETRYABLE_STATUS = {500, 502, 503, 504}
T = TypeVar("T")
DEADLINE_HINT = ("the cluster answered too slowly to finish within the collector's time budget: "
                 "check its network path and load; the run is retried")


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
    400: "the service refused the request's parameters: check the date range (a start after the service's "
         "today, e.g. the cluster's clock behind the collector's) and the entry's date_params",
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
    if isinstance(exc, (httpx.ReadError, httpx.RemoteProtocolError, httpx.WriteError)):
        return "ConnectionReset", "the connection was cut (router, proxy or pod restart): the call is retried"
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


@dataclass(frozen=True)
class Limits:
    """Largest bodies accepted: no License Service answer comes near them."""

    json_bytes: int = 32 << 20
    snapshot_bytes: int = 256 << 20  # /tmp of a default Lambda is 512 MB


class LicenseServiceClient:
    """GETs against one License Service; token in the query or a bearer header."""

    def __init__(self, base_url: str, *, auth_type: str, token: str, verify: ssl.SSLContext | bool,
                 connect_timeout: float, read_timeout: float, snapshot_read_timeout: float,
                 date_params: tuple[str, str] = ("startDate", "endDate"), limits: Limits = Limits(),
                 retry: RetryPolicy = RetryPolicy(), deadline: float = float("inf"),
                 sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic,
                 transport: httpx.BaseTransport | None = None) -> None:
        """`deadline` is a `clock()` value after which no call starts, waits or reads on."""
        # the forms the token takes in a message: as given, URL-encoded, inside a bytes repr
        self._token_forms = sorted({token, quote(token, safe=""), repr(token.encode())[2:-1]} - {""}, key=len,
                                   reverse=True)
        self._auth_params = {"token": token} if auth_type == "token" else {}
        headers = {"Authorization": f"Bearer {token}"} if auth_type == "bearer" else {}
        self._client = httpx.Client(base_url=base_url + "/", headers=headers, verify=verify, transport=transport)
        self._timeouts = {"connect": connect_timeout, "read": read_timeout, "snapshot": snapshot_read_timeout}
        self._date_params = date_params
        self._limits = limits
        self._retry = retry
        self._deadline = deadline
        self._sleep = sleep
        self._clock = clock

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
            with self._client.stream("GET", endpoint.lstrip("/"), params=query, timeout=self._timeout("read")) as response:
                self._check_response(endpoint, response, "json", "JSON")
                chunks = list(self._limited_chunks(endpoint, response, self._limits.json_bytes))
                return b"".join(chunks)

        return self._with_retries(endpoint, once)

    def download_snapshot(self, window: Window, sink: BinaryIO) -> tuple[str | None, str, int]:
        """Streams /snapshot into `sink`; returns (served file name, sha256 hex, size)."""
        endpoint = "/snapshot"

        def once() -> tuple[str | None, str, int]:
            sink.seek(0)
            sink.truncate()
            digest, size = hashlib.sha256(), 0
            query = {**self._auth_params, **self.window_params(window)}
            with self._client.stream("GET", "snapshot", params=query, timeout=self._timeout("snapshot")) as response:
                self._check_response(endpoint, response, ("zip", "octet-stream"), "a zip")
                for chunk in self._limited_chunks(endpoint, response, self._limits.snapshot_bytes):
                    digest.update(chunk)
                    sink.write(chunk)
                    size += len(chunk)
                return served_file_name(response.headers.get("content-disposition", "")), digest.hexdigest(), size

        return self._with_retries(endpoint, once)

    def _remaining(self, endpoint: str) -> float:
        remaining = self._deadline - self._clock()
        if remaining <= 0:
            raise CallError(endpoint, "DeadlineExceeded", "the cluster's time budget ran out", hint=DEADLINE_HINT)
        return remaining

    def _timeout(self, read: str) -> httpx.Timeout:
        """Configured timeouts, never beyond the deadline (checked again before every attempt)."""
        remaining = self._deadline - self._clock()
        connect = min(self._timeouts["connect"], remaining)
        return httpx.Timeout(connect=max(connect, 0.001), read=max(min(self._timeouts[read], remaining), 0.001),
                             write=max(min(self._timeouts["read"], remaining), 0.001), pool=max(connect, 0.001))

    def _scrubbed(self, text: str) -> str:
        """`text` without query strings and without this client's token (httpx names a bad header
        by its value)."""
        text = redact(text)
        for form in self._token_forms:
            text = text.replace(form, "<token>")
        return text

    def _with_retries(self, endpoint: str, call: Callable[[], T]) -> T:
        """Every error of a call, its message scrubbed of the token (see `_attempts`)."""
        try:
            return self._attempts(endpoint, call)
        except CallError as exc:
            raise CallError(exc.endpoint, exc.error_class, self._scrubbed(exc.message), http_status=exc.http_status,
                            hint=exc.hint) from None

    def _attempts(self, endpoint: str, call: Callable[[], T]) -> T:
        """Retries only what a retry can help: 5xx, timeouts, resets — never 4xx or TLS failures."""
        last = self._retry.attempts - 1
        failure: CallError | None = None
        for attempt in range(self._retry.attempts):
            if failure is not None and self._deadline - self._clock() <= 0:
                raise failure  # the real cause, not "out of time"
            self._remaining(endpoint)
            try:
                return call()
            except CallError as exc:
                if exc.http_status not in RETRYABLE_STATUS or attempt == last:
                    raise
                failure = exc
            except httpx.TransportError as exc:
                error_class, hint = transport_hint(exc)
                failure = CallError(endpoint, error_class, self._scrubbed(str(exc)) or error_class, hint=hint)
                if error_class == "TLSError" or attempt == last:
                    raise failure from None
            delay = self._retry.delay(attempt)
            if delay >= self._deadline - self._clock():
                raise failure  # the real cause, not "out of time"
            self._sleep(delay)
        raise AssertionError("retry loop always returns or raises")

    def _check_response(self, endpoint: str, response: httpx.Response, accepted: str | tuple[str, ...],
                        expected: str) -> None:
        status = response.status_code
        if status != 200:
            raise CallError(endpoint, f"HTTP {status}", f"HTTP status {status}", http_status=status,
                            hint=status_hint(status))
        kind = response.headers.get("content-type", "").split(";")[0].strip().lower()
        if not kind or not any(part in kind for part in ((accepted,) if isinstance(accepted, str) else accepted)):
            raise CallError(endpoint, "UnexpectedContentType", f"expected {expected}, got {kind or 'no content type'}",
                            http_status=status,
                            hint="the URL answers with a page, not the API (a login page or a proxy?): check the URL and path prefix")

    def _limited_chunks(self, endpoint: str, response: httpx.Response, limit: int) -> Iterator[bytes]:
        """The body as it arrives, cut off at `limit` bytes or at the deadline (a trickling body
        never trips a read timeout)."""
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise _too_large(endpoint, response.status_code, limit)
        size = 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > limit:
                raise _too_large(endpoint, response.status_code, limit)
            self._remaining(endpoint)
            yield chunk


def _too_large(endpoint: str, status: int, limit: int) -> CallError:
    return CallError(endpoint, "ResponseTooLarge", f"body exceeds {limit} bytes", http_status=status,
                     hint="the response is larger than any License Service answer: check the URL (or raise the limit)")


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
