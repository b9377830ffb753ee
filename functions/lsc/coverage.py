"""Quarterly evidence: do the archived audit snapshots of each cluster cover the quarter's last
90 days? Computed from the snapshots' own metadata (their windows), the registry and each
cluster's collection state, so the report rests on the evidence itself.

The same question over the status records is the `snapshot_coverage_quarterly` view.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from lsc.collection import state_key
from lsc.data_bucket import DataBucket
from lsc.day_ranges import DayRange, evidence_days, uncovered
from lsc.registry import Registry
from lsc.snapshot_catalog import ArchivedSnapshot

COVERED, MISSING, NEVER_COLLECTED, RETIRED_BEFORE = "covered", "missing", "never collected", "retired before"


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
        }


@dataclass(frozen=True)
class QuarterCoverage:
    quarter: str
    evidence: DayRange  # the quarter's last 90 days
    checked_through: date  # the estate's latest collected day, when the quarter is still running
    clusters: list[ClusterCoverage]

    @property
    def complete(self) -> bool:
        return all(c.status in (COVERED, RETIRED_BEFORE) for c in self.clusters)

    def as_json(self) -> dict[str, Any]:
        return {"quarter": self.quarter, "evidence_start": str(self.evidence.start),
                "evidence_end": str(self.evidence.end), "checked_through": str(self.checked_through),
                "complete": self.complete, "clusters": [c.as_json() for c in self.clusters]}


def quarter_coverage(label: str, quarter_range: DayRange, snapshots: Iterable[ArchivedSnapshot],
                     states: Mapping[str, ClusterState]) -> QuarterCoverage:
    """Per cluster (registered, or with archived snapshots): the evidence days no snapshot covers.

    The required days are the quarter's last 90, cut at a retired cluster's final collection and
    at the estate's latest collected day (the latest end of any snapshot window).
    """
    evidence = evidence_days(quarter_range)
    windows: dict[str, list[tuple[DayRange, str]]] = {}
    for snapshot in snapshots:
        if snapshot.window is not None:
            windows.setdefault(snapshot.cluster_id, []).append((snapshot.window, snapshot.key))
    latest = max((w.end for pairs in windows.values() for w, _ in pairs), default=evidence.end)
    checked_through = min(evidence.end, latest)
    clusters = []
    for cluster_id in sorted(states.keys() | windows.keys()):
        state = states.get(cluster_id, ClusterState(registered=False))
        own = windows.get(cluster_id, [])
        end = min(checked_through, state.retired_on or checked_through)
        if end < evidence.start:
            clusters.append(ClusterCoverage(cluster_id, state, RETIRED_BEFORE, None))
            continue
        required = DayRange(evidence.start, end)
        missing = uncovered(required, [w for w, _ in own])
        used = sorted(key for w, key in own if w.overlaps(required))
        status = NEVER_COLLECTED if not own else (MISSING if missing else COVERED)
        clusters.append(ClusterCoverage(cluster_id, state, status, required, missing, used))
    return QuarterCoverage(label, evidence, checked_through, clusters)


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
