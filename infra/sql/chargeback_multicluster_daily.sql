-- One row per usage day, chargeback group, product and metric: total across clusters.
SELECT usage_date, group_name, product_id, product_name, metric_name, total_quantity, clusters_reporting, month
FROM usage_daily_totals
WHERE usage_source = 'chargeback'
