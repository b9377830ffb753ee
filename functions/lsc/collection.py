"""Collects one cluster for one run: fetch everything first, then write, then record the outcome.

Nothing is written until every call has succeeded, so a failure never leaves half a collection;
keys are deterministic, so a retry of the same run overwrites instead of duplicating.
"""
from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from botocore.exceptions import ClientError

from lsc import SCHEMA_VERSION
from lsc.api_models import (UNKNOWN_VERSION, BundledProductRow, PayloadError, ProductRow, ServiceRow, parse_object,
                            parse_rows, parse_version)
from lsc.chargeback import GroupUsage, chargeback_window, fetch_group_days
from lsc.collection_window import collection_window, days
from lsc.data_bucket import DataBucket, Tagged, supports_conditional_put
from lsc.datasets import BUNDLED_PRODUCTS, CHARGEBACK_DAILY, COLLECTION_STATUS, PRODUCTS, PRODUCTS_DAILY, SERVICES
from lsc.events import CollectRequest
from lsc.monthly_objects import is_provisional, keep_highest, write_monthly
from lsc.license_client import CallError, LicenseServiceClient, Limits, RetryPolicy, Window, make_tls_verify, redact
from lsc.registry import Cluster
from lsc.settings import Settings
from lsc.snapshot_archive import archive_snapshot, default_file_name, snapshot_key
from lsc.snapshot_catalog import ZipCheck, zip_check
from lsc.snapshot_parser import DailyUsage, SnapshotFormatError, bundled_period_rows, check_complete, daily_usage
from lsc.usage_guards import check_consistent, check_no_lost_days, check_not_emptied

STATE_PREFIX = "state/clusters"
PERIOD_PEAKS = "period_peaks"


class CollectionFailed(Exception):
    """A cluster could not be collected; `status` is the record that was written."""

    def __init__(self, status: dict[str, Any]) -> None:
        super().__init__(f"cluster {status['cluster_id']}: {status['error_endpoint']}: "
                         f"{status['error_class']}: {status['error_message']}")
        self.status = status


@dataclass
class Collector:
    """What collection needs from the outside world, injected so tests can swap any part."""

    bucket: DataBucket
    settings: Settings
    read_secret: Callable[[str], str]
    now: Callable[[], datetime] = field(default=lambda: datetime.now(timezone.utc))

    def client_for(self, cluster: Cluster, deadline: float = float("inf")) -> LicenseServiceClient:
        """`deadline`: a `time.monotonic()` value after which no call to the cluster starts or reads on."""
        ca_pem = self.read_secret(cluster.tls.ca_bundle_secret) if cluster.tls.ca_bundle_secret else None
        settings = self.settings
        token = token_from_secret(self.read_secret(cluster.auth.secret), cluster.auth.secret)
        return LicenseServiceClient(
            cluster.url, auth_type=cluster.auth.type, token=token,
            verify=make_tls_verify(ca_pem, cluster.tls.insecure_skip_verify),
            connect_timeout=settings.connect_timeout, read_timeout=settings.read_timeout,
            snapshot_read_timeout=settings.snapshot_read_timeout, date_params=cluster.date_params,
            limits=Limits(json_bytes=settings.max_json_bytes, snapshot_bytes=settings.max_snapshot_bytes),
            retry=RetryPolicy(attempts=settings.http_attempts, base_delay=settings.retry_base_delay,
                              max_delay=8 * settings.retry_base_delay),
            deadline=deadline,
        )


class InvalidSecret(ValueError):
    """A secret that cannot be used as it is; the message names the secret, never its value."""


# IBM: a License Service token has no spaces, '?', '%' or '&'. It travels in a URL or an HTTP header,
# so whitespace inside it, control and non-ASCII characters cannot be part of it either.
_TOKEN = re.compile(r"[!-~]+")
_NOT_IN_TOKENS = "?%&"


def token_from_secret(secret: str, name: str = "(token)") -> str:
    """SecretString is the raw token; a JSON object with a `token` key is accepted too. Whitespace
    around the token (a trailing line break from an editor or `echo`) is dropped."""
    text = secret.strip()
    if text.startswith("{"):
        try:
            value = json.loads(text)["token"]
        except (ValueError, KeyError, TypeError):
            raise InvalidSecret(f"secret {name}: JSON without a 'token' key") from None
        if not isinstance(value, str):
            raise InvalidSecret(f"secret {name}: its 'token' is not a string")
        text = value.strip()
    if not text:
        raise InvalidSecret(f"secret {name}: holds no token")
    if not _TOKEN.fullmatch(text) or any(ch in text for ch in _NOT_IN_TOKENS):
        raise InvalidSecret(f"secret {name}: the token has a character no License Service token has (a space, "
                            "line break or other control character, a non-ASCII letter, '?', '%' or '&'); "
                            "the value is not shown")
    return text


def state_key(cluster_id: str) -> str:
    return f"{STATE_PREFIX}/{cluster_id}.json"


def collection_day(request: CollectRequest) -> date:
    """The day in every key of the run: the UTC date of the scheduled time (architecture §4)."""
    return request.scheduled_time.astimezone(timezone.utc).date()


def cluster_today(request: CollectRequest, cluster: Cluster) -> date:
    """The cluster's own current day (its registry time zone): where its window ends, and the
    usage day that is still provisional."""
    return request.scheduled_time.astimezone(ZoneInfo(cluster.timezone)).date()


@dataclass
class Fetched:
    version: str
    health_summary: str
    products: list[ProductRow]
    bundled: list[BundledProductRow]
    services: list[ServiceRow]
    snapshot_name: str
    snapshot_sha256: str
    snapshot_size: int
    daily: list[DailyUsage]
    daily_source: str
    license_service_host: str
    snapshot_bundled_rows: int | None = None  # rows of the snapshot's bundled products file, if it has one
    snapshot_check: ZipCheck = field(default_factory=lambda: ZipCheck([], []))  # against its own checksum.txt
    chargeback_window: Window | None = None  # None: no chargeback objects are written this run
    chargeback: GroupUsage | None = None


def _health_summary(health: dict[str, Any]) -> str:
    incomplete = health.get("incompleteAnnotations")
    if isinstance(incomplete, dict) and "count" in incomplete:
        return f"incompleteAnnotations={incomplete['count']}"
    return json.dumps(health, sort_keys=True, separators=(",", ":"))[:500]


def _payload(endpoint: str, parse: Callable[[], Any]) -> Any:
    try:
        return parse()
    except PayloadError as exc:
        raise CallError(endpoint, "InvalidPayload", str(exc),
                        hint="unexpected response body: check the URL points at License Service") from None


def _daily_from_products_api(client: LicenseServiceClient, window: Window) -> list[DailyUsage]:
    """Fallback when the snapshot has no usable daily file: one /products call per day."""
    rows = []
    for day in days(window):
        body = client.get_json("/products", client.window_params(Window(day, day)))
        rows += [DailyUsage(day, row.product_id, row.product_name, row.metric_name, row.quantity)
                 for row in _payload("/products", lambda: parse_rows(body, ProductRow))]
    return rows


def fetch(client: LicenseServiceClient, window: Window, cluster: Cluster, workdir: Path,
          known_groups: list[str]) -> Fetched:
    """`known_groups`: chargeback groups collected before (a new one gets the service's whole retention)."""
    version = _payload("/version", lambda: parse_version(client.get_json("/version", auth=False)))
    health = _payload("/health", lambda: parse_object(client.get_json("/health")))
    params = client.window_params(window)
    products = _payload("/products", lambda: parse_rows(client.get_json("/products", params), ProductRow))
    bundled = _payload("/bundled_products",
                       lambda: parse_rows(client.get_json("/bundled_products", params), BundledProductRow))
    try:
        services = _payload("/services", lambda: parse_rows(client.get_json("/services", params), ServiceRow))
    except CallError as exc:
        if exc.http_status != 404:  # /services exists from License Service 1.16 on
            raise
        services = []
    zip_path = workdir / "snapshot.zip"
    with zip_path.open("w+b") as sink:
        served, sha256, size = client.download_snapshot(window, sink)
        sink.seek(0)
        try:  # a cut-off zip is neither evidence nor usage
            host = check_complete(sink)
        except SnapshotFormatError as exc:
            raise CallError("/snapshot", "InvalidSnapshot", str(exc),
                            hint="the snapshot is not a complete zip (cut off by a proxy or the service): "
                                 "nothing was archived; the run is retried") from None
        bundled_in_snapshot = bundled_period_rows(sink)
        # A zip failing its own checksum.txt is still archived (it is what the service served, and the
        # evidence is kept unchanged), with a warning.
        integrity = zip_check(sink)
        sink.seek(0)
        try:
            daily = daily_usage(sink, {row.product_name: row.product_id for row in products})
            source = "snapshot"
        except SnapshotFormatError:
            daily, source = _daily_from_products_api(client, window), "products_api"
    fetched = Fetched(
        version=version, health_summary=_health_summary(health),
        products=products, bundled=bundled, services=services,
        snapshot_name=served or default_file_name(cluster.id, window.start, window.end),
        snapshot_sha256=sha256, snapshot_size=size, daily=daily, daily_source=source,
        license_service_host=host or cluster.service_address, snapshot_bundled_rows=bundled_in_snapshot,
        snapshot_check=integrity,
    )
    if cluster.groups:
        # After everything else: a group call that fails costs only the chargeback months (a warning).
        group_window = chargeback_window(window, cluster.chargeback_retention_days,
                                         new_groups=not set(cluster.groups) <= set(known_groups))
        fetched.chargeback = fetch_group_days(client, cluster.groups, group_window, _payload)
        if fetched.chargeback.failure is None:
            fetched.chargeback_window = group_window
    return fetched


def guard_usage(bucket: DataBucket, cluster_id: str, window: Window, fetched: Fetched,
                last_peaks: dict[str, str]) -> None:
    """Refuses data that would replace stored usage with less (see lsc.usage_guards).
    `last_peaks`: the latest peak date per period dataset of the last successful run."""
    endpoint = "/snapshot" if fetched.daily_source == "snapshot" else "/products"
    usage_days = {row.usage_date for row in fetched.daily}
    check_consistent(len(fetched.products), usage_days, endpoint)
    check_not_emptied("/bundled_products", len(fetched.bundled), window, snapshot_rows=fetched.snapshot_bundled_rows,
                      last_peak=last_peaks.get(BUNDLED_PRODUCTS.table))
    check_not_emptied("/services", len(fetched.services), window, last_peak=last_peaks.get(SERVICES.table))
    check_no_lost_days(bucket, cluster_id, window, usage_days, endpoint)


def common_fields(request: CollectRequest) -> dict[str, Any]:
    return {"schema_version": SCHEMA_VERSION, "cluster_id": request.cluster_id, "run_id": request.run_id,
            "scheduled_time": request.scheduled_time_text}


def write_usage(bucket: DataBucket, request: CollectRequest, window: Window, fetched: Fetched,
                day: date, first: bool) -> int:
    """Daily products (and chargeback) as month objects; returns the daily product rows written."""
    common = common_fields(request)
    daily = [{**common, "usage_date": r.usage_date, "product_id": r.product_id, "product_name": r.product_name,
              "metric_name": r.metric_name, "quantity": r.quantity, "source": fetched.daily_source,
              "provisional": is_provisional(r.usage_date, day)} for r in fetched.daily]
    daily = keep_highest(daily, lambda r: (r["usage_date"], r["product_id"], r["metric_name"]))
    written = write_monthly(bucket, PRODUCTS_DAILY, request.cluster_id, window, daily, first=first)
    if fetched.chargeback_window is not None:
        groups = [{**common, **r, "provisional": is_provisional(r["usage_date"], day)}
                  for r in fetched.chargeback.rows]
        groups = keep_highest(groups, lambda r: (r["usage_date"], r["group_name"], r["product_id"], r["metric_name"]))
        write_monthly(bucket, CHARGEBACK_DAILY, request.cluster_id, fetched.chargeback_window, groups, first=first)
    return written


def write_period_datasets(bucket: DataBucket, request: CollectRequest, window: Window, fetched: Fetched,
                          day: date) -> None:
    period = {**common_fields(request), "window_start": window.start, "window_end": window.end}
    bucket.put_json_lines(PRODUCTS.key(day, request.cluster_id), [
        {**period, **row.model_dump()} for row in fetched.products])
    bucket.put_json_lines(BUNDLED_PRODUCTS.key(day, request.cluster_id), [
        {**period, **row.model_dump()} for row in fetched.bundled])
    bucket.put_json_lines(SERVICES.key(day, request.cluster_id), [
        {**period, **row.model_dump()} for row in fetched.services])


def _status(request: CollectRequest, started: datetime, finished: datetime, **fields: Any) -> dict[str, Any]:
    record = {name: None for name in COLLECTION_STATUS.column_names}
    record.update(common_fields(request))
    record.update(execution_id=request.execution_id, started_at=_iso(started), finished_at=_iso(finished),
                  duration_ms=int((finished - started).total_seconds() * 1000), **fields)
    return record


def _warnings(fetched: Fetched, insecure: bool, superseded_by: str | None) -> str | None:
    notes = []
    if superseded_by:
        notes.append(f"older than the last successful run {superseded_by} (a redrive or late delivery): "
                     "its snapshot and day objects are kept, the month objects stay as that run wrote them")
    if fetched.version == UNKNOWN_VERSION:
        notes.append("the /version answer named no version")
    if fetched.snapshot_check.problems:
        notes.append(f"the snapshot {fetched.snapshot_name} fails its own checksum.txt (archived as served): "
                     + "; ".join(fetched.snapshot_check.problems))
    notes += [f"the snapshot {fetched.snapshot_name}: {note}" for note in fetched.snapshot_check.notes]
    groups = fetched.chargeback
    if groups and groups.failure:
        failure = groups.failure
        notes.append(f"chargeback not collected, stored chargeback months kept: {failure.endpoint}: "
                     f"{failure.error_class}: {failure.message}" + (f" ({failure.hint})" if failure.hint else ""))
    notes += [f"chargeback group {g!r} returned no usage (unknown group, or no labelled namespace)"
              for g in (groups.silent if groups else [])]
    if insecure:
        notes.append("TLS verification is off for this cluster (tls.insecure_skip_verify)")
    return "; ".join(notes) or None


def _collector_hint(exc: Exception) -> str:
    if isinstance(exc, InvalidSecret):
        return "put only the token in the cluster's secret (or JSON {\"token\": \"...\"}), then re-run"
    if isinstance(exc, ClientError):  # botocore retried it already (standard mode)
        return ("an AWS call failed (S3 or Secrets Manager): check the collector's role, the bucket and its KMS key "
                "policy; months already rewritten hold this run's complete data, the run is retried")
    return "see the collector's log for this run"


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _period_peaks(fetched: Fetched) -> dict[str, str]:
    """The latest peak date per period dataset: a later `[]` while such a day is in its window is refused."""
    peaks = {BUNDLED_PRODUCTS.table: max((r.peak_date for r in fetched.bundled if r.peak_date), default=None),
             SERVICES.table: max((r.peak_date for r in fetched.services if r.peak_date), default=None)}
    return {table: day.isoformat() for table, day in peaks.items() if day}


STATE_WRITE_ATTEMPTS = 3


@dataclass(frozen=True)
class StateChange:
    """What a successful run adds to the cluster's state. `peaks`: `_period_peaks` of the run (None:
    keep the stored ones); `groups`: the chargeback groups it collected in full (None: none written)."""

    first: bool
    retired: bool = False
    peaks: dict[str, str] | None = None
    groups: list[str] | None = None


def _update_state(bucket: DataBucket, request: CollectRequest, change: StateChange, read: Tagged) -> None:
    """Merges this run into the state `read` at the start of the collection. The write is
    conditional on the state being unchanged since (one call); if another run for the cluster wrote
    it meanwhile, its state is read again and merged. SDKs without conditional writes read first."""
    key = state_key(request.cluster_id)
    conditional = supports_conditional_put(bucket.s3)
    for attempt in range(STATE_WRITE_ATTEMPTS):
        if not conditional or attempt == STATE_WRITE_ATTEMPTS - 1:
            bucket.put_json(key, _merged_state(bucket.get_json(key) or {}, request, change))
            return
        if bucket.put_json_if_unchanged(key, _merged_state(dict(read.document or {}), request, change), read):
            return
        read = bucket.get_json_tagged(key)


def _merged_state(state: dict[str, Any], request: CollectRequest, change: StateChange) -> dict[str, Any]:
    if change.peaks is not None:
        state[PERIOD_PEAKS] = change.peaks
    if change.groups is not None:
        state["chargeback_groups"] = sorted(set(change.groups))
    first, retired = change.first, change.retired
    if first or "first_scheduled_time" not in state:
        state.update(first_run_id=request.run_id, first_scheduled_time=request.scheduled_time_text)
    if state.get("last_success_scheduled_time", "") <= request.scheduled_time_text:
        state.update(last_success_run_id=request.run_id, last_success_scheduled_time=request.scheduled_time_text)
    if retired:
        state.update(retired_run_id=request.run_id, retired_scheduled_time=request.scheduled_time_text)
    state["cluster_id"] = request.cluster_id
    return state


def collect_cluster(collector: Collector, cluster: Cluster, request: CollectRequest, *,
                    final: bool = False, deadline: float = float("inf")) -> dict[str, Any]:
    """Returns the status record written; raises CollectionFailed after writing a failed one.

    `final`: the decommissioning run: everything the service still keeps (the first-collection
    window), and the cluster is marked retired in its status record and state.
    `deadline` (a `time.monotonic()` value) ends the calls to the cluster, retries included.
    """
    started = collector.now()
    day, today = collection_day(request), cluster_today(request, cluster)
    read_state = collector.bucket.get_json_tagged(state_key(cluster.id))
    state = read_state.document or {}
    first = state.get("first_scheduled_time", "9999") >= request.scheduled_time_text
    last_success = state.get("last_success_scheduled_time")
    # A redriven or late older run knows fewer days than the newer one that wrote the month objects
    # (and its last day only as a partial value): it must not rewrite them, nor the state.
    superseded_by = (state.get("last_success_run_id") or last_success
                     if last_success and request.scheduled_time_text < last_success else None)
    window = collection_window(today, date.fromisoformat(last_success[:10]) if last_success else None,
                               first=first or final)
    status_key = COLLECTION_STATUS.key(day, cluster.id, request.run_id)
    window_fields = {"window_start": window.start, "window_end": window.end}
    try:
        with tempfile.TemporaryDirectory(prefix="lsc-") as workdir, collector.client_for(cluster, deadline) as client:
            fetched = fetch(client, window, cluster, Path(workdir), state.get("chargeback_groups", []))
            guard_usage(collector.bucket, cluster.id, window, fetched, state.get(PERIOD_PEAKS, {}))
            archived = archive_snapshot(
                collector.bucket.s3, collector.bucket.bucket, Path(workdir) / "snapshot.zip",
                snapshot_key(cluster.id, day, fetched.snapshot_sha256, fetched.snapshot_name),
                fetched.snapshot_sha256, fetched.snapshot_size,
                {"cluster-id": cluster.id, "window-start": window.start.isoformat(),
                 "window-end": window.end.isoformat(), "collected-at": _iso(started), "run-id": request.run_id},
            )
        daily_rows = (0 if superseded_by
                      else write_usage(collector.bucket, request, window, fetched, today, first or final))
        write_period_datasets(collector.bucket, request, window, fetched, day)
        _update_state(collector.bucket, request, StateChange(
            first=first and not superseded_by, retired=final, peaks=None if superseded_by else _period_peaks(fetched),
            groups=cluster.groups if fetched.chargeback_window and not superseded_by else None), read_state)
    except CallError as exc:
        status = _status(request, started, collector.now(), outcome="failed", **window_fields,
                         error_endpoint=exc.endpoint, error_class=exc.error_class, http_status=exc.http_status,
                         error_message=exc.message, hint=exc.hint)
        collector.bucket.put_json(status_key, status)
        raise CollectionFailed(status) from None
    except Exception as exc:  # S3 and secret failures: still one cluster's failure, recorded as such
        status = _status(request, started, collector.now(), outcome="failed", **window_fields,
                         error_endpoint="(collector)", error_class=type(exc).__name__,
                         error_message=redact(str(exc))[:500], hint=_collector_hint(exc))
        collector.bucket.put_json(status_key, status)
        raise CollectionFailed(status) from None
    status = _status(request, started, collector.now(), outcome="success", **window_fields,
                     license_service_version=fetched.version, health_summary=fetched.health_summary,
                     snapshot_key=archived.key, snapshot_sha256=archived.sha256, daily_rows=daily_rows,
                     license_service_host=fetched.license_service_host,
                     warnings=_warnings(fetched, cluster.tls.insecure_skip_verify, superseded_by), retired=final)
    collector.bucket.put_json(status_key, status)
    return status
