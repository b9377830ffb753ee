"""Cluster registry: which License Services to collect from, and how to reach them.

The repo file (`clusters.yaml`) is validated at synth time and deployed to the data bucket as
`config/clusters.json`; handlers validate it again at run time with the same model.
"""
from __future__ import annotations

import ipaddress
import json
import re
from typing import Annotated, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, field_validator, model_validator

CLUSTER_ID_PATTERN = r"^[a-z0-9][a-z0-9._-]{0,62}$"


class RegistryError(ValueError):
    """The registry is unusable; the message names the entry and the field."""


SecretName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class Auth(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: Literal["token", "bearer"] = "token"
    secret: SecretName = Field(description="Secrets Manager name or ARN holding the token")


class Tls(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ca_bundle_secret: SecretName | None = None
    # The one explicit switch for an insecure connection: an https URL whose certificate is not
    # verified, or a plain http URL to a host other than this machine (the token travels in clear).
    insecure_skip_verify: bool = False

    @model_validator(mode="after")
    def _one_choice(self) -> "Tls":
        if self.ca_bundle_secret and self.insecure_skip_verify:
            raise ValueError("set either ca_bundle_secret or insecure_skip_verify, not both")
        return self


class Cluster(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=CLUSTER_ID_PATTERN)
    url: str
    auth: Auth
    tls: Tls = Tls()
    enabled: bool = True
    timezone: str = "UTC"
    tags: dict[str, str] = {}
    groups: list[str] = []
    # the License Service's spec.chargebackRetentionPeriod (how many days of group data it keeps)
    chargeback_retention_days: int = Field(default=62, ge=1, le=731)
    date_params: tuple[str, str] = ("startDate", "endDate")

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) URL: {value!r}")
        if parts.query or parts.fragment or parts.username or parts.password:
            raise ValueError("the URL must not carry a query, fragment or user info (tokens belong in a secret)")
        try:
            parts.port
        except ValueError:
            raise ValueError(f"bad port in {value!r}") from None
        return value.rstrip("/")

    @model_validator(mode="after")
    def _secure_unless_switched_off(self) -> "Cluster":
        parts = urlsplit(self.url)
        if parts.scheme == "http" and self.tls.ca_bundle_secret:
            raise ValueError("tls.ca_bundle_secret needs an https URL")
        if parts.scheme == "http" and not _is_loopback(parts.hostname or "") and not self.tls.insecure_skip_verify:
            raise ValueError(f"plain http to {parts.hostname} sends the token unencrypted: use https, "
                             "or set tls.insecure_skip_verify: true to accept an insecure connection")
        return self

    @property
    def service_address(self) -> str:
        """Host, port and path of the URL: what two entries reaching one License Service share."""
        parts = urlsplit(self.url)
        port = f":{parts.port}" if parts.port else ""
        return f"{(parts.hostname or '').lower()}{port}{parts.path.rstrip('/')}"

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value


class Registry(BaseModel):
    model_config = ConfigDict(extra="forbid")
    clusters: list[Cluster]

    @model_validator(mode="after")
    def _unique_ids_and_services(self) -> "Registry":
        ids: dict[str, int] = {}
        services: dict[str, str] = {}
        for number, cluster in enumerate(self.clusters, start=1):
            if cluster.id in ids:
                raise ValueError(f"duplicate cluster id {cluster.id!r} (entries {ids[cluster.id]} and {number}): "
                                 "edit the existing entry instead of adding another")
            ids[cluster.id] = number
            if not cluster.enabled:  # disabling one of two entries is how a duplicate is resolved
                continue
            other = services.setdefault(cluster.service_address, cluster.id)
            if other != cluster.id:
                raise ValueError(f"clusters {other!r} and {cluster.id!r} have the same URL "
                                 f"({cluster.service_address}): one License Service would be counted twice")
        return self

    def enabled(self) -> list[Cluster]:
        return [c for c in self.clusters if c.enabled]

    def get(self, cluster_id: str) -> Cluster:
        for cluster in self.clusters:
            if cluster.id == cluster_id:
                return cluster
        raise RegistryError(f"cluster {cluster_id!r} is not in the registry")

    def to_json(self) -> bytes:
        return json.dumps(self.model_dump(mode="json"), indent=1, sort_keys=True).encode()


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _describe(error: ValidationError, data: object) -> str:
    lines = []
    for item in error.errors():
        loc = list(item["loc"])
        where = ".".join(str(p) for p in loc)
        if len(loc) >= 2 and loc[0] == "clusters" and isinstance(loc[1], int) and isinstance(data, dict):
            try:
                entry_id = data["clusters"][loc[1]].get("id", "?")
            except (KeyError, IndexError, TypeError, AttributeError):
                entry_id = "?"
            where = f"cluster {entry_id!r} (entry {loc[1] + 1}): " + ".".join(str(p) for p in loc[2:])
        message = item["msg"].removeprefix("Value error, ")
        lines.append(f"{where}: {message}" if where else message)
    return "; ".join(lines)


def parse_registry(data: object, source: str = "registry") -> Registry:
    try:
        return Registry.model_validate(data)
    except ValidationError as exc:
        raise RegistryError(f"{source}: {_describe(exc, data)}") from None


def load_registry_file(path: str) -> Registry:
    """Reads `clusters.yaml` (or `.json`) and validates it."""
    import yaml  # only for the repo file; the Lambda reads JSON

    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    try:
        data = json.loads(text) if path.endswith(".json") else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise RegistryError(f"{path}: not valid {'JSON' if path.endswith('.json') else 'YAML'}: {exc}") from None
    return parse_registry(data, source=path)


def registry_id_pattern() -> re.Pattern[str]:
    return re.compile(CLUSTER_ID_PATTERN)
