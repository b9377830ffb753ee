"""Counting the AWS calls a bench step makes."""
from __future__ import annotations

import threading
import time
from collections import Counter
from typing import Any

import boto3


class AwsCalls:
    """Every AWS call of the clients created while attached (all threads), by service: how many,
    and the wall time spent inside them (botocore events fire in the calling thread)."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.seconds: Counter[str] = Counter()
        self._started = threading.local()
        self._lock = threading.Lock()
        self._events = boto3._get_default_session().events

    def __enter__(self) -> "AwsCalls":
        self._events.register("before-call", self._before, unique_id="lsc-bench-calls-before")
        self._events.register("after-call", self._after, unique_id="lsc-bench-calls-after")
        return self

    def __exit__(self, *_: object) -> None:
        self._events.unregister("before-call", unique_id="lsc-bench-calls-before")
        self._events.unregister("after-call", unique_id="lsc-bench-calls-after")

    def _before(self, model: Any, **_: object) -> None:
        self._started.at = time.perf_counter()

    def _after(self, model: Any, **_: object) -> None:
        service = model.service_model.endpoint_prefix
        with self._lock:
            self.seconds[service] += time.perf_counter() - self._started.at
            self.calls[service] += 1

    def mark(self) -> tuple[Counter[str], Counter[str]]:
        with self._lock:
            return Counter(self.calls), Counter(self.seconds)

    def add(self, calls: dict[str, int], seconds: dict[str, float]) -> None:
        """Calls counted in another process."""
        with self._lock:
            self.calls.update(calls)
            self.seconds.update(seconds)
