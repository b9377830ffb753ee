"""The one list of datasets, their S3 keys and columns.

The collector writes exactly these columns, the CDK stack turns them into Glue tables, the local
engine into DuckDB views, and the README table is generated from them, so none can drift.
Types are Athena (Hive DDL) types; `duckdb_type` maps them for the local engine.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

QUANTITY = "decimal(18,6)"

COMMON_COLUMNS: tuple[tuple[str, str], ...] = (
    ("schema_version", "int"),
    ("cluster_id", "string"),
    ("run_id", "string"),
    ("scheduled_time", "string"),
)


@dataclass(frozen=True)
class Dataset:
    """One S3 dataset = one Glue table: keys `<prefix>/<partition>=<value>/...`."""

    table: str
    prefix: str
    partition: str  # "month" (YYYY-MM) or "dt" (YYYY-MM-DD)
    columns: tuple[tuple[str, str], ...]
    description: str
    # what one object holds: one cluster, one cluster's run, one whole run, or everything ("partition":
    # one object named `object_name`.json per partition value)
    object_per: str = "cluster"
    object_name: str = ""
    # the Lambda that writes it (the stack grants PutObject on the prefix to that one only)
    writer: str = "collector"

    @property
    def all_columns(self) -> tuple[tuple[str, str], ...]:
        return COMMON_COLUMNS + self.columns

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.all_columns)

    def partition_value(self, day: date) -> str:
        return day.strftime("%Y-%m") if self.partition == "month" else day.isoformat()

    def key(self, day: date, cluster_id: str, run_id: str | None = None) -> str:
        """Deterministic object key: a retry of the same run overwrites instead of duplicating."""
        return self.key_in(self.partition_value(day), cluster_id, run_id)

    def key_in(self, partition_value: str, cluster_id: str, run_id: str | None = None) -> str:
        base = f"{self.prefix}/{self.partition}={partition_value}"
        if self.object_per == "cluster_run":
            return f"{base}/{cluster_id}/{run_id}.json"
        if self.object_per == "run":
            return f"{base}/{run_id}.json"
        if self.object_per == "partition":
            return f"{base}/{self.object_name}.json"
        return f"{base}/{cluster_id}.json"


PRODUCTS_DAILY = Dataset(
    table="products_daily",
    prefix="usage/products_daily",
    partition="month",
    columns=(
        ("usage_date", "date"),
        ("product_id", "string"),
        ("product_name", "string"),
        ("metric_name", "string"),
        ("quantity", QUANTITY),
        ("provisional", "boolean"),
        ("source", "string"),
    ),
    description="daily peak per (usage day, product, metric) of one cluster; one object per cluster and month",
)

PRODUCTS = Dataset(
    table="products",
    prefix="usage/products",
    partition="dt",
    columns=(
        ("window_start", "date"),
        ("window_end", "date"),
        ("product_id", "string"),
        ("product_name", "string"),
        ("metric_name", "string"),
        ("peak_date", "date"),
        ("quantity", QUANTITY),
    ),
    description="`/products` period peaks for the collection window",
)

BUNDLED_PRODUCTS = Dataset(
    table="bundled_products",
    prefix="usage/bundled_products",
    partition="dt",
    columns=(
        ("window_start", "date"),
        ("window_end", "date"),
        ("product_id", "string"),
        ("product_name", "string"),
        ("cloudpak_id", "string"),
        ("cloudpak_name", "string"),
        ("metric_name", "string"),
        ("peak_date", "date"),
        ("measured_quantity", QUANTITY),
        ("conversion", "string"),
        ("converted_quantity", QUANTITY),
    ),
    description="`/bundled_products` period peaks (products inside Cloud Paks; never rollup rows)",
)

SERVICES = Dataset(
    table="services",
    prefix="usage/services",
    partition="dt",
    columns=(
        ("window_start", "date"),
        ("window_end", "date"),
        ("cloudpak_id", "string"),
        ("product_id", "string"),
        ("product_name", "string"),
        ("metric_name", "string"),
        ("service_id", "string"),
        ("service_name", "string"),
        ("quantity", QUANTITY),
        ("peak_date", "date"),
        ("raw", "string"),
    ),
    description="`/services` rows (shape unverified: known fields mapped, the whole row kept in `raw`)",
)

CHARGEBACK_DAILY = Dataset(
    table="chargeback_daily",
    prefix="usage/chargeback_daily",
    partition="month",
    columns=(
        ("usage_date", "date"),
        ("group_name", "string"),
        ("product_id", "string"),
        ("product_name", "string"),
        ("metric_name", "string"),
        ("quantity", QUANTITY),
        ("provisional", "boolean"),
    ),
    description="daily peak per chargeback group, from per-day `/products?groupName=` calls",
)

COLLECTION_STATUS = Dataset(
    table="collection_status",
    prefix="status",
    partition="dt",
    columns=(
        ("execution_id", "string"),
        ("outcome", "string"),
        ("license_service_version", "string"),
        ("health_summary", "string"),
        ("window_start", "date"),
        ("window_end", "date"),
        ("started_at", "string"),
        ("finished_at", "string"),
        ("duration_ms", "bigint"),
        ("snapshot_key", "string"),
        ("snapshot_sha256", "string"),
        ("daily_rows", "bigint"),
        ("error_endpoint", "string"),
        ("error_class", "string"),
        ("http_status", "int"),
        ("error_message", "string"),
        ("hint", "string"),
        ("warnings", "string"),
        ("retired", "boolean"),
        # host of the License Service answering (its snapshot's data_condition.txt, else the URL):
        # two clusters with the same host are one service counted twice (view license_service_duplicates)
        ("license_service_host", "string"),
    ),
    description="one record per cluster and run: outcome, version, health, window, times, error (redacted); "
                "`retired` marks the final collection of a decommissioned cluster",
    object_per="cluster_run",
)

# The registry itself lives in `config/clusters.json`; this copy per run tells the SQL which
# clusters were expected, so rollups can show how complete each figure is.
CLUSTER_REGISTRY = Dataset(
    table="cluster_registry",
    prefix="registry",
    partition="dt",
    columns=(
        ("enabled", "boolean"),
        ("timezone", "string"),
        ("tags", "string"),
    ),
    description="one record per registered cluster and run: the registry as the dispatcher saw it",
    object_per="run",
    writer="dispatcher",
)

ENTITLEMENTS = Dataset(
    table="entitlements",
    prefix="config/entitlements",
    partition="dt",
    columns=(
        ("product_id", "string"),
        ("product_name", "string"),
        ("metric_name", "string"),
        ("licensed_quantity", QUANTITY),
    ),
    description="licensed quantity per product and metric, one object per upload day (`lsc entitlements upload`)",
    object_per="partition",
    object_name="entitlements",
)

DATASETS: tuple[Dataset, ...] = (
    PRODUCTS_DAILY,
    PRODUCTS,
    BUNDLED_PRODUCTS,
    SERVICES,
    CHARGEBACK_DAILY,
    COLLECTION_STATUS,
    CLUSTER_REGISTRY,
    ENTITLEMENTS,
)

_DUCKDB_TYPES = {"string": "VARCHAR", "date": "DATE", "boolean": "BOOLEAN", "int": "INTEGER", "bigint": "BIGINT"}


def duckdb_type(athena_type: str) -> str:
    if athena_type.startswith("decimal"):
        return athena_type.upper()
    return _DUCKDB_TYPES[athena_type]
