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
