-- One row per cluster and range of its expected days (evidence_clusters): covered = true where the
-- windows of its successful collections (each archived the audit snapshot of its window) reach,
-- false for the days between them. Overlapping and adjacent windows merge into one range.
WITH windows AS (
    SELECT
        s.cluster_id,
        greatest(s.window_start, c.expected_from) AS window_start,
        least(s.window_end, c.expected_to) AS window_end
    FROM collection_status AS s
    JOIN evidence_clusters AS c ON c.cluster_id = s.cluster_id
    WHERE s.outcome = 'success' AND s.snapshot_key IS NOT NULL
),
flagged AS (
    SELECT
        w.*,
        -- a window opens a new range unless an earlier window reaches its first day or the day before
        CASE WHEN date_diff('day', max(window_end) OVER (
            PARTITION BY cluster_id ORDER BY window_start, window_end ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
        ), window_start) <= 1 THEN 0 ELSE 1 END AS opens_range
    FROM windows AS w
    WHERE window_start <= window_end
),
covered AS (
    SELECT cluster_id, min(window_start) AS range_start, max(window_end) AS range_end
    FROM (
        SELECT f.*, sum(opens_range) OVER (
            PARTITION BY cluster_id ORDER BY window_start, window_end ROWS UNBOUNDED PRECEDING
        ) AS range_number
        FROM flagged AS f
    ) AS numbered
    GROUP BY cluster_id, range_number
),
-- one-day markers just outside the expected days, so that every uncovered range lies between two ranges
edges AS (
    SELECT cluster_id, CAST(expected_from - INTERVAL '1' DAY AS DATE) AS range_start,
           CAST(expected_from - INTERVAL '1' DAY AS DATE) AS range_end
    FROM evidence_clusters WHERE expected_from <= expected_to
    UNION ALL
    SELECT cluster_id, CAST(expected_to + INTERVAL '1' DAY AS DATE), CAST(expected_to + INTERVAL '1' DAY AS DATE)
    FROM evidence_clusters WHERE expected_from <= expected_to
),
ordered AS (
    SELECT b.*, lead(range_start) OVER (PARTITION BY cluster_id ORDER BY range_start) AS next_start
    FROM (SELECT * FROM covered UNION ALL SELECT * FROM edges) AS b
)
SELECT cluster_id, range_start, range_end, true AS covered
FROM covered
UNION ALL
SELECT
    cluster_id,
    CAST(range_end + INTERVAL '1' DAY AS DATE) AS range_start,
    CAST(next_start - INTERVAL '1' DAY AS DATE) AS range_end,
    false AS covered
FROM ordered
WHERE date_diff('day', range_end, next_start) > 1
