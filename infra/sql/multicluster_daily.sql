-- Placeholder of branch `infra` so that synth and the infra tests run; branch `sql` replaces it.
SELECT usage_date, product_id, max(product_name) AS product_name, metric_name,
       sum(quantity) AS total_quantity, count(DISTINCT cluster_id) AS clusters_reporting
FROM products_daily
GROUP BY usage_date, product_id, metric_name
