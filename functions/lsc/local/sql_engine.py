"""The view SQL of `infra/sql`, executed by DuckDB over the collected objects (S3 or a folder).

One DuckDB view per dataset of `lsc.datasets` stands in for its Glue table (same name, same
columns), then every catalog view is created from its file unchanged, so a figure computed here
is the figure Athena computes.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

import duckdb
import duckdb_extension_httpfs

from infra.catalog import PERIOD_QUERY, VIEWS, sql_text
from lsc.datasets import DATASETS, Dataset, duckdb_type

# Any day works: it only fills the partition value that the glob pattern replaces with `*`.
_SAMPLE_DAY = date(2000, 1, 1)

# The httpfs build that matches duckdb 1.5.5, shipped inside its wheel: loading it by path works
# offline and on a fresh machine (a bare `LOAD httpfs` needs a copy cached under the home folder).
HTTPFS_PATH = Path(duckdb_extension_httpfs.__file__).parent / "extensions" / f"v{duckdb.__version__}" / "httpfs.duckdb_extension"


# Athena's way to run the prepared statement the stack deploys: `EXECUTE name USING arg, arg`.
_EXECUTE_USING = re.compile(rf"\s*EXECUTE\s+({PERIOD_QUERY})\s+USING\s+(.+?)\s*;?\s*", re.IGNORECASE | re.DOTALL)


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def object_pattern(root: str, dataset: Dataset) -> str:
    """Glob matching every object of `dataset` under `root` (a folder or `s3://bucket`)."""
    key = dataset.key(_SAMPLE_DAY, "*", "*")
    sample_partition = f"{dataset.partition}={dataset.partition_value(_SAMPLE_DAY)}"
    return f"{root.rstrip('/')}/" + key.replace(sample_partition, f"{dataset.partition}=*")


def dataset_view_sql(dataset: Dataset, pattern: str, *, has_objects: bool) -> str:
    """The SELECT behind the DuckDB view standing in for the dataset's Glue table."""
    typed = [(name, duckdb_type(athena_type)) for name, athena_type in dataset.all_columns]
    if not has_objects:
        # read_json fails on a pattern without matches; a dataset nobody wrote yet is just empty.
        columns = ", ".join(f"CAST(NULL AS {kind}) AS {_identifier(name)}" for name, kind in typed)
        return f"SELECT {columns}, CAST(NULL AS VARCHAR) AS {_identifier(dataset.partition)} WHERE false"
    columns = ", ".join(f"{_literal(name)}: {_literal(kind)}" for name, kind in typed)
    return (
        f"SELECT * FROM read_json({_literal(pattern)}, columns = {{{columns}}}, "
        "format = 'newline_delimited', hive_partitioning = true, "
        # A string partition column, as in Glue, whatever its values look like.
        f"hive_types = {{{_literal(dataset.partition)}: 'VARCHAR'}})"
    )


class LocalEngine:
    """DuckDB connection with the dataset views and the catalog views of `infra/catalog.py`.

    Every query lists the objects afresh, so new objects of a dataset are seen; a dataset that had
    no object at all when the engine opened stays empty until the engine is opened again.
    """

    def __init__(self, connection: duckdb.DuckDBPyConnection, root: str) -> None:
        self._connection = connection
        # Athena sessions run in UTC; `current_date` in cluster_latest must agree.
        connection.execute("SET TimeZone = 'UTC'")
        for dataset in DATASETS:
            pattern = object_pattern(root, dataset)
            has_objects = bool(connection.execute("SELECT count(*) FROM glob(?)", [pattern]).fetchone()[0])
            select = dataset_view_sql(dataset, pattern, has_objects=has_objects)
            connection.execute(f"CREATE VIEW {_identifier(dataset.table)} AS {select}")
        for name in VIEWS:
            connection.execute(f"CREATE VIEW {_identifier(name)} AS {sql_text(name)}")

    @classmethod
    def over_directory(cls, root: Path | str) -> LocalEngine:
        """Objects laid out under `root` with the S3 keys of `lsc.datasets`."""
        return cls(_offline_connection(), str(Path(root).resolve()))

    @classmethod
    def over_s3(
        cls, endpoint_url: str, bucket: str, *, access_key: str, secret_key: str, region: str
    ) -> LocalEngine:
        """Objects in `bucket` of an S3 endpoint such as moto server (path-style addressing)."""
        endpoint = urlsplit(endpoint_url)
        connection = _offline_connection()
        connection.load_extension(str(HTTPFS_PATH))
        # Explicit keys and endpoint: no credential chain, so nothing is looked up beyond the endpoint.
        connection.execute(
            "CREATE SECRET lsc_s3 (TYPE S3, "
            f"KEY_ID {_literal(access_key)}, SECRET {_literal(secret_key)}, REGION {_literal(region)}, "
            f"ENDPOINT {_literal(endpoint.netloc)}, URL_STYLE 'path', "
            f"USE_SSL {'true' if endpoint.scheme == 'https' else 'false'})"
        )
        return cls(connection, f"s3://{bucket}")

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        execute = _EXECUTE_USING.fullmatch(sql)
        if execute:
            # The same statement from the same file, in DuckDB's syntax: EXECUTE name(arg, arg).
            self._connection.execute(f"PREPARE {PERIOD_QUERY} AS {sql_text(PERIOD_QUERY)}")
            sql = f"EXECUTE {PERIOD_QUERY}({execute.group(2)})"
        try:
            cursor = self._connection.execute(sql, list(params))
            names = [column[0] for column in cursor.description]
            return [dict(zip(names, row)) for row in cursor.fetchall()]
        except duckdb.InterruptException:
            raise KeyboardInterrupt from None
        except RuntimeError as exc:
            if str(exc) == "Query interrupted":  # how DuckDB reports a Ctrl-C that arrived mid-query
                raise KeyboardInterrupt from None
            raise

    def view(self, name: str) -> list[dict[str, Any]]:
        return self.query(f"SELECT * FROM {_identifier(name)}")

    def peak_for_period(self, start: date, end: date) -> list[dict[str, Any]]:
        """Multicluster peaks over the days `start`..`end` inclusive (the period query file)."""
        return self.query(sql_text(PERIOD_QUERY), (start, end))

    def close(self) -> None:
        self._connection.close()

    def __enter__(self) -> LocalEngine:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()


def _offline_connection() -> duckdb.DuckDBPyConnection:
    # Never download or auto-load an extension: behaviour must not depend on what the machine cached.
    return duckdb.connect(config={"autoinstall_known_extensions": False, "autoload_known_extensions": False})
