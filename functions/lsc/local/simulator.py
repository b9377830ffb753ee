"""A License Service as a pure function: request in, response out (fixtures/WIRE.md).

No sockets here, so every byte of the contract is unit-testable; `simulator_server` puts this on
HTTP(S), and fault injection wraps `LicenseServiceSimulator.handle` per endpoint.
"""
from __future__ import annotations

import hmac
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from html import escape

from lsc.local.fixture import Fixture
from lsc.local.simulated_usage import (
    BUNDLED_PRODUCTS_FIELDS,
    PRODUCTS_FIELDS,
    Record,
    Window,
    WindowError,
    bundled_period,
    products_period,
    resolve_window,
)
from lsc.local.snapshot_zip import build_snapshot
from lsc.local.wire_format import to_json

HTML = "text/html; charset=utf-8"
JSON = "application/json"
TEXT = "text/plain; charset=utf-8"
ZIP = "application/zip"
UNAUTHENTICATED_PATHS = frozenset({"/", "/version"})


@dataclass(frozen=True)
class Request:
    path: str  # without the query string
    query: Mapping[str, str] = field(default_factory=dict)  # first value of each parameter
    headers: Mapping[str, str] = field(default_factory=dict)

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers.items() if k.lower() == name.lower()), None)

    @property
    def bearer_token(self) -> str | None:
        scheme, _, credential = (self.header("Authorization") or "").partition(" ")
        return credential.strip() if scheme.lower() == "bearer" else None


@dataclass(frozen=True)
class Response:
    status: int
    content_type: str
    body: bytes
    extra_headers: tuple[tuple[str, str], ...] = ()  # beyond Content-Type and Content-Length


def html_page(status: int, title: str, body_html: str = "") -> Response:
    text = f"<html><body><b>{escape(title)}</b>{body_html}</body></html>"
    return Response(status, HTML, text.encode("utf-8"))


def not_found() -> Response:
    return html_page(404, "Not Found")


def unauthorized() -> Response:
    return html_page(401, "Unauthorized")


def json_response(value: object) -> Response:
    return Response(200, JSON, to_json(value).encode("utf-8"))


def _project(records: list[Record], fields: tuple[str, ...]) -> list[Record]:
    return [{name: record[name] for name in fields} for record in records]


class LicenseServiceSimulator:
    """Serves one fixture. `today` defaults to the fixture's; `prefix` to its `path_prefix`
    (pass `""` to serve at the root even when the fixture names a prefix)."""

    def __init__(self, fixture: Fixture, *, today: date | None = None, prefix: str | None = None):
        self.fixture = fixture
        self.today = today if today is not None else fixture.today
        chosen_prefix = fixture.path_prefix if prefix is None else prefix
        self.prefix = (chosen_prefix or "").rstrip("/")
        self._endpoints: dict[str, Callable[[Request], Response]] = {
            "/": self._landing,
            "/version": lambda _: json_response({"version": fixture.version}),
            "/products": self._products,
            "/bundled_products": self._bundled_products,
            "/services": lambda _: json_response(fixture.services),
            "/health": lambda _: json_response(fixture.health),
            "/status": self._status,
            "/snapshot": self._snapshot,
        }

    def endpoint(self, path: str) -> str | None:
        """The API path below the prefix (`/products`), or None when `path` is not one."""
        if self.prefix:
            if path != self.prefix and not path.startswith(self.prefix + "/"):
                return None
            path = path[len(self.prefix):] or "/"
        return path if path in self._endpoints else None

    def handle(self, request: Request) -> Response:
        # Order of checks fixed by the contract: path, then auth, then parameters.
        endpoint = self.endpoint(request.path)
        if endpoint is None:
            return not_found()
        if endpoint not in UNAUTHENTICATED_PATHS and not self.is_authorized(request):
            return unauthorized()
        try:
            return self._endpoints[endpoint](request)
        except WindowError as error:
            return Response(400, TEXT, f"{error}\n".encode("utf-8"))

    def is_authorized(self, request: Request) -> bool:
        token = request.query.get("token")
        if token is not None and hmac.compare_digest(token.encode(), self.fixture.token.encode()):
            return True
        bearer = request.bearer_token
        return bearer is not None and any(
            hmac.compare_digest(bearer.encode(), accepted.encode()) for accepted in self.fixture.bearer_tokens
        )

    def window(self, request: Request) -> Window:
        return resolve_window(request.query, self.today)

    def _products(self, request: Request) -> Response:
        group = request.query.get("groupName")
        rows = self.fixture.products if group is None else self.fixture.chargeback.get(group, [])
        return json_response(_project(products_period(rows, self.window(request)), PRODUCTS_FIELDS))

    def _bundled_products(self, request: Request) -> Response:
        records = bundled_period(self.fixture.bundled_products, self.window(request))
        return json_response(_project(records, BUNDLED_PRODUCTS_FIELDS))

    def _snapshot(self, request: Request) -> Response:
        snapshot = build_snapshot(self.fixture, self.window(request), self.today)
        disposition = f'attachment; filename="{snapshot.filename}"'
        return Response(200, ZIP, snapshot.content, (("Content-Disposition", disposition),))

    def _landing(self, _: Request) -> Response:
        links = "".join(
            f'<li><a href="{escape(self.prefix + path)}">{escape(path)}</a></li>'
            for path in self._endpoints
            if path != "/"
        )
        return html_page(200, "IBM License Service (simulated)", f"<ul>{links}</ul>")

    def _status(self, _: Request) -> Response:
        fixture = self.fixture
        details = (
            f"<p>cluster {escape(fixture.hostname)}, version {escape(fixture.version)}, "
            f"today {self.today}</p>"
        )
        return html_page(200, "License Service status", details)
