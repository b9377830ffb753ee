-- One row per usage day, product, metric and cluster: the cluster's daily quantity, the day's total
-- across clusters and whether the figure is still provisional (today's, rewritten by a later run).
-- What each cluster contributed on any day, e.g. on a peak day of an arbitrary period.
SELECT usage_date, product_id, product_name, metric_name, cluster_id, quantity, day_total, provisional, month
FROM cluster_daily_usage
WHERE usage_source = 'products'
