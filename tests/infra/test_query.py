"""Glue tables from lsc.datasets, views decoded back to the SQL files, the Athena workgroup."""
from __future__ import annotations

import base64
import json
import re

from infra.catalog import PERIOD_QUERY, VIEWS, sql_text
from infra.views import view_columns
from lsc.datasets import DATASETS
from tests.infra.conftest import Synthesized


def _glue_tables(synth: Synthesized, table_type: str) -> dict[str, dict]:
    return {
        props["TableInput"]["Name"]: props["TableInput"]
        for props in synth.props("AWS::Glue::Table")
        if props["TableInput"]["TableType"] == table_type
    }


def _decode_view(original_text: str) -> dict:
    match = re.fullmatch(r"/\* Presto View: ([A-Za-z0-9+/=]+) \*/", original_text)
    assert match, original_text
    return json.loads(base64.b64decode(match[1]))


def test_database(synth: Synthesized) -> None:
    (database,) = synth.props("AWS::Glue::Database")
    assert database["DatabaseInput"]["Name"] == "license_usage"


def test_one_table_per_dataset_with_its_columns(synth: Synthesized) -> None:
    tables = _glue_tables(synth, "EXTERNAL_TABLE")
    assert sorted(tables) == sorted(dataset.table for dataset in DATASETS)
    for dataset in DATASETS:
        table = tables[dataset.table]
        columns = [(c["Name"], c["Type"]) for c in table["StorageDescriptor"]["Columns"]]
        assert columns == list(dataset.all_columns)
        assert table["PartitionKeys"] == [{"Name": dataset.partition, "Type": "string"}]
        assert table["StorageDescriptor"]["SerdeInfo"]["SerializationLibrary"] == "org.openx.data.jsonserde.JsonSerDe"


def test_partition_projection_ends_at_now_without_a_fixed_year(synth: Synthesized) -> None:
    bucket = synth.stack.resolve(synth.stack.storage.data_bucket.bucket_name)
    for dataset in DATASETS:
        table = _glue_tables(synth, "EXTERNAL_TABLE")[dataset.table]
        params, part = table["Parameters"], dataset.partition
        assert params["projection.enabled"] == "true"
        assert params[f"projection.{part}.type"] == "date"
        assert params[f"projection.{part}.format"] == {"month": "yyyy-MM", "dt": "yyyy-MM-dd"}[part]
        assert params[f"projection.{part}.range"] == "NOW-5YEARS,NOW"
        assert params[f"projection.{part}.interval.unit"] == {"month": "MONTHS", "dt": "DAYS"}[part]
        # The template and the location are built on the bucket name (a token) and the dataset prefix.
        assert params["storage.location.template"] == {"Fn::Join": ["", ["s3://", bucket, f"/{dataset.prefix}/{part}=${{{part}}}/"]]}
        assert table["StorageDescriptor"]["Location"] == {"Fn::Join": ["", ["s3://", bucket, f"/{dataset.prefix}/"]]}


def test_views_decode_to_the_sql_files_and_the_duckdb_columns(synth: Synthesized) -> None:
    views = _glue_tables(synth, "VIRTUAL_VIEW")
    assert sorted(views) == sorted(VIEWS)
    expected_columns = view_columns()
    for name in VIEWS:
        view = views[name]
        definition = _decode_view(view["ViewOriginalText"])
        assert definition["originalSql"] == sql_text(name)
        assert definition["catalog"] == "awsdatacatalog"
        assert definition["schema"] == "license_usage"
        assert [(c["name"], c["type"]) for c in definition["columns"]] == [(n, p) for n, p, _ in expected_columns[name]]
        assert [(c["Name"], c["Type"]) for c in view["StorageDescriptor"]["Columns"]] == [(n, h) for n, _, h in expected_columns[name]]
        assert view["Parameters"] == {"presto_view": "true", "comment": "Presto View"}
        assert view["ViewExpandedText"] == "/* Presto View */"


def test_workgroup_enforces_engine_v3_encryption_and_scan_limit(synth: Synthesized) -> None:
    (workgroup,) = synth.props("AWS::Athena::WorkGroup")
    config = workgroup["WorkGroupConfiguration"]
    assert workgroup["Name"] == "lsc"
    assert config["EngineVersion"] == {"SelectedEngineVersion": "Athena engine version 3"}
    assert config["EnforceWorkGroupConfiguration"] is True
    assert config["BytesScannedCutoffPerQuery"] == 10240 * 1024 * 1024
    encryption = config["ResultConfiguration"]["EncryptionConfiguration"]
    assert encryption["EncryptionOption"] == "SSE_KMS" and "KmsKey" in encryption


def test_period_query_is_a_prepared_statement_of_the_sql_file(synth: Synthesized) -> None:
    (statement,) = synth.props("AWS::Athena::PreparedStatement")
    assert statement["StatementName"] == PERIOD_QUERY
    assert statement["QueryStatement"] == sql_text(PERIOD_QUERY)
    assert sql_text(PERIOD_QUERY).count("?") == 2
