"""Cold-start proxy: how long a fresh interpreter takes to import each handler module, against
`import boto3` (which every handler needs). The handlers' third-party dependencies imported alone
are reported too: the floor no change inside lsc can go below."""
from __future__ import annotations

import os
import statistics
import subprocess
import sys

from lsc.local.aws_env import LOCAL_ENV
from lsc.local.bench.report import Measurement

HANDLER_DEPENDENCIES = {
    "lsc.handlers.dispatcher": "boto3, pydantic, aws_lambda_powertools.logging, aws_lambda_powertools.metrics",
    "lsc.handlers.collector": "boto3, httpx, pydantic, aws_lambda_powertools.logging, "
                              "aws_lambda_powertools.metrics, aws_lambda_powertools.utilities.batch",
}
BASELINE = "boto3"
TARGET_RATIO = 1.5
_TIMER = "import time; t = time.perf_counter(); import {modules}; print(time.perf_counter() - t)"


def _import_seconds(modules: str) -> float:
    env = {**os.environ, **LOCAL_ENV, "LSC_DATA_BUCKET": "bench"}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # bytecode compiled once, as in a Lambda package
    run = [sys.executable, "-c", _TIMER.format(modules=modules)]
    return float(subprocess.run(run, env=env, check=True, capture_output=True, text=True).stdout)


def measure(repeats: int) -> list[Measurement]:
    """Medians over `repeats` rounds; each round times every import once, so load on the machine
    affects handlers and baseline alike."""
    candidates = [BASELINE, *HANDLER_DEPENDENCIES.keys(), *HANDLER_DEPENDENCIES.values()]
    for modules in candidates:  # warm-up: writes bytecode, fills the page cache
        _import_seconds(modules)
    samples: dict[str, list[float]] = {modules: [] for modules in candidates}
    for _ in range(repeats):
        for modules in candidates:
            samples[modules].append(_import_seconds(modules))
    median = {modules: statistics.median(times) * 1000 for modules, times in samples.items()}
    return [
        Measurement(
            name=f"cold start: import {module.rsplit('.', 1)[-1]} handler", value=median[module], unit="ms",
            baseline_name="import boto3", baseline=median[BASELINE], target=f"<= {TARGET_RATIO}x",
            met=median[module] <= TARGET_RATIO * median[BASELINE],
            details={"repeats": repeats, "dependencies_alone_ms": median[dependencies],
                     "dependencies": dependencies},
        )
        for module, dependencies in HANDLER_DEPENDENCIES.items()
    ]
