-- The multicluster peak over any period: bind the first and the last day (inclusive) as the two
-- parameters. Columns as multicluster_peak_monthly, with period_start/period_end = the bounds, plus
-- `usage_source` and `group_name`: rows with usage_source = 'products' are the estate's position,
-- rows with 'chargeback' the same rule applied to each chargeback group.
-- A view cannot take parameters, so this repeats the ranking of usage_period_peaks and the
-- completeness of usage_period_figures for one period.
WITH bounds AS (
    SELECT CAST(? AS DATE) AS period_start, CAST(? AS DATE) AS period_end
),
period_rows AS (
    SELECT b.period_start, b.period_end, u.*
    FROM cluster_daily_usage AS u
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
        r.*,
        rank() OVER (
            PARTITION BY usage_source, group_name, product_id, metric_name ORDER BY day_total DESC
        ) AS day_rank,
        row_number() OVER (
            PARTITION BY usage_source, group_name, product_id, metric_name, cluster_id ORDER BY quantity DESC
        ) AS cluster_rank
    FROM period_rows AS r
)
SELECT
    usage_source, group_name, period_start, period_end, product_id,
    max(product_name) AS product_name,
    metric_name,
    max(day_total) AS peak_quantity,
    min(CASE WHEN day_rank = 1 THEN usage_date END) AS peak_date,
    count(DISTINCT cluster_id) AS clusters_reporting,
    sum(CASE WHEN cluster_rank = 1 THEN quantity END) AS sum_of_cluster_peaks,
    c.clusters_expected,
    c.cluster_days_missing
FROM ranked
CROSS JOIN completeness AS c
GROUP BY usage_source, group_name, period_start, period_end, product_id, metric_name, c.clusters_expected, c.cluster_days_missing
