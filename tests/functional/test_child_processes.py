"""The bench's stand-ins in child processes: moto (with its SQS scans made linear) answers as moto
does, and every child is gone, its port free, once stopped."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

import boto3
import httpx
import pytest

from lsc.local.aws_env import MotoProcess, local_aws
from lsc.local.bench.simulator_pool import SimulatorPool
from lsc.local.tls import LocalCA


def _port_is_free(url: str) -> bool:
    port = int(url.rsplit(":", 1)[1].split("/")[0])
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


@pytest.fixture(scope="module")
def moto_process():
    with MotoProcess() as moto:
        yield moto


def test_sqs_counts_and_receives_as_moto_does(moto_process) -> None:
    with local_aws(moto_process.url):
        sqs = boto3.client("sqs")
        url = sqs.create_queue(QueueName="child-q", Attributes={"VisibilityTimeout": "60"})["QueueUrl"]
        sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": f"m{i}"} for i in range(3)])
        sqs.send_message(QueueUrl=url, MessageBody="later", DelaySeconds=60)
        [received] = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1)["Messages"]
        counts = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        assert (counts["ApproximateNumberOfMessages"], counts["ApproximateNumberOfMessagesNotVisible"],
                counts["ApproximateNumberOfMessagesDelayed"]) == ("2", "1", "1")
        rest = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
        assert sorted(m["Body"] for m in rest + [received]) == ["m0", "m1", "m2"]  # not the delayed one
        assert sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []) == []


def test_moto_process_stops_and_frees_its_port() -> None:
    moto = MotoProcess().start()
    url = moto.url
    assert httpx.get(url + "/moto-api/").status_code == 200
    moto.stop()
    assert _port_is_free(url)


def test_simulator_pool_serves_from_children_and_stops_them() -> None:
    ca = LocalCA()
    from lsc.local.demo import DEMO_ESTATE

    with SimulatorPool(str(DEMO_ESTATE), 3, ca, processes=2, first=7) as pool:
        assert [c.cluster_id for c in pool.clusters] == ["bench-00007", "bench-00008", "bench-00009"]
        with httpx.Client(verify=ca.client_context()) as client:
            assert client.get(pool.clusters[2].url + "/version").status_code == 200
            pool.set_latency(0.3)
            started = time.perf_counter()
            client.get(pool.clusters[0].url + "/version")
            assert time.perf_counter() - started >= 0.3
        urls = [c.url for c in pool.clusters]
    assert all(_port_is_free(url) for url in urls)


def test_a_child_does_not_outlive_a_killed_parent() -> None:
    """SIGKILL runs no `finally`: the child notices its stdin closing and exits, freeing its port."""
    parent = subprocess.Popen([sys.executable, "-c", "import time; from lsc.local.aws_env import MotoProcess; "
                               "m = MotoProcess().start(); print(m.url, m._child._process.pid, flush=True); "
                               "time.sleep(60)"], stdout=subprocess.PIPE, text=True)
    url, pid = parent.stdout.readline().split()
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and _alive(int(pid)):
        time.sleep(0.1)
    assert not _alive(int(pid)) and _port_is_free(url)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has exited
