"""Every `lsc` command explains itself with examples, and every command that prints a table can
print JSON instead; `clusters validate` shows the registry as a table or as JSON."""
from __future__ import annotations

import argparse
import json
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
