"""Gates on the whole app: cdk-nag, cfn-lint, registry and settings validation, docs, synth speed."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from infra.settings import REPO_ROOT, InfraSettings, SettingsError
from tests.infra.conftest import TEST_CONTEXT, Synthesized, synthesize


def test_cdk_nag_passes_with_acknowledgements(synth: Synthesized) -> None:
    report = json.loads((synth.outdir / "validation-report.json").read_text())
    assert [p for p in report["pluginReports"] if p.get("conclusion") != "success"] == []


def test_cfn_lint_is_clean(synth: Synthesized) -> None:
    templates = sorted(str(p) for p in synth.outdir.glob("*.template.json"))
    assert templates
    cfn_lint = shutil.which("cfn-lint", path=str(Path(sys.executable).parent)) or "cfn-lint"
    result = subprocess.run([cfn_lint, "--ignore-checks", "W3005", "--", *templates], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_bad_registry_entry_fails_synth_naming_it(tmp_path: Path) -> None:
    bad = tmp_path / "clusters.yaml"
    bad.write_text(
        "clusters:\n"
        "  - {id: good-one, url: https://a.example.com, auth: {secret: lsc/a}}\n"
        "  - {id: broken-one, url: ftp://b.example.com, auth: {secret: lsc/b}}\n"
    )
    with pytest.raises(Exception, match=r"cluster 'broken-one' \(entry 2\): url: .*not an http\(s\) URL"):
        synthesize(tmp_path / "out", **{**TEST_CONTEXT, "lsc:registryFile": str(bad)})


def test_make_synth_stops_with_one_line_on_a_duplicate_entry(tmp_path: Path) -> None:
    """The newcomer's mistake: a second `prod-eu-1` beside the shipped example. `python app.py` (what
    `make synth` runs) names the file and both entries on one line, no traceback, exit 2."""
    example = (REPO_ROOT / "clusters.yaml").read_text(encoding="utf-8")
    duplicate = tmp_path / "clusters.yaml"
    duplicate.write_text(example + "  - id: prod-eu-1\n    url: https://ls.prod-eu-1.example.com\n"
                         "    auth: {type: token, secret: lsc/prod-eu-1/token}\n")
    result = subprocess.run(
        [sys.executable, "app.py"], cwd=REPO_ROOT, capture_output=True, text=True, timeout=300,
        env={**os.environ, "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
             "CDK_CONTEXT_JSON": json.dumps({"lsc:registryFile": str(duplicate)})},  # stops before writing cdk.out/
    )
    assert result.returncode == 2, result.stderr[-2000:]
    assert result.stderr.strip().splitlines()[-1] == (
        f"synth stopped: {duplicate}: duplicate cluster id 'prod-eu-1' (entries 1 and 2): "
        "edit the existing entry instead of adding another")
    assert "Traceback" not in result.stderr


def test_repository_registry_is_valid_and_documented() -> None:
    from lsc.registry import load_registry_file

    registry = load_registry_file(str(REPO_ROOT / "clusters.yaml"))
    assert registry.clusters and not registry.enabled()  # the example ships disabled


def test_settings_errors_name_the_context_key() -> None:
    with pytest.raises(SettingsError, match="lsc:snapshotExpirationDays"):
        InfraSettings.from_context({"lsc:snapshotExpirationDays": 365}.get)
    with pytest.raises(SettingsError, match="lsc:staleAfterHours"):
        InfraSettings.from_context({"lsc:staleAfterHours": 200}.get)
    with pytest.raises(SettingsError, match="collectorTimeoutSeconds"):
        InfraSettings.from_context({"lsc:collectorTimeoutSeconds": 300}.get)
    with pytest.raises(SettingsError, match="lsc:vpcId, lsc:subnetIds and lsc:securityGroupId"):
        InfraSettings.from_context({"lsc:vpcId": "vpc-1"}.get)


def test_every_setting_is_documented() -> None:
    doc = (REPO_ROOT / "README.md").read_text()
    missing = [key for key in InfraSettings.context_keys().values() if f"`{key}`" not in doc]
    assert missing == []


def test_defaults_with_s3_managed_encryption_synthesize_quickly(tmp_path: Path) -> None:
    """A second, plain configuration: S3-managed keys, no VPC, no lock; nag must still pass."""
    started = time.monotonic()
    plain = synthesize(tmp_path, **{"lsc:registryFile": TEST_CONTEXT["lsc:registryFile"], "lsc:bundleDependencies": False, "lsc:encryption": "s3"})
    assert time.monotonic() - started < 30
    assert plain.resources("AWS::KMS::Key") == {}
    (workgroup,) = plain.props("AWS::Athena::WorkGroup")
    assert workgroup["WorkGroupConfiguration"]["ResultConfiguration"]["EncryptionConfiguration"] == {"EncryptionOption": "SSE_S3"}
    collector = [p for p in plain.props("AWS::Lambda::Function") if p.get("Handler") == "lsc.handlers.collector.handler"][0]
    assert "VpcConfig" not in collector
    assert all("ObjectLockEnabled" not in p for p in plain.props("AWS::S3::Bucket"))
