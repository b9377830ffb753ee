"""Many simulated clusters served from a few child processes (`lsc.local.child_process`), so the
simulators' Python work (TLS, responses, snapshot zips, one thread per connection) does not share
the GIL of the collectors being measured.

`python -m lsc.local.bench.simulator_pool ESTATE FIRST COUNT SERVER_PEM` serves bench clusters
FIRST..FIRST+COUNT-1 over HTTPS, announces their URLs and takes `{"latency_s": x}` commands.
"""
from __future__ import annotations

import sys
import tempfile
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lsc.local.child_process import ChildProcess
from lsc.local.tls import LocalCA


@dataclass(frozen=True)
class PooledCluster:
    cluster_id: str
    url: str


class SimulatorPool:
    """Bench clusters `first`.. `first + count - 1`, shared by `processes` children; `clusters`
    lists them in order."""

    def __init__(self, demo_estate: str, count: int, ca: LocalCA, *, processes: int, first: int = 0,
                 latency_s: float = 0.0) -> None:
        self._estate, self._first, self._count, self._ca = demo_estate, first, count, ca
        self._processes = max(1, min(processes, count))
        self._latency_s = latency_s
        self._children: list[ChildProcess] = []
        self._stack = ExitStack()
        self.clusters: list[PooledCluster] = []

    def start(self) -> "SimulatorPool":
        try:
            folder = self._stack.enter_context(tempfile.TemporaryDirectory(prefix="lsc-simulators-"))
            pem = self._ca.write_server_pem(Path(folder) / "server.pem")
            share = -(-self._count // self._processes)
            for offset in range(0, self._count, share):
                child = ChildProcess(__name__, [self._estate, str(self._first + offset),
                                                str(min(share, self._count - offset)),
                                                str(pem), str(self._latency_s)])
                self._children.append(child)
                self._stack.callback(child.stop)
                child.start()
            for child in self._children:
                self.clusters += [PooledCluster(c["cluster_id"], c["url"]) for c in child.ready["clusters"]]
        except BaseException:
            self.stop()
            raise
        return self

    def set_latency(self, seconds: float) -> None:
        for child in self._children:
            child.request({"latency_s": seconds})

    def cpu_seconds(self) -> float:
        return sum(child.cpu_seconds() for child in self._children)

    def stop(self) -> None:
        self._stack.close()
        self._children = []

    def __enter__(self) -> "SimulatorPool":
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()


def main(estate: str, first: int, count: int, pem: str, latency_s: float) -> None:
    from lsc.local.bench.fleet import bench_fixtures, raise_open_files_limit
    from lsc.local.child_process import serve
    from lsc.local.local_estate import start_simulators
    from lsc.local.tls import ServerCertificate

    raise_open_files_limit()
    fixtures = bench_fixtures(estate, count, first=first)
    with ExitStack() as stack:
        servers = start_simulators(stack, fixtures, ServerCertificate(pem), latency_s=latency_s)  # type: ignore[arg-type]

        def command(request: dict[str, Any]) -> dict[str, Any]:
            for server in servers:
                server.latency_s = float(request["latency_s"])
            return {"ok": True}

        serve({"clusters": [{"cluster_id": s.cluster_id, "url": s.url} for s in servers]}, command)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], float(sys.argv[5]))
