-- One row per cluster that is in the registry (any run's cluster_registry record) or was ever
-- collected: the days it is expected to have evidence for. They start 24 months (what License
-- Service keeps) before its first registration, or at the first day a successful collection
-- covered if that is earlier, and end at its retirement (the final collection of
-- `lsc collect --final`), else at the as-of day: yesterday (UTC; today's collection may not have
-- run yet), or the estate's latest collected day if that is later. Days after the last collection
-- are expected too, so an estate that stopped collecting shows them missing. A disabled cluster
-- stays expected: only retirement ends the need for evidence.
WITH registered AS (
    SELECT cluster_id, min(CAST(dt AS DATE)) AS first_registered, max_by(enabled, scheduled_time) AS enabled
    FROM cluster_registry
    GROUP BY cluster_id
),
collected AS (
    SELECT
        cluster_id,
        min(window_start) AS first_covered,
        max(scheduled_time) AS last_success_scheduled_time,
        max(CASE WHEN retired THEN window_end END) AS retired_on
    FROM collection_status
    WHERE outcome = 'success'
    GROUP BY cluster_id
),
estate AS (
    -- greatest() of a NULL is NULL in Trino: coalesce every argument
    SELECT greatest(
        CAST(current_date - INTERVAL '1' DAY AS DATE),
        coalesce(
            (SELECT max(window_end) FROM collection_status WHERE outcome = 'success'),
            (SELECT max(CAST(dt AS DATE)) FROM cluster_registry),
            CAST(current_date - INTERVAL '1' DAY AS DATE)
        )
    ) AS as_of_day
),
clusters AS (
    SELECT cluster_id FROM registered
    UNION
    SELECT cluster_id FROM collected
),
bounds AS (
    SELECT
        c.cluster_id, r.enabled, s.last_success_scheduled_time, s.retired_on, s.first_covered,
        CAST(r.first_registered - INTERVAL '24' MONTH AS DATE) AS retention_start,
        coalesce(s.retired_on, e.as_of_day) AS expected_to
    FROM clusters AS c
    CROSS JOIN estate AS e
    LEFT JOIN registered AS r ON r.cluster_id = c.cluster_id
    LEFT JOIN collected AS s ON s.cluster_id = c.cluster_id
)
SELECT
    cluster_id, enabled, last_success_scheduled_time, retired_on,
    -- least() skips NULLs in DuckDB but returns NULL in Trino: give it none
    least(coalesce(retention_start, first_covered), coalesce(first_covered, retention_start)) AS expected_from,
    expected_to
FROM bounds
