-- Placeholder of branch `infra` so that synth and the infra tests run; branch `sql` replaces it.
SELECT date_trunc('month', usage_date) AS month, product_id, metric_name,
       max(total_quantity) AS peak_quantity, min(usage_date) AS peak_date
FROM multicluster_daily
GROUP BY 1, product_id, metric_name
