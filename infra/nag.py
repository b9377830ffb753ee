"""Every cdk-nag (AwsSolutions) acknowledgement of the app, with its reason, in this one place.

cdk-nag 3 needs one acknowledgement per finding (`Rule[finding]`), on the construct it concerns.
"""
from __future__ import annotations

import aws_cdk as cdk
from constructs import IConstruct

from infra.collection import COLLECTOR_WRITES, DISPATCHER_WRITES
from infra.settings import InfraSettings

BASIC_EXECUTION_ROLE = "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]"
LAMBDA_LOGS = (
    "the AWS managed basic execution policy only lets the function write its own CloudWatch logs"
)
BUCKET_GRANTS = "CDK grant action groups (Get*/List*) on the data bucket only; no other bucket or service"
KEY_GRANTS = "KMS data-key actions on the project's one key only, needed to read and write the encrypted bucket"
RUNTIME = "Python 3.12 is the runtime the handlers and the pinned wheels (cp312) target; raised deliberately"


Findings = list[tuple[IConstruct, dict[str, str]]]


def acknowledge(stack: cdk.Stack, settings: InfraSettings) -> None:
    for scope, acknowledged in findings(stack, settings):
        cdk.Validations.of(scope).acknowledge(*(cdk.Acknowledgment(id=rule, reason=reason) for rule, reason in acknowledged.items()))


def findings(stack: cdk.Stack, settings: InfraSettings) -> Findings:
    """(construct, {finding: reason}) for the findings this configuration has, and only those: an
    acknowledgement of a feature that is off would hide the finding if it ever appeared unasked."""
    found: Findings = []

    def _ack(scope: IConstruct, acknowledged: dict[str, str]) -> None:
        found.append((scope, acknowledged))

    collection = stack.collection
    bucket = _logical_id(stack, stack.storage.data_bucket)
    read_bucket = {
        "AwsSolutions-IAM5[Action::s3:GetBucket*]": BUCKET_GRANTS,
        "AwsSolutions-IAM5[Action::s3:GetObject*]": BUCKET_GRANTS,
        "AwsSolutions-IAM5[Action::s3:List*]": BUCKET_GRANTS,
    }
    write_bucket = {"AwsSolutions-IAM5[Action::s3:Abort*]": "snapshots stream to S3 as multipart uploads, which a failure must abort"}
    if settings.encryption == "kms":
        write_bucket["AwsSolutions-IAM5[Action::kms:GenerateDataKey*]"] = KEY_GRANTS
        write_bucket["AwsSolutions-IAM5[Action::kms:ReEncrypt*]"] = KEY_GRANTS
    # The dispatcher reads only the registry key; these two read any object.
    whole_bucket = {f"AwsSolutions-IAM5[Resource::<{bucket}.Arn>/*]": "objects of the data bucket (reads its registry, earlier months, snapshot keys)"}
    function_basics = {BASIC_EXECUTION_ROLE: LAMBDA_LOGS, "AwsSolutions-L1": RUNTIME}
    if settings.tracing:  # X-Ray tracing needs PutTraceSegments, which has no resource-level permission.
        function_basics["AwsSolutions-IAM5[Resource::*]"] = "X-Ray trace upload has no resource-level permissions"
    _ack(collection.dispatcher, {**function_basics, **read_bucket, **write_bucket, **{
        f"AwsSolutions-IAM5[Resource::<{bucket}.Arn>/{prefix}]": "the dispatcher writes only the per-run copy of the registry"
        for prefix in DISPATCHER_WRITES
    }})
    _ack(
        collection.collector,
        {
            **function_basics,
            **read_bucket,
            **write_bucket,
            **whole_bucket,
            **{
                f"AwsSolutions-IAM5[Resource::<{bucket}.Arn>/{prefix}]": "the collector writes only under the dataset prefixes of architecture §5"
                for prefix in COLLECTOR_WRITES
            },
            f"AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:{settings.secret_prefix}*]": (
                "cluster tokens and CA bundles live under the project prefix; clusters are added without a deploy of IAM"
            ),
        },
    )
    if settings.vpc_id:
        # VPC placement adds the managed ENI policy.
        _ack(
            collection.collector,
            {
                "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole]": (
                    "the AWS managed policy is the minimal ENI permission set a function in a VPC needs"
                ),
            },
        )
        # It imports the VPC and subnets by id: synth needs no AWS lookup, so their AZs and route
        # tables are unknown, and nothing here needs them.
        _ack(
            collection,
            {
                "Annotation::@aws-cdk/aws-ec2:vpcAttributeIsListTokenavailabilityZones": "only the VPC id is used (Lambda VpcConfig)",
                "Annotation::@aws-cdk/aws-ec2:noSubnetRouteTableId": "only the subnet ids are used (Lambda VpcConfig)",
            },
        )
    _ack(
        collection.schedule_dead_letter_queue,
        {"AwsSolutions-SQS3": "it is the dead-letter queue of the schedule's target, which the rule does not recognise as DLQ use"},
    )
    _ack(
        collection.dispatch_failures,
        {"AwsSolutions-SQS3": "it is the dispatcher's on-failure destination (a DLQ), which the rule does not recognise as DLQ use"},
    )
    _ack(
        collection.schedule_role,
        {
            f"AwsSolutions-IAM5[Resource::<{_logical_id(stack, collection.dispatcher)}.Arn>:*]": (
                "invoke the dispatcher function and its versions; nothing else"
            )
        },
    )
    qualifier = stack.node.try_get_context("@aws-cdk/core:bootstrapQualifier") or cdk.DefaultStackSynthesizer.DEFAULT_QUALIFIER
    # The CDK-provided function copying the registry into the bucket (BucketDeployment).
    _ack(
        collection.registry_deployment.handler_role.node.scope,
        {
            BASIC_EXECUTION_ROLE: LAMBDA_LOGS,
            "AwsSolutions-L1": "runtime of a CDK-provided function, chosen and updated by aws-cdk-lib",
            **read_bucket,
            **write_bucket,
            **whole_bucket,
            "AwsSolutions-IAM5[Action::s3:DeleteObject*]": "CDK's deployment grant; pruning is off, so nothing is deleted",
            f"AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::cdk-{qualifier}-assets-<AWS::AccountId>-<AWS::Region>/*]": (
                "reads the registry asset from the CDK bootstrap bucket"
            ),
        },
    )
    return found


def _logical_id(stack: cdk.Stack, construct: IConstruct) -> str:
    return stack.get_logical_id(construct.node.default_child)
