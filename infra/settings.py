"""Deployment settings: every CDK context key, its default and its check, in one typed place.

Keys are `lsc:<camelCaseName>` (e.g. `lsc:scheduleExpression`), given in `cdk.json` or with
`cdk deploy -c lsc:alarmEmail=ops@example.com`. the README lists them (a test keeps it complete).
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from aws_cdk import aws_logs as logs
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic.alias_generators import to_camel

from lsc.settings import FETCH_SHARE

REPO_ROOT = Path(__file__).resolve().parent.parent
CONTEXT_PREFIX = "lsc:"

# The collector retries a failed call this many times in all (passed as LSC_HTTP_ATTEMPTS); the
# timeout budget below assumes it, so that a hung cluster ends in a reported failure, not a Lambda
# timeout. At run time the collector also stops calling at FETCH_SHARE of its remaining time.
HTTP_ATTEMPTS = 3
# CloudWatch alarms evaluate at most 7 days of hourly periods.
MAX_STALE_HOURS = 168
# IBM License Service audits need snapshots for two years.
MIN_SNAPSHOT_RETENTION_DAYS = 730


# EventBridge Scheduler expressions: cron(minutes hours day-of-month month day-of-week year),
# rate(<n> minute(s)|hour(s)|day(s)) or a one-time at(yyyy-mm-ddThh:mm:ss).
CRON_FIELDS = (
    ("minutes", r"[0-9,*/-]+"),
    ("hours", r"[0-9,*/-]+"),
    ("day-of-month", r"[0-9,*/?LW-]+"),
    ("month", r"[0-9A-Za-z,*/-]+"),
    ("day-of-week", r"[0-9A-Za-z,*/?L#-]+"),
    ("year", r"[0-9,*/-]+"),
)
RATE = re.compile(r"rate\([1-9][0-9]* (minute|minutes|hour|hours|day|days)\)")
AT = re.compile(r"at\(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\)")


def schedule_expression_problem(expression: str) -> str | None:
    """Why EventBridge Scheduler would refuse the expression at deploy, or None."""
    if RATE.fullmatch(expression) or AT.fullmatch(expression):
        return None
    cron = re.fullmatch(r"cron\((.*)\)", expression)
    if not cron:
        return "not cron(...), rate(<n> minutes|hours|days) or at(yyyy-mm-ddThh:mm:ss)"
    fields = cron[1].split()
    if len(fields) != len(CRON_FIELDS):
        return f"cron needs {len(CRON_FIELDS)} fields ({' '.join(name for name, _ in CRON_FIELDS)}), got {len(fields)}"
    for value, (name, pattern) in zip(fields, CRON_FIELDS):
        if not re.fullmatch(pattern, value):
            return f"cron {name} field {value!r} is not valid"
    if (fields[2] == "?") == (fields[4] == "?"):
        return "cron needs '?' in exactly one of day-of-month and day-of-week"
    return None


class SettingsError(ValueError):
    """A context value is unusable; the message names the `lsc:` key."""


class InfraSettings(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid", frozen=True)

    # Naming and the cluster registry
    stack_name: str = Field("Lsc", description="name of the CloudFormation stack")
    registry_file: str = Field("clusters.yaml", description="registry file, relative to the repository root")
    registry_key: str = Field("config/clusters.json", description="S3 key the registry is deployed to (`LSC_REGISTRY_KEY`)")
    secret_prefix: str = Field("lsc/", min_length=1, description="Secrets Manager name prefix the collector may read")

    # Storage
    encryption: Literal["kms", "s3"] = Field("kms", description="`kms`: one customer managed key (rotated) for data, Athena results and the alarm topic; `s3`: S3-managed keys")
    snapshot_transition_days: int = Field(90, ge=0, description="age at which audit snapshots move to the cheaper class (0: never)")
    snapshot_storage_class: Literal["STANDARD_IA", "INTELLIGENT_TIERING", "GLACIER_IR", "GLACIER", "DEEP_ARCHIVE"] = Field(
        "GLACIER_IR", description="that class; GLACIER and DEEP_ARCHIVE need a restore before `lsc snapshots get`"
    )
    snapshot_expiration_days: int = Field(0, ge=0, description=f"delete snapshots at this age (0: keep forever; else >= {MIN_SNAPSHOT_RETENTION_DAYS})")
    noncurrent_version_days: int = Field(90, ge=1, description="keep overwritten usage/status/config versions this long")
    object_lock_days: int = Field(0, ge=0, description="Object Lock default retention in days (0: no Object Lock)")
    object_lock_mode: Literal["GOVERNANCE", "COMPLIANCE"] = Field("GOVERNANCE", description="Object Lock mode when enabled")
    access_log_days: int = Field(365, ge=1, description="keep S3 server access logs this long")
    athena_results_days: int = Field(30, ge=1, description="keep Athena query results this long")

    # Catalog and query
    database: str = Field("license_usage", pattern=r"^[a-z0-9_]{1,255}$", description="Glue database")
    workgroup: str = Field("lsc", pattern=r"^[a-zA-Z0-9._-]{1,128}$", description="Athena workgroup")
    projection_years: int = Field(5, ge=1, le=50, description="partitions projected from NOW-<years> to NOW")
    bytes_scanned_cutoff_mb: int = Field(10240, ge=10, description="Athena per-query scan limit, MB")

    # Collection
    schedule_name: str = Field("lsc-collection", pattern=r"^[0-9a-zA-Z._-]{1,64}$", description="schedule name (part of every run id)")
    schedule_expression: str = Field("cron(0 6 * * ? *)", description="EventBridge Scheduler `cron(...)`, `rate(...)` or `at(...)`")
    schedule_timezone: str = Field("UTC", description="IANA time zone of the cron or at expression")
    schedule_enabled: bool = Field(True, description="false pauses collection")
    collector_timeout_seconds: int = Field(900, ge=60, le=900, description="collector Lambda timeout (one cluster per invocation)")
    collector_memory_mb: int = Field(512, ge=128, le=10240, description="collector Lambda memory")
    collector_max_concurrency: int = Field(5, ge=2, le=1000, description="clusters collected at the same time (SQS event source maximum concurrency)")
    max_receive_count: int = Field(3, ge=1, le=1000, description="deliveries of a cluster's message before it goes to the DLQ")
    connect_timeout: float = Field(5.0, gt=0, description="`LSC_CONNECT_TIMEOUT`, seconds")
    read_timeout: float = Field(60.0, gt=0, description="`LSC_READ_TIMEOUT`, seconds")
    snapshot_read_timeout: float = Field(120.0, gt=0, description="`LSC_SNAPSHOT_READ_TIMEOUT`, seconds")
    vpc_id: str | None = Field(None, description="place the collector in this VPC (with `subnetIds`, `securityGroupId`)")
    subnet_ids: tuple[str, ...] = Field((), description="private subnets of the collector (list)")
    security_group_id: str | None = Field(None, description="security group of the collector")
    bundle_dependencies: bool = Field(True, description="pip-install the Lambda dependencies into `build/` (false: empty layer, for tests only)")

    # Operations
    metrics_namespace: str = Field("LicenseServiceCollector", description="CloudWatch namespace of the collector's metrics")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field("INFO", description="`POWERTOOLS_LOG_LEVEL`")
    log_retention: str = Field("THREE_MONTHS", description="Lambda log retention, an `aws_logs.RetentionDays` name")
    tracing: bool = Field(False, description="X-Ray active tracing on both functions")
    stale_after_hours: int = Field(36, ge=1, le=MAX_STALE_HOURS, description="alarm when a cluster has no successful collection for this long")
    alarm_email: str | None = Field(None, description="subscribe this address to the alarm topic")

    @field_validator("schedule_expression")
    @classmethod
    def _schedule_expression(cls, value: str) -> str:
        if problem := schedule_expression_problem(value):
            raise ValueError(f"{value!r}: {problem}")
        return value

    @field_validator("schedule_timezone")
    @classmethod
    def _schedule_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{value!r} is not an IANA time zone (e.g. UTC, Europe/Paris)") from None
        return value

    @field_validator("log_retention")
    @classmethod
    def _retention(cls, value: str) -> str:
        if value not in logs.RetentionDays.__members__:
            raise ValueError(f"not one of {', '.join(logs.RetentionDays.__members__)}")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> "InfraSettings":
        if 0 < self.snapshot_expiration_days < MIN_SNAPSHOT_RETENTION_DAYS:
            raise ValueError(f"lsc:snapshotExpirationDays must be 0 or >= {MIN_SNAPSHOT_RETENTION_DAYS}")
        if self.snapshot_transition_days and self.snapshot_expiration_days and self.snapshot_transition_days >= self.snapshot_expiration_days:
            raise ValueError("lsc:snapshotTransitionDays must be below lsc:snapshotExpirationDays")
        vpc_parts = (self.vpc_id, self.subnet_ids, self.security_group_id)
        if any(vpc_parts) and not all(vpc_parts):
            raise ValueError("VPC placement needs all of lsc:vpcId, lsc:subnetIds and lsc:securityGroupId")
        budget = HTTP_ATTEMPTS * (self.connect_timeout + self.read_timeout + self.snapshot_read_timeout)
        fetch_time = FETCH_SHARE * self.collector_timeout_seconds
        if budget >= fetch_time:
            raise ValueError(
                f"{HTTP_ATTEMPTS} x (lsc:connectTimeout + lsc:readTimeout + lsc:snapshotReadTimeout) = {budget:g} s "
                f"must stay below {FETCH_SHARE:g} x lsc:collectorTimeoutSeconds ({fetch_time:g} s; the rest is for writing)"
            )
        return self

    @classmethod
    def context_keys(cls) -> dict[str, str]:
        """Field name -> context key."""
        return {name: CONTEXT_PREFIX + to_camel(name) for name in cls.model_fields}

    @classmethod
    def from_context(cls, get: Any) -> "InfraSettings":
        """`get` is `node.try_get_context`; unset keys take the defaults above."""
        given = {key[len(CONTEXT_PREFIX):]: value for key in cls.context_keys().values() if (value := get(key)) is not None}
        if isinstance(given.get("subnetIds"), str):  # `-c lsc:subnetIds=a,b` arrives as one string
            given["subnetIds"] = tuple(part for part in given["subnetIds"].split(",") if part)
        try:
            return cls.model_validate(given)
        except ValidationError as exc:
            where = "; ".join(
                f"{CONTEXT_PREFIX}{'.'.join(str(p) for p in e['loc'])}: {e['msg'].removeprefix('Value error, ')}" if e["loc"] else e["msg"]
                for e in exc.errors()
            )
            raise SettingsError(f"invalid CDK context: {where}") from None

    @property
    def registry_path(self) -> Path:
        return REPO_ROOT / self.registry_file

    @property
    def retention(self) -> logs.RetentionDays:
        return logs.RetentionDays[self.log_retention]


def cdk_json_context() -> dict[str, Any]:
    """The context of cdk.json, so `python app.py` synthesizes what `cdk synth` does (the CLI merges it too)."""
    return json.loads((REPO_ROOT / "cdk.json").read_text(encoding="utf-8"))["context"]
