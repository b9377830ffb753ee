-- One row per calendar month, product and metric: the multicluster peak of that month.
SELECT
    period_label AS month, period_start, period_end, product_id, product_name, metric_name,
    peak_quantity, peak_date, clusters_reporting, sum_of_cluster_peaks, clusters_expected, cluster_days_missing
FROM usage_period_figures
WHERE period_kind = 'month' AND usage_source = 'products'
