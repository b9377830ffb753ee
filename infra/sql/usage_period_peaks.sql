-- One row per (calendar period, usage source, chargeback group, product, metric): the multicluster
-- peak (highest daily sum across clusters), the earliest day reaching it, the clusters reporting
-- and the sum of each cluster's own peak (the overstatement the rule avoids).
-- multicluster_peak_period.sql applies the same ranking to one given period.
SELECT
    period_kind, period_label, period_start, period_end, usage_source, group_name, product_id,
    max(product_name) AS product_name,
    metric_name,
    max(day_total) AS peak_quantity,
    min(CASE WHEN day_rank = 1 THEN usage_date END) AS peak_date,
    count(DISTINCT cluster_id) AS clusters_reporting,
    sum(CASE WHEN cluster_rank = 1 THEN quantity END) AS sum_of_cluster_peaks
FROM (
    SELECT
        p.*,
        rank() OVER (
            PARTITION BY period_kind, period_label, usage_source, group_name, product_id, metric_name
            ORDER BY day_total DESC
        ) AS day_rank,
        row_number() OVER (
            PARTITION BY period_kind, period_label, usage_source, group_name, product_id, metric_name, cluster_id
            ORDER BY quantity DESC
        ) AS cluster_rank
    FROM usage_calendar_periods AS p
) AS ranked
GROUP BY period_kind, period_label, period_start, period_end, usage_source, group_name, product_id, metric_name
