"""The collector's S3 calls (in-process moto): the registry reused per container, one conditional
PUT for a new snapshot, one conditional PUT for the state, each still right when the object changed
underneath."""
import hashlib
import json
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from lsc import data_bucket
from lsc.collection import StateChange, _update_state, state_key
from lsc.data_bucket import DataBucket
from lsc.events import CollectRequest
from lsc.registry import RegistryError
from lsc.snapshot_archive import archive_snapshot

BUCKET = "lsc-unit"
KEY = "config/clusters.json"


@pytest.fixture
def s3():
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket=BUCKET)
        data_bucket.forget_cached_registries()
        yield client
        data_bucket.forget_cached_registries()


@pytest.fixture
def calls(s3):
    seen: list[str] = []
    s3.meta.events.register("before-call.s3", lambda model, **_: seen.append(model.name))
    return seen


def put_registry(s3, *ids):
    s3.put_object(Bucket=BUCKET, Key=KEY, Body=json.dumps({"clusters": [
        {"id": i, "url": f"https://{i}.example.com", "auth": {"secret": f"lsc/{i}"}} for i in ids]}))


def test_registry_is_read_once_per_container_while_fresh(s3, calls):
    put_registry(s3, "a", "b")
    bucket = DataBucket(s3, BUCKET)
    assert bucket.read_registry(KEY).get("a").id == "a"
    assert bucket.read_registry(KEY).get("b").id == "b"
    assert calls == ["PutObject", "GetObject"]


def test_registry_is_revalidated_when_old_and_reread_when_changed(s3, calls, monkeypatch):
    put_registry(s3, "a")
    bucket = DataBucket(s3, BUCKET)
    first = bucket.read_registry(KEY)
    monkeypatch.setattr(data_bucket, "REGISTRY_MAX_AGE_S", 0.0)
    assert bucket.read_registry(KEY) is first  # 304: neither sent nor parsed again
    put_registry(s3, "a", "c")
    assert [c.id for c in bucket.read_registry(KEY).clusters] == ["a", "c"]


def test_a_cluster_unknown_to_the_cached_registry_sends_it_back_to_s3(s3):
    put_registry(s3, "a")
    bucket = DataBucket(s3, BUCKET)
    cached = bucket.read_registry(KEY)
    put_registry(s3, "a", "new")  # added after the cache was filled, and dispatched
    assert cached.get("new").id == "new"
    with pytest.raises(RegistryError, match="'gone'"):
        bucket.read_registry(KEY).get("gone")


def test_a_missing_registry_is_named(s3):
    with pytest.raises(FileNotFoundError, match="cluster registry is missing"):
        DataBucket(s3, BUCKET).read_registry(KEY)


def _zip(tmp_path: Path, content: bytes) -> tuple[Path, str]:
    path = tmp_path / "snapshot.zip"
    path.write_bytes(content)
    return path, hashlib.sha256(content).hexdigest()


def test_a_new_snapshot_takes_one_put_and_an_identical_one_is_not_replaced(s3, calls, tmp_path):
    path, sha = _zip(tmp_path, b"PK-one")
    first = archive_snapshot(s3, BUCKET, path, "snapshots/x.zip", sha, 6, {"run-id": "r1"})
    assert first.uploaded and calls == ["PutObject"]
    again = archive_snapshot(s3, BUCKET, path, "snapshots/x.zip", sha, 6, {"run-id": "r2"})
    assert not again.uploaded
    head = s3.head_object(Bucket=BUCKET, Key="snapshots/x.zip")
    assert head["Metadata"] == {"run-id": "r1", "sha256": sha} and head["ContentType"] == "application/zip"


def test_other_bytes_under_the_key_are_replaced(s3, tmp_path):
    s3.put_object(Bucket=BUCKET, Key="snapshots/x.zip", Body=b"else", Metadata={"sha256": "0" * 64})
    path, sha = _zip(tmp_path, b"PK-two")
    assert archive_snapshot(s3, BUCKET, path, "snapshots/x.zip", sha, 6, {}).uploaded
    assert s3.get_object(Bucket=BUCKET, Key="snapshots/x.zip")["Body"].read() == b"PK-two"


def test_without_conditional_writes_the_snapshot_is_checked_first(s3, calls, tmp_path, monkeypatch):
    import lsc.snapshot_archive as archive

    monkeypatch.setattr(archive, "supports_conditional_put", lambda _: False)
    path, sha = _zip(tmp_path, b"PK-three")
    assert archive_snapshot(s3, BUCKET, path, "snapshots/y.zip", sha, 8, {}).uploaded
    assert calls == ["HeadObject", "PutObject"]


def request(run: str, at: str) -> CollectRequest:
    return CollectRequest.model_validate({"cluster_id": "a", "run_id": run, "scheduled_time": at})


def test_state_is_written_in_one_call_when_nobody_else_wrote_it(s3, calls):
    bucket = DataBucket(s3, BUCKET)
    read = bucket.get_json_tagged(state_key("a"))
    _update_state(bucket, request("r1", "2026-11-30T06:00:00Z"), StateChange(first=True), read)
    assert calls == ["GetObject", "PutObject"]
    assert bucket.get_json(state_key("a"))["last_success_run_id"] == "r1"


def test_state_written_meanwhile_by_another_run_is_merged_not_lost(s3):
    bucket = DataBucket(s3, BUCKET)
    read = bucket.get_json_tagged(state_key("a"))  # this run starts: no state yet
    bucket.put_json(state_key("a"), {"cluster_id": "a", "first_run_id": "r0", "first_scheduled_time": "2026-11-01T06:00:00Z",
                                     "last_success_run_id": "r2", "last_success_scheduled_time": "2026-12-01T06:00:00Z",
                                     "retired_run_id": "r2", "retired_scheduled_time": "2026-12-01T06:00:00Z"})
    _update_state(bucket, request("r1", "2026-11-30T06:00:00Z"), StateChange(first=False), read)
    state = bucket.get_json(state_key("a"))
    assert (state["first_run_id"], state["last_success_run_id"], state["retired_run_id"]) == ("r0", "r2", "r2")


def test_without_conditional_writes_the_state_is_read_again(s3, calls, monkeypatch):
    import lsc.collection as collection

    monkeypatch.setattr(collection, "supports_conditional_put", lambda _: False)
    bucket = DataBucket(s3, BUCKET)
    read = bucket.get_json_tagged(state_key("a"))
    bucket.put_json(state_key("a"), {"cluster_id": "a", "last_success_run_id": "r2",
                                     "last_success_scheduled_time": "2026-12-01T06:00:00Z"})
    _update_state(bucket, request("r1", "2026-11-30T06:00:00Z"), StateChange(first=False), read)
    assert calls == ["GetObject", "PutObject", "GetObject", "PutObject"]
    assert bucket.get_json(state_key("a"))["last_success_run_id"] == "r2"
