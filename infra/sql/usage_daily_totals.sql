-- One row per (usage source, chargeback group, usage day, product, metric): the daily sum across
-- clusters, which is what the multicluster rule compares between days.
SELECT
    usage_source, group_name, month, usage_date, product_id,
    max(product_name) AS product_name,
    metric_name,
    sum(quantity) AS total_quantity,
    count(DISTINCT cluster_id) AS clusters_reporting
FROM usage_cluster_days
GROUP BY usage_source, group_name, month, usage_date, product_id, metric_name
