"""Storage: the data bucket (snapshots, usage, status, registry), Athena results, access logs."""
from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from infra.settings import InfraSettings

ABORT_MULTIPART_AFTER = cdk.Duration.days(7)


class Storage(Construct):
    """Buckets are retained on `cdk destroy`: they hold the audit evidence."""

    def __init__(self, scope: Construct, construct_id: str, *, settings: InfraSettings) -> None:
        super().__init__(scope, construct_id)
        # One customer managed key for the data at rest of the whole app (bucket, results, alarm topic).
        self.key: kms.IKey | None = None
        if settings.encryption == "kms":
            self.key = kms.Key(
                self,
                "Key",
                description="lsc: License Service Collector data at rest",
                enable_key_rotation=True,
                removal_policy=cdk.RemovalPolicy.RETAIN,
            )

        # Log delivery only writes SSE-S3 objects, so this bucket never uses the KMS key.
        self.access_logs = s3.Bucket(
            self,
            "AccessLogs",
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            removal_policy=cdk.RemovalPolicy.RETAIN,
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="expire-logs",
                    expiration=cdk.Duration.days(settings.access_log_days),
                    abort_incomplete_multipart_upload_after=ABORT_MULTIPART_AFTER,
                )
            ],
        )

        self.data_bucket = s3.Bucket(
            self,
            "DataBucket",
            **self._secure_bucket_props(settings, "data/"),
            versioned=True,
            object_lock_enabled=settings.object_lock_days > 0 or None,
            object_lock_default_retention=_lock_retention(settings),
            lifecycle_rules=_data_lifecycle(settings),
        )

        self.results_bucket = s3.Bucket(
            self,
            "AthenaResults",
            **self._secure_bucket_props(settings, "athena-results/"),
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="expire-results",
                    expiration=cdk.Duration.days(settings.athena_results_days),
                    abort_incomplete_multipart_upload_after=ABORT_MULTIPART_AFTER,
                )
            ],
        )

    def _secure_bucket_props(self, settings: InfraSettings, log_prefix: str) -> dict[str, object]:
        """What every bucket holding lsc data shares: private, TLS-only, encrypted, logged, retained."""
        return dict(
            encryption=s3.BucketEncryption.KMS if self.key else s3.BucketEncryption.S3_MANAGED,
            encryption_key=self.key,
            bucket_key_enabled=bool(self.key) or None,  # one data key per bucket: fewer KMS calls
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            server_access_logs_bucket=self.access_logs,
            server_access_logs_prefix=log_prefix,
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )


def _lock_retention(settings: InfraSettings) -> s3.ObjectLockRetention | None:
    if not settings.object_lock_days:
        return None
    days = cdk.Duration.days(settings.object_lock_days)
    if settings.object_lock_mode == "COMPLIANCE":
        return s3.ObjectLockRetention.compliance(days)
    return s3.ObjectLockRetention.governance(days)


def _data_lifecycle(settings: InfraSettings) -> list[s3.LifecycleRule]:
    # Snapshots are the audit evidence: never overwritten, kept (>= 2 years when they expire at all),
    # moved to a cheaper class once nobody looks at them any more.
    snapshots = s3.LifecycleRule(
        id="snapshots",
        prefix="snapshots/",
        transitions=[
            s3.Transition(
                storage_class=s3.StorageClass(settings.snapshot_storage_class),
                transition_after=cdk.Duration.days(settings.snapshot_transition_days),
            )
        ]
        if settings.snapshot_transition_days
        else None,
        # With versioning, expiry only puts a delete marker on top: the object becomes a noncurrent
        # version, deleted after `noncurrent_version_days` (a grace period to undo a mistake).
        expiration=cdk.Duration.days(settings.snapshot_expiration_days) if settings.snapshot_expiration_days else None,
        noncurrent_version_expiration=cdk.Duration.days(settings.noncurrent_version_days) if settings.snapshot_expiration_days else None,
    )
    # Then the delete marker is alone and goes too (S3 wants this in a rule without an expiry age).
    snapshot_markers = (
        [s3.LifecycleRule(id="snapshots-delete-markers", prefix="snapshots/", expired_object_delete_marker=True)]
        if settings.snapshot_expiration_days
        else []
    )
    # Every run rewrites whole months of usage and writes status records: old versions pile up.
    rewritten = [
        s3.LifecycleRule(
            id=f"noncurrent-{prefix.rstrip('/')}",
            prefix=prefix,
            noncurrent_version_expiration=cdk.Duration.days(settings.noncurrent_version_days),
        )
        for prefix in ("usage/", "status/", "config/")
    ]
    everything = s3.LifecycleRule(id="abort-multipart", abort_incomplete_multipart_upload_after=ABORT_MULTIPART_AFTER)
    return [snapshots, *snapshot_markers, *rewritten, everything]
