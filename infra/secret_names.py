"""The registry's secrets against what the collector may read: `GetSecretValue` on
`arn:<partition>:secretsmanager:<region>:<account>:secret:<lsc:secretPrefix>*` of the stack's own
account and region. A secret outside that would pass deploy and fail every run with AccessDenied,
so synth refuses it, naming the cluster and the key."""
from __future__ import annotations

import re

from lsc.registry import Registry, RegistryError

# arn:<partition>:secretsmanager:<region>:<account>:secret:<name>[-<6 random characters>]
SECRET_ARN = re.compile(r"^arn:(?P<partition>[^:]+):secretsmanager:(?P<region>[^:]*):(?P<account>[^:]*):secret:(?P<name>.+)$")


def secret_references(registry: Registry) -> list[tuple[int, str, str, str]]:
    """(entry number, cluster id, registry key, value) of every secret the registry names."""
    found = []
    for number, cluster in enumerate(registry.clusters, start=1):
        found.append((number, cluster.id, "auth.secret", cluster.auth.secret))
        if cluster.tls.ca_bundle_secret:
            found.append((number, cluster.id, "tls.ca_bundle_secret", cluster.tls.ca_bundle_secret))
    return found


def check_secret_names(
    registry: Registry, *, prefix: str, source: str, account: str | None = None, region: str | None = None
) -> None:
    """Raises RegistryError listing every secret the collector could not read.

    `account`/`region`: the stack's, when known at synth (a concrete stack env, or the CLI's
    `CDK_DEFAULT_ACCOUNT`/`CDK_DEFAULT_REGION` during `cdk deploy`); an ARN must match them.
    """
    problems = []
    for number, cluster_id, key, value in secret_references(registry):
        where = f"cluster {cluster_id!r} (entry {number}): {key}"
        name = value
        if value.startswith("arn:"):
            arn = SECRET_ARN.match(value)
            if not arn:
                problems.append(f"{where}: {value!r} is not a Secrets Manager secret ARN")
                continue
            name = arn["name"]
            for part, expected in (("account", account), ("region", region)):
                if expected and arn[part] != expected:
                    problems.append(f"{where}: {value!r} is in {part} {arn[part]!r}, the stack deploys to {expected!r}; "
                                    "the collector reads secrets of its own account and region only")
        if not name.startswith(prefix):
            problems.append(f"{where}: {value!r} is outside lsc:secretPrefix {prefix!r}; "
                            f"the collector may read only secrets named {prefix}*")
    if problems:
        raise RegistryError(f"{source}: " + "; ".join(problems))
