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
import struct
import threading
from datetime import date
from http.server import BaseHTTPRequestHandler
from collections.abc import Sequence
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from lsc.local.faults import (
    FaultInjector,
    FaultSpec,
    Outcome,
    ResetConnection,
    Stall,
    Streamed,
    parse_fault,
)
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
        outcome = self.server.respond(request)
        self._access_log(outcome)
        if isinstance(outcome, ResetConnection):
            raise _ResetRequested
        if isinstance(outcome, Stall):
            self.server.pause(outcome.seconds)
            self.close_connection = True
        elif isinstance(outcome, Streamed):
            self._send_head(outcome.head, outcome.length)
            for chunk in outcome.chunks():
                if self.server.stopping:
                    break
                self.wfile.write(chunk)
                self.server.pause(outcome.pause_s)
        else:
            self._send_head(outcome, len(outcome.body))
            self.wfile.write(outcome.body)

    def _send_head(self, response: Response, length: int) -> None:
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(length))
        for name, value in response.extra_headers:
            self.send_header(name, value)
        self.end_headers()

    def _access_log(self, outcome: Outcome) -> None:
        if isinstance(outcome, Response):
            result = f"{outcome.status} {len(outcome.body)}"
        elif isinstance(outcome, Streamed):
            result = f"{outcome.head.status} {outcome.length} streamed"
        else:
            result = type(outcome).__name__  # ResetConnection, Stall
        log.info('%s %s "GET %s" %s', self.server.cluster_id, self.client_address[0], redact(self.path), result)

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Replaced by the redacted line `do_GET` writes, which also names injected faults."""

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (stdlib signature)
        # Errors such as "Bad request syntax ('GET /x?token=…')" quote the request line.
        log.warning("%s %s", self.server.cluster_id, redact(format % args))


class _ResetRequested(Exception):
    """Raised through the handler so the connection is closed with a TCP reset."""


class SimulatorServer:
    """`SimulatorServer(fixture, tls=LocalCA())` serves the fixture at `.url` once started.

    `prefix` and `today` default to the fixture's (`prefix=""` serves at the root);
    `latency_s` delays every response, as a slow cluster would. `faults` (see `lsc.local.faults`)
    can be replaced at any time through the `faults` property.
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
        faults: Sequence[str | FaultSpec] = (),
    ) -> None:
        self.simulator = LicenseServiceSimulator(fixture, today=today, prefix=prefix)
        self._injector = FaultInjector(self.simulator, ())
        self.cluster_id = fixture.cluster_id
        self.tls = tls
        self.latency_s = latency_s
        self._address = (host, port)
        self._listener: socket.socket | None = None
        self._accept_thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._connections: dict[threading.Thread, socket.socket] = {}
        self._running = False
        self._lifecycle = threading.RLock()
        self._other_ca: LocalCA | None = None
        self.faults = faults  # type: ignore[assignment]  # the setter takes text too

    @property
    def port(self) -> int:
        if not self._running:
            raise RuntimeError("the simulator is not running")
        return self._address[1]

    @property
    def url(self) -> str:
        scheme = "https" if self.tls else "http"
        return f"{scheme}://{self._address[0]}:{self.port}{self.simulator.prefix}"

    @property
    def faults(self) -> tuple[FaultSpec, ...]:
        return self._injector.specs

    @faults.setter
    def faults(self, faults: Sequence[str | FaultSpec]) -> None:
        specs = [fault if isinstance(fault, FaultSpec) else parse_fault(fault) for fault in faults]
        injector = FaultInjector(self.simulator, specs)
        if injector.has("wrong-ca") and self.tls is None:
            raise ValueError("the wrong-ca fault needs an HTTPS simulator")
        self._injector = injector
        with self._lifecycle:
            if self._running:
                self._follow_refuse_fault()

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    def pause(self, seconds: float) -> None:
        """Sleep that stop() cuts short, so no fault can keep a test waiting."""
        if seconds > 0:
            self._stopping.wait(seconds)

    def start(self) -> SimulatorServer:
        with self._lifecycle:
            if not self._running:
                self._stopping.clear()
                self._running = True
                self._follow_refuse_fault()
        return self

    def stop(self) -> None:
        with self._lifecycle:
            if not self._running:
                return
            self._running = False
            self._stopping.set()
            self._close_listener()
            for thread in self._drop_connections():
                thread.join()

    def __enter__(self) -> SimulatorServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def respond(self, request: Request) -> Outcome:
        self.pause(self.latency_s)
        return self._injector.respond(request)

    def _follow_refuse_fault(self) -> None:
        refusing = self._injector.has("refuse")
        if refusing and self._listener is not None:
            self._close_listener()
            self._drop_connections()  # as when the pod goes away
        elif not refusing and self._listener is None:
            self._open_listener()

    def _open_listener(self) -> None:
        self._listener = socket.create_server(self._address, backlog=128)
        self._address = (self._address[0], self._listener.getsockname()[1])  # reopened on the same port
        self._accept_thread = threading.Thread(
            target=self._accept_loop, args=(self._listener,), name=f"simulator-{self.cluster_id}", daemon=True
        )
        self._accept_thread.start()

    def _close_listener(self) -> None:
        listener, self._listener = self._listener, None
        if listener is None:
            return
        _shutdown(listener)  # wakes the blocked accept() (Linux)
        listener.close()
        if self._accept_thread is not None:
            self._accept_thread.join()

    def _drop_connections(self) -> list[threading.Thread]:
        with self._lock:
            connections = dict(self._connections)
        for connection in connections.values():
            _shutdown(connection)
        return list(connections)

    def _server_context(self) -> ssl.SSLContext:
        assert self.tls is not None
        if not self._injector.has("wrong-ca"):
            return self.tls.server_context
        if self._other_ca is None:
            self._other_ca = LocalCA()
        return self._other_ca.server_context

    def _accept_loop(self, listener: socket.socket) -> None:
        while True:
            try:
                connection, address = listener.accept()
            except OSError:
                return  # the listener was shut down
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
        # Head and body go out in separate writes; Nagle would hold the body for the peer's
        # delayed ACK, about 40 ms per response.
        connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            if self.tls is not None:
                connection.settimeout(HANDSHAKE_TIMEOUT_S)
                connection = self._server_context().wrap_socket(connection, server_side=True)
                self._track(this_thread, connection)
            _Handler(connection, address, self)  # type: ignore[arg-type]
        except _ResetRequested:
            # Linger 0: close() then sends RST instead of FIN, as a crashing peer or a proxy would.
            connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
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
