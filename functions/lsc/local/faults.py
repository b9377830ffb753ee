"""Fault injection for the simulator: `NAME[=ARGUMENT][:ENDPOINT]`, e.g. `503`, `401:/snapshot`,
`slow-drip=50:/snapshot` (50 bytes/s), `token-rotated=3` (the old token works 3 more times).

A `FaultInjector` sits in front of `LicenseServiceSimulator.handle` and returns an `Outcome`: a
plain `Response`, a `Streamed` body, or a connection action (`ResetConnection`, `Stall`) that the
server carries out. `refuse` and `wrong-ca` act on the listener and the TLS handshake, so they are
server-wide and carried out by the server itself.
"""
from __future__ import annotations

import io
import struct
import threading
import zipfile
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from http import HTTPStatus

from lsc.local import fault_bodies
from lsc.local.simulator import (
    JSON,
    ZIP,
    LicenseServiceSimulator,
    Request,
    UNAUTHENTICATED_PATHS,
    Response,
    html_page,
    unauthorized,
)

JSON_ENDPOINTS = frozenset({"/products", "/bundled_products", "/services", "/health", "/version"})
ZIP_ENDPOINTS = frozenset({"/snapshot"})
SERVER_WIDE = frozenset({"refuse", "wrong-ca"})
ROTATED_SUFFIX = "-rotated"

# name → (endpoints it makes sense for, or None for all; correct 200 body → wrong body)
CONTENT_FAULTS: dict[str, tuple[frozenset[str] | None, Callable[[Response], Response]]] = {
    "html-200": (None, fault_bodies.html_200),
    "invalid-json": (JSON_ENDPOINTS, fault_bodies.invalid_json),
    "missing-fields": (JSON_ENDPOINTS, fault_bodies.missing_fields),
    "extra-fields": (JSON_ENDPOINTS, fault_bodies.extra_fields),
    "empty": (JSON_ENDPOINTS, fault_bodies.empty_array),
    "truncated-zip": (ZIP_ENDPOINTS, fault_bodies.truncated_zip),
    "zip-without-daily": (ZIP_ENDPOINTS, fault_bodies.zip_without_daily),
    "bad-checksum": (ZIP_ENDPOINTS, fault_bodies.bad_checksum),
}
# name → default argument
DELIVERY_FAULTS = {"reset": 0.0, "timeout": 3600.0, "slow-drip": 100.0, "oversized": 512.0, "token-rotated": 0.0}
FAULT_NAMES = sorted({*CONTENT_FAULTS, *DELIVERY_FAULTS, *SERVER_WIDE}) + ["<HTTP status 400-599>"]


@dataclass(frozen=True)
class Streamed:
    """A 200 body written piece by piece, with a pause after each piece."""

    head: Response  # status, content type, extra headers; its body is not sent
    length: int
    chunks: Callable[[], Iterator[bytes]]
    pause_s: float = 0.0


@dataclass(frozen=True)
class ResetConnection:
    """Close the connection with a TCP reset instead of answering."""


@dataclass(frozen=True)
class Stall:
    """Answer nothing for `seconds` (cut short when the server stops), then close."""

    seconds: float


Outcome = Response | Streamed | ResetConnection | Stall
Inner = Callable[[Request], Outcome]


@dataclass(frozen=True)
class FaultSpec:
    name: str
    endpoint: str | None = None  # API path below the prefix; None: every endpoint
    argument: float | None = None

    def applies_to(self, endpoint: str | None) -> bool:
        return self.endpoint is None or self.endpoint == endpoint

    @property
    def status(self) -> int | None:
        return int(self.name) if self.name.isdigit() else None

    def __str__(self) -> str:
        argument = "" if self.argument is None else f"={self.argument:g}"
        return f"{self.name}{argument}{'' if self.endpoint is None else ':' + self.endpoint}"


def parse_fault(text: str) -> FaultSpec:
    head, _, endpoint = text.partition(":")
    name, has_argument, argument_text = head.partition("=")
    try:
        argument = float(argument_text) if has_argument else None
    except ValueError:
        raise ValueError(f"fault {text!r}: the argument after '=' must be a number") from None
    spec = FaultSpec(name, endpoint or None, argument)
    if spec.status is not None:
        if not 400 <= spec.status <= 599:
            raise ValueError(f"fault {text!r}: HTTP status faults are 400-599")
        return spec
    known = {*CONTENT_FAULTS, *DELIVERY_FAULTS, *SERVER_WIDE}
    if name not in known:
        raise ValueError(f"unknown fault {name!r}; known: {', '.join(FAULT_NAMES)}")
    if name in SERVER_WIDE and spec.endpoint:
        raise ValueError(f"fault {name!r} acts on the whole server and takes no endpoint")
    useful_for = CONTENT_FAULTS.get(name, (None, None))[0]
    if spec.endpoint and useful_for is not None and spec.endpoint not in useful_for:
        raise ValueError(f"fault {name!r} only applies to {', '.join(sorted(useful_for))}")
    return spec


def rotated_token(token: str) -> str:
    """The token a `token-rotated` fault accepts instead of the fixture's."""
    return token + ROTATED_SUFFIX


def status_page(status: int) -> Response:
    try:
        return html_page(status, HTTPStatus(status).phrase)
    except ValueError:  # a code without a registered name, such as 499
        return html_page(status, f"Error {status}")


class FaultInjector:
    """Applies fault specs to one simulator's requests, the first listed outermost. Thread-safe."""

    def __init__(self, simulator: LicenseServiceSimulator, specs: Sequence[FaultSpec]) -> None:
        self.simulator = simulator
        self.specs = tuple(specs)
        self._old_token_uses = 0
        self._lock = threading.Lock()

    def has(self, name: str) -> bool:
        return any(spec.name == name for spec in self.specs)

    def respond(self, request: Request) -> Outcome:
        return self._through(0, request)

    def _through(self, index: int, request: Request) -> Outcome:
        if index == len(self.specs):
            return self.simulator.handle(request)
        spec = self.specs[index]
        endpoint = self.simulator.endpoint(request.path)
        inner: Inner = lambda passed_on: self._through(index + 1, passed_on)  # noqa: E731
        if spec.name in SERVER_WIDE or not spec.applies_to(endpoint):
            return inner(request)
        argument = DELIVERY_FAULTS.get(spec.name, 0.0) if spec.argument is None else spec.argument
        if spec.status is not None:
            return status_page(spec.status)
        if spec.name == "reset":
            return ResetConnection()
        if spec.name == "timeout":
            return Stall(argument)
        if spec.name == "token-rotated":
            return self._rotated(endpoint, request, int(argument), inner)
        outcome = inner(request)
        if not isinstance(outcome, Response):
            return outcome  # a fault further in already replaced the answer
        if spec.name in CONTENT_FAULTS:
            return _changed_content(spec.name, outcome)
        if spec.name == "slow-drip":
            return _drip(outcome, bytes_per_second=argument)
        return _oversized(outcome, megabytes=argument)

    def _rotated(self, endpoint: str | None, request: Request, old_token_grace: int, inner: Inner) -> Outcome:
        if endpoint is None or endpoint in UNAUTHENTICATED_PATHS:
            return inner(request)
        fixture = self.simulator.fixture
        old_tokens = {fixture.token, *fixture.bearer_tokens}
        presented = request.query.get("token") or request.bearer_token
        if presented in {rotated_token(token) for token in old_tokens}:
            # Present the credential the simulator knows; every other check stays its own.
            return inner(Request(request.path, {**request.query, "token": fixture.token}))
        if presented in old_tokens:
            with self._lock:
                self._old_token_uses += 1
                expired = self._old_token_uses > old_token_grace
            if expired:
                return unauthorized()
        return inner(request)


def _changed_content(name: str, response: Response) -> Response:
    """Only a correct answer of the right kind is spoiled: a 401 stays a 401."""
    useful_for, change = CONTENT_FAULTS[name]
    expected_type = ZIP if useful_for == ZIP_ENDPOINTS else JSON if useful_for else response.content_type
    return change(response) if response.status == 200 and response.content_type == expected_type else response


def _drip(response: Response, bytes_per_second: float) -> Streamed:
    piece = max(1, int(bytes_per_second / 20))  # about 20 pieces a second
    body = response.body

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(body), piece):
            yield body[start:start + piece]

    return Streamed(response, len(body), chunks, pause_s=piece / bytes_per_second)


def _oversized(response: Response, megabytes: float) -> Streamed:
    """The real body padded up to `megabytes`, never held in memory: JSON with trailing spaces,
    a zip with an extra stored entry (still a valid archive, like a snapshot of a busy cluster)."""
    length = max(len(response.body), int(megabytes * 1024 * 1024))
    if response.status == 200 and response.content_type == ZIP:
        return _padded_zip(response, length)
    block = b" " * 65536

    def chunks() -> Iterator[bytes]:
        yield response.body
        remaining = length - len(response.body)
        while remaining > 0:
            yield block[: min(remaining, len(block))]
            remaining -= len(block)

    return Streamed(response, length, chunks)


PADDING_ENTRY = b"padding.bin"
_LOCAL_HEADER = struct.Struct("<4s5H3L2H")  # signature .. name length, extra length
_DESCRIPTOR = struct.Struct("<4s3L")
_CENTRAL_ENTRY = struct.Struct("<4s6H3L5H2L")
_END_OF_DIRECTORY = struct.Struct("<4s4H2LH")


def _padded_zip(response: Response, length: int) -> Streamed:
    """The snapshot's entries plus a stored `padding.bin` of zeros, written as it is sent: its CRC
    goes in a data descriptor after the data (zip flag bit 3), so nothing is held or spooled."""
    body = response.body
    end = _END_OF_DIRECTORY.unpack_from(body, body.rindex(b"PK\x05\x06"))
    entries, directory_size, directory_offset = end[3], end[5], end[6]
    with zipfile.ZipFile(io.BytesIO(body)) as source:
        year, month, day, hour, minute, second = source.infolist()[0].date_time
    dos_time, dos_date = hour << 11 | minute << 5 | second // 2, (year - 1980) << 9 | month << 5 | day
    overhead = _LOCAL_HEADER.size + _DESCRIPTOR.size + _CENTRAL_ENTRY.size + 2 * len(PADDING_ENTRY)
    padding = min(max(0, length - len(body) - overhead), 0xFFFF0000 - len(body))  # no zip64 needed
    local = _LOCAL_HEADER.pack(b"PK\x03\x04", 20, 0x08, 0, dos_time, dos_date, 0, 0, 0, len(PADDING_ENTRY), 0)
    block = bytes(65536)

    def chunks() -> Iterator[bytes]:
        yield body[:directory_offset]
        yield local + PADDING_ENTRY
        crc, remaining = 0, padding
        while remaining > 0:
            piece = block[:remaining]
            crc = zlib.crc32(piece, crc)
            remaining -= len(piece)
            yield piece
        yield _DESCRIPTOR.pack(b"PK\x07\x08", crc, padding, padding)
        central = _CENTRAL_ENTRY.pack(b"PK\x01\x02", 20, 20, 0x08, 0, dos_time, dos_date, crc, padding, padding,
                                      len(PADDING_ENTRY), 0, 0, 0, 0, 0, directory_offset) + PADDING_ENTRY
        yield body[directory_offset:directory_offset + directory_size] + central
        yield _END_OF_DIRECTORY.pack(b"PK\x05\x06", 0, 0, entries + 1, entries + 1, directory_size + len(central),
                                     directory_offset + len(local) + len(PADDING_ENTRY) + padding + _DESCRIPTOR.size, 0)

    return Streamed(response, len(body) + overhead + padding, chunks)
