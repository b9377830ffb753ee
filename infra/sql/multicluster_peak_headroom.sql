-- One row per calendar period (month, quarter), product and metric: the multicluster peak, whether
-- the period holds provisional days (its figures can still change), and the peak against the
-- licensed quantity of entitlements_current: headroom (negative when over) and breach. The
-- entitlement columns are NULL for products without an entitlement.
WITH period_flags AS (
    SELECT period_kind, period_label, product_id, metric_name, bool_or(provisional) AS provisional
    FROM usage_period_parts
    WHERE usage_source = 'products'
    GROUP BY period_kind, period_label, product_id, metric_name
)
SELECT
    p.period_kind, p.period_label, p.period_start, p.period_end, p.product_id, p.product_name, p.metric_name,
    p.peak_quantity, p.peak_date, p.clusters_reporting, p.sum_of_cluster_peaks, f.provisional,
    e.licensed_quantity,
    e.licensed_quantity - p.peak_quantity AS headroom,
    p.peak_quantity > e.licensed_quantity AS breach
FROM usage_period_peaks AS p
JOIN period_flags AS f
    ON f.period_kind = p.period_kind AND f.period_label = p.period_label
    AND f.product_id = p.product_id AND f.metric_name = p.metric_name
LEFT JOIN entitlements_current AS e
    ON e.product_id = p.product_id AND e.metric_name = p.metric_name
WHERE p.usage_source = 'products'
