"""LocalEngine over an S3 endpoint (moto server, httpfs loaded from the wheel) gives the same rows
as over the same objects on disk."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto.server import ThreadedMotoServer

from infra.catalog import VIEWS
from lsc.datasets import CHARGEBACK_DAILY, COLLECTION_STATUS, PRODUCTS_DAILY
from lsc.local.dataset_files import objects_by_key, write_objects
from lsc.local.sql_engine import LocalEngine

BUCKET = "lsc-data-test"
CREDENTIALS = {"access_key": "testing", "secret_key": "testing", "region": "us-east-1"}
RUN = {"schema_version": 1, "run_id": "daily-20261130T060000Z", "scheduled_time": "2026-11-30T06:00:00Z"}


def usage(cluster_id: str, day: str, product_id: str, quantity: str, **extra: Any) -> dict[str, Any]:
    return {**RUN, "cluster_id": cluster_id, "usage_date": day, "product_id": product_id,
            "product_name": f"product {product_id}", "metric_name": "VIRTUAL_PROCESSOR_CORE",
            "quantity": Decimal(quantity), "provisional": False, **extra}


ESTATE = {
    **objects_by_key(PRODUCTS_DAILY, [
        usage("east", "2026-10-30", "p1", "4", source="snapshot"),
        usage("west", "2026-10-30", "p1", "2.5", source="snapshot"),
        usage("east", "2026-11-02", "p1", "7", source="snapshot"),
        usage("west", "2026-11-02", "p1", "0", source="snapshot"),
        usage("west", "2026-11-03", "p2", "1.25", source="snapshot"),
    ]),
    **objects_by_key(CHARGEBACK_DAILY, [
        usage("east", "2026-11-02", "p1", "3", group_name="finance"),
        usage("west", "2026-11-02", "p1", "0.5", group_name="finance"),
    ]),
    **objects_by_key(COLLECTION_STATUS, [
        {**RUN, "cluster_id": "east", "outcome": "success", "license_service_version": "4.2.23",
         "health_summary": "ok", "finished_at": "2026-11-30T06:00:09.000Z"},
    ]),
}


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    with pytest.MonkeyPatch.context() as env:
        env.setenv("AWS_EC2_METADATA_DISABLED", "true")
        env.delenv("AWS_CA_BUNDLE", raising=False)  # a real CA bundle has no business with a loopback endpoint
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        try:
            host, port = server.get_host_and_port()
            endpoint = f"http://{host}:{port}"
            s3 = boto3.client("s3", endpoint_url=endpoint, aws_access_key_id=CREDENTIALS["access_key"],
                              aws_secret_access_key=CREDENTIALS["secret_key"], region_name=CREDENTIALS["region"])
            s3.create_bucket(Bucket=BUCKET)
            for key, body in ESTATE.items():
                s3.put_object(Bucket=BUCKET, Key=key, Body=body)
            yield endpoint
        finally:
            server.stop()


@pytest.fixture(scope="module")
def directory(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("estate")
    write_objects(root, ESTATE)
    return root


def every_result(engine: LocalEngine) -> dict[str, list[dict[str, Any]]]:
    results = {name: sorted(engine.view(name), key=repr) for name in VIEWS}
    results["period"] = sorted(engine.peak_for_period(date(2026, 10, 15), date(2026, 11, 15)), key=repr)
    return results


def test_s3_and_directory_give_the_same_rows(s3_endpoint: str, directory: Path) -> None:
    with LocalEngine.over_s3(s3_endpoint, BUCKET, **CREDENTIALS) as engine:
        over_s3 = every_result(engine)
    with LocalEngine.over_directory(directory) as engine:
        over_directory = every_result(engine)

    assert over_s3 == over_directory
    # The data really was read (not two empty estates): the window's figures, computed by hand.
    assert [(row["product_id"], row["peak_quantity"], row["peak_date"], row["sum_of_cluster_peaks"])
            for row in sorted(over_s3["period"], key=lambda r: r["product_id"]) if row["usage_source"] == "products"] == [
        ("p1", 7, date(2026, 11, 2), 9.5),
        ("p2", Decimal("1.25"), date(2026, 11, 3), Decimal("1.25")),
    ]
    assert [row["cluster_id"] for row in over_s3["cluster_latest"]] == ["east"]
