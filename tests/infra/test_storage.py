"""Storage: private, TLS-only, encrypted, versioned, logged buckets with the lifecycle of the issue."""
from __future__ import annotations

from aws_cdk.assertions import Match

from tests.infra.conftest import Synthesized


def _data_bucket(synth: Synthesized) -> dict:
    logical_id = synth.stack.get_logical_id(synth.stack.storage.data_bucket.node.default_child)
    return synth.resources("AWS::S3::Bucket")[logical_id]


def test_every_bucket_is_private_retained_and_tls_only(synth: Synthesized) -> None:
    buckets = synth.resources("AWS::S3::Bucket")
    assert len(buckets) == 3
    for bucket in buckets.values():
        assert bucket["DeletionPolicy"] == "Retain"
        assert bucket["Properties"]["PublicAccessBlockConfiguration"] == {
            "BlockPublicAcls": True, "BlockPublicPolicy": True, "IgnorePublicAcls": True, "RestrictPublicBuckets": True,
        }
    policies = synth.props("AWS::S3::BucketPolicy")
    tls_denials = [
        statement
        for policy in policies
        for statement in policy["PolicyDocument"]["Statement"]
        if statement["Effect"] == "Deny" and statement.get("Condition") == {"Bool": {"aws:SecureTransport": "false"}}
    ]
    assert len(tls_denials) == 3


def test_data_bucket_is_kms_encrypted_versioned_locked_and_logged(synth: Synthesized) -> None:
    props = _data_bucket(synth)["Properties"]
    encryption = props["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
    assert encryption["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
    assert encryption["BucketKeyEnabled"] is True
    assert props["VersioningConfiguration"] == {"Status": "Enabled"}
    assert props["ObjectLockEnabled"] is True
    assert props["ObjectLockConfiguration"]["Rule"]["DefaultRetention"] == {"Days": 730, "Mode": "GOVERNANCE"}
    assert props["LoggingConfiguration"]["LogFilePrefix"] == "data/"
    synth.template.has_resource_properties("AWS::KMS::Key", {"EnableKeyRotation": True})


def _lifecycle(synth: Synthesized) -> dict[str, dict]:
    return {rule["Id"]: rule for rule in _data_bucket(synth)["Properties"]["LifecycleConfiguration"]["Rules"]}


def test_snapshots_are_kept_by_default(plain_synth: Synthesized) -> None:
    rules = _lifecycle(plain_synth)
    snapshots = rules["snapshots"]
    assert snapshots["Prefix"] == "snapshots/"
    assert snapshots["Transitions"] == [{"StorageClass": "GLACIER_IR", "TransitionInDays": 90}]
    # kept: the default never deletes audit evidence, current or noncurrent
    assert "ExpirationInDays" not in snapshots and "NoncurrentVersionExpiration" not in snapshots
    assert "snapshots-delete-markers" not in rules


def test_snapshot_expiry_removes_the_versions_too(synth: Synthesized) -> None:
    """With versioning, expiry alone only adds a delete marker: the snapshot would stay, billed."""
    rules = _lifecycle(synth)
    snapshots = rules["snapshots"]
    assert snapshots["ExpirationInDays"] == 2555  # lsc:snapshotExpirationDays
    assert snapshots["NoncurrentVersionExpiration"] == {"NoncurrentDays": 90}  # lsc:noncurrentVersionDays
    markers = rules["snapshots-delete-markers"]
    assert (markers["Prefix"], markers["ExpiredObjectDeleteMarker"], markers["Status"]) == ("snapshots/", True, "Enabled")
    assert "ExpirationInDays" not in markers  # S3 refuses both in one rule


def test_data_lifecycle_expires_old_versions(synth: Synthesized) -> None:
    rules = _lifecycle(synth)
    for prefix in ("usage", "status", "config"):
        assert rules[f"noncurrent-{prefix}"]["NoncurrentVersionExpiration"] == {"NoncurrentDays": 90}
    assert rules["abort-multipart"]["AbortIncompleteMultipartUpload"] == {"DaysAfterInitiation": 7}
    assert "Prefix" not in rules["abort-multipart"]


def test_athena_results_and_access_logs_expire(synth: Synthesized) -> None:
    synth.template.has_resource_properties(
        "AWS::S3::Bucket",
        {
            "LoggingConfiguration": {"LogFilePrefix": "athena-results/", "DestinationBucketName": Match.any_value()},
            "LifecycleConfiguration": {"Rules": [Match.object_like({"ExpirationInDays": 30, "Status": "Enabled"})]},
        },
    )
    synth.template.has_resource_properties(
        "AWS::S3::Bucket",
        {
            "BucketEncryption": {"ServerSideEncryptionConfiguration": [{"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]},
            "LifecycleConfiguration": {"Rules": [Match.object_like({"ExpirationInDays": 365})]},
        },
    )
