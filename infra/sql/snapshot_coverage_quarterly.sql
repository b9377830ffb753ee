-- One row per quarter and cluster: whether archived audit snapshots cover the quarter's last 90
-- days (evidence_quarters), the days missing (exact ranges in snapshot_coverage_gaps), and the
-- cluster's last successful collection. A cluster never collected misses every day.
SELECT
    q.quarter, q.cluster_id, q.enabled, q.retired_on, q.evidence_start, q.evidence_end,
    date_diff('day', q.evidence_start, q.evidence_end) + 1 AS evidence_days,
    coalesce(sum(g.missing_days), 0) AS missing_days,
    min(g.missing_start) AS first_missing_day,
    max(g.missing_end) AS last_missing_day,
    coalesce(sum(g.missing_days), 0) = 0 AS evidence_complete,
    q.last_success_scheduled_time
FROM evidence_quarters AS q
LEFT JOIN snapshot_coverage_gaps AS g ON g.quarter = q.quarter AND g.cluster_id = q.cluster_id
GROUP BY
    q.quarter, q.cluster_id, q.enabled, q.retired_on, q.evidence_start, q.evidence_end,
    q.last_success_scheduled_time
