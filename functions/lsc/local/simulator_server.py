"""A simulated License Service on a real socket (HTTP or HTTPS) in a daemon thread.

Benchmarks run hundreds of these in one process, so a server costs one blocked accept thread
and one thread per open connection, and nothing polls. The access log never shows a query
string (it carries `?token=`) nor any header (`Authorization`).
"""
from __future__ import annotations

import logging
import re
import socket
import ssl
import threading
from datetime import date
from http.server import BaseHTTPRequestHandler
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from lsc.local.fixture import Fixture
from lsc.local.simulator import LicenseServiceSimulator, Request, Response
from lsc.local.tls import LocalCA

log = logging.getLogger("lsc.simulator")

IDLE_CONNECTION_TIMEOUT_S = 60
HANDSHAKE_TIMEOUT_S = 10
_QUERY = re.compile(r"\?[^\s'\"]*")


def redact(text: str) -> str:
    """Any query string in `text` (a target or a request line) replaced by `?<redacted>`."""
    return _QUERY.sub("?<redacted>", text)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: collectors reuse connections
    server_version = "lsc-simulator"
    sys_version = ""
    timeout = IDLE_CONNECTION_TIMEOUT_S
    server: SimulatorServer  # type: ignore[assignment]  # our server, not a socketserver

    def do_GET(self) -> None:  # noqa: N802 (stdlib naming)
        target = urlsplit(self.path)
        query: dict[str, str] = {}
        for name, value in parse_qsl(target.query, keep_blank_values=True):
            query.setdefault(name, value)
        request = Request(target.path, query, dict(self.headers.items()))
        response = self.server.respond(request)
        self._send(response)
        log.info(
            '%s %s "GET %s" %d %d', self.server.cluster_id, self.client_address[0],
            redact(self.path), response.status, len(response.body),
        )

    def _send(self, response: Response) -> None:
        self.send_response(response.status)
        for name, value in response.headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(response.body)

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Replaced by the redacted line `do_GET` writes once the size is known."""

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (stdlib signature)
        # Errors such as "Bad request syntax ('GET /x?token=…')" quote the request line.
        log.warning("%s %s", self.server.cluster_id, redact(format % args))


class SimulatorServer:
    """`SimulatorServer(fixture, tls=LocalCA())` serves the fixture at `.url` once started.

    `prefix` and `today` default to the fixture's (`prefix=""` serves at the root);
    `latency_s` delays every response, as a slow cluster would.
    """

    def __init__(
        self,
        fixture: Fixture,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        prefix: str | None = None,
        today: date | None = None,
        tls: LocalCA | None = None,
        latency_s: float = 0.0,
    ) -> None:
        self.simulator = LicenseServiceSimulator(fixture, today=today, prefix=prefix)
        self.cluster_id = fixture.cluster_id
        self.tls = tls
        self.latency_s = latency_s
        self._address = (host, port)
        self._listener: socket.socket | None = None
        self._accept_thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._connections: dict[threading.Thread, socket.socket] = {}

    @property
    def port(self) -> int:
        if self._listener is None:
            raise RuntimeError("the simulator is not running")
        return int(self._listener.getsockname()[1])

    @property
    def url(self) -> str:
        scheme = "https" if self.tls else "http"
        return f"{scheme}://{self._address[0]}:{self.port}{self.simulator.prefix}"

    def start(self) -> SimulatorServer:
        if self._listener is not None:
            return self
        self._stopping.clear()
        self._listener = socket.create_server(self._address, backlog=128)
        self._address = (self._address[0], self.port)  # a restart keeps the same port
        self._accept_thread = threading.Thread(
            target=self._accept_loop, args=(self._listener,), name=f"simulator-{self.cluster_id}", daemon=True
        )
        self._accept_thread.start()
        return self

    def stop(self) -> None:
        with self._lock:
            listener, self._listener = self._listener, None
            connections = dict(self._connections)
        if listener is None:
            return
        self._stopping.set()
        _shutdown(listener)  # wakes the blocked accept() (Linux)
        listener.close()
        if self._accept_thread is not None:
            self._accept_thread.join()
        for thread, connection in connections.items():
            _shutdown(connection)
            thread.join()

    def __enter__(self) -> SimulatorServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def respond(self, request: Request) -> Response:
        if self.latency_s:
            self._stopping.wait(self.latency_s)
        return self.simulator.handle(request)

    def _accept_loop(self, listener: socket.socket) -> None:
        while not self._stopping.is_set():
            try:
                connection, address = listener.accept()
            except OSError:
                return  # the listener was shut down by stop()
            thread = threading.Thread(
                target=self._serve_connection, args=(connection, address), daemon=True
            )
            self._track(thread, connection)
            thread.start()

    def _track(self, thread: threading.Thread, connection: socket.socket | None) -> None:
        """Which socket stop() must shut down to end `thread` (None: the thread is done)."""
        with self._lock:
            if connection is None:
                self._connections.pop(thread, None)
            else:
                self._connections[thread] = connection

    def _serve_connection(self, connection: socket.socket, address: tuple[str, int]) -> None:
        this_thread = threading.current_thread()
        # headers and body leave in separate writes: without this, Nagle + delayed ACK add 40 ms per request
        connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            if self.tls is not None:
                connection.settimeout(HANDSHAKE_TIMEOUT_S)
                connection = self.tls.server_context.wrap_socket(connection, server_side=True)
                self._track(this_thread, connection)
            _Handler(connection, address, self)  # type: ignore[arg-type]
        except (OSError, ssl.SSLError) as error:
            log.debug("%s connection from %s ended: %s", self.cluster_id, address[0], error)
        finally:
            self._track(this_thread, None)
            connection.close()


def _shutdown(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass  # already closed by the peer
