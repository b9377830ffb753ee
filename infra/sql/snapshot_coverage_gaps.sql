-- One row per quarter, cluster and range of days its archived audit snapshots do not cover within
-- the quarter's evidence days (evidence_quarters). No row: fully covered.
SELECT
    q.quarter, q.cluster_id,
    greatest(r.range_start, q.evidence_start) AS missing_start,
    least(r.range_end, q.evidence_end) AS missing_end,
    date_diff('day', greatest(r.range_start, q.evidence_start), least(r.range_end, q.evidence_end)) + 1 AS missing_days
FROM evidence_quarters AS q
JOIN evidence_ranges AS r
    ON r.cluster_id = q.cluster_id AND NOT r.covered
    AND r.range_start <= q.evidence_end AND r.range_end >= q.evidence_start
