"""Daily CSV parsing by column name, tolerant to order, spelling and aliases."""
import io
import zipfile
from datetime import date
from decimal import Decimal

import pytest

from lsc.snapshot_parser import SnapshotFormatError, daily_usage

PID = "c8b82d189e7545f0892db9ef2731b90d"


def make_zip(entries: dict[str, str]) -> io.BytesIO:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in entries.items():
            archive.writestr(name, text)
    buffer.seek(0)
    return buffer


def triples(rows):
    return [(r.usage_date, r.product_id, r.metric_name, r.quantity) for r in rows]


EXPECTED = [(date(2026, 9, 1), PID, "VIRTUAL_PROCESSOR_CORE", Decimal("20")),
            (date(2026, 9, 2), PID, "VIRTUAL_PROCESSOR_CORE", Decimal("6.5"))]


@pytest.mark.parametrize("header, rows", [
    ("date,name,id,metricName,metricQuantity", [f"2026-09-01,CP4I,{PID},VIRTUAL_PROCESSOR_CORE,20",
                                                f"2026-09-02,CP4I,{PID},VIRTUAL_PROCESSOR_CORE,6.5"]),
    ("metricQuantity,metricName,id,name,date", [f"20,VIRTUAL_PROCESSOR_CORE,{PID},CP4I,2026-09-01",
                                                f"6.5,VIRTUAL_PROCESSOR_CORE,{PID},CP4I,2026-09-02"]),
    ("Metric Date,Product Name,Product_ID,Metric,Value", [f"9/1/2026,CP4I,{PID},VIRTUAL_PROCESSOR_CORE,20",
                                                          f"9/2/2026,CP4I,{PID},VIRTUAL_PROCESSOR_CORE,6.5"]),
    ("usage-date,productName,productId,METRIC_NAME,quantity", [f"2026-09-01,CP4I,{PID},VIRTUAL_PROCESSOR_CORE,20",
                                                               f"2026-09-02,CP4I,{PID},VIRTUAL_PROCESSOR_CORE,6.5"]),
])
def test_columns_are_found_by_name(header, rows):
    archive = make_zip({"products_daily_2026-09-01_2026-09-02_h.csv": "\n".join([header, *rows]) + "\n"})
    assert triples(daily_usage(archive)) == EXPECTED


def test_bundled_daily_file_is_not_taken_for_the_products_daily_file():
    archive = make_zip({
        "bundled_products_daily_x.csv": "date,productName,productId,metricName,metricMeasuredQuantity\n2026-09-01,B,b,VPC,99\n",
        "products_daily_x.csv": f"date,name,id,metricName,metricQuantity\n2026-09-01,CP4I,{PID},VIRTUAL_PROCESSOR_CORE,20\n",
    })
    assert triples(daily_usage(archive)) == EXPECTED[:1]


def test_daily_file_without_id_is_joined_to_the_period_file_by_name():
    archive = make_zip({
        "products_x.csv": f"name,id,metricName,metricPeakDate,metricQuantity\nCP4I,{PID},VIRTUAL_PROCESSOR_CORE,2026-09-01,20\n",
        "products_daily_x.csv": "date,name,metricName,metricQuantity\n2026-09-01,CP4I,VIRTUAL_PROCESSOR_CORE,20\n",
    })
    assert triples(daily_usage(archive)) == EXPECTED[:1]


def test_daily_file_without_id_can_use_the_products_api_names():
    archive = make_zip({"products_daily_x.csv": "date,name,metricName,metricQuantity\n2026-09-01,CP4I,VIRTUAL_PROCESSOR_CORE,20\n"})
    assert triples(daily_usage(archive, {"CP4I": PID})) == EXPECTED[:1]


def test_header_only_file_means_no_usage():
    archive = make_zip({"products_daily_x.csv": "date,name,id,metricName,metricQuantity\n"})
    assert daily_usage(archive) == []


@pytest.mark.parametrize("entries, fragment", [
    ({"products_x.csv": "name,id\n"}, "no products_daily_"),
    ({"products_daily_x.csv": "when,name,id,metricName,metricQuantity\n"}, "no column for date"),
    ({"products_daily_x.csv": "date,name,id,metricName,metricQuantity\nnot-a-date,a,b,c,1\n"}, "line 2"),
    ({"products_daily_x.csv": "date,name,metricName,metricQuantity\n2026-09-01,Unknown,VPC,1\n"}, "has no id"),
])
def test_unusable_files_raise_with_a_reason(entries, fragment):
    with pytest.raises(SnapshotFormatError, match=fragment):
        daily_usage(make_zip(entries))


def test_not_a_zip():
    with pytest.raises(SnapshotFormatError, match="not a readable zip"):
        daily_usage(io.BytesIO(b"<html>"))
