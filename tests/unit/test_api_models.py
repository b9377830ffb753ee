"""Every real response body from public documentation parses, with the values it shows."""
import json
from datetime import date
from decimal import Decimal

import pytest

from lsc.api_models import BundledProductRow, PayloadError, ProductRow, ServiceRow, parse_object, parse_rows, parse_version


def _load(samples_dir, name):
    return (samples_dir / name).read_bytes()


@pytest.mark.parametrize("name", ["products_apic_eks_guide.json", "products_event_streams_docs.json"])
def test_products_samples_parse_by_key(samples_dir, name):
    raw = json.loads(_load(samples_dir, name))
    rows = parse_rows(_load(samples_dir, name), ProductRow)
    assert [(r.product_id, r.product_name, r.metric_name, r.quantity, r.peak_date.isoformat()) for r in rows] == [
        (o["id"], o["name"], o["metricName"], Decimal(o["metricQuantity"]), o["metricPeakDate"]) for o in raw]


@pytest.mark.parametrize("name", ["bundled_products_event_streams_docs.json", "bundled_products_event_automation_docs.json"])
def test_bundled_samples_parse_with_and_without_cloudpak_version(samples_dir, name):
    raw = json.loads(_load(samples_dir, name))
    rows = parse_rows(_load(samples_dir, name), BundledProductRow)
    assert [(r.product_name, r.conversion, r.measured_quantity, r.converted_quantity) for r in rows] == [
        (o["productName"], o["metricConversion"], Decimal(o["metricMeasuredQuantity"]),
         Decimal(o["metricConvertedQuantity"])) for o in raw]
    assert all(r.cloudpak_name is None for r in rows)  # optional key absent → null


def test_empty_bundled_sample_is_an_empty_list(samples_dir):
    assert parse_rows(_load(samples_dir, "bundled_products_apic_eks_guide_empty.json"), BundledProductRow) == []


def test_fractional_quantities_stay_exact():
    rows = parse_rows(b'[{"name":"a","id":"1","metricName":"VPC","metricQuantity":0.1,"metricPeakDate":"2026-01-02","new":1}]',
                      ProductRow)
    assert rows[0].quantity == Decimal("0.1") and rows[0].peak_date == date(2026, 1, 2)


@pytest.mark.parametrize("body, fragment", [
    (b"<html><body>login</body></html>", "not JSON"),
    (b'{"products": []}', "expected a JSON array"),
    (b'[{"name": "a"}]', "item 0"),
    (b"[1]", "not an object"),
])
def test_bad_bodies_say_what_is_wrong(body, fragment):
    with pytest.raises(PayloadError, match=fragment):
        parse_rows(body, ProductRow)


def test_services_rows_keep_the_raw_row():
    body = b'[{"serviceName":"s1","serviceId":"x","serviceMetricValue":2.5,"unknown":"kept"}]'
    (row,) = parse_rows(body, ServiceRow)
    assert row.service_name == "s1" and row.quantity == Decimal("2.5")
    assert json.loads(row.raw)["unknown"] == "kept"


def test_parse_object_rejects_arrays():
    with pytest.raises(PayloadError):
        parse_object(b"[]")


@pytest.mark.parametrize(("body", "version"), [
    (b'{"version": "4.2.9"}', "4.2.9"),
    (b'{"buildDate": "2024-01-02", "Version": "1.20.3", "commit": "abc"}', "1.20.3"),
    (b'{"buildVersion": 420}', "420"),
    (b'{"commit": "abc", "buildDate": "2024-01-02"}', "unknown"),  # field names are undocumented
    (b'{"version": ""}', "unknown"),
])
def test_version_is_read_from_whichever_key_names_it(body, version):
    assert parse_version(body) == version


@pytest.mark.parametrize("body", [b"<html>login</html>", b"[]", b"4.2.9"])
def test_a_version_answer_that_is_no_json_object_is_refused(body):
    with pytest.raises(PayloadError):
        parse_version(body)
