-- One row per (period: month, quarter or window, usage source, chargeback group, product, metric):
-- the multicluster peak (highest daily sum across clusters), the earliest day reaching it, the
-- clusters reporting and the sum of each cluster's own peak (the overstatement the rule avoids).
-- Aggregates the small usage_period_parts (one row per day and per cluster), never every
-- cluster-day row. multicluster_peak_period.sql applies the same rule to one given period.
SELECT
    period_kind, period_label, period_start, period_end, usage_source, group_name, product_id,
    max(product_name) AS product_name,
    metric_name,
    max(day_total) AS peak_quantity,
    min(CASE WHEN day_total = period_peak THEN usage_date END) AS peak_date,
    count(cluster_id) AS clusters_reporting,
    sum(cluster_peak) AS sum_of_cluster_peaks
FROM (
    SELECT
        p.*,
        max(day_total) OVER (
            PARTITION BY period_kind, period_label, usage_source, group_name, product_id, metric_name
        ) AS period_peak
    FROM usage_period_parts AS p
) AS parts
GROUP BY period_kind, period_label, period_start, period_end, usage_source, group_name, product_id, metric_name
