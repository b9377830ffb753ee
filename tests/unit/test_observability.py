"""The lsc log lines reach whatever stderr is current: a CLI's redirect, pytest's capture."""
from __future__ import annotations

import json

from lsc.observability import logger


def test_log_lines_go_to_the_current_stderr(capsys):
    logger.error("cluster collection failed", extra={"cluster_id": "probe-1"})
    captured = capsys.readouterr()
    [line] = [json.loads(text) for text in captured.err.splitlines() if "probe-1" in text]
    assert (line["level"], line["message"], line["cluster_id"]) == ("ERROR", "cluster collection failed", "probe-1")
    assert captured.out == ""  # stdout stays the command's own
