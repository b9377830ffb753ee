-- One row per cluster: its latest collection (any outcome), the License Service version and health
-- summary of its latest successful collection (a failed run reports neither), and how many days
-- (UTC) have passed since that success. Times are the ISO-8601 UTC strings of the status records.
-- shares_license_service_with names the other clusters whose latest success reached the same
-- License Service host (data_condition.txt): the rollup counts that service's usage once per entry
-- (license_service_duplicates lists the same pairs); NULL when the cluster's service is its own.
WITH ranked AS (
    SELECT
        s.*,
        row_number() OVER (
            PARTITION BY cluster_id ORDER BY scheduled_time DESC, finished_at DESC
        ) AS recency,
        row_number() OVER (
            PARTITION BY cluster_id, outcome = 'success' ORDER BY scheduled_time DESC, finished_at DESC
        ) AS recency_in_outcome
    FROM collection_status AS s
),
latest AS (
    SELECT * FROM ranked WHERE recency = 1
),
latest_success AS (
    SELECT * FROM ranked WHERE outcome = 'success' AND recency_in_outcome = 1
),
sharing AS (
    SELECT a.cluster_id, array_agg(b.cluster_id ORDER BY b.cluster_id) AS shares_license_service_with
    FROM latest_success AS a
    JOIN latest_success AS b ON b.license_service_host = a.license_service_host AND b.cluster_id <> a.cluster_id
    GROUP BY a.cluster_id
)
SELECT
    l.cluster_id,
    l.run_id AS last_run_id,
    l.scheduled_time AS last_scheduled_time,
    l.finished_at AS last_collected_at,
    l.outcome AS last_outcome,
    l.error_class AS last_error_class,
    l.error_message AS last_error_message,
    s.license_service_version,
    s.health_summary,
    s.scheduled_time AS last_success_scheduled_time,
    s.finished_at AS last_success_at,
    date_diff('day', CAST(substr(s.scheduled_time, 1, 10) AS DATE), current_date) AS days_since_last_success,
    s.license_service_host,
    d.shares_license_service_with
FROM latest AS l
LEFT JOIN latest_success AS s ON s.cluster_id = l.cluster_id
LEFT JOIN sharing AS d ON d.cluster_id = l.cluster_id
