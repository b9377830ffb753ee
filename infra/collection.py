"""Collection: schedule -> dispatcher -> one SQS message per cluster -> collector, and the registry."""
from __future__ import annotations

import posixpath

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_destinations as destinations
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_deployment as s3deploy
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_scheduler_targets as targets
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra import packaging
from infra.settings import HTTP_ATTEMPTS, InfraSettings
from lsc.collection import STATE_PREFIX
from lsc.datasets import DATASETS
from lsc.registry import Registry
from lsc.snapshot_archive import PREFIX as SNAPSHOT_PREFIX

# The collector's timeout budgets one cluster, so it gets one message per invocation.
COLLECTOR_BATCH_SIZE = 1
# AWS advice for SQS event sources: visibility >= 6 x function timeout, so retries never overlap.
VISIBILITY_FACTOR = 6
DISPATCHER_TIMEOUT = cdk.Duration.minutes(1)
# The scheduler invokes the dispatcher asynchronously: Lambda retries a failed run this often, then
# sends the event (schedule input and error) to the DispatchFailures queue.
DISPATCHER_RETRIES = 2


def written_prefixes(writer: str) -> tuple[str, ...]:
    """Top-level key prefixes a function writes, from the code that makes the keys (architecture §5)."""
    own = {SNAPSHOT_PREFIX, STATE_PREFIX} if writer == "collector" else set()
    own |= {d.prefix for d in DATASETS if d.writer == writer}
    return tuple(sorted({f"{prefix.split('/')[0]}/*" for prefix in own}))


# Both read the whole bucket (registry, earlier months); each writes only its own prefixes.
COLLECTOR_WRITES = written_prefixes("collector")
DISPATCHER_WRITES = written_prefixes("dispatcher")


class Collection(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: InfraSettings,
        registry: Registry,
        data_bucket: s3.IBucket,
        ) -> None:
        super().__init__(scope, construct_id)
        code = packaging.function_code()
        layer = lambda_.LayerVersion(
            self,
            "Dependencies",
            code=packaging.dependencies_code(settings.bundle_dependencies),
            compatible_runtimes=[packaging.RUNTIME],
            compatible_architectures=[packaging.ARCHITECTURE],
            description="lsc Lambda dependencies (functions/requirements.txt)",
        )
        environment = {
            "LSC_DATA_BUCKET": data_bucket.bucket_name,
            "LSC_REGISTRY_KEY": settings.registry_key,
            "POWERTOOLS_SERVICE_NAME": "lsc",
            "POWERTOOLS_METRICS_NAMESPACE": settings.metrics_namespace,
            "POWERTOOLS_LOG_LEVEL": settings.log_level,
        }

        self.dead_letter_queue = self._dead_letter_queue("CollectDlq")
        collector_timeout = cdk.Duration.seconds(settings.collector_timeout_seconds)
        self.queue = sqs.Queue(
            self,
            "CollectQueue",
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            visibility_timeout=cdk.Duration.seconds(VISIBILITY_FACTOR * settings.collector_timeout_seconds),
            dead_letter_queue=sqs.DeadLetterQueue(queue=self.dead_letter_queue, max_receive_count=settings.max_receive_count),
        )

        self.dispatch_failures = self._dead_letter_queue("DispatchFailures")
        self.dispatcher = self._function(
            "Dispatcher",
            "lsc.handlers.dispatcher.handler",
            code,
            layer,
            settings,
            timeout=DISPATCHER_TIMEOUT,
            memory_size=256,
            environment={**environment, "LSC_QUEUE_URL": self.queue.queue_url},
            description="lsc: reads the registry, sends one message per enabled cluster",
            retry_attempts=DISPATCHER_RETRIES,
            on_failure=destinations.SqsDestination(self.dispatch_failures),
        )
        data_bucket.grant_read(self.dispatcher, settings.registry_key)
        for pattern in DISPATCHER_WRITES:
            data_bucket.grant_put(self.dispatcher, pattern)
        self.queue.grant_send_messages(self.dispatcher)

        self.collector = self._function(
            "Collector",
            "lsc.handlers.collector.handler",
            code,
            layer,
            settings,
            timeout=collector_timeout,
            memory_size=settings.collector_memory_mb,
            environment={
                **environment,
                "LSC_CONNECT_TIMEOUT": f"{settings.connect_timeout:g}",
                "LSC_READ_TIMEOUT": f"{settings.read_timeout:g}",
                "LSC_SNAPSHOT_READ_TIMEOUT": f"{settings.snapshot_read_timeout:g}",
                "LSC_HTTP_ATTEMPTS": str(HTTP_ATTEMPTS),  # the attempts the timeout budget was checked with
            },
            description="lsc: collects one cluster's License Service data into S3",
            **_vpc_placement(self, settings),
        )
        data_bucket.grant_read(self.collector)
        for pattern in COLLECTOR_WRITES:
            data_bucket.grant_put(self.collector, pattern)
        self.collector.add_to_role_policy(
            iam.PolicyStatement(
                actions=["secretsmanager:GetSecretValue"],
                resources=[cdk.Stack.of(self).format_arn(service="secretsmanager", resource="secret", resource_name=f"{settings.secret_prefix}*", arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME)],
            )
        )
        self.collector.add_event_source(
            sources.SqsEventSource(
                self.queue,
                batch_size=COLLECTOR_BATCH_SIZE,
                report_batch_item_failures=True,  # one failed cluster is retried alone
                max_concurrency=settings.collector_max_concurrency,
            )
        )

        self.schedule_dead_letter_queue = self._dead_letter_queue("ScheduleDlq")
        # Its own role, so that its one finding is acknowledged on it (infra/nag.py).
        self.schedule_role = iam.Role(self, "ScheduleRole", assumed_by=iam.ServicePrincipal("scheduler.amazonaws.com"))
        scheduler.Schedule(
            self,
            "Schedule",
            schedule_name=settings.schedule_name,
            description="lsc: periodic License Service collection",
            schedule=scheduler.ScheduleExpression.expression(
                settings.schedule_expression, cdk.TimeZone.of(settings.schedule_timezone)
            ),
            enabled=settings.schedule_enabled,
            target=targets.LambdaInvoke(
                self.dispatcher,
                role=self.schedule_role,
                # fixtures/WIRE.md: the run id derives from the schedule name and the scheduled time.
                input=scheduler.ScheduleTargetInput.from_object(
                    {
                        "schedule": settings.schedule_name,
                        "scheduled_time": scheduler.ContextAttribute.scheduled_time,
                        "execution_id": scheduler.ContextAttribute.execution_id,
                    }
                ),
                dead_letter_queue=self.schedule_dead_letter_queue,
                retry_attempts=3,
                max_event_age=cdk.Duration.hours(6),
            ),
        )

        # The registry travels with the deployment: adding a cluster = entry + secret + deploy.
        key_folder, key_name = posixpath.split(settings.registry_key)
        self.registry_deployment = s3deploy.BucketDeployment(
            self,
            "Registry",
            sources=[s3deploy.Source.data(key_name, registry.to_json().decode("utf-8"))],
            destination_bucket=data_bucket,
            destination_key_prefix=f"{key_folder}/" if key_folder else None,
            prune=False,  # never delete anything else under that prefix
            content_type="application/json",
            log_group=self._log_group("RegistryDeploymentLogs", settings),
        )

    def _dead_letter_queue(self, construct_id: str) -> sqs.Queue:
        return sqs.Queue(
            self,
            construct_id,
            encryption=sqs.QueueEncryption.SQS_MANAGED,  # messages name a cluster, a run or the schedule input: nothing secret
            enforce_ssl=True,
            retention_period=cdk.Duration.days(14),
        )

    def _function(
        self,
        construct_id: str,
        handler: str,
        code: lambda_.Code,
        layer: lambda_.ILayerVersion,
        settings: InfraSettings,
        **props: object,
    ) -> lambda_.Function:
        return lambda_.Function(
            self,
            construct_id,
            runtime=packaging.RUNTIME,
            architecture=packaging.ARCHITECTURE,
            handler=handler,
            code=code,
            layers=[layer],
            tracing=lambda_.Tracing.ACTIVE if settings.tracing else lambda_.Tracing.DISABLED,
            log_group=self._log_group(f"{construct_id}Logs", settings),
            **props,
        )

    def _log_group(self, construct_id: str, settings: InfraSettings) -> logs.LogGroup:
        return logs.LogGroup(self, construct_id, retention=settings.retention, removal_policy=cdk.RemovalPolicy.DESTROY)


def _vpc_placement(scope: Construct, settings: InfraSettings) -> dict[str, object]:
    """Imports by id (no lookup: synth needs no AWS credentials). The subnets need a route to the
    clusters and to S3 and Secrets Manager (NAT or VPC endpoints)."""
    if not settings.vpc_id:
        return {}
    assert settings.security_group_id  # settings validation: all three or none
    return {
        "vpc": ec2.Vpc.from_vpc_attributes(scope, "Vpc", vpc_id=settings.vpc_id, availability_zones=cdk.Fn.get_azs()),
        "vpc_subnets": ec2.SubnetSelection(
            subnets=[ec2.Subnet.from_subnet_id(scope, f"Subnet{i}", subnet_id) for i, subnet_id in enumerate(settings.subnet_ids)]
        ),
        "security_groups": [ec2.SecurityGroup.from_security_group_id(scope, "SecurityGroup", settings.security_group_id, mutable=False)],
    }
