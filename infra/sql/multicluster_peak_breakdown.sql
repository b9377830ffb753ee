-- One row per calendar period (month, quarter), product, metric and cluster reporting on the
-- period's peak day: what that cluster contributed to the peak (the contributions add up to it).
SELECT
    p.period_kind, p.period_label, p.period_start, p.period_end, p.product_id, p.product_name, p.metric_name,
    p.peak_date, p.peak_quantity, u.cluster_id, u.quantity AS cluster_quantity, u.provisional
FROM usage_period_peaks AS p
JOIN usage_cluster_days AS u
    ON u.usage_source = p.usage_source AND u.usage_date = p.peak_date
    AND u.product_id = p.product_id AND u.metric_name = p.metric_name
WHERE p.usage_source = 'products'
