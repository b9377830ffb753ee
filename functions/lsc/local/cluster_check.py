"""`lsc clusters check`: one registered cluster tried the way the collector reaches it (same client,
same secrets, same TLS settings), step by step, stopping at the first step that fails with what to
fix: the host name (DNS), the secrets, TLS and the CA, the URL's path prefix, the token."""
from __future__ import annotations

import socket
import ssl
from collections.abc import Callable
from dataclasses import asdict, dataclass
from urllib.parse import urlsplit

from lsc.collection import Collector
from lsc.license_client import CallError, LicenseServiceClient
from lsc.registry import Cluster
from lsc.settings import Settings

# What a failing CallError means for the step that got it (the client's own hint says how to fix it).
_VERSION_MEANING = {
    "TLSError": "TLS/CA",
    "ConnectError": "network",
    "Timeout": "network",
    "HTTP 404": "path prefix",
    "UnexpectedContentType": "path prefix",
}
_AUTH_MEANING = {"HTTP 401": "token", "HTTP 403": "token"}


@dataclass(frozen=True)
class Step:
    name: str
    ok: bool
    detail: str
    problem: str = ""  # what is wrong, in the registry's terms: DNS, secret, TLS/CA, network, path prefix, token
    hint: str = ""


def check_cluster(cluster: Cluster, read_secret: Callable[[str], str]) -> list[Step]:
    """Steps tried in order; the last one is the first failure, or every step passed."""
    steps = [_dns(cluster)]
    if not steps[-1].ok:
        return steps
    names = [name for name in (cluster.auth.secret, cluster.tls.ca_bundle_secret) if name]
    secrets: dict[str, str] = {}
    for name in names:
        try:
            secrets[name] = read_secret(name)
        except Exception as exc:  # noqa: BLE001 - whatever the SDK raises, the secret is unusable
            return [*steps, Step("secrets", False, f"{name}: {type(exc).__name__}", "secret",
                                 f"create the secret {name} (Secrets Manager, the collector's region) or fix the registry")]
    steps.append(Step("secrets", True, f"read {', '.join(names)}"))
    # The check reads only the client's timeouts from the settings, not the bucket they also hold.
    collector = Collector(bucket=None, settings=Settings.model_construct(), read_secret=secrets.__getitem__)  # type: ignore[arg-type]
    try:
        client = collector.client_for(cluster)
    except (ValueError, ssl.SSLError) as exc:
        return [*steps, Step("secrets", False, str(exc) or type(exc).__name__, "secret",
                             "the token secret holds the token (or JSON with a `token` key), the CA secret a PEM bundle")]
    with client:
        steps.append(_call("TLS and /version (no auth)", lambda: _version(client), _VERSION_MEANING))
        if steps[-1].ok:
            steps.append(_call(f"token ({cluster.auth.type}) on /health", lambda: _health(client), _AUTH_MEANING))
    return steps


def _dns(cluster: Cluster) -> Step:
    host = urlsplit(cluster.url).hostname or ""
    try:
        addresses = sorted({info[4][0] for info in socket.getaddrinfo(host, None)})
    except OSError as exc:
        return Step("DNS", False, f"{host}: {exc.strerror or exc}", "DNS",
                    "check the host name in the registry URL and that it resolves where the collector runs (VPC DNS)")
    return Step("DNS", True, f"{host} resolves to {', '.join(addresses)}")


# The fix to try first, where the client's general hint names a riskier one too.
_FIRST_FIX = {
    "TLS/CA": "put the CA that signed the route's certificate (PEM) in the secret named by tls.ca_bundle_secret "
              "(README: Create a cluster's secrets); if the entry has one, it holds another CA",
}


def _call(name: str, call: Callable[[], str], meanings: dict[str, str]) -> Step:
    try:
        return Step(name, True, call())
    except CallError as exc:
        problem = meanings.get(exc.error_class, "License Service")
        return Step(name, False, f"{exc.endpoint}: {exc.error_class}: {exc.message}", problem,
                    _FIRST_FIX.get(problem, exc.hint))


def _version(client: LicenseServiceClient) -> str:
    body = client.get_json("/version", auth=False)
    return f"answered {body.decode('utf-8', 'replace').strip()[:80]}"


def _health(client: LicenseServiceClient) -> str:
    # The smallest authenticated answer; no dates, so the check does not depend on the cluster's clock.
    client.get_json("/health")
    return "accepted"


def step_record(step: Step) -> dict[str, object]:
    return asdict(step)
