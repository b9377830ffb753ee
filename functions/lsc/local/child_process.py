"""Local stand-ins (moto server, simulator pools) in child processes of their own, so their Python
work does not share the measured process's GIL.

Each child runs in its own process group, announces itself with one JSON line on stdout, then
answers JSON commands one line each. It exits when its stdin closes, which also happens when the
parent dies however it dies, so no child outlives the run and no port stays bound; `stop()` closes
stdin, then terminates and finally kills the group if the child has not gone.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

STOP_GRACE_S = 5.0


class ChildProcess:
    def __init__(self, module: str, args: Sequence[str] = (), env: dict[str, str] | None = None) -> None:
        self._argv = [sys.executable, "-m", module, *args]
        self._env = {**os.environ, **(env or {})}
        self._process: subprocess.Popen[str] | None = None
        self._lock = threading.Lock()
        self.ready: dict[str, Any] = {}

    def start(self, timeout_s: float = 60.0) -> "ChildProcess":
        self._process = subprocess.Popen(self._argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                         env=self._env, start_new_session=True, bufsize=1)
        try:
            self.ready = self._read_line(timeout_s)
        except BaseException:
            self.stop()
            raise
        return self

    def request(self, command: dict[str, Any], timeout_s: float = 60.0) -> dict[str, Any]:
        assert self._process is not None and self._process.stdin is not None
        with self._lock:
            self._process.stdin.write(json.dumps(command) + "\n")
            self._process.stdin.flush()
            return self._read_line(timeout_s)

    def _read_line(self, timeout_s: float) -> dict[str, Any]:
        assert self._process is not None and self._process.stdout is not None
        line: list[str] = []
        reader = threading.Thread(target=lambda: line.append(self._process.stdout.readline()), daemon=True)  # type: ignore[union-attr]
        reader.start()
        reader.join(timeout_s)
        if not line or not line[0]:
            raise RuntimeError(f"{' '.join(self._argv[2:4])}: no answer (exit code {self._process.poll()})")
        return json.loads(line[0])

    def cpu_seconds(self) -> float:
        """CPU seconds (user + system) the child has used so far (Linux /proc)."""
        assert self._process is not None
        fields = Path(f"/proc/{self._process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        try:
            if process.stdin:
                process.stdin.close()  # the child's signal to shut down cleanly
        except OSError:
            pass
        try:
            process.wait(STOP_GRACE_S)
        except subprocess.TimeoutExpired:
            for sig in (signal.SIGTERM, signal.SIGKILL):
                try:
                    os.killpg(process.pid, sig)  # the child's own group: nothing else
                except ProcessLookupError:
                    break
                try:
                    process.wait(STOP_GRACE_S)
                    break
                except subprocess.TimeoutExpired:
                    continue
        if process.stdout:
            process.stdout.close()

    def __enter__(self) -> "ChildProcess":
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()


def serve(ready: dict[str, Any], commands: Callable[[dict[str, Any]], dict[str, Any]] | None = None) -> None:
    """The child's side: announce `ready`, answer commands until stdin closes, then return.
    Only the answers use stdout: whatever else writes there (a logger) goes to stderr."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # finally blocks run, sockets close
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when its children stop
    sys.stdout.flush()
    channel = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)
    print(json.dumps(ready), file=channel, flush=True)
    for line in sys.stdin:
        if line.strip():
            answer = commands(json.loads(line)) if commands else {"error": "no commands"}
            print(json.dumps(answer), file=channel, flush=True)


def stop_on_sigterm() -> None:
    """In the parent: SIGTERM unwinds like Ctrl-C does, so `finally` stops the children."""
    def _raise(*_: object) -> None:
        raise KeyboardInterrupt("SIGTERM")

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _raise)
