"""The simulator on real sockets: HTTPS verified against the generated CA, prefix, bearer auth,
a redacted access log, many concurrent clients, and a clean stop."""
from __future__ import annotations

import logging
import socket
import ssl
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from lsc.local.fixture import Fixture, load_fixture
from lsc.local.simulator_server import SimulatorServer
from lsc.local.tls import LocalCA


def client_for(local_ca: LocalCA) -> httpx.Client:
    return httpx.Client(verify=ssl.create_default_context(cadata=local_ca.ca_pem), timeout=10)


def test_https_verified_with_generated_ca(east_server: SimulatorServer, east: Fixture, local_ca: LocalCA) -> None:
    assert east_server.url == f"https://127.0.0.1:{east_server.port}"
    with client_for(local_ca) as client:
        version = client.get(f"{east_server.url}/version")
        products = client.get(f"{east_server.url}/products", params={"token": east.token})
        snapshot = client.get(f"{east_server.url}/snapshot", params={"token": east.token})
    assert version.json() == {"version": east.version}
    assert products.status_code == 200 and products.headers["content-type"] == "application/json"
    assert {row["id"] for row in products.json()} == {row.id for row in east.products}
    assert snapshot.headers["content-type"] == "application/zip"
    assert snapshot.content[:2] == b"PK" and len(snapshot.content) == int(snapshot.headers["content-length"])


def test_localhost_name_is_valid_too(east_server: SimulatorServer, local_ca: LocalCA) -> None:
    with client_for(local_ca) as client:
        assert client.get(f"https://localhost:{east_server.port}/version").status_code == 200


def test_another_ca_is_rejected(east_server: SimulatorServer) -> None:
    with httpx.Client(verify=LocalCA().client_context()) as client, pytest.raises(httpx.ConnectError):
        client.get(f"{east_server.url}/version")


def test_bearer_and_unauthorized(east_server: SimulatorServer, east: Fixture, local_ca: LocalCA) -> None:
    with client_for(local_ca) as client:
        ok = client.get(f"{east_server.url}/health", headers={"Authorization": f"Bearer {east.bearer_tokens[0]}"})
        denied = client.get(f"{east_server.url}/health", params={"token": "wrong"})
    assert ok.json() == east.health
    assert denied.status_code == 401 and denied.headers["content-type"].startswith("text/html")


def test_prefix_is_part_of_the_url(demo_estate_dir: Path, local_ca: LocalCA) -> None:
    west = load_fixture(demo_estate_dir / "prod-west.json")
    with SimulatorServer(west, tls=local_ca) as server, client_for(local_ca) as client:
        assert server.url.endswith(f":{server.port}{west.path_prefix}")
        assert client.get(f"{server.url}/products", params={"token": west.token}).status_code == 200
        root = server.url.removesuffix(west.path_prefix or "")
        assert client.get(f"{root}/products", params={"token": west.token}).status_code == 404


def test_plain_http(east: Fixture) -> None:
    with SimulatorServer(east, prefix="/p", latency_s=0.01) as server, httpx.Client() as client:
        assert server.url.startswith("http://") and server.url.endswith("/p")
        assert client.get(f"{server.url}/health", params={"token": east.token}).status_code == 200


def test_access_log_never_shows_credentials(
    east_server: SimulatorServer, east: Fixture, local_ca: LocalCA, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="lsc.simulator")
    bearer = east.bearer_tokens[0]
    with client_for(local_ca) as client:
        client.get(f"{east_server.url}/products", params={"token": east.token, "startDate": "2026-11-01"})
        client.get(f"{east_server.url}/nope", params={"token": east.token})
        client.get(f"{east_server.url}/health", headers={"Authorization": f"Bearer {bearer}"})
    # A malformed request line makes http.server log an error that quotes the line.
    context = ssl.create_default_context(cadata=local_ca.ca_pem)
    with socket.create_connection(("127.0.0.1", east_server.port)) as raw:
        with context.wrap_socket(raw, server_hostname="127.0.0.1") as tls:
            tls.sendall(f"GET /products?token={east.token} junk HTTP/1.1\r\n\r\n".encode())
            assert tls.recv(100).startswith(b"HTTP/1.1 400")
    east_server.stop()  # joins the handler threads, so every line has been logged
    assert "/products?<redacted>" in caplog.text
    assert "/health" in caplog.text and "Bad request syntax ('GET /products?<redacted> junk" in caplog.text
    assert east.token not in caplog.text and bearer not in caplog.text


def test_many_concurrent_requests(east_server: SimulatorServer, east: Fixture, local_ca: LocalCA) -> None:
    with client_for(local_ca) as client, ThreadPoolExecutor(max_workers=16) as pool:
        statuses = list(pool.map(
            lambda i: client.get(f"{east_server.url}/products", params={"token": east.token}).status_code,
            range(200),
        ))
    assert statuses == [200] * 200


def test_stop_frees_the_port_and_is_idempotent(east: Fixture, local_ca: LocalCA) -> None:
    server = SimulatorServer(east, tls=local_ca).start()
    port = server.port
    with client_for(local_ca) as client:
        assert client.get(f"{server.url}/version").status_code == 200  # leaves a keep-alive connection
        server.stop()
        server.stop()
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", port), timeout=2)
        with pytest.raises(httpx.TransportError):
            client.get(f"https://127.0.0.1:{port}/version")
    with socket.create_server(("127.0.0.1", port)):
        pass
    with pytest.raises(RuntimeError):
        server.url


def test_restart_keeps_the_port(east: Fixture) -> None:
    server = SimulatorServer(east).start()
    port = server.port
    server.stop()
    with server, httpx.Client() as client:
        assert server.port == port
        assert client.get(f"{server.url}/version").status_code == 200
