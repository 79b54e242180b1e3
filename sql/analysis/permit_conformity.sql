-- permit-conformity: every granted permit, notification and zoning decision
-- against the local plan (MPZP) and the general plan (POG) in force where
-- and when it was decided, by the planners' conformity matrix
-- (conformity_rule: building category → admitted symbols and zone types).
-- The verdict of each decision is the view permit_conformity (migration
-- 011): conforms, conflict (with its reasons), unknown (not judged: no
-- category, a symbol the matrix does not know, outside the plan's
-- designations) or no_plan. The conformity rate is conforms / (conforms +
-- conflict), in per cent. Decisions are counted by the year of their
-- decision (or application), from_year..to_year, up to the date.

-- name: by_district
-- $1 TERC, $2 date, $3 from year, $4 to year, $5 district kind. One row per
-- district (a decision in the district that holds it), then the
-- municipality as a whole.
WITH pc AS (
    SELECT c.verdict, c.geom FROM permit_conformity c
    WHERE c.terc = $1 AND c.on_date <= $2::date AND c.year BETWEEN $3::int AND $4::int
), d AS (
    SELECT pc.verdict, coalesce(dd.name, '(poza osiedlami)') AS name FROM pc
    LEFT JOIN LATERAL (SELECT d.name FROM district d WHERE d.terc = $1 AND d.kind = $5 AND ST_Intersects(d.geom, pc.geom)
                       ORDER BY d.id LIMIT 1) dd ON true
)
SELECT CASE WHEN grouping(d.name) = 1 THEN coalesce((SELECT m.name FROM municipality m WHERE m.terc = $1), $1) ELSE d.name END AS district,
       CASE WHEN grouping(d.name) = 1 THEN 'gmina' ELSE $5 END AS kind,
       count(*) AS decisions,
       count(*) FILTER (WHERE d.verdict IN ('conforms', 'conflict')) AS checked,
       count(*) FILTER (WHERE d.verdict = 'conforms') AS conforms,
       count(*) FILTER (WHERE d.verdict = 'conflict') AS conflicts,
       count(*) FILTER (WHERE d.verdict = 'unknown') AS unknown,
       count(*) FILTER (WHERE d.verdict = 'no_plan') AS no_plan,
       round(100.0 * count(*) FILTER (WHERE d.verdict = 'conforms')
             / nullif(count(*) FILTER (WHERE d.verdict IN ('conforms', 'conflict')), 0), 1) AS conformity_pct
FROM d
GROUP BY ROLLUP (d.name)
ORDER BY grouping(d.name), conformity_pct NULLS LAST, d.name

-- name: by_year
-- $1 TERC, $2 date, $3 from year, $4 to year: every year of the range.
WITH pc AS (
    SELECT c.verdict, c.year FROM permit_conformity c
    WHERE c.terc = $1 AND c.on_date <= $2::date AND c.year BETWEEN $3::int AND $4::int
)
SELECT y.year, count(pc.verdict) AS decisions,
       count(*) FILTER (WHERE pc.verdict IN ('conforms', 'conflict')) AS checked,
       count(*) FILTER (WHERE pc.verdict = 'conforms') AS conforms,
       count(*) FILTER (WHERE pc.verdict = 'conflict') AS conflicts,
       count(*) FILTER (WHERE pc.verdict = 'unknown') AS unknown,
       count(*) FILTER (WHERE pc.verdict = 'no_plan') AS no_plan,
       round(100.0 * count(*) FILTER (WHERE pc.verdict = 'conforms')
             / nullif(count(*) FILTER (WHERE pc.verdict IN ('conforms', 'conflict')), 0), 1) AS conformity_pct
FROM generate_series($3::int, $4::int) AS y(year)
LEFT JOIN pc ON pc.year = y.year
GROUP BY y.year ORDER BY y.year

-- name: by_designation
-- $1 TERC, $2 date, $3 from year, $4 to year: each designation at least one
-- decision was judged in, the worst first.
SELECT c.plan_ref AS plan, c.designation, c.symbol,
       count(*) AS checked,
       count(*) FILTER (WHERE c.verdict = 'conforms') AS conforms,
       count(*) FILTER (WHERE c.verdict = 'conflict') AS conflicts,
       round(100.0 * count(*) FILTER (WHERE c.verdict = 'conforms') / count(*), 1) AS conformity_pct
FROM permit_conformity c
WHERE c.terc = $1 AND c.on_date <= $2::date AND c.year BETWEEN $3::int AND $4::int
  AND c.designation_id IS NOT NULL AND c.verdict IN ('conforms', 'conflict')
GROUP BY c.designation_id, c.plan_ref, c.designation, c.symbol
ORDER BY conflicts DESC, conformity_pct, plan, c.designation_id

-- name: conflicts
-- $1 TERC, $2 date, $3 from year, $4 to year: each decision in conflict
-- with its plan, and why; the newest first.
SELECT c.register_id, c.kind, c.on_date AS decided_on, c.category, c.plan_ref AS plan, c.designation,
       c.pog_symbol AS pog_zone, c.reasons, c.address
FROM permit_conformity c
WHERE c.terc = $1 AND c.on_date <= $2::date AND c.year BETWEEN $3::int AND $4::int AND c.verdict = 'conflict'
ORDER BY c.on_date DESC, c.register_id
