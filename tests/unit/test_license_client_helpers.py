import json

import pytest

from lsc.collection import InvalidSecret, token_from_secret
from lsc.license_client import redact, served_file_name, status_hint


def test_redact_removes_query_strings():
    text = "Client error for url 'https://h/products?token=abcDEF123&startDate=2026-01-01'"
    assert "abcDEF123" not in redact(text) and "https://h/products?<redacted>" in redact(text)


def test_served_file_name_from_content_disposition():
    assert served_file_name('attachment; filename="audit_snapshot_2026-01-01_2026-01-31_h.zip"') == \
        "audit_snapshot_2026-01-01_2026-01-31_h.zip"
    assert served_file_name("attachment; filename=../../etc/passwd") == "passwd"
    assert served_file_name("attachment; filename=\"a b?.zip\"") == "a_b_.zip"
    assert served_file_name("inline") is None


def test_hints_name_the_remedy():
    assert "rotate" in status_hint(401) or "token" in status_hint(401)
    assert "path prefix" in status_hint(404)
    assert "retried" in status_hint(502)
    # 400: the service refused the parameters (a start after the cluster's today, old date parameter names)
    assert "date range" in status_hint(400) and "date_params" in status_hint(400)


TOKEN = "eyJhbGciOiJSUzI1NiJ9.reader"


@pytest.mark.parametrize("secret", [TOKEN, f"  {TOKEN}\n", json.dumps({"token": f"{TOKEN}\n"}),
                                    json.dumps({"token": f"\t{TOKEN}"}) + "\n"])
def test_the_token_is_the_secret_without_surrounding_whitespace(secret):
    assert token_from_secret(secret, "lsc/a/token") == TOKEN


@pytest.mark.parametrize("secret", [f"{TOKEN} x", json.dumps({"token": f"{TOKEN}\nx"}), f"{TOKEN}\x00",
                                    f"{TOKEN}?a", f"{TOKEN}%20", f"{TOKEN}&b", f"{TOKEN}é", "  ",
                                    json.dumps({"token": ""}), json.dumps({"token": 12}), '{"tok": "x"}', "{"])
def test_a_token_no_license_service_accepts_is_refused_without_showing_it(secret):
    with pytest.raises(InvalidSecret) as info:
        token_from_secret(secret, "lsc/a/token")
    assert str(info.value).startswith("secret lsc/a/token: ")
    assert TOKEN not in str(info.value) and "reader" not in str(info.value)
