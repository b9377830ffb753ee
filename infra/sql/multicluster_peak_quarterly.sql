-- Placeholder of branch `infra` so that synth and the infra tests run; branch `sql` replaces it.
SELECT date_trunc('quarter', usage_date) AS quarter, product_id, metric_name,
       max(total_quantity) AS peak_quantity, count(*) AS days
FROM multicluster_daily
GROUP BY 1, product_id, metric_name
