-- usage_rollup_peaks (months, quarters, windows) with how complete each figure is:
-- clusters_expected = clusters expected to report on some day of the period (evidence_clusters),
-- cluster_days_missing = their days in the period that no successful collection covered. A cluster that did not report counts as 0, so a
-- peak with missing cluster-days may be understated.
SELECT
    p.period_kind, p.period_label, p.period_start, p.period_end, p.usage_source, p.group_name,
    p.product_id, p.product_name, p.metric_name, p.peak_quantity, p.peak_date, p.clusters_reporting,
    p.sum_of_cluster_peaks,
    -- Evidence is tracked per cluster, not per chargeback group (a group lives on some clusters
    -- only, with 62 days of data): no completeness figure for group rows rather than a wrong one.
    CASE WHEN p.usage_source = 'products' THEN count(DISTINCT r.cluster_id) END AS clusters_expected,
    CASE WHEN p.usage_source = 'products' THEN coalesce(sum(CASE WHEN NOT r.covered THEN
        date_diff('day', greatest(r.range_start, p.period_start), least(r.range_end, p.period_end)) + 1
    END), 0) END AS cluster_days_missing
FROM usage_rollup_peaks AS p
LEFT JOIN evidence_ranges AS r ON r.range_start <= p.period_end AND r.range_end >= p.period_start
GROUP BY
    p.period_kind, p.period_label, p.period_start, p.period_end, p.usage_source, p.group_name,
    p.product_id, p.product_name, p.metric_name, p.peak_quantity, p.peak_date, p.clusters_reporting,
    p.sum_of_cluster_peaks
