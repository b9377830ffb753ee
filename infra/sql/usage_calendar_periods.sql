-- cluster_daily_usage with each row twice: under its calendar month and under its quarter, so that
-- one ranking (usage_period_peaks) serves both. The month branch labels rows with the partition
-- value itself, so a filter on a month label still prunes partitions.
SELECT
    'month' AS period_kind,
    u.month AS period_label,
    CAST(date_trunc('month', u.usage_date) AS DATE) AS period_start,
    CAST(date_trunc('month', u.usage_date) + INTERVAL '1' MONTH - INTERVAL '1' DAY AS DATE) AS period_end,
    u.*
FROM cluster_daily_usage AS u
UNION ALL
SELECT
    'quarter' AS period_kind,
    CAST(year(u.usage_date) AS varchar) || '-Q' || CAST(quarter(u.usage_date) AS varchar) AS period_label,
    CAST(date_trunc('quarter', u.usage_date) AS DATE) AS period_start,
    CAST(date_trunc('quarter', u.usage_date) + INTERVAL '3' MONTH - INTERVAL '1' DAY AS DATE) AS period_end,
    u.*
FROM cluster_daily_usage AS u
