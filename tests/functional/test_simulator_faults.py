"""Faults as a collector sees them on the wire, switched on and off at runtime."""
from __future__ import annotations

import io
import socket
import zipfile
from collections.abc import Iterator

import httpx
import pytest

from lsc.local.faults import rotated_token
from lsc.local.fixture import Fixture
from lsc.local.simulator_server import SimulatorServer
from lsc.local.tls import LocalCA


@pytest.fixture
def client(local_ca: LocalCA) -> Iterator[httpx.Client]:
    with httpx.Client(verify=local_ca.client_context(), timeout=10) as http:
        yield http


def fetch(client: httpx.Client, server: SimulatorServer, path: str, token: str) -> httpx.Response:
    return client.get(f"{server.url}{path}", params={"token": token})


def test_status_faults_switch_at_runtime(east_server: SimulatorServer, client: httpx.Client, east: Fixture) -> None:
    east_server.faults = ["503", "401:/snapshot"]
    assert fetch(client, east_server, "/snapshot", east.token).status_code == 503  # first listed wins
    east_server.faults = ["401:/snapshot", "404:/health"]
    assert fetch(client, east_server, "/snapshot", east.token).status_code == 401
    missing = fetch(client, east_server, "/health", east.token)
    assert missing.status_code == 404 and missing.headers["content-type"].startswith("text/html")
    assert fetch(client, east_server, "/products", east.token).status_code == 200
    east_server.faults = []
    assert fetch(client, east_server, "/snapshot", east.token).status_code == 200


def test_reset(east: Fixture) -> None:
    with SimulatorServer(east, faults=["reset"]) as plain:
        with socket.create_connection(("127.0.0.1", plain.port)) as raw:
            raw.sendall(b"GET /version HTTP/1.1\r\nHost: x\r\n\r\n")
            with pytest.raises(ConnectionResetError):
                raw.recv(100)
        with httpx.Client() as http, pytest.raises(httpx.TransportError):
            http.get(f"{plain.url}/version")


def test_refuse_and_come_back_on_the_same_port(east_server: SimulatorServer, client: httpx.Client, east: Fixture) -> None:
    port = east_server.port
    east_server.faults = ["refuse"]
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=2)
    with pytest.raises(httpx.ConnectError):
        fetch(client, east_server, "/products", east.token)
    east_server.faults = []
    assert east_server.port == port
    assert fetch(client, east_server, "/products", east.token).status_code == 200


def test_timeout_is_cut_short_by_stop(east: Fixture, local_ca: LocalCA) -> None:
    stalled = SimulatorServer(east, tls=local_ca, faults=["timeout:/snapshot"]).start()
    with httpx.Client(verify=local_ca.client_context(), timeout=httpx.Timeout(5, read=0.3)) as http:
        with pytest.raises(httpx.ReadTimeout):
            fetch(http, stalled, "/snapshot", east.token)
        assert fetch(http, stalled, "/version", east.token).status_code == 200
    stalled.stop()  # returns although the stalled handler was told to wait an hour


def test_slow_drip_delivers_the_whole_body(east_server: SimulatorServer, client: httpx.Client, east: Fixture) -> None:
    expected = fetch(client, east_server, "/snapshot", east.token).content
    east_server.faults = ["slow-drip=100000:/snapshot"]
    assert fetch(client, east_server, "/snapshot", east.token).content == expected


def test_slow_drip_trips_a_read_timeout(east_server: SimulatorServer, east: Fixture, local_ca: LocalCA) -> None:
    east_server.faults = ["slow-drip=1"]  # one byte a second
    with httpx.Client(verify=local_ca.client_context(), timeout=httpx.Timeout(5, read=0.3)) as http:
        with pytest.raises(httpx.ReadTimeout):
            fetch(http, east_server, "/products", east.token)


def test_oversized_is_streamed(east_server: SimulatorServer, client: httpx.Client, east: Fixture) -> None:
    east_server.faults = ["oversized=2:/products"]
    with client.stream("GET", f"{east_server.url}/products", params={"token": east.token}) as response:
        assert int(response.headers["content-length"]) == 2 * 1024 * 1024
        assert sum(len(chunk) for chunk in response.iter_bytes()) == 2 * 1024 * 1024


def test_collector_can_hang_up_on_an_oversized_body(east_server: SimulatorServer, client: httpx.Client, east: Fixture) -> None:
    east_server.faults = ["oversized=64"]
    with client.stream("GET", f"{east_server.url}/products", params={"token": east.token}) as response:
        next(response.iter_bytes())
    east_server.faults = []
    assert fetch(client, east_server, "/products", east.token).status_code == 200


def test_wrong_ca(east_server: SimulatorServer, client: httpx.Client, east: Fixture) -> None:
    east_server.faults = ["wrong-ca"]
    with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
        httpx.get(f"{east_server.url}/version", verify=east_server.tls.client_context())  # type: ignore[union-attr]
    east_server.faults = []
    assert fetch(client, east_server, "/version", east.token).status_code == 200


def test_wrong_ca_needs_https(east: Fixture) -> None:
    with pytest.raises(ValueError):
        SimulatorServer(east, faults=["wrong-ca"])


def test_token_rotated_from_a_moment_set_by_the_test(east_server: SimulatorServer, client: httpx.Client, east: Fixture) -> None:
    assert fetch(client, east_server, "/products", east.token).status_code == 200
    east_server.faults = ["token-rotated"]
    assert fetch(client, east_server, "/products", east.token).status_code == 401
    assert fetch(client, east_server, "/products", rotated_token(east.token)).status_code == 200


@pytest.mark.parametrize("fault, path, check", [
    ("html-200", "/products", lambda r: r.headers["content-type"].startswith("text/html")),
    ("empty", "/bundled_products", lambda r: r.json() == []),
    ("extra-fields", "/health", lambda r: "lscUnexpected" in r.json()),
    ("missing-fields", "/products", lambda r: all("metricQuantity" not in row for row in r.json())),
    ("invalid-json", "/products", lambda r: r.headers["content-type"] == "application/json" and not r.text.endswith("]")),
    ("truncated-zip", "/snapshot", lambda r: not zipfile.is_zipfile(io.BytesIO(r.content))),
    ("zip-without-daily", "/snapshot",
     lambda r: not any("_daily_" in n for n in zipfile.ZipFile(io.BytesIO(r.content)).namelist())),
])
def test_content_faults_on_the_wire(
    east_server: SimulatorServer, client: httpx.Client, east: Fixture, fault: str, path: str, check: object
) -> None:
    east_server.faults = [f"{fault}:{path}"]
    response = fetch(client, east_server, path, east.token)
    assert response.status_code == 200 and check(response)  # type: ignore[operator]
