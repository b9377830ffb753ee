-- One row per (calendar period, usage source, chargeback group, product, metric): the multicluster
-- peak (highest daily sum across clusters), the earliest day reaching it, the clusters reporting
-- and the sum of each cluster's own peak (the overstatement the rule avoids): usage_rollup_peaks
-- of the months and quarters.
SELECT
    period_kind, period_label, period_start, period_end, usage_source, group_name, product_id,
    product_name, metric_name, peak_quantity, peak_date, clusters_reporting, sum_of_cluster_peaks
FROM usage_rollup_peaks
WHERE period_kind IN ('month', 'quarter')
