-- Placeholder of branch `infra` so that synth and the infra tests run; branch `sql` replaces it.
SELECT product_id, metric_name, max(total_quantity) AS peak_quantity
FROM multicluster_daily
WHERE usage_date BETWEEN ? AND ?
GROUP BY product_id, metric_name
