"""Operations: the alarm topic and the alarms that say collection is not working."""
from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.settings import InfraSettings
from lsc.registry import Registry

# Emitted by lsc.handlers.collector, once per cluster collection.
SUCCESS_METRIC = "CollectionSuccess"
FAILURE_METRIC = "CollectionFailure"
# Powertools adds `service` (POWERTOOLS_SERVICE_NAME) to every metric's dimensions.
SERVICE = "lsc"


class Operations(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: InfraSettings,
        registry: Registry,
        key: kms.IKey | None,
        functions: list[lambda_.IFunction],
        dead_letter_queues: list[tuple[sqs.IQueue, str]],
        ) -> None:
        super().__init__(scope, construct_id)
        self.topic = sns.Topic(self, "Alarms", display_name="lsc alarms", master_key=key, enforce_ssl=True)
        if key:
            # CloudWatch publishes to the encrypted topic with the key (AWS managed keys cannot do this).
            key.grant(iam.ServicePrincipal("cloudwatch.amazonaws.com"), "kms:Decrypt", "kms:GenerateDataKey*")
        if settings.alarm_email:
            self.topic.add_subscription(subscriptions.EmailSubscription(settings.alarm_email))
        action = cw_actions.SnsAction(self.topic)

        def alarm_on(metric: cw.IMetric, alarm_id: str, description: str) -> cw.Alarm:
            return metric.create_alarm(
                self, alarm_id, alarm_description=description, threshold=1, evaluation_periods=1,
                comparison_operator=cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                treat_missing_data=cw.TreatMissingData.NOT_BREACHING,
            )

        five_minutes = cdk.Duration.minutes(5)
        alarms: list[cw.Alarm] = [
            alarm_on(queue.metric_approximate_number_of_messages_visible(period=five_minutes, statistic="Maximum"),
                     f"{queue.node.id}Depth", f"lsc: messages in {queue.node.id}: {meaning}")
            for queue, meaning in dead_letter_queues
        ]
        alarms += [
            alarm_on(function.metric_errors(period=five_minutes, statistic="Sum"), f"{function.node.id}Errors",
                     f"lsc: the {function.node.id} Lambda failed (errors or timeouts)")
            for function in functions
        ]
        # Per enabled cluster, from the collector's metrics (dimensions `service`, `cluster_id`).
        # A failed cluster is a batch item failure, which Lambda's Errors metric never counts.
        stack_name = cdk.Stack.of(self).stack_name

        def cluster_metric(name: str, cluster_id: str) -> cw.Metric:
            return cw.Metric(
                namespace=settings.metrics_namespace,
                metric_name=name,
                dimensions_map={"service": SERVICE, "cluster_id": cluster_id},
                statistic="Sum",
                period=cdk.Duration.hours(1),
            )

        for cluster in registry.enabled():
            # Hourly sums of successes, all `stale_after_hours` of them empty (no data counts as
            # breaching) means no successful collection for that long.
            alarms.append(
                cluster_metric(SUCCESS_METRIC, cluster.id).create_alarm(
                    self,
                    f"Stale-{cluster.id}",
                    alarm_name=f"{stack_name}-stale-{cluster.id}",
                    alarm_description=f"lsc: no successful collection from cluster {cluster.id} for {settings.stale_after_hours} h",
                    threshold=1,
                    evaluation_periods=settings.stale_after_hours,
                    datapoints_to_alarm=settings.stale_after_hours,
                    comparison_operator=cw.ComparisonOperator.LESS_THAN_THRESHOLD,
                    treat_missing_data=cw.TreatMissingData.BREACHING,
                )
            )
            alarms.append(
                cluster_metric(FAILURE_METRIC, cluster.id).create_alarm(
                    self,
                    f"Failing-{cluster.id}",
                    alarm_name=f"{stack_name}-failing-{cluster.id}",
                    alarm_description=(
                        f"lsc: a collection from cluster {cluster.id} failed in the last hour (the collector's log "
                        f"says why: error_class, http_status, hint); the message is retried and goes to "
                        f"CollectDlq after {settings.max_receive_count} attempts"
                    ),
                    threshold=1,
                    evaluation_periods=1,
                    comparison_operator=cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                    treat_missing_data=cw.TreatMissingData.NOT_BREACHING,
                )
            )
        for alarm in alarms:
            alarm.add_alarm_action(action)
            alarm.add_ok_action(action)
