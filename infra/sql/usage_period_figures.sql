-- usage_period_peaks with how complete each figure is: usage_rollup_figures of the months and
-- quarters (clusters expected to report in the period, their cluster-days no successful collection
-- covered).
SELECT
    period_kind, period_label, period_start, period_end, usage_source, group_name, product_id,
    product_name, metric_name, peak_quantity, peak_date, clusters_reporting, sum_of_cluster_peaks,
    clusters_expected, cluster_days_missing
FROM usage_rollup_figures
WHERE period_kind IN ('month', 'quarter')
