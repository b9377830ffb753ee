-- One row per calendar month, chargeback group, product and metric: the multicluster peak of the
-- group's usage in that month.
SELECT
    period_label AS month, period_start, period_end, group_name, product_id, product_name, metric_name,
    peak_quantity, peak_date, clusters_reporting, sum_of_cluster_peaks, clusters_expected, cluster_days_missing
FROM usage_period_figures
WHERE period_kind = 'month' AND usage_source = 'chargeback'
