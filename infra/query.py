"""Catalog and query: Glue database, one table per dataset, the views, the Athena workgroup."""
from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_athena as athena
from aws_cdk import aws_glue as glue
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from infra.catalog import PERIOD_QUERY, sql_text
from infra.settings import InfraSettings
from infra.views import presto_view_original_text, view_columns
from lsc.datasets import DATASETS, Dataset

ATHENA_ENGINE = "Athena engine version 3"
JSON_SERDE = "org.openx.data.jsonserde.JsonSerDe"
_PROJECTION = {  # partition -> (value format, interval unit)
    "month": ("yyyy-MM", "MONTHS"),
    "dt": ("yyyy-MM-dd", "DAYS"),
}


class Query(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: InfraSettings,
        data_bucket: s3.IBucket,
        results_bucket: s3.IBucket,
        key: kms.IKey | None,
        ) -> None:
        super().__init__(scope, construct_id)
        self.database_name = settings.database
        database = glue.CfnDatabase(
            self,
            "GlueDatabase",
            catalog_id=cdk.Aws.ACCOUNT_ID,
            database_input=glue.CfnDatabase.DatabaseInputProperty(
                name=settings.database, description="lsc: IBM License Service usage across clusters"
            ),
        )
        # Glue does not resolve a view's SQL when storing it: tables and views need only the database.
        for dataset in DATASETS:
            self._table(dataset, database.ref, settings.projection_years, data_bucket.bucket_name)
        for name, columns in view_columns().items():
            self._view(name, columns, database.ref, settings.database)

        workgroup = athena.CfnWorkGroup(
            self,
            "AthenaWorkGroup",
            name=settings.workgroup,
            description="lsc: queries over the license usage tables and views",
            recursive_delete_option=True,  # `cdk destroy` removes it with its saved queries
            work_group_configuration=athena.CfnWorkGroup.WorkGroupConfigurationProperty(
                engine_version=athena.CfnWorkGroup.EngineVersionProperty(selected_engine_version=ATHENA_ENGINE),
                enforce_work_group_configuration=True,
                publish_cloud_watch_metrics_enabled=True,
                bytes_scanned_cutoff_per_query=settings.bytes_scanned_cutoff_mb * 1024 * 1024,
                result_configuration=athena.CfnWorkGroup.ResultConfigurationProperty(
                    output_location=f"s3://{results_bucket.bucket_name}/results/",
                    encryption_configuration=athena.CfnWorkGroup.EncryptionConfigurationProperty(
                        encryption_option="SSE_KMS", kms_key=key.key_arn
                    )
                    if key
                    else athena.CfnWorkGroup.EncryptionConfigurationProperty(encryption_option="SSE_S3"),
                ),
            ),
        )
        self.workgroup_name = settings.workgroup

        # The any-period rollup: `EXECUTE multicluster_peak_period USING DATE '…', DATE '…'`.
        athena.CfnPreparedStatement(
            self,
            "PeriodQuery",
            statement_name=PERIOD_QUERY,
            work_group=workgroup.ref,
            query_statement=sql_text(PERIOD_QUERY),
            description="peak of the daily multicluster sum per product and metric between two dates (inclusive)",
        )

    def _table(self, dataset: Dataset, database: str, projection_years: int, bucket_name: str) -> None:
        partition = dataset.partition
        value_format, unit = _PROJECTION[partition]
        # Athena reads every object below a partition's location, subfolders included, so the status
        # records one level deeper (`status/dt=<day>/<cluster_id>/<run_id>.json`) are read as well.
        location = f"s3://{bucket_name}/{dataset.prefix}/"
        glue.CfnTable(
            self,
            f"Table-{dataset.table}",
            catalog_id=cdk.Aws.ACCOUNT_ID,
            database_name=database,
            table_input=glue.CfnTable.TableInputProperty(
                name=dataset.table,
                description=dataset.description,
                table_type="EXTERNAL_TABLE",
                parameters={
                    "classification": "json",
                    "EXTERNAL": "TRUE",
                    # Partition projection: no crawler, no MSCK REPAIR; new days and clusters just appear.
                    "projection.enabled": "true",
                    f"projection.{partition}.type": "date",
                    f"projection.{partition}.format": value_format,
                    f"projection.{partition}.range": f"NOW-{projection_years}YEARS,NOW",
                    f"projection.{partition}.interval": "1",
                    f"projection.{partition}.interval.unit": unit,
                    "storage.location.template": f"{location}{partition}=${{{partition}}}/",
                },
                partition_keys=[glue.CfnTable.ColumnProperty(name=partition, type="string")],
                storage_descriptor=glue.CfnTable.StorageDescriptorProperty(
                    location=location,
                    columns=[glue.CfnTable.ColumnProperty(name=name, type=kind) for name, kind in dataset.all_columns],
                    input_format="org.apache.hadoop.mapred.TextInputFormat",
                    output_format="org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
                    serde_info=glue.CfnTable.SerdeInfoProperty(serialization_library=JSON_SERDE),
                ),
            ),
        )

    def _view(self, name: str, columns: list[tuple[str, str, str]], database: str, schema: str) -> None:
        glue.CfnTable(
            self,
            f"View-{name}",
            catalog_id=cdk.Aws.ACCOUNT_ID,
            database_name=database,
            table_input=glue.CfnTable.TableInputProperty(
                name=name,
                table_type="VIRTUAL_VIEW",
                parameters={"presto_view": "true", "comment": "Presto View"},
                view_original_text=presto_view_original_text(sql_text(name), schema, columns),
                view_expanded_text="/* Presto View */",
                storage_descriptor=glue.CfnTable.StorageDescriptorProperty(
                    columns=[glue.CfnTable.ColumnProperty(name=column, type=hive) for column, _, hive in columns],
                    serde_info=glue.CfnTable.SerdeInfoProperty(),
                ),
            ),
        )
