"""Builds the app: one stack (one `cdk deploy`, one set of outputs for the CLI, no cross-stack
exports to lock resources), made of one construct per concern, checked by cdk-nag."""
from __future__ import annotations

import os
from collections.abc import Mapping

import aws_cdk as cdk
from cdk_nag import AwsSolutionsChecks
from constructs import Construct

from infra import nag
from infra.collection import Collection
from infra.operations import Operations
from infra.query import Query
from infra.secret_names import check_secret_names
from infra.settings import InfraSettings
from infra.storage import Storage
from lsc.registry import load_registry_file


class LscStack(cdk.Stack):
    def __init__(self, scope: Construct, settings: InfraSettings) -> None:
        super().__init__(scope, settings.stack_name, description="lsc: License Service Collector")
        # Validated first: a bad entry stops the synth with a message naming it, before any resource.
        registry = load_registry_file(str(settings.registry_path))
        check_secret_names(
            registry,
            prefix=settings.secret_prefix,
            source=str(settings.registry_path),
            account=self._known(self.account, "CDK_DEFAULT_ACCOUNT"),
            region=self._known(self.region, "CDK_DEFAULT_REGION"),
        )

        self.storage = Storage(self, "Storage", settings=settings)
        self.query = Query(
            self,
            "Query",
            settings=settings,
            data_bucket=self.storage.data_bucket,
            results_bucket=self.storage.results_bucket,
            key=self.storage.key,
        )
        self.collection = Collection(
            self, "Collection", settings=settings, registry=registry, data_bucket=self.storage.data_bucket
        )
        self.operations = Operations(
            self,
            "Operations",
            settings=settings,
            registry=registry,
            key=self.storage.key,
            functions=[self.collection.dispatcher, self.collection.collector],
            dead_letter_queues=[
                (self.collection.schedule_dead_letter_queue,
                 "the schedule could not invoke the dispatcher, after its retries: a scheduled run did not start"),
                (self.collection.dispatch_failures,
                 "the dispatcher failed on every attempt: no cluster was queued for a scheduled run (the message holds its input and the error)"),
                (self.collection.dead_letter_queue,
                 f"a cluster's collection failed on all {settings.max_receive_count} attempts (the message names the cluster and the run)"),
            ],
        )

        # What the `lsc` CLI reads after a deploy (`aws cloudformation describe-stacks`).
        cdk.CfnOutput(self, "DataBucketName", value=self.storage.data_bucket.bucket_name)
        cdk.CfnOutput(self, "QueueUrl", value=self.collection.queue.queue_url)
        cdk.CfnOutput(self, "WorkGroup", value=self.query.workgroup_name)
        cdk.CfnOutput(self, "Database", value=self.query.database_name)
        cdk.CfnOutput(self, "AlarmTopicArn", value=self.operations.topic.topic_arn)

    @staticmethod
    def _known(value: str, cli_variable: str) -> str | None:
        """The stack's account or region if synth knows it: its env, else what the CDK CLI found in
        the credentials (set during `cdk deploy`); None for an offline `make synth`."""
        if not cdk.Token.is_unresolved(value):
            return value
        return os.environ.get(cli_variable) or None


def default_outdir(environ: Mapping[str, str]) -> str | None:
    """`cdk.out` for `python app.py`; None when the CDK CLI runs the app: it sets CDK_OUTDIR
    (`cdk deploy -o other`), which the App then reads itself."""
    return None if environ.get("CDK_OUTDIR") else "cdk.out"


def build_app(app: cdk.App) -> LscStack:
    settings = InfraSettings.from_context(app.node.try_get_context)
    stack = LscStack(app, settings)
    cdk.Tags.of(stack).add("project", "lsc")
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    nag.acknowledge(stack, settings)
    return stack
