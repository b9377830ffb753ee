-- One row per (usage source, chargeback group, month, product, metric) and either one usage day
-- (`part` = 'day': the day's total across clusters) or one cluster (`part` = 'cluster': its peak in
-- the month). Both kinds come from one pass over usage_cluster_days (GROUPING SETS), so the peak
-- views rank these few rows (days x products, clusters x products) instead of every cluster-day.
-- `provisional`: whether any of the row's cluster-days is still provisional.
SELECT
    usage_source, group_name, month, product_id,
    max(product_name) AS product_name,
    metric_name,
    CASE WHEN grouping(cluster_id) = 1 THEN 'day' ELSE 'cluster' END AS part,
    usage_date,
    cluster_id,
    CASE WHEN grouping(cluster_id) = 1 THEN sum(quantity) END AS day_total,
    CASE WHEN grouping(usage_date) = 1 THEN max(quantity) END AS cluster_peak,
    bool_or(provisional) AS provisional
FROM usage_cluster_days
GROUP BY GROUPING SETS (
    (usage_source, group_name, month, product_id, metric_name, usage_date),
    (usage_source, group_name, month, product_id, metric_name, cluster_id)
)
