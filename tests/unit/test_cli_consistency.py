"""Every `lsc` command explains itself with examples, and every command that prints a table can
print JSON instead; `clusters validate` shows the registry as a table or as JSON."""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from lsc.local.cli import build_parser, main

TABLE_COMMANDS = {("rollup",), ("query",), ("entitlements", "validate"), ("clusters", "validate"), ("clusters", "check")}


def _commands(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()):
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield (*path, name), sub
                yield from _commands(sub, (*path, name))


COMMANDS = dict(_commands(build_parser()))


@pytest.mark.parametrize("path", sorted(COMMANDS), ids=" ".join)
def test_help_ends_with_examples(path: tuple[str, ...]) -> None:
    assert "examples:\n  lsc " in COMMANDS[path].format_help()


@pytest.mark.parametrize("path", sorted(TABLE_COMMANDS), ids=" ".join)
def test_table_commands_offer_json(path: tuple[str, ...]) -> None:
    assert "--json" in COMMANDS[path].format_help()


def test_top_level_help_states_exit_codes() -> None:
    assert "0 ok, 1 findings" in build_parser().format_help()


def test_bad_date_is_a_usage_error(capsys) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["rollup", "--from", "2026-13-01"])
    assert exit_.value.code == 2 and "not a date" in capsys.readouterr().err


def test_clusters_validate_json_and_errors(tmp_path: Path, capsys) -> None:
    registry = tmp_path / "clusters.yaml"
    registry.write_text("clusters:\n  - id: prod-east\n    url: https://ls.example.com/ibm-licensing-service-instance\n"
                        "    auth: {type: token, secret: lsc/prod-east/token}\n")
    assert main(["clusters", "validate", str(registry), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == [{
        "id": "prod-east", "enabled": True, "auth": "token", "tls": "system CAs",
        "url": "https://ls.example.com/ibm-licensing-service-instance"}]
    registry.write_text("clusters:\n  - id: prod-east\n")
    assert main(["clusters", "validate", str(registry)]) == 2
    assert "invalid:" in capsys.readouterr().err


def test_duplicate_cluster_id_names_both_entries(tmp_path: Path, capsys) -> None:
    registry = tmp_path / "clusters.yaml"
    entry = "  - {id: prod-eu-1, url: https://ls.example.com, auth: {secret: lsc/prod-eu-1/token}, enabled: false}\n"
    registry.write_text("clusters:\n" + entry + entry.replace("enabled: false", "enabled: true"))
    assert main(["clusters", "validate", str(registry)]) == 2
    assert f"{registry}: duplicate cluster id 'prod-eu-1' (entries 1 and 2)" in capsys.readouterr().err


def test_table_cells_round_computed_ratios_not_quantities() -> None:
    from lsc.local.cli_output import cell

    assert cell(6 / 41) == "0.146341"  # chargeback_share_of_peak, a DOUBLE
    assert cell(Decimal("5110.000000")) == "5110" and cell(Decimal("0.000001")) == "0.000001"
    assert cell(12.5) == "12.5" and cell(3) == "3"


def test_a_closed_pipe_ends_the_command_quietly(tmp_path: Path) -> None:
    """`lsc … | head -3`: the reader goes away mid-output; no traceback, the SIGPIPE exit code."""
    registry = tmp_path / "clusters.json"
    registry.write_text(json.dumps({"clusters": [
        {"id": f"c{n}", "url": f"https://ls-{n}.example.com", "auth": {"secret": f"lsc/c{n}/token"}} for n in range(3000)]}))
    lsc = Path(sys.executable).parent / "lsc"
    process = subprocess.Popen([str(lsc), "clusters", "validate", str(registry)], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
    assert process.stdout.readline().startswith(str(registry).encode())  # output started
    process.stdout.close()  # far more than a pipe buffer is still to come
    assert process.wait(timeout=60) == 141
    assert process.stderr.read() == b""
