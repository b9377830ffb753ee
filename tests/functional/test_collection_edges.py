"""Edges of one cluster's collection: a cluster in another time zone, a chargeback group call
that fails after everything else was fetched."""
from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
import uuid
from contextlib import ExitStack

from lsc.local.aws_env import local_aws
from lsc.local.fixture import load_fixture
from lsc.local.local_estate import cluster_entry, provision, seed, start_simulators

from tests.functional.conftest import Estate

EARLIER_RUN, RUN = "2026-11-29T06:00:00Z", "2026-11-30T06:00:00Z"
RUN_ID = "lsc-test-20261130T060000Z"


def test_keys_carry_the_utc_day_while_the_window_ends_on_the_clusters_own_day(moto_endpoint, demo_estate_dir,
                                                                              local_ca):
    fixture = load_fixture(demo_estate_dir / "dev-emea.json")
    with ExitStack() as stack:
        [server] = start_simulators(stack, [fixture], local_ca)
        with local_aws(moto_endpoint):
            deployment = provision(moto_endpoint, f"lsc-test-{uuid.uuid4().hex[:12]}")
            # 06:00 UTC on 2026-11-30 is still 2026-11-29 in Los Angeles
            seed(deployment, [(fixture, {**cluster_entry(fixture, server.url), "timezone": "America/Los_Angeles"})],
                 local_ca.ca_pem)
        estate = Estate([fixture], [server], deployment, RUN)
        assert estate.deliver(RUN) == {"batchItemFailures": []}
        objects = estate.objects()
    status = json.loads(objects[f"status/dt=2026-11-30/dev-emea/{RUN_ID}.json"])
    assert status["outcome"] == "success" and status["window_end"] == "2026-11-29"
    assert [k for k in objects if k.startswith("snapshots/")][0].startswith("snapshots/cluster_id=dev-emea/dt=2026-11-30/")
    assert "usage/products/dt=2026-11-30/dev-emea.json" in objects


def test_a_failed_group_call_keeps_the_stored_chargeback_months_and_the_rest_of_the_run(make_estate,
                                                                                        demo_estate_dir):
    west = load_fixture(demo_estate_dir / "prod-west.json")  # chargeback group `finance`
    estate = make_estate([west])
    assert estate.deliver(EARLIER_RUN) == {"batchItemFailures": []}
    stored = estate.objects("usage/chargeback_daily/")
    assert stored
    # The token is rotated after the five authenticated calls before the group calls.
    estate.servers[0].faults = ["token-rotated=5"]
    try:
        assert estate.deliver(RUN) == {"batchItemFailures": []}
    finally:
        estate.servers[0].faults = []
    objects = estate.objects()
    assert {k: v for k, v in objects.items() if k.startswith("usage/chargeback_daily/")} == stored
    assert "usage/products/dt=2026-11-30/prod-west.json" in objects
    assert {json.loads(line)["run_id"] for line in objects["usage/products_daily/month=2026-11/prod-west.json"]
            .splitlines()} == {RUN_ID}
    status = json.loads(objects[f"status/dt=2026-11-30/prod-west/{RUN_ID}.json"])
    assert status["outcome"] == "success"
    assert "chargeback not collected" in status["warnings"]
    assert "/products (groupName=finance): HTTP 401" in status["warnings"]
    assert west.token not in status["warnings"]


def test_a_group_added_to_a_known_cluster_is_backfilled_over_the_whole_retention(moto_endpoint, demo_estate_dir,
                                                                                  local_ca):
    east = load_fixture(demo_estate_dir / "prod-east.json")
    retail = east.chargeback["retail"][0]
    # a retail day that only the service's whole 62-day retention reaches on 2026-11-30 (not the
    # later run's own window, which starts 2026-10-01)
    east = east.model_copy(update={"chargeback": {**east.chargeback, "retail": [
        retail.model_copy(update={"daily": {date(2026, 9, 30): Decimal("7"), **retail.daily}})]}})
    with ExitStack() as stack:
        [server] = start_simulators(stack, [east], local_ca)
        entry = cluster_entry(east, server.url)
        with local_aws(moto_endpoint):
            deployment = provision(moto_endpoint, f"lsc-test-{uuid.uuid4().hex[:12]}")
            seed(deployment, [(east, {**entry, "groups": ["finance"]})], local_ca.ca_pem)
        estate = Estate([east], [server], deployment, RUN)
        assert estate.deliver(EARLIER_RUN) == {"batchItemFailures": []}
        with local_aws(moto_endpoint):
            seed(deployment, [(east, entry)], local_ca.ca_pem)  # retail added
        assert estate.deliver(RUN) == {"batchItemFailures": []}
        september = estate.objects("usage/chargeback_daily/month=2026-09/")
    rows = [json.loads(line) for body in september.values() for line in body.splitlines()]
    assert [(r["group_name"], r["usage_date"], r["quantity"]) for r in rows if r["group_name"] == "retail"] == [
        ("retail", "2026-09-30", 7)]
