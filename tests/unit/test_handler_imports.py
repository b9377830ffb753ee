"""Each handler imports in a fresh interpreter that sees only what its Lambda function has (functions/,
the layer's requirements and the runtime's boto3): nothing missing from the Lambda package, nothing
from the local-only code, and no Powertools pydantic event models (which its batch utility loads
when pydantic is imported before it)."""
from __future__ import annotations

from pathlib import Path

import pytest

from lsc.local.bench.cold_start import HANDLER_DEPENDENCIES, link_lambda_packages, run_in_lambda_path

LISTED = "import sys, {module}\nprint(*sorted(sys.modules))"


@pytest.fixture(scope="module")
def lambda_packages(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("lambda-path")
    link_lambda_packages(folder)
    return folder


@pytest.mark.parametrize("module", sorted(HANDLER_DEPENDENCIES))
def test_handler_imports_from_the_lambda_package_alone(module: str, lambda_packages: Path) -> None:
    loaded = run_in_lambda_path(LISTED.format(module=module), lambda_packages).stdout.split()
    assert module in loaded
    assert not [name for name in loaded if name.startswith("lsc.local")]  # not in the Lambda package
    assert not [name for name in loaded if name.startswith("aws_lambda_powertools.utilities.parser")]
