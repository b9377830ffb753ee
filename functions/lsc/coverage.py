"""Quarterly evidence: do the archived audit snapshots of each cluster cover the quarter's last
90 days? Computed from the snapshots' own metadata (their windows), the registry and each
cluster's collection state, so the report rests on the evidence itself.

The days checked end at the as-of day: days since the last collection are missing (a whole estate
that stopped collecting is missing evidence too), days not yet past are not. Coverage is about
presence: whether the archived objects are intact is `lsc snapshots verify`, or `unusable` here.

The same question over the status records is the `snapshot_coverage_quarterly` view.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from lsc.collection import state_key
from lsc.data_bucket import DataBucket
from lsc.day_ranges import DayRange, evidence_days, uncovered
from lsc.registry import Registry
from lsc.snapshot_catalog import ArchivedSnapshot

COVERED, MISSING, NEVER_COLLECTED, RETIRED_BEFORE = "covered", "missing", "never collected", "retired before"
NOT_DUE = "not due yet"  # the quarter's evidence days start after the as-of day


@dataclass(frozen=True)
class ClusterState:
    """What the registry and the cluster's collection state say (`state/clusters/<id>.json`)."""

    registered: bool
    enabled: bool | None = None
    last_success: str | None = None  # scheduled time of the latest successful collection
    retired_on: date | None = None  # collection day of its final collection


@dataclass(frozen=True)
class ClusterCoverage:
    cluster_id: str
    state: ClusterState
    status: str
    required: DayRange | None
    missing: list[DayRange] = field(default_factory=list)
    snapshots: list[str] = field(default_factory=list)
    bad_snapshots: dict[str, list[str]] = field(default_factory=dict)  # key -> why it does not count

    @property
    def missing_days(self) -> int:
        return sum(gap.days for gap in self.missing)

    def as_json(self) -> dict[str, Any]:
        return {
            "cluster_id": self.cluster_id, "status": self.status, "registered": self.state.registered,
            "enabled": self.state.enabled, "retired_on": self.state.retired_on and str(self.state.retired_on),
            "last_success": self.state.last_success,
            "evidence_start": self.required and str(self.required.start),
            "evidence_end": self.required and str(self.required.end),
            "missing_days": self.missing_days,
            "missing": [{"start": str(g.start), "end": str(g.end), "days": g.days} for g in self.missing],
            "snapshots": self.snapshots,
            "bad_snapshots": [{"key": key, "problems": problems} for key, problems in self.bad_snapshots.items()],
        }


@dataclass(frozen=True)
class QuarterCoverage:
    quarter: str
    evidence: DayRange  # the quarter's last 90 days
    as_of: date  # the last day evidence is required for
    checked_through: date  # the earlier of the as-of day and the quarter's end
    clusters: list[ClusterCoverage]

    @property
    def complete(self) -> bool:
        return all(c.status in (COVERED, RETIRED_BEFORE, NOT_DUE) for c in self.clusters)

    @property
    def due(self) -> bool:
        return self.checked_through >= self.evidence.start

    def as_json(self) -> dict[str, Any]:
        return {"quarter": self.quarter, "evidence_start": str(self.evidence.start),
                "evidence_end": str(self.evidence.end), "as_of": str(self.as_of),
                "checked_through": str(self.checked_through),
                "complete": self.complete, "clusters": [c.as_json() for c in self.clusters]}


def default_as_of(today: date, snapshots: Iterable[ArchivedSnapshot]) -> date:
    """The last day evidence is required for when none is named: yesterday, the last whole day
    (today's collection may not have run yet), or the latest day a snapshot reaches if that is later.
    The `evidence_clusters` view uses the same rule with `current_date`."""
    return max([today - timedelta(days=1), *(s.window.end for s in snapshots if s.window is not None)])


def quarter_coverage(label: str, quarter_range: DayRange, snapshots: Iterable[ArchivedSnapshot],
                     states: Mapping[str, ClusterState], *, as_of: date,
                     unusable: Mapping[str, list[str]] | None = None) -> QuarterCoverage:
    """Per cluster (registered, or with archived snapshots): the evidence days no snapshot covers.

    The required days are the quarter's last 90 up to `as_of`, cut at a retired cluster's final
    collection. Snapshots in `unusable` (key -> problems, e.g. failed verification) cover nothing.
    """
    evidence = evidence_days(quarter_range)
    unusable = unusable or {}
    windows: dict[str, list[tuple[DayRange, str]]] = {}
    for snapshot in snapshots:
        if snapshot.window is not None:
            windows.setdefault(snapshot.cluster_id, []).append((snapshot.window, snapshot.key))
    checked_through = min(evidence.end, as_of)
    clusters = []
    for cluster_id in sorted(states.keys() | windows.keys()):
        state = states.get(cluster_id, ClusterState(registered=False))
        own = windows.get(cluster_id, [])
        end = min(checked_through, state.retired_on or checked_through)
        if checked_through < evidence.start or end < evidence.start:
            clusters.append(ClusterCoverage(cluster_id, state, NOT_DUE if checked_through < evidence.start
                                            else RETIRED_BEFORE, None))
            continue
        required = DayRange(evidence.start, end)
        overlapping = [(w, key) for w, key in own if w.overlaps(required)]
        missing = uncovered(required, [w for w, key in overlapping if key not in unusable])
        bad = {key: list(unusable[key]) for _, key in sorted(overlapping, key=lambda p: p[1]) if key in unusable}
        used = sorted(key for _, key in overlapping if key not in unusable)
        if not own and state.last_success is None:
            status = NEVER_COLLECTED
        else:
            status = MISSING if missing else COVERED
        clusters.append(ClusterCoverage(cluster_id, state, status, required, missing, used, bad))
    return QuarterCoverage(label, evidence, as_of, checked_through, clusters)


def read_states(bucket: DataBucket, registry: Registry, collected: Iterable[str]) -> dict[str, ClusterState]:
    """ClusterState of every registered cluster and every cluster with archived snapshots."""
    enabled = {c.id: c.enabled for c in registry.clusters}
    states = {}
    for cluster_id in sorted(enabled.keys() | set(collected)):
        state = bucket.get_json(state_key(cluster_id)) or {}
        retired = state.get("retired_scheduled_time")
        states[cluster_id] = ClusterState(
            registered=cluster_id in enabled, enabled=enabled.get(cluster_id),
            last_success=state.get("last_success_scheduled_time"),
            retired_on=date.fromisoformat(retired[:10]) if retired else None)
    return states
