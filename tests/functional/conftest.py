"""Fixtures for tests that talk to simulators over real sockets."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from lsc.local.fixture import Fixture, load_fixture
from lsc.local.simulator_server import SimulatorServer
from lsc.local.tls import LocalCA


@pytest.fixture
def east(demo_estate_dir: Path) -> Fixture:
    """The demo cluster with URL token, bearer token and bundled products."""
    return load_fixture(demo_estate_dir / "prod-east.json")


@pytest.fixture
def east_server(east: Fixture, local_ca: LocalCA) -> Iterator[SimulatorServer]:
    with SimulatorServer(east, tls=local_ca) as server:
        yield server
