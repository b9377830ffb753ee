"""Cold-start proxy: how long a fresh interpreter takes to import each handler module, against
`import boto3` (which every handler needs). The handlers' third-party dependencies imported alone
are reported too: the floor no change inside lsc can go below.

Every import runs with what a Lambda function has on its path and nothing more: `functions/`, the
layer (functions/requirements.txt and what it needs) and the runtime's boto3 (and what it needs),
linked from this environment. Dev-only packages would change what gets imported (with `click`
installed, `import httpx` loads its command-line client), and a handler importing a package the
Lambda package lacks fails here as it would in Lambda."""
from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys
import tempfile
from importlib import metadata
from pathlib import Path

from lsc.local.aws_env import LOCAL_ENV
from lsc.local.bench.report import Measurement

FUNCTIONS_DIR = Path(__file__).resolve().parents[3]
LAYER_REQUIREMENTS = FUNCTIONS_DIR / "requirements.txt"
RUNTIME_PACKAGES = ("boto3",)  # in the Lambda Python runtime, not in the layer
# The handlers' third-party imports, in the order the handlers import them. Timed alone with one
# pydantic model built (see _dependencies), the floor no change inside lsc can go below.
HANDLER_DEPENDENCIES = {
    "lsc.handlers.dispatcher": "boto3, pydantic, aws_lambda_powertools.logging, aws_lambda_powertools.metrics",
    # Batch first, as in the handler: imported after pydantic it also loads Powertools' own pydantic
    # event models (`has_pydantic` in its batch/types.py), which the handler never does.
    "lsc.handlers.collector": "aws_lambda_powertools.utilities.batch, aws_lambda_powertools.logging, "
                              "aws_lambda_powertools.metrics, boto3, httpx, pydantic",
}
BASELINE = "boto3"
TARGET_RATIO = 1.5
# CPU time of the importing process: imports are CPU-bound (files in the page cache), and unlike the
# wall clock it does not count the time other processes on a shared machine hold the CPU.
_TIMER = "import time\nt = time.process_time()\n{statements}\nprint(time.process_time() - t)"


def link_lambda_packages(folder: Path) -> None:
    """Links into `folder` the top-level packages of the layer's and the runtime's distributions
    and of everything they require (extras left out; requirements not installed here skipped)."""
    todo = [*RUNTIME_PACKAGES, *(line.split("==")[0].strip() for line in LAYER_REQUIREMENTS.read_text().splitlines()
                                 if line.strip() and not line.startswith("#"))]
    seen: set[str] = set()
    while todo:
        name = re.sub(r"[-_.]+", "-", todo.pop()).lower()
        if name in seen:
            continue
        seen.add(name)
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        todo += [re.split(r"[\s;<>=!~\[(]", req, maxsplit=1)[0] for req in dist.requires or [] if "extra ==" not in req]
        for top in {Path(file).parts[0] for file in dist.files or []}:
            link = folder / top
            if top not in ("..", "__pycache__") and not top.endswith(".pth") and not link.exists():
                link.symlink_to(Path(str(dist.locate_file(top))))


def run_in_lambda_path(code: str, packages: Path) -> subprocess.CompletedProcess[str]:
    """`code` in a fresh interpreter that sees functions/ and `packages` (see link_lambda_packages) only."""
    env = {**os.environ, **LOCAL_ENV, "LSC_DATA_BUCKET": "bench",
           "PYTHONPATH": os.pathsep.join((str(FUNCTIONS_DIR), str(packages)))}
    # Bytecode is written by a first run and used after, as the runtime's own boto3 has it. NB: the
    # Lambda asset (infra/packaging.py) ships no bytecode today, so there a cold start also compiles
    # lsc and the layer, which these figures leave out.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    # -S: none of this environment's site-packages (nor its .pth files)
    run = subprocess.run([sys.executable, "-S", "-c", code], env=env, capture_output=True, text=True)
    if run.returncode:
        raise RuntimeError(f"in the Lambda's import path: {run.stderr.strip()}")  # e.g. a package it lacks
    return run


def _imports(modules: str) -> str:
    return f"import {modules}"


def _dependencies(modules: str) -> str:
    # pydantic imports most of itself only when the first model is built, which every handler does
    return f"{_imports(modules)}\nclass Model(pydantic.BaseModel):\n    x: int"


def measure(repeats: int) -> list[Measurement]:
    """Medians over `repeats` rounds; each round times every import once, so load on the machine
    affects handlers and baseline alike."""
    baseline = _imports(BASELINE)
    handlers = {module: _imports(module) for module in HANDLER_DEPENDENCIES}
    floors = {module: _dependencies(modules) for module, modules in HANDLER_DEPENDENCIES.items()}
    candidates = [baseline, *handlers.values(), *floors.values()]
    samples: dict[str, list[float]] = {statements: [] for statements in candidates}
    with tempfile.TemporaryDirectory(prefix="lsc-lambda-path-") as folder:
        packages = Path(folder)
        link_lambda_packages(packages)
        for statements in candidates:  # warm-up: writes bytecode, fills the page cache
            run_in_lambda_path(_TIMER.format(statements=statements), packages)
        for _ in range(repeats):
            for statements in candidates:
                seconds = float(run_in_lambda_path(_TIMER.format(statements=statements), packages).stdout)
                samples[statements].append(seconds)
    median = {statements: statistics.median(times) * 1000 for statements, times in samples.items()}
    return [
        Measurement(
            name=f"cold start: import {module.rsplit('.', 1)[-1]} handler", value=median[handlers[module]], unit="ms",
            baseline_name="import boto3", baseline=median[baseline], target=f"<= {TARGET_RATIO}x",
            met=median[handlers[module]] <= TARGET_RATIO * median[baseline],
            details={"repeats": repeats, "dependencies_alone_ms": median[floors[module]],
                     "dependencies": dependencies},
        )
        for module, dependencies in HANDLER_DEPENDENCIES.items()
    ]
