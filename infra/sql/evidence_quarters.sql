-- One row per calendar quarter (the nine up to the as-of day of evidence_clusters: yesterday, UTC,
-- or the latest collected day if later) and expected cluster: the days its audit evidence must
-- cover, the quarter's last 90 days (IBM: a snapshot per cluster and quarter covering 90 days), cut
-- at a retired cluster's final collection and at the as-of day (a running quarter is checked up to
-- then; days after it are not due yet).
WITH quarters AS (
    SELECT CAST(date_trunc('quarter', e.last_day) - INTERVAL '3' MONTH * q.back AS DATE) AS quarter_start
    FROM (SELECT max(expected_to) AS last_day FROM evidence_clusters) AS e
    CROSS JOIN (VALUES (0), (1), (2), (3), (4), (5), (6), (7), (8)) AS q(back)
),
bounds AS (
    SELECT
        quarter_start,
        CAST(quarter_start + INTERVAL '3' MONTH - INTERVAL '1' DAY AS DATE) AS quarter_end,
        CAST(quarter_start + INTERVAL '3' MONTH - INTERVAL '90' DAY AS DATE) AS evidence_start
    FROM quarters
)
SELECT
    CAST(year(b.quarter_start) AS varchar) || '-Q' || CAST(quarter(b.quarter_start) AS varchar) AS quarter,
    b.quarter_start, b.quarter_end, c.cluster_id, c.enabled, c.retired_on, c.last_success_scheduled_time,
    b.evidence_start,
    least(b.quarter_end, c.expected_to) AS evidence_end
FROM bounds AS b
CROSS JOIN evidence_clusters AS c
WHERE c.expected_to >= b.evidence_start
