"""Shapes passed between the parts: scheduler input → run, queue message → collect request."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from lsc import SCHEMA_VERSION


class EventError(ValueError):
    """The event does not carry what a run needs."""


class Run(BaseModel):
    """One scheduled run. Keys derive from the scheduled time, never from the attempt."""

    model_config = ConfigDict(frozen=True)
    schedule: str
    scheduled_time: datetime
    execution_id: str | None = None

    @property
    def run_id(self) -> str:
        return f"{self.schedule}-{self.scheduled_time.strftime('%Y%m%dT%H%M%SZ')}"

    @property
    def scheduled_time_text(self) -> str:
        return self.scheduled_time.strftime("%Y-%m-%dT%H:%M:%SZ")


def _utc(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise EventError(f"scheduled time {text!r} is not an ISO 8601 time") from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def parse_schedule_event(event: dict[str, Any]) -> Run:
    """Scheduler target input, or a plain EventBridge scheduled event (`time`, `id`, `resources`)."""
    if "scheduled_time" in event:
        return Run(
            schedule=event.get("schedule") or "lsc",
            scheduled_time=_utc(event["scheduled_time"]),
            execution_id=event.get("execution_id"),
        )
    if "time" in event:
        resources = event.get("resources") or []
        schedule = resources[0].rsplit("/", 1)[-1] if resources else "lsc"
        return Run(schedule=schedule, scheduled_time=_utc(event["time"]), execution_id=event.get("id"))
    raise EventError("event has neither 'scheduled_time' (Scheduler input) nor 'time' (EventBridge)")


class CollectRequest(BaseModel):
    """Queue message body: one cluster of one run."""

    model_config = ConfigDict(extra="ignore")
    schema_version: int = Field(default=SCHEMA_VERSION)
    cluster_id: str
    run_id: str
    scheduled_time: datetime
    execution_id: str | None = None

    @property
    def scheduled_time_text(self) -> str:
        return self.scheduled_time.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")

    def body(self) -> str:
        return self.model_dump_json(exclude_none=True)
