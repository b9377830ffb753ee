-- One row per (usage source, chargeback group, cluster, usage day, product, metric): that cluster's
-- daily peak (usage_cluster_days) and the day's total across clusters. A window over every
-- cluster-day row: for per-cluster detail (multicluster_daily_by_cluster); the rollup views
-- aggregate usage_cluster_days instead.
SELECT
    usage_source, group_name, cluster_id, month, usage_date, product_id, product_name, metric_name,
    quantity, provisional,
    -- `month` in the partition (it follows from usage_date) lets month predicates pass this window.
    sum(quantity) OVER (
        PARTITION BY usage_source, group_name, month, usage_date, product_id, metric_name
    ) AS day_total
FROM usage_cluster_days
