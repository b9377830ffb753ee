-- One row per calendar quarter ('2026-Q4'), product and metric: the multicluster peak of that quarter.
-- The quarter label is computed, so filtering on it reads every month's objects; to read only one
-- quarter's objects, run multicluster_peak_period.sql with the quarter's first and last day.
SELECT
    period_label AS quarter, period_start, period_end, product_id, product_name, metric_name,
    peak_quantity, peak_date, clusters_reporting, sum_of_cluster_peaks, clusters_expected, cluster_days_missing
FROM usage_period_figures
WHERE period_kind = 'quarter' AND usage_source = 'products'
