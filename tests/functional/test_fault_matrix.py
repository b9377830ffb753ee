"""Every simulator fault against a 3-cluster estate in which one cluster is faulty.

The estate is collected fault-free once (the day before); each fault then gets its own copy of
that bucket and the next day's run, with the fault on one cluster. Checked: the healthy clusters'
objects equal those of a fault-free next-day run, the faulty cluster's earlier objects are
untouched (or, for a tolerated fault, equal the fault-free run's), its status record names the
expected error class and endpoint, and no token appears in logs, status records or objects.
"""
from __future__ import annotations

import io
import json
from contextlib import ExitStack
from dataclasses import dataclass, replace
from typing import Any

import pytest

from lsc.jsonlines import loads_lines
from lsc.local.faults import FAULT_NAMES, parse_fault
from lsc.local.fixture import load_estate
from lsc.snapshot_catalog import zip_problems
from tests.functional.conftest import Estate, assert_logged_without_tokens, build_estate, tokens_of

FAULTY = "prod-west"  # token in the query string, behind a path prefix: the hardest to keep secret
# bearer token in a header; bundled products, and here services too: what an empty answer would lose
RICH = "prod-east"
RICH_SERVICES = [{
    "cloudpakId": "c8b82d189e7545f0892db9ef2731b90d", "cloudpakMetricName": "VIRTUAL_PROCESSOR_CORE",
    "productName": "IBM Watson Knowledge Catalog", "productId": "5ef8b3e1a90d4c2f8e6b7a1d2c3f4a5b",
    "metricName": "VIRTUAL_PROCESSOR_CORE", "serviceName": "wkc", "serviceId": "wkc-1", "serviceMetricValue": 2,
    "metricDate": "2026-11-20", "metricPeakDate": "2026-11-20"}]
EARLIER_RUN = "2026-11-29T06:00:00Z"
RUN = "2026-11-30T06:00:00Z"
RUN_ID = "lsc-test-20261130T060000Z"
# Short timeouts and a small time budget, so that stalls and trickles cost seconds.
FAST = {
    "LSC_CONNECT_TIMEOUT": "1", "LSC_READ_TIMEOUT": "0.5", "LSC_SNAPSHOT_READ_TIMEOUT": "0.5",
    "LSC_RETRY_BASE_DELAY": "0.01", "LSC_FETCH_BUDGET_SECONDS": "2",
    "LSC_MAX_JSON_BYTES": str(1 << 20), "LSC_MAX_SNAPSHOT_BYTES": str(4 << 20),
}
# Objects whose bytes a tolerated fault may legitimately change (the whole /services row is kept).
KEEPS_RAW_ROWS = "usage/services/"


@dataclass(frozen=True)
class Case:
    faults: tuple[str, ...]
    error_class: str | None  # None: the fault is tolerated and the cluster collected
    endpoint: str | None = None  # None: not fixed (a trickle runs out of time wherever it is)
    http_status: int | None = None
    cluster: str = FAULTY
    warning: str | None = None  # a tolerated fault: the status record's warnings say this
    # a tolerated fault: objects that may differ from the fault-free run's (whole /services rows are kept)
    changes: tuple[str, ...] = (KEEPS_RAW_ROWS,)

    @property
    def id(self) -> str:
        return "+".join(self.faults) + ("" if self.cluster == FAULTY else f"@{self.cluster}")


def failing(fault: str, error_class: str, endpoint: str | None = "/version", *others: str) -> Case:
    status = int(error_class[5:]) if error_class.startswith("HTTP ") else None
    return Case((fault, *others), error_class, endpoint, status)


CASES = [
    failing("401", "HTTP 401"),
    failing("401:/snapshot", "HTTP 401", "/snapshot"),
    failing("403", "HTTP 403"),
    failing("404", "HTTP 404"),
    failing("500", "HTTP 500"),
    failing("503", "HTTP 503"),
    failing("502:/snapshot", "HTTP 502", "/snapshot"),
    failing("reset", "ConnectionReset"),
    failing("refuse", "ConnectError"),
    failing("timeout", "Timeout"),
    failing("timeout:/snapshot", "Timeout", "/snapshot"),
    failing("slow-drip", "DeadlineExceeded", None),
    failing("slow-drip:/snapshot", "DeadlineExceeded", "/snapshot"),
    failing("html-200", "UnexpectedContentType"),
    failing("invalid-json", "InvalidPayload"),
    failing("invalid-json:/products", "InvalidPayload", "/products"),
    failing("missing-fields", "InvalidPayload", "/products"),  # /version names no version: tolerated
    Case(("missing-fields:/version",), None),
    failing("missing-fields:/products", "InvalidPayload", "/products"),
    Case(("extra-fields",), None),
    failing("empty", "InvalidPayload"),
    failing("empty:/products", "InconsistentUsage", "/products"),
    failing("empty:/products", "UsageShrank", "/products", "zip-without-daily"),
    failing("truncated-zip", "InvalidSnapshot", "/snapshot"),
    Case(("zip-without-daily",), None),
    # archived as served (the evidence is kept unchanged), with a warning
    Case(("bad-checksum",), None, warning="does not match its checksum.txt line",
         changes=(KEEPS_RAW_ROWS, "snapshots/")),
    failing("oversized", "ResponseTooLarge"),
    failing("oversized:/snapshot", "ResponseTooLarge", "/snapshot"),
    failing("wrong-ca", "TLSError"),
    failing("token-rotated", "HTTP 401", "/health"),
    failing("token-rotated=3", "HTTP 401", "/services"),
    *(replace(case, cluster=RICH) for case in [
        failing("empty:/bundled_products", "InconsistentUsage", "/bundled_products"),
        failing("empty:/services", "InconsistentUsage", "/services"),
        failing("missing-fields:/bundled_products", "InvalidPayload", "/bundled_products"),
        failing("invalid-json:/services", "InvalidPayload", "/services"),
        failing("token-rotated", "HTTP 401", "/health"),
        Case(("extra-fields",), None),
    ]),
]
FIGURES: dict[str, Any] = {"cases": 0, "objects_compared": 0, "fault_names": set()}


def without_status(objects: dict[str, bytes]) -> dict[str, bytes]:
    return {k: v for k, v in objects.items() if not k.startswith("status/")}


def of_cluster(objects: dict[str, bytes], cluster_id: str) -> dict[str, bytes]:
    marks = (f"/{cluster_id}.json", f"cluster_id={cluster_id}/", f"/{cluster_id}/")
    return {k: v for k, v in objects.items() if any(mark in k for mark in marks)}


@pytest.fixture(scope="module")
def collected(moto_endpoint, demo_estate_dir, local_ca, request):
    """(estate collected fault-free the day before, its objects, objects of a fault-free next-day run)."""
    with ExitStack() as stack:
        # Without chargeback groups: their per-day calls would triple the time of every case.
        fixtures = [f.model_copy(update={"chargeback": {}, "services": RICH_SERVICES if f.cluster_id == RICH else []})
                    for f in load_estate(demo_estate_dir)]
        estate = build_estate(stack, moto_endpoint, fixtures, local_ca)
        estate.collect(EARLIER_RUN)
        reference = estate.fork()
        assert reference.deliver(RUN, FAST) == {"batchItemFailures": []}
        yield estate, without_status(estate.objects()), without_status(reference.objects())
    with request.config.pluginmanager.getplugin("capturemanager").global_and_fixture_disabled():
        print(f"\nfault matrix: {FIGURES['cases']} cases, {len(FIGURES['fault_names'])} distinct faults "
              f"({', '.join(sorted(FIGURES['fault_names']))}), 3 clusters (1 faulty), "
              f"{FIGURES['objects_compared']} objects compared")


def test_the_matrix_tries_every_fault():
    named = {parse_fault(fault).name for case in CASES for fault in case.faults}
    assert {name for name in FAULT_NAMES if not name.startswith("<")} <= named
    assert any(name.isdigit() for name in named)


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_fault_hits_only_the_faulty_cluster(collected, case: Case, capfd, caplog):
    base, before, reference = collected
    estate = base.fork()
    faulty = case.cluster
    server = next(s for s, f in zip(estate.servers, estate.fixtures) if f.cluster_id == faulty)
    server.faults = list(case.faults)
    try:
        response = estate.deliver(RUN, FAST)
    finally:
        server.faults = []
    after = estate.objects()
    data = without_status(after)

    expected_failures = [] if case.error_class is None else [{"itemIdentifier": f"m-{faulty}"}]
    assert response == {"batchItemFailures": expected_failures}
    for fixture in estate.fixtures:
        if fixture.cluster_id != faulty:
            assert of_cluster(data, fixture.cluster_id) == of_cluster(reference, fixture.cluster_id)
    faulty_now = of_cluster(data, faulty)
    if case.error_class is not None:
        assert faulty_now == of_cluster(before, faulty)  # earlier good data untouched, nothing added
    elif "zip-without-daily" in case.faults:
        assert_same_usage(faulty_now, of_cluster(reference, faulty))
    else:
        assert ({k: v for k, v in faulty_now.items() if not k.startswith(case.changes)}
                == {k: v for k, v in of_cluster(reference, faulty).items() if not k.startswith(case.changes)})
    if case.warning:
        [archived] = [k for k in faulty_now if k.startswith(f"snapshots/cluster_id={faulty}/dt=2026-11-30/")]
        assert [p for p in zip_problems(io.BytesIO(faulty_now[archived])) if case.warning in p]

    status = json.loads(after[f"status/dt=2026-11-30/{faulty}/{RUN_ID}.json"])
    if case.error_class is None:
        assert status["outcome"] == "success" and status["error_class"] is None
        assert case.warning is None or case.warning in status["warnings"]
    else:
        assert (status["outcome"], status["error_class"]) == ("failed", case.error_class)
        assert status["http_status"] in ((case.http_status,) if case.http_status else (None, 200)) and status["hint"]
        if case.endpoint:
            assert status["error_endpoint"] == case.endpoint
    assert_no_token(estate, after)
    captured = capfd.readouterr()
    logged = ({"message": "cluster collection failed", "cluster_id": faulty, "error_class": case.error_class}
              if case.error_class else {"cluster_id": faulty, "run_id": RUN_ID})
    assert_logged_without_tokens(estate.fixtures, captured.out + captured.err + caplog.text, logged)
    FIGURES["cases"] += 1
    FIGURES["fault_names"].update(parse_fault(f).name for f in case.faults)
    FIGURES["objects_compared"] += len(data)


def assert_same_usage(got: dict[str, bytes], expected: dict[str, bytes]) -> None:
    """Daily usage from per-day /products calls: the same figures as from the snapshot's daily file."""
    def usage(objects: dict[str, bytes]) -> dict[tuple[str, str, str], str]:
        return {(r["usage_date"], r["product_id"], r["metric_name"]): str(r["quantity"])
                for k, body in objects.items() if k.startswith("usage/products_daily/") for r in loads_lines(body)}

    assert usage(got) == usage(expected) and usage(got)
    sources = {r["source"] for k, b in got.items() if k.startswith("usage/products_daily/month=2026-11") for r in loads_lines(b)}
    assert sources == {"products_api"}


def assert_no_token(estate: Estate, objects: dict[str, bytes]) -> None:
    assert [(key, t) for key, body in objects.items() for t in tokens_of(estate.fixtures) if t.encode() in body] == []
