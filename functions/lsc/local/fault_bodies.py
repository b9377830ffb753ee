"""Wrong-but-plausible bodies for content faults: each takes a correct 200 response and returns
what a misbehaving License Service, proxy or gateway might send instead."""
from __future__ import annotations

import io
import json
import zipfile
from decimal import Decimal
from typing import Any

from lsc.local.simulator import HTML, JSON, Response, json_response
from lsc.local.wire_format import to_json

# What a collector cannot do without: identifiers, quantities, peak dates, the version.
ESSENTIAL_KEYS = frozenset({
    "id", "productId", "metricQuantity", "metricMeasuredQuantity", "metricConvertedQuantity",
    "metricPeakDate", "version",
})
UNEXPECTED_FIELDS = {"cloudpakVersion": "2020.2.1", "lscUnexpected": {"nested": [1, "two"]}}
LOGIN_PAGE = b"<html><head><title>Log in</title></head><body><form>Sign in to continue</form></body></html>"


def _map_objects(response: Response, change: Any) -> Response:
    document = json.loads(response.body, parse_float=Decimal)
    if isinstance(document, list):
        return json_response([change(item) if isinstance(item, dict) else item for item in document])
    return json_response(change(document) if isinstance(document, dict) else document)


def missing_fields(response: Response) -> Response:
    return _map_objects(response, lambda item: {k: v for k, v in item.items() if k not in ESSENTIAL_KEYS})


def extra_fields(response: Response) -> Response:
    return _map_objects(response, lambda item: {**item, **UNEXPECTED_FIELDS})


def empty_array(response: Response) -> Response:
    return json_response([])


def invalid_json(response: Response) -> Response:
    # Cut inside the document, as a proxy that drops the end of a response would.
    body = response.body if len(response.body) > 2 else to_json([{"name": "x"}]).encode()
    return Response(200, JSON, body[: len(body) // 2])


def html_200(response: Response) -> Response:
    return Response(200, HTML, LOGIN_PAGE)


def truncated_zip(response: Response) -> Response:
    return Response(200, response.content_type, response.body[: len(response.body) // 2], response.extra_headers)


def _rewritten_zip(response: Response, change: Any) -> Response:
    """The zip with each entry's content passed through `change(name, content)` (None drops it)."""
    kept = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(response.body)) as source, zipfile.ZipFile(kept, "w") as target:
        for info in source.infolist():
            content = change(info.filename, source.read(info))
            if content is not None:
                target.writestr(info, content)
    return Response(200, response.content_type, kept.getvalue(), response.extra_headers)


def zip_without_daily(response: Response) -> Response:
    """The snapshot without its daily CSVs, checksums listing only what is left."""
    def change(name: str, content: bytes) -> bytes | None:
        if "_daily_" in name:
            return None
        if name == "checksum.txt":
            lines = content.decode("utf-8").splitlines(keepends=True)
            return "".join(line for line in lines if "_daily_" not in line).encode("utf-8")
        return content

    return _rewritten_zip(response, change)


def bad_checksum(response: Response) -> Response:
    """The snapshot with a wrong digest on the first line of its checksum.txt: what an altered
    entry looks like to anyone checking it."""
    def change(name: str, content: bytes) -> bytes:
        if name != "checksum.txt":
            return content
        first = "0" if content[:1] != b"0" else "1"
        return first.encode() + content[1:]

    return _rewritten_zip(response, change)
