-- plan-realisation as a map layer (issue 6): each designation of the local
-- plans in force on a date, with its capacity (maximum intensity × area),
-- the floor area permitted inside it since its plan first came into force,
-- the realisation in per cent and the capacity remaining — the same figures
-- as the per-designation table of sql/analysis/plan_realisation.sql, here
-- with the geometry for tiles and features. municipality NULL: every one;
-- on_date NULL: today.
CREATE FUNCTION lad_realisation_zones(municipality text DEFAULT NULL, on_date date DEFAULT NULL)
RETURNS TABLE (id bigint, terc text, plan text, designation text, symbol text, capacity_m2 bigint, permits integer,
               realised_m2 bigint, realisation_pct double precision, remaining_m2 bigint,
               geom geometry(MultiPolygon, 2180), geom_3857 geometry(MultiPolygon, 3857))
LANGUAGE sql STABLE AS $$
WITH d AS (SELECT coalesce(on_date, current_date) AS on_date),
des AS (
    SELECT z.id, pp.terc::text AS terc, z.designation, z.symbol, z.intensity_max, ST_Area(z.geom) AS area_m2, z.geom, z.geom_3857,
           coalesce(nullif(pp.resolution_no, ''), pp.local_id) AS plan,
           (SELECT min(f.in_force_from) FROM plan_period f
            WHERE f.kind = 'mpzp' AND f.namespace = pp.namespace AND f.local_id = pp.local_id) AS since
    FROM plan_period pp JOIN plan_zone z ON z.plan_id = pp.id AND z.kind = 'designation', d
    WHERE (municipality IS NULL OR pp.terc = municipality) AND pp.kind = 'mpzp'
      AND lad_in_force(pp.in_force_from, pp.in_force_to, d.on_date)
), built AS (
    SELECT des.id, count(a.kind)::int AS permits, sum(coalesce(a.floor_area_m2, a.volume_m3 / 3.0)) AS realised_m2
    FROM des JOIN permit_activity a ON ST_Intersects(des.geom, a.geom), d
    WHERE a.kind IN ('permit', 'notification') AND a.on_date BETWEEN des.since AND d.on_date
    GROUP BY des.id
)
SELECT des.id, des.terc, des.plan, des.designation, des.symbol,
       round((des.intensity_max * des.area_m2)::numeric)::bigint,
       coalesce(b.permits, 0),
       round(coalesce(b.realised_m2, 0)::numeric)::bigint,
       round((100 * coalesce(b.realised_m2, 0) / nullif(des.intensity_max * des.area_m2, 0))::numeric, 1)::float8,
       round(greatest(des.intensity_max * des.area_m2 - coalesce(b.realised_m2, 0), 0)::numeric)::bigint,
       ST_Multi(des.geom)::geometry(MultiPolygon, 2180), ST_Multi(des.geom_3857)::geometry(MultiPolygon, 3857)
FROM des LEFT JOIN built b ON b.id = des.id
$$;
