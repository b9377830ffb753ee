"""Fault injection as a pure function: what each fault makes of a request."""
from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest

from lsc.local.faults import (
    FaultInjector,
    FaultSpec,
    ResetConnection,
    Stall,
    Streamed,
    parse_fault,
    rotated_token,
)
from lsc.local.fixture import Fixture, load_fixture
from lsc.local.simulator import LicenseServiceSimulator, Request, Response

JSON_PATHS = ["/products", "/bundled_products", "/services", "/health", "/version"]


@pytest.fixture
def east(demo_estate_dir: Path) -> Fixture:
    return load_fixture(demo_estate_dir / "prod-east.json")


def injector(fixture: Fixture, *faults: str, prefix: str | None = None) -> FaultInjector:
    return FaultInjector(LicenseServiceSimulator(fixture, prefix=prefix), [parse_fault(f) for f in faults])


def get(inj: FaultInjector, path: str, token: str | None = None, bearer: str | None = None) -> object:
    headers = {"Authorization": f"Bearer {bearer}"} if bearer else {}
    return inj.respond(Request(path, {"token": token} if token else {}, headers))


def ok_response(outcome: object) -> Response:
    assert isinstance(outcome, Response) and outcome.status == 200, outcome
    return outcome


@pytest.mark.parametrize("text, expected", [
    ("503", FaultSpec("503")),
    ("401:/snapshot", FaultSpec("401", "/snapshot")),
    ("slow-drip=50:/snapshot", FaultSpec("slow-drip", "/snapshot", 50.0)),
    ("token-rotated=3", FaultSpec("token-rotated", None, 3.0)),
    ("refuse", FaultSpec("refuse")),
])
def test_parse(text: str, expected: FaultSpec) -> None:
    assert parse_fault(text) == expected
    assert parse_fault(str(expected)) == expected


@pytest.mark.parametrize("text", ["bogus", "200", "600", "refuse:/products", "wrong-ca:/x",
                                  "truncated-zip:/products", "empty:/snapshot", "slow-drip=abc"])
def test_parse_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        parse_fault(text)


@pytest.mark.parametrize("status", [401, 403, 404, 499, 500, 503])
def test_status_fault_everywhere_with_html_body(east: Fixture, status: int) -> None:
    inj = injector(east, str(status))
    for path in ["/", "/version", "/products", "/snapshot", "/unknown"]:
        outcome = get(inj, path, east.token)
        assert isinstance(outcome, Response) and outcome.status == status
        assert outcome.content_type.startswith("text/html") and outcome.body.startswith(b"<html>")


def test_status_fault_on_one_endpoint(east: Fixture) -> None:
    inj = injector(east, "401:/snapshot")
    assert get(inj, "/snapshot", east.token).status == 401  # type: ignore[attr-defined]
    ok_response(get(inj, "/products", east.token))


def test_endpoint_is_matched_below_the_prefix(east: Fixture) -> None:
    inj = injector(east, "503:/health", prefix="/gw")
    assert get(inj, "/gw/health", east.token).status == 503  # type: ignore[attr-defined]
    ok_response(get(inj, "/gw/products", east.token))


def test_connection_faults(east: Fixture) -> None:
    assert get(injector(east, "reset"), "/products", east.token) == ResetConnection()
    assert get(injector(east, "timeout"), "/version") == Stall(3600.0)
    assert get(injector(east, "timeout=5:/snapshot"), "/snapshot", east.token) == Stall(5.0)
    ok_response(get(injector(east, "timeout=5:/snapshot"), "/products", east.token))


def test_html_200(east: Fixture) -> None:
    response = ok_response(get(injector(east, "html-200"), "/products", east.token))
    assert response.content_type.startswith("text/html") and b"<html>" in response.body


def test_invalid_json(east: Fixture) -> None:
    for path in JSON_PATHS:
        response = ok_response(get(injector(east, "invalid-json"), path, east.token))
        assert response.content_type == "application/json"
        with pytest.raises(json.JSONDecodeError):
            json.loads(response.body)


def test_missing_fields(east: Fixture) -> None:
    rows = json.loads(ok_response(get(injector(east, "missing-fields"), "/products", east.token)).body)
    assert rows and all("name" in row and "id" not in row and "metricQuantity" not in row for row in rows)
    bundled = json.loads(ok_response(get(injector(east, "missing-fields"), "/bundled_products", east.token)).body)
    assert bundled and all("productId" not in row and "metricConvertedQuantity" not in row for row in bundled)


def test_extra_fields_keep_the_real_ones(east: Fixture) -> None:
    plain = json.loads(ok_response(get(injector(east), "/products", east.token)).body)
    extra = json.loads(ok_response(get(injector(east, "extra-fields"), "/products", east.token)).body)
    assert len(plain) == len(extra)
    for original, changed in zip(plain, extra):
        assert set(changed) > set(original)
        assert {k: changed[k] for k in original} == original


def test_empty_applies_to_json_endpoints_only(east: Fixture) -> None:
    inj = injector(east, "empty")
    for path in JSON_PATHS:
        assert ok_response(get(inj, path, east.token)).body == b"[]"
    assert ok_response(get(inj, "/snapshot", east.token)).content_type == "application/zip"


def test_content_faults_do_not_hide_auth_errors(east: Fixture) -> None:
    for fault in ["empty", "html-200", "truncated-zip", "extra-fields"]:
        assert get(injector(east, fault), "/snapshot", "wrong").status == 401  # type: ignore[attr-defined]


def test_truncated_zip(east: Fixture) -> None:
    inj = injector(east, "truncated-zip")
    response = ok_response(get(inj, "/snapshot", east.token))
    assert "audit_snapshot_" in dict(response.extra_headers)["Content-Disposition"]
    with pytest.raises(zipfile.BadZipFile):
        zipfile.ZipFile(io.BytesIO(response.body))
    json.loads(ok_response(get(inj, "/products", east.token)).body)


def test_zip_without_daily(east: Fixture) -> None:
    response = ok_response(get(injector(east, "zip-without-daily"), "/snapshot", east.token))
    with zipfile.ZipFile(io.BytesIO(response.body)) as archive:
        names = archive.namelist()
        checksums = archive.read("checksum.txt").decode()
    assert not [n for n in names if n.startswith(("products_daily_", "bundled_products_daily_"))]
    assert [n for n in names if n.startswith("products_")] and "data_condition.txt" in names
    assert "_daily_" not in checksums and len(checksums.splitlines()) == len(names) - 1


def joined(streamed: object) -> bytes:
    assert isinstance(streamed, Streamed)
    return b"".join(streamed.chunks())


def test_slow_drip_sends_the_real_body_in_pieces(east: Fixture) -> None:
    real = ok_response(get(injector(east), "/products", east.token))
    streamed = get(injector(east, "slow-drip=100"), "/products", east.token)
    assert isinstance(streamed, Streamed) and streamed.pause_s > 0
    assert joined(streamed) == real.body and streamed.length == len(real.body)
    assert len(list(streamed.chunks())) > 10


def test_oversized(east: Fixture) -> None:
    real = ok_response(get(injector(east), "/products", east.token))
    streamed = get(injector(east, "oversized=0.5"), "/products", east.token)
    body = joined(streamed)
    assert len(body) == 512 * 1024 == streamed.length  # type: ignore[union-attr]
    assert json.loads(body) == json.loads(real.body)  # padded with whitespace


def test_oversized_snapshot_is_a_valid_zip_with_the_real_entries(east: Fixture) -> None:
    real = ok_response(get(injector(east), "/snapshot", east.token))
    streamed = get(injector(east, "oversized=3:/snapshot"), "/snapshot", east.token)
    body = joined(streamed)
    assert len(body) == streamed.length  # type: ignore[union-attr]
    assert 3 * 1024 * 1024 - 4096 < len(body) <= 3 * 1024 * 1024 + 4096
    with zipfile.ZipFile(io.BytesIO(real.body)) as expected, zipfile.ZipFile(io.BytesIO(body)) as padded:
        assert padded.testzip() is None
        assert padded.namelist() == expected.namelist() + ["padding.bin"]
        for name in expected.namelist():
            assert padded.read(name) == expected.read(name)


def test_token_rotated_after_n_requests(east: Fixture) -> None:
    inj = injector(east, "token-rotated=2")
    assert [get(inj, "/health", east.token).status for _ in range(3)] == [200, 200, 401]  # type: ignore[attr-defined]
    ok_response(get(inj, "/version"))
    ok_response(get(inj, "/health", rotated_token(east.token)))
    ok_response(get(inj, "/health", bearer=rotated_token(east.bearer_tokens[0])))
    assert get(inj, "/health", bearer=east.bearer_tokens[0]).status == 401  # type: ignore[attr-defined]
    assert get(inj, "/health", "wrong" + rotated_token(east.token)).status == 401  # type: ignore[attr-defined]


def test_faults_chain_first_listed_outermost(east: Fixture) -> None:
    inj = injector(east, "token-rotated", "empty:/products")
    assert ok_response(get(inj, "/products", rotated_token(east.token))).body == b"[]"
    assert get(injector(east, "503", "empty"), "/products", east.token).status == 503  # type: ignore[attr-defined]
