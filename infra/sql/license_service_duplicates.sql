-- One row per cluster whose License Service is also reached through another registry entry: the
-- same host in the snapshots' data_condition.txt (or the same URL). Their usage is one service's,
-- so the rollup counts it twice until one entry is disabled. Empty when every cluster is distinct.
-- Uses each cluster's latest successful collection.
WITH latest_success AS (
    SELECT
        cluster_id,
        license_service_host,
        scheduled_time,
        row_number() OVER (PARTITION BY cluster_id ORDER BY scheduled_time DESC, finished_at DESC) AS recency
    FROM collection_status
    WHERE outcome = 'success' AND license_service_host IS NOT NULL
),
hosts AS (
    SELECT
        cluster_id,
        license_service_host,
        scheduled_time AS last_success_scheduled_time,
        count(*) OVER (PARTITION BY license_service_host) AS clusters_sharing
    FROM latest_success
    WHERE recency = 1
)
SELECT license_service_host, cluster_id, clusters_sharing, last_success_scheduled_time
FROM hosts
WHERE clusters_sharing > 1
