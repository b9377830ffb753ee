-- One row per product and metric: the licensed quantity from the latest entitlements upload
-- (`lsc entitlements upload`, one object per upload day); earlier uploads stay in S3 as history.
SELECT product_id, product_name, metric_name, licensed_quantity, dt AS uploaded_on
FROM entitlements
WHERE dt = (SELECT max(dt) FROM entitlements)
