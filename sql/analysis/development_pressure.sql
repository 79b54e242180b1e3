-- development-pressure: building activity — granted permits, notifications
-- and zoning decisions (WZ), view permit_activity — in the years
-- from_year..to_year, on a hexagonal grid of cells with edge cell_m metres
-- (function lad_pressure_cells, migration 011), split by where it happened:
-- inside a local plan in force on the decision's day, outside plans, and
-- outside plans and outside the infill areas (OUZ) of the general plan in
-- force, where under the 2023 law no WZ may be issued any more.
--
-- Hot spots: the Getis-Ord Gi* statistic of each cell's activity, with the
-- neighbourhood of the cell itself and its 6 edge neighbours (binary
-- weights, W_i = 7 inside the grid, fewer at its edge), over the n cells
-- that meet the municipality:
--
--   G*_i = (Σ_j w_ij x_j − X̄ W_i) / (S √((n W_i − W_i²) / (n − 1))),
--   X̄ = Σ x_j / n,  S = √(Σ x_j² / n − X̄²),
--
-- a z-score; |G*_i| ≥ 1.96 is a hot (or cold) spot at the 5 % level of a
-- single test. The formula is written out again where it is computed
-- (lad_pressure_cells).
--
-- "Where a new plan is needed most": districts ranked by the activity
-- outside plans, with its density on the district's area still without a
-- plan in force on the date.

-- name: districts
-- $1 TERC, $2 date, $3 from year, $4 to year, $5 district kind. (The CTEs
-- are materialised: the union of plans is computed once.)
WITH a AS MATERIALIZED (
    SELECT a.kind, a.in_plan, a.in_ouz, dd.id AS district_id FROM permit_activity a
    LEFT JOIN LATERAL (SELECT d.id FROM district d WHERE d.terc = $1 AND d.kind = $5 AND ST_Intersects(d.geom, a.geom)
                       ORDER BY d.id LIMIT 1) dd ON true
    WHERE a.terc = $1 AND a.year BETWEEN $3::int AND $4::int
), plans AS MATERIALIZED (
    SELECT ST_Union(pp.geom) AS g FROM plan_period pp
    WHERE pp.terc = $1 AND pp.kind = 'mpzp' AND lad_in_force(pp.in_force_from, pp.in_force_to, $2::date)
), counts AS MATERIALIZED (
    SELECT a.district_id, count(*) AS cases,
           count(*) FILTER (WHERE NOT a.in_plan) AS outside_plan,
           count(*) FILTER (WHERE NOT a.in_plan AND NOT a.in_ouz) AS outside_plan_ouz,
           count(*) FILTER (WHERE NOT a.in_plan AND a.kind = 'zoning_decision') AS wz_outside_plan
    FROM a GROUP BY a.district_id
), per AS (
    SELECT d.id, d.name, ST_Area(d.geom) - coalesce(ST_Area(ST_Intersection(d.geom, plans.g)), 0) AS unplanned_m2,
           coalesce(c.cases, 0) AS cases, coalesce(c.outside_plan, 0) AS outside_plan,
           coalesce(c.outside_plan_ouz, 0) AS outside_plan_ouz, coalesce(c.wz_outside_plan, 0) AS wz_outside_plan
    FROM district d CROSS JOIN plans LEFT JOIN counts c ON c.district_id = d.id
    WHERE d.terc = $1 AND d.kind = $5
)
SELECT rank() OVER (ORDER BY outside_plan DESC, outside_plan_ouz DESC) AS rank, name AS district,
       cases, outside_plan, outside_plan_ouz, wz_outside_plan,
       round(100.0 * outside_plan / nullif(cases, 0), 1) AS outside_plan_pct,
       round((unplanned_m2 / 1e4)::numeric, 1) AS unplanned_ha,
       round((outside_plan / nullif(unplanned_m2 / 1e6, 0))::numeric, 1) AS outside_plan_per_km2
FROM per
ORDER BY rank, name

-- name: hot_spots
-- $1 TERC, $2 cell edge (m), $3 from year, $4 to year, $5 district kind:
-- the hot then the cold cells, with the district holding the cell's centre
-- and the centre in WGS 84 to find it.
SELECT c.id AS cell, c.i, c.j,
       (SELECT d.name FROM district d WHERE d.terc = $1 AND d.kind = $5 AND ST_Intersects(d.geom, ST_Centroid(c.geom))
        ORDER BY d.id LIMIT 1) AS district,
       round(ST_X(ST_Transform(ST_Centroid(c.geom), 4326))::numeric, 5) AS lon,
       round(ST_Y(ST_Transform(ST_Centroid(c.geom), 4326))::numeric, 5) AS lat,
       c.cases, c.outside_plan, c.outside_plan_ouz, c.zoning_decisions, c.neighbours,
       round(c.gi_z::numeric, 3) AS gi_z, c.hot_spot
FROM lad_pressure_cells($1, $2::int, $3::int, $4::int) c
WHERE c.hot_spot IN ('hot', 'cold')
ORDER BY c.gi_z DESC, c.id

-- name: by_year
-- $1 TERC, $2 from year, $3 to year: every year of the range.
SELECT y.year, count(a.kind) AS cases,
       count(a.kind) FILTER (WHERE a.kind = 'permit') AS permits,
       count(a.kind) FILTER (WHERE a.kind = 'notification') AS notifications,
       count(a.kind) FILTER (WHERE a.kind = 'zoning_decision') AS zoning_decisions,
       count(a.kind) FILTER (WHERE a.in_plan) AS in_plan,
       count(a.kind) FILTER (WHERE NOT a.in_plan) AS outside_plan,
       count(a.kind) FILTER (WHERE NOT a.in_plan AND NOT a.in_ouz) AS outside_plan_ouz,
       round(100.0 * count(a.kind) FILTER (WHERE NOT a.in_plan) / nullif(count(a.kind), 0), 1) AS outside_plan_pct
FROM generate_series($2::int, $3::int) AS y(year)
LEFT JOIN permit_activity a ON a.terc = $1 AND a.year = y.year
GROUP BY y.year ORDER BY y.year

-- name: cells_by_year
-- $1 TERC, $2 cell edge (m), $3 from year, $4 to year: the activity of
-- each cell in each year it had any.
SELECT lad_hex_id(c.i, c.j) AS cell, c.i, c.j, a.year, count(*) AS cases,
       count(*) FILTER (WHERE a.kind = 'permit') AS permits,
       count(*) FILTER (WHERE a.kind = 'notification') AS notifications,
       count(*) FILTER (WHERE a.kind = 'zoning_decision') AS zoning_decisions,
       count(*) FILTER (WHERE a.in_plan) AS in_plan,
       count(*) FILTER (WHERE NOT a.in_plan) AS outside_plan,
       count(*) FILTER (WHERE NOT a.in_plan AND NOT a.in_ouz) AS outside_plan_ouz
FROM permit_activity a CROSS JOIN LATERAL lad_hex_cell(a.geom, $2::int) c
WHERE a.terc = $1 AND a.year BETWEEN $3::int AND $4::int
GROUP BY c.i, c.j, a.year
ORDER BY cell, a.year
