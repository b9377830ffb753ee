"""`lsc clusters check` against HTTPS simulators with real faults: each misconfiguration is named
(DNS, secret, TLS/CA, path prefix, token) and a correct entry passes."""
from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

from lsc.local.aws_env import local_aws
from lsc.local.cli import main
from lsc.local.fixture import Fixture
from lsc.local.local_estate import CA_SECRET, put_secret
from lsc.local.simulator_server import SimulatorServer
from lsc.local.tls import LocalCA

PREFIX = "/ibm-licensing-service-instance"


@pytest.fixture
def prefixed_server(east: Fixture, local_ca: LocalCA):
    with SimulatorServer(east, tls=local_ca, prefix=PREFIX) as server:
        yield server


@pytest.fixture
def twin_servers(east: Fixture, local_ca: LocalCA):
    """More copies of the same License Service: the registry refuses two entries with one URL."""
    with SimulatorServer(east, tls=local_ca, prefix=PREFIX) as a, SimulatorServer(east, tls=local_ca, prefix=PREFIX) as b, \
            SimulatorServer(east, tls=local_ca, prefix=PREFIX) as c:
        yield a, b, c


@pytest.fixture
def registry(tmp_path: Path, moto_endpoint: str, east: Fixture, local_ca: LocalCA, prefixed_server: SimulatorServer,
             twin_servers):
    """A registry of one correct entry and one entry per mistake, each at its own copy of the simulator."""
    run = uuid.uuid4().hex[:8]
    good_secret, bad_secret = f"lsc/{run}/token", f"lsc/{run}/old-token"
    with local_aws(moto_endpoint):
        put_secret(CA_SECRET, local_ca.ca_pem)
        put_secret(good_secret, east.token)
        put_secret(bad_secret, "not-the-token")
    root = prefixed_server.url.removesuffix(PREFIX)

    def entry(cluster_id: str, url: str = prefixed_server.url, secret: str = good_secret) -> dict:
        return {"id": cluster_id, "url": url, "auth": {"type": "token", "secret": secret},
                "tls": {"ca_bundle_secret": CA_SECRET}}

    clusters = [
        entry("good"),
        entry("wrong-token", url=twin_servers[0].url, secret=bad_secret),
        entry("no-prefix", url=root),
        entry("unknown-host", url=f"https://cluster-{run}.invalid{PREFIX}"),
        entry("missing-secret", url=twin_servers[1].url, secret=f"lsc/{run}/nothing-here"),
        {**entry("system-cas", url=twin_servers[2].url), "tls": {}},
    ]
    path = tmp_path / "clusters.json"
    path.write_text(json.dumps({"clusters": clusters}))
    return path


def check(capsys, moto_endpoint: str, registry: Path, *ids: str) -> tuple[int, dict]:
    with local_aws(moto_endpoint):
        code = main(["clusters", "check", *ids, "--registry", str(registry), "--json", "--endpoint-url", moto_endpoint])
    return code, json.loads(capsys.readouterr().out)


def test_each_mistake_is_named(capsys, moto_endpoint: str, registry: Path, east: Fixture) -> None:
    code, results = check(capsys, moto_endpoint, registry)
    assert code == 1
    problems = {cluster_id: result["steps"][-1]["problem"] for cluster_id, result in results.items() if not result["ok"]}
    assert problems == {
        "wrong-token": "token", "no-prefix": "path prefix", "unknown-host": "DNS",
        "missing-secret": "secret", "system-cas": "TLS/CA",
    }
    assert results["good"]["ok"] and [s["name"] for s in results["good"]["steps"]] == [
        "DNS", "secrets", "TLS and /version (no auth)", "token (token) on /health"]
    assert "path prefix" in results["no-prefix"]["steps"][-1]["hint"]
    # the CA bundle is the fix; switching verification off is not what the check suggests
    assert "ca_bundle_secret" in results["system-cas"]["steps"][-1]["hint"]
    assert "insecure" not in results["system-cas"]["steps"][-1]["hint"]
    assert east.token not in json.dumps(results)


def test_one_cluster_all_is_well_then_wrong_ca(capsys, moto_endpoint: str, registry: Path,
                                              prefixed_server: SimulatorServer) -> None:
    code, results = check(capsys, moto_endpoint, registry, "good")
    assert code == 0 and list(results) == ["good"] and results["good"]["ok"]
    prefixed_server.faults = ["wrong-ca"]  # the server now presents a certificate of another CA
    code, results = check(capsys, moto_endpoint, registry, "good")
    assert code == 1 and results["good"]["steps"][-1]["problem"] == "TLS/CA"


def test_text_output_and_configuration_errors(capsys, moto_endpoint: str, registry: Path) -> None:
    with local_aws(moto_endpoint):
        assert main(["clusters", "check", "wrong-token", "--registry", str(registry), "--endpoint-url", moto_endpoint]) == 1
        out = capsys.readouterr().out
        assert out.startswith("wrong-token: FAILED: token") and "fix: token rejected" in out
        assert main(["clusters", "check", "nobody", "--registry", str(registry), "--endpoint-url", moto_endpoint]) == 2
        assert "'nobody' is not in the registry" in capsys.readouterr().err


def test_no_enabled_cluster_is_a_finding_not_silence(capsys, moto_endpoint: str, tmp_path: Path) -> None:
    """The repository's clusters.yaml ships its example disabled: checking it says so, exit 1."""
    registry = tmp_path / "clusters.yaml"
    registry.write_text("clusters:\n  - id: prod-eu-1\n    url: https://ls.prod-eu-1.example.com\n"
                        "    auth: {secret: lsc/prod-eu-1/token}\n    enabled: false\n")
    with local_aws(moto_endpoint):
        assert main(["clusters", "check", "--registry", str(registry), "--endpoint-url", moto_endpoint]) == 1
        captured = capsys.readouterr()
        assert captured.out == "" and f"0 enabled clusters in {registry}" in captured.err
        assert main(["clusters", "check", "--registry", str(registry), "--json", "--endpoint-url", moto_endpoint]) == 1
        assert json.loads(capsys.readouterr().out) == {}
