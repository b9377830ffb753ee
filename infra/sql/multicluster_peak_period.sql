-- The multicluster peak over any period: bind the first and the last day (inclusive) as the two
-- parameters. Columns as multicluster_peak_monthly, with period_start/period_end = the bounds, plus
-- `usage_source` and `group_name`: rows with usage_source = 'products' are the estate's position,
-- rows with 'chargeback' the same rule applied to each chargeback group.
-- A view cannot take parameters, so this repeats the rule of usage_month_parts/usage_rollup_peaks
-- and the completeness of usage_period_figures for one period.
WITH bounds AS (
    SELECT CAST(? AS DATE) AS period_start, CAST(? AS DATE) AS period_end
),
period_parts AS (
    -- As usage_month_parts for the one period: a row per day (its total across clusters) and a row
    -- per cluster (its peak in the period), from one pass over the period's cluster-days.
    SELECT
        u.usage_source, u.group_name, u.product_id,
        max(u.product_name) AS product_name,
        u.metric_name, u.usage_date, u.cluster_id,
        CASE WHEN grouping(u.cluster_id) = 1 THEN sum(u.quantity) END AS day_total,
        CASE WHEN grouping(u.usage_date) = 1 THEN max(u.quantity) END AS cluster_peak
    FROM usage_cluster_days AS u
    CROSS JOIN bounds AS b
    WHERE
      -- The bounds restated on the `month` partition let Athena read only the period's months:
      -- Trino turns the join with the one constant row into constants (ReplaceJoinOverConstantWithProject),
      -- so this becomes a partition filter for partition projection. DuckDB 1.5.5 prunes hive
      -- partitions only by filters that are constants at plan time, which a join is not, and
      -- repeating the placeholders would break the two-parameter contract: locally the period
      -- query reads every month's objects (same result, more reading).
      u.month BETWEEN substr(CAST(b.period_start AS varchar), 1, 7) AND substr(CAST(b.period_end AS varchar), 1, 7)
      AND u.usage_date BETWEEN b.period_start AND b.period_end
    GROUP BY GROUPING SETS (
        (u.usage_source, u.group_name, u.product_id, u.metric_name, u.usage_date),
        (u.usage_source, u.group_name, u.product_id, u.metric_name, u.cluster_id)
    )
),
completeness AS (
    SELECT
        count(DISTINCT r.cluster_id) AS clusters_expected,
        coalesce(sum(CASE WHEN NOT r.covered THEN
            date_diff('day', greatest(r.range_start, b.period_start), least(r.range_end, b.period_end)) + 1
        END), 0) AS cluster_days_missing
    FROM bounds AS b
    LEFT JOIN evidence_ranges AS r ON r.range_start <= b.period_end AND r.range_end >= b.period_start
),
ranked AS (
    SELECT
        p.*,
        max(day_total) OVER (PARTITION BY usage_source, group_name, product_id, metric_name) AS period_peak
    FROM period_parts AS p
)
SELECT
    r.usage_source, r.group_name, b.period_start, b.period_end, r.product_id,
    max(r.product_name) AS product_name,
    r.metric_name,
    max(r.day_total) AS peak_quantity,
    min(CASE WHEN r.day_total = r.period_peak THEN r.usage_date END) AS peak_date,
    count(r.cluster_id) AS clusters_reporting,
    sum(r.cluster_peak) AS sum_of_cluster_peaks,
    -- per cluster, not per chargeback group: none for group rows (see usage_rollup_figures)
    CASE WHEN r.usage_source = 'products' THEN c.clusters_expected END AS clusters_expected,
    CASE WHEN r.usage_source = 'products' THEN c.cluster_days_missing END AS cluster_days_missing
FROM ranked AS r
CROSS JOIN bounds AS b
CROSS JOIN completeness AS c
GROUP BY
    r.usage_source, r.group_name, b.period_start, b.period_end, r.product_id, r.metric_name,
    c.clusters_expected, c.cluster_days_missing
