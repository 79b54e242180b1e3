-- plan-realisation: how far the local plans in force on a date have been
-- built out. For each designation of each plan in force (its current
-- version): the building permits and notifications decided inside it
-- since the act first came into force (its first version: an amendment
-- does not reset what was built) up to the date; the volume and gross
-- floor area they permit; its capacity, the gross floor area its
-- parameters allow (maximum intensity × the designation's area); the
-- realisation (permitted floor area / capacity, in per cent) and the
-- capacity remaining.
--
-- Permitted floor area is the register's floor area where it is given,
-- else the volume divided by 3.0 m, the usual ratio of gross volume to
-- gross floor area (storey height with floors and roof) of Polish
-- buildings; decisions with neither count as permits but add no area.
-- Zoning decisions (WZ) are not permits and are not counted.

-- name: per_plan
-- $1 TERC, $2 date. One row per plan in force, the most realised first.
WITH des AS (
    SELECT z.id, z.intensity_max, ST_Area(z.geom) AS area_m2, z.geom, pp.id AS plan_id,
           coalesce(nullif(pp.resolution_no, ''), pp.local_id) AS plan, pp.title, pp.in_force_from AS version_from,
           (SELECT min(f.in_force_from) FROM plan_period f
            WHERE f.kind = 'mpzp' AND f.namespace = pp.namespace AND f.local_id = pp.local_id) AS since
    FROM plan_period pp JOIN plan_zone z ON z.plan_id = pp.id AND z.kind = 'designation'
    WHERE pp.terc = $1 AND pp.kind = 'mpzp' AND lad_in_force(pp.in_force_from, pp.in_force_to, $2::date)
), built AS (
    SELECT des.id, count(a.kind) AS permits, sum(a.volume_m3) AS volume_m3,
           sum(coalesce(a.floor_area_m2, a.volume_m3 / 3.0)) AS realised_m2
    FROM des JOIN permit_activity a ON ST_Intersects(des.geom, a.geom)
    WHERE a.kind IN ('permit', 'notification') AND a.on_date BETWEEN des.since AND $2::date
    GROUP BY des.id
), per AS (
    SELECT des.plan, des.title, des.since, des.version_from, count(*) AS designations,
           sum(des.area_m2) AS area_m2, sum(des.intensity_max * des.area_m2) AS capacity_m2,
           coalesce(sum(b.permits), 0) AS permits, coalesce(sum(b.volume_m3), 0) AS volume_m3,
           coalesce(sum(b.realised_m2), 0) AS realised_m2
    FROM des LEFT JOIN built b ON b.id = des.id
    GROUP BY des.plan_id, des.plan, des.title, des.since, des.version_from
)
SELECT plan, title, since, version_from, designations, round((area_m2 / 1e4)::numeric, 2) AS area_ha,
       round(capacity_m2::numeric)::bigint AS capacity_m2, permits::bigint, round(volume_m3::numeric)::bigint AS volume_m3,
       round(realised_m2::numeric)::bigint AS realised_m2,
       round((100 * realised_m2 / nullif(capacity_m2, 0))::numeric, 1) AS realisation_pct,
       round(greatest(capacity_m2 - realised_m2, 0)::numeric)::bigint AS remaining_m2
FROM per
ORDER BY realisation_pct DESC NULLS LAST, plan

-- name: per_designation
-- $1 TERC, $2 date. Each designation with a capacity or a permit, plan by
-- plan, the most realised first.
WITH des AS (
    SELECT z.id, z.designation, z.symbol, z.intensity_max, ST_Area(z.geom) AS area_m2, z.geom,
           coalesce(nullif(pp.resolution_no, ''), pp.local_id) AS plan,
           (SELECT min(f.in_force_from) FROM plan_period f
            WHERE f.kind = 'mpzp' AND f.namespace = pp.namespace AND f.local_id = pp.local_id) AS since
    FROM plan_period pp JOIN plan_zone z ON z.plan_id = pp.id AND z.kind = 'designation'
    WHERE pp.terc = $1 AND pp.kind = 'mpzp' AND lad_in_force(pp.in_force_from, pp.in_force_to, $2::date)
), built AS (
    SELECT des.id, count(a.kind) AS permits, sum(a.volume_m3) AS volume_m3, sum(a.floor_area_m2) AS floor_area_m2,
           sum(coalesce(a.floor_area_m2, a.volume_m3 / 3.0)) AS realised_m2
    FROM des JOIN permit_activity a ON ST_Intersects(des.geom, a.geom)
    WHERE a.kind IN ('permit', 'notification') AND a.on_date BETWEEN des.since AND $2::date
    GROUP BY des.id
)
SELECT des.plan, des.designation, des.symbol, round((des.area_m2 / 1e4)::numeric, 2) AS area_ha,
       des.intensity_max::float8 AS intensity_max,
       round((des.intensity_max * des.area_m2)::numeric)::bigint AS capacity_m2,
       coalesce(b.permits, 0) AS permits, round(coalesce(b.volume_m3, 0)::numeric)::bigint AS volume_m3,
       round(b.floor_area_m2::numeric)::bigint AS floor_area_m2, round(coalesce(b.realised_m2, 0)::numeric)::bigint AS realised_m2,
       round((100 * coalesce(b.realised_m2, 0) / nullif(des.intensity_max * des.area_m2, 0))::numeric, 1) AS realisation_pct,
       round(greatest(des.intensity_max * des.area_m2 - coalesce(b.realised_m2, 0), 0)::numeric)::bigint AS remaining_m2
FROM des LEFT JOIN built b ON b.id = des.id
WHERE coalesce(des.intensity_max, 0) > 0 OR b.permits > 0
ORDER BY des.plan, realisation_pct DESC NULLS LAST, des.id
