-- One row per usage day, product and metric: total across clusters. `month` (the partition it
-- comes from) is kept so that filters on it read only that month's objects.
SELECT usage_date, product_id, product_name, metric_name, total_quantity, clusters_reporting, month
FROM usage_daily_totals
WHERE usage_source = 'products'
