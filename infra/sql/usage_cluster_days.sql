-- One row per (usage source, chargeback group, cluster, usage day, product, metric): that cluster's
-- daily peak. Plain product usage and chargeback usage share this view so that every rollup, per
-- group or not, runs the same logic. `usage_source` is a constant in each branch, so a filter on it
-- removes the other table from the plan in both engines. The one pass over every daily row that the
-- rollup views need: everything built on it aggregates these rows further.
SELECT
    usage_source, group_name, cluster_id, month, usage_date, product_id,
    max(product_name) AS product_name,
    metric_name,
    -- Two rows of one cluster for the same day and key are one measurement reported twice:
    -- keep the larger, never add them up.
    max(quantity) AS quantity,
    -- Today's (and so this month's) figure is partial until a later run rewrites it.
    bool_or(provisional) AS provisional
FROM (
    SELECT 'products' AS usage_source, CAST(NULL AS varchar) AS group_name,
           cluster_id, month, usage_date, product_id, product_name, metric_name, quantity, provisional
    FROM products_daily
    UNION ALL
    SELECT 'chargeback' AS usage_source, group_name,
           cluster_id, month, usage_date, product_id, product_name, metric_name, quantity, provisional
    FROM chargeback_daily
) AS daily_rows
-- A (cluster, month) object speaks for its own month only; a day found in another month's object
-- would otherwise be counted twice. Grouping by `month` keeps partition pruning possible.
WHERE substr(CAST(usage_date AS varchar), 1, 7) = month
GROUP BY usage_source, group_name, cluster_id, month, usage_date, product_id, metric_name
