"""Local AWS: moto server on loopback and the environment that keeps the SDK there."""
from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager

LOCAL_REGION = "us-east-1"
DUMMY_KEY = "testing"  # moto accepts any; real credentials must never be used locally

LOCAL_ENV = {
    "AWS_ACCESS_KEY_ID": DUMMY_KEY,
    "AWS_SECRET_ACCESS_KEY": DUMMY_KEY,
    "AWS_DEFAULT_REGION": LOCAL_REGION,
    "AWS_REGION": LOCAL_REGION,
    "AWS_EC2_METADATA_DISABLED": "true",  # no probe of the instance-metadata address
    "POWERTOOLS_METRICS_DISABLED": "true",  # EMF would print to stdout
    "POWERTOOLS_TRACE_DISABLED": "true",
}


@contextmanager
def local_aws(endpoint_url: str, extra: dict[str, str] | None = None) -> Iterator[None]:
    """Points every boto3 client (and the handlers' cached ones) at `endpoint_url` for the block."""
    from lsc import aws_clients
    from lsc.settings import get_settings

    wanted = {**LOCAL_ENV, "AWS_ENDPOINT_URL": endpoint_url, **(extra or {})}
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
        wanted.setdefault(name, "")
    saved = {name: os.environ.get(name) for name in wanted}
    os.environ.update({k: v for k, v in wanted.items() if v})
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
        if not wanted[name]:
            os.environ.pop(name, None)
    aws_clients.reset()
    get_settings.cache_clear()
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        aws_clients.reset()
        get_settings.cache_clear()


class MotoEndpoint:
    """moto server in a thread on 127.0.0.1 (port 0 = any free port); stops with the block."""

    def __init__(self, port: int = 0) -> None:
        from moto.server import ThreadedMotoServer

        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
        self.url = ""

    def start(self) -> "MotoEndpoint":
        self._server.start()
        host, port = self._server.get_host_and_port()
        self.url = f"http://{host}:{port}"
        return self

    def stop(self) -> None:
        if self.url:
            self._server.stop()
            self.url = ""

    def __enter__(self) -> "MotoEndpoint":
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()


class MotoProcess:
    """moto server in a child process of its own (`lsc.local.moto_process`): what a benchmark
    measures then does not share a GIL with moto's request handling. `env` reaches the server
    (moto reads some behaviour switches from its environment). Same interface as MotoEndpoint."""

    def __init__(self, env: dict[str, str] | None = None) -> None:
        from lsc.local.child_process import ChildProcess

        self._child = ChildProcess("lsc.local.moto_process", env={**LOCAL_ENV, **(env or {})})
        self.url = ""

    def start(self) -> "MotoProcess":
        self._child.start()
        self.url = f"http://127.0.0.1:{self._child.ready['port']}"
        return self

    def cpu_seconds(self) -> float:
        """CPU seconds the server has used so far."""
        return self._child.cpu_seconds()

    def stop(self) -> None:
        self._child.stop()
        self.url = ""

    def __enter__(self) -> "MotoProcess":
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()
