-- plan-coverage: the share of a municipality and of each of its districts
-- covered by local plans (MPZP) in force on a date, and by the general plan
-- (POG); and the time series of coverage by year of adoption — the
-- indicator the statistics office (GUS) publishes.

-- name: by_district
-- $1 TERC, $2 date, $3 district kind. One row per district, then the
-- municipality ('' kind) as a whole.
WITH mpzp AS (
    SELECT ST_Union(geom) AS g FROM plan
    WHERE terc = $1 AND kind = 'mpzp' AND superseded_by IS NULL AND status IN ('in_force', 'partly_repealed')
      AND coalesce(valid_from, adopted_on, '-infinity'::date) <= $2 AND coalesce(valid_to, 'infinity'::date) >= $2
), pog AS (
    SELECT ST_Union(geom) AS g FROM plan
    WHERE terc = $1 AND kind = 'pog' AND superseded_by IS NULL AND status = 'in_force'
      AND coalesce(valid_from, adopted_on, '-infinity'::date) <= $2 AND coalesce(valid_to, 'infinity'::date) >= $2
), areas AS (
    SELECT d.name, d.kind, d.geom, 1 AS ord FROM district d WHERE d.terc = $1 AND d.kind = $3
    UNION ALL
    SELECT m.name, 'gmina', m.geom, 2 FROM municipality m WHERE m.terc = $1 AND m.geom IS NOT NULL
)
SELECT a.name, a.kind, round((ST_Area(a.geom) / 1e4)::numeric, 1) AS area_ha,
       round((coalesce(ST_Area(ST_Intersection(a.geom, mpzp.g)), 0) / 1e4)::numeric, 1) AS mpzp_ha,
       round((100 * coalesce(ST_Area(ST_Intersection(a.geom, mpzp.g)), 0) / ST_Area(a.geom))::numeric, 2) AS mpzp_pct,
       round((100 * coalesce(ST_Area(ST_Intersection(a.geom, pog.g)), 0) / ST_Area(a.geom))::numeric, 2) AS pog_pct
FROM areas a, mpzp, pog
ORDER BY a.ord, mpzp_pct, a.name

-- name: series
-- $1 TERC, $2 date: cumulative MPZP coverage of the municipality at the end
-- of each year in which a plan in force on the date was adopted.
WITH m AS (SELECT geom FROM municipality WHERE terc = $1),
plans AS (
    SELECT extract(year FROM coalesce(adopted_on, valid_from))::int AS year, geom FROM plan
    WHERE terc = $1 AND kind = 'mpzp' AND superseded_by IS NULL AND status IN ('in_force', 'partly_repealed')
      AND coalesce(valid_from, adopted_on, '-infinity'::date) <= $2 AND coalesce(valid_to, 'infinity'::date) >= $2
      AND coalesce(adopted_on, valid_from) IS NOT NULL
), years AS (SELECT DISTINCT year FROM plans)
SELECT y.year, count(p.*) AS plans,
       round((100 * ST_Area(ST_Intersection(m.geom, ST_Union(p.geom))) / ST_Area(m.geom))::numeric, 2) AS mpzp_pct
FROM years y JOIN plans p ON p.year <= y.year, m
GROUP BY y.year, m.geom ORDER BY y.year
