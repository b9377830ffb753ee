-- One row per (month, product, metric, chargeback group): the group's usage across clusters on the
-- day of the estate's monthly peak, and its share of that peak. Usage in namespaces without a group
-- label is the part the groups' shares do not add up to.
SELECT
    p.month, p.product_id, p.product_name, p.metric_name, p.peak_date, p.peak_quantity,
    g.group_name,
    g.total_quantity AS group_quantity,
    CASE WHEN p.peak_quantity = 0 THEN NULL
         ELSE CAST(g.total_quantity AS double) / CAST(p.peak_quantity AS double)
    END AS share_of_peak
FROM multicluster_peak_monthly AS p
JOIN usage_daily_totals AS g
    ON g.usage_source = 'chargeback'
    AND g.usage_date = p.peak_date
    AND g.product_id = p.product_id
    AND g.metric_name = p.metric_name
