"""Which failures the client retries, and that retries and bodies stop at the deadline."""
from __future__ import annotations

import httpx
import pytest

from lsc.license_client import CallError, LicenseServiceClient, Limits, RetryPolicy

TOKEN = "s3cr3t-token-value"


def client_with(handler, *, attempts=3, deadline=float("inf"), clock=lambda: 0.0, limits=Limits(), auth_type="token"):
    calls: list[httpx.Request] = []

    def recording(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return handler(request)

    client = LicenseServiceClient("https://ls.example", auth_type=auth_type, token=TOKEN, verify=True,
                                  connect_timeout=1, read_timeout=1, snapshot_read_timeout=1, limits=limits,
                                  retry=RetryPolicy(attempts=attempts, base_delay=0.001), deadline=deadline,
                                  sleep=lambda _: None, clock=clock, transport=httpx.MockTransport(recording))
    return client, calls


@pytest.mark.parametrize("status, attempts", [(401, 1), (403, 1), (404, 1), (500, 3), (503, 3), (502, 3)])
def test_only_server_errors_are_retried(status, attempts):
    client, calls = client_with(lambda r: httpx.Response(status, html="<b>no</b>"))
    with pytest.raises(CallError) as info:
        client.get_json("/health")
    assert (len(calls), info.value.http_status, info.value.error_class) == (attempts, status, f"HTTP {status}")


def test_resets_are_retried_and_named_without_the_query_string():
    def reset(request):
        raise httpx.ReadError(f"connection reset while reading {request.url}")

    client, calls = client_with(reset)
    with pytest.raises(CallError) as info:
        client.get_json("/products", {"startDate": "2026-11-01"})
    assert len(calls) == 3 and info.value.error_class == "ConnectionReset"
    assert TOKEN not in str(info.value) and "?<redacted>" in str(info.value)


@pytest.mark.parametrize("auth_type", ["token", "bearer"])
def test_no_error_of_the_client_shows_its_token(auth_type):
    """httpx names a bad header by its value (`Illegal header value b'Bearer <token>'`); whatever a
    transport error says, the client's own token is cut out, in the forms it travels in."""
    def echoing(request):
        raise httpx.LocalProtocolError(f"Illegal header value b'Bearer {TOKEN}' for {request.url.path}")

    client, _ = client_with(echoing, auth_type=auth_type)
    with pytest.raises(CallError) as info:
        client.get_json("/health")
    assert TOKEN not in str(info.value) and TOKEN not in info.value.message
    assert "Illegal header value b'Bearer <token>'" in info.value.message and "/health" in info.value.message


def test_tls_failures_are_not_retried():
    def bad_certificate(_):
        raise httpx.ConnectError("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed")

    client, calls = client_with(bad_certificate)
    with pytest.raises(CallError, match="TLSError"):
        client.get_json("/version", auth=False)
    assert len(calls) == 1


def test_no_attempt_starts_after_the_deadline():
    now = iter([0.0, 0.0, 5.0, 11.0, 11.0, 11.0])
    client, calls = client_with(lambda r: httpx.Response(503), deadline=10.0, clock=lambda: next(now))
    with pytest.raises(CallError) as info:
        client.get_json("/health")
    assert len(calls) == 1 and info.value.error_class == "HTTP 503"  # the real cause, not "out of time"


@pytest.mark.parametrize("headers, body, error_class", [
    ({"content-type": "text/html"}, b"<html>login</html>", "UnexpectedContentType"),
    ({}, b"[]", "UnexpectedContentType"),
    ({"content-type": "application/json"}, b"[" + b" " * 2000 + b"]", "ResponseTooLarge"),
])
def test_strict_content_type_and_size(headers, body, error_class):
    client, _ = client_with(lambda r: httpx.Response(200, headers=headers, content=body), limits=Limits(json_bytes=1000))
    with pytest.raises(CallError) as info:
        client.get_json("/products")
    assert info.value.error_class == error_class and info.value.hint
