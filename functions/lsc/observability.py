"""The one place that owns the Powertools logger and metrics.

Logs go to stderr so that CLI commands that run handlers in-process keep stdout for their output.
"""
from __future__ import annotations

import logging
import sys

from aws_lambda_powertools import Logger, Metrics

SERVICE = "lsc"


class _CurrentStderr:
    """Whatever `sys.stderr` is when a line is logged, not the one at import time: a CLI command
    or a test that redirects or captures stderr then sees the log lines."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


logger = Logger(service=SERVICE, stream=_CurrentStderr())
metrics = Metrics(service=SERVICE)

# httpx logs full request URLs (with ?token=) at INFO: keep it quiet.
for _noisy in ("httpx", "httpcore"):
    logging.getLogger(_noisy).setLevel(logging.WARNING)


def count_for_cluster(name: str, cluster_id: str) -> None:
    """A Count metric with a `cluster_id` dimension, flushed at once (the stale alarms need one per cluster)."""
    from aws_lambda_powertools.metrics import MetricUnit, single_metric
    from aws_lambda_powertools.metrics.functions import is_metrics_disabled

    if is_metrics_disabled():  # single_metric ignores the switch and would print EMF to stdout
        return
    with single_metric(name=name, unit=MetricUnit.Count, value=1, namespace=metrics.namespace,
                       default_dimensions={"service": SERVICE}) as metric:
        metric.add_dimension(name="cluster_id", value=cluster_id)
