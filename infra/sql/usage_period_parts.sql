-- usage_month_parts under each period: every row under its month, under its quarter and under the
-- usage source's window (period_kind 'window': its earliest to its latest collected day, which the
-- rollup document reports next to the months). A day row stays one row; a cluster's rows of a
-- quarter's (the window's) months merge into one: its peak of that period. The month branch labels
-- rows with the partition value itself, so a filter on a month label still prunes partitions.
-- DuckDB materializes `months` once for all the kinds a query asks for (Trino inlines it: one read
-- per kind).
WITH months AS (
    SELECT u.*, CAST(u.month || '-01' AS DATE) AS month_start
    FROM usage_month_parts AS u
)
SELECT
    period_kind, period_label, period_start, period_end, usage_source, group_name, product_id,
    max(product_name) AS product_name,
    metric_name, part, usage_date, cluster_id,
    sum(day_total) AS day_total,
    max(cluster_peak) AS cluster_peak,
    bool_or(provisional) AS provisional
FROM (
    SELECT
        'month' AS period_kind,
        m.month AS period_label,
        m.month_start AS period_start,
        CAST(m.month_start + INTERVAL '1' MONTH - INTERVAL '1' DAY AS DATE) AS period_end,
        m.*
    FROM months AS m
    UNION ALL
    SELECT
        'quarter' AS period_kind,
        CAST(year(m.month_start) AS varchar) || '-Q' || CAST(quarter(m.month_start) AS varchar) AS period_label,
        CAST(date_trunc('quarter', m.month_start) AS DATE) AS period_start,
        CAST(date_trunc('quarter', m.month_start) + INTERVAL '3' MONTH - INTERVAL '1' DAY AS DATE) AS period_end,
        m.*
    FROM months AS m
    UNION ALL
    SELECT
        'window' AS period_kind,
        'window' AS period_label,
        min(m.usage_date) OVER (PARTITION BY m.usage_source) AS period_start,
        max(m.usage_date) OVER (PARTITION BY m.usage_source) AS period_end,
        m.*
    FROM months AS m
) AS periods
GROUP BY
    period_kind, period_label, period_start, period_end, usage_source, group_name, product_id, metric_name,
    part, usage_date, cluster_id
