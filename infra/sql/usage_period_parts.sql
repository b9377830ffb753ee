-- usage_month_parts under each calendar period: every row under its month and under its quarter.
-- A day row stays one row; a cluster's rows of a quarter's months merge into one (its peak of the
-- quarter). The month branch labels rows with the partition value itself, so a filter on a month
-- label still prunes partitions.
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
) AS periods
GROUP BY
    period_kind, period_label, period_start, period_end, usage_source, group_name, product_id, metric_name,
    part, usage_date, cluster_id
