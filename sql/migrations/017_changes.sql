-- changes as a map layer (issue 6): what changed on the map between two
-- dates — plans that came into force or ended, permits, notifications and
-- zoning decisions decided, carriers installed or removed, violations
-- found, consultations opened — one feature per event with its date, the
-- feed of the analysis `changes` placed where it happened. municipality
-- NULL: every one; date_from/date_to NULL: the year up to today.
CREATE FUNCTION lad_change_events(municipality text DEFAULT NULL, date_from date DEFAULT NULL, date_to date DEFAULT NULL)
RETURNS TABLE (id text, terc text, event text, item text, on_date date,
               geom geometry(Geometry, 2180), geom_3857 geometry(Geometry, 3857))
LANGUAGE sql STABLE AS $$
WITH d AS (SELECT coalesce(date_to, current_date) AS t, coalesce(date_from, coalesce(date_to, current_date) - 365) AS f),
ev AS (
    SELECT 'plan-in-' || p.id AS id, p.terc::text AS terc, 'plan_in_force' AS event,
           coalesce(nullif(p.resolution_no, ''), p.title) AS item, p.in_force_from AS on_date, p.geom::geometry AS geom
    FROM plan_period p, d WHERE p.kind IN ('mpzp', 'pog') AND p.in_force_from BETWEEN d.f AND d.t
    UNION ALL
    SELECT 'plan-out-' || p.id, p.terc, 'plan_ended', coalesce(nullif(p.resolution_no, ''), p.title), p.in_force_to, p.geom
    FROM plan_period p, d WHERE p.kind IN ('mpzp', 'pog') AND p.in_force_to BETWEEN d.f AND d.t
    UNION ALL
    SELECT 'permit-' || x.id, x.terc, x.kind, x.register_id, coalesce(x.decided_on, x.applied_on), x.geom
    FROM permit x, d WHERE x.geom IS NOT NULL AND coalesce(x.decided_on, x.applied_on) BETWEEN d.f AND d.t
      AND x.kind IN ('permit', 'notification', 'zoning_decision') AND lad_permit_granted(x.decision) -- refusals are no change
    UNION ALL
    SELECT 'carrier-new-' || c.id, c.terc, 'carrier_installed', c.inventory_no, c.installed_on, c.geom
    FROM ad_carrier c, d WHERE c.installed_on BETWEEN d.f AND d.t
    UNION ALL
    SELECT 'carrier-removed-' || c.id, c.terc, 'carrier_removed', c.inventory_no, c.removed_on, c.geom
    FROM ad_carrier c, d WHERE c.removed_on BETWEEN d.f AND d.t
    UNION ALL
    SELECT 'violation-' || i.id, i.terc, 'violation_found', c.inventory_no, i.inspected_at::date, coalesce(i.geom, c.geom)
    FROM inspection i JOIN ad_carrier c ON c.id = i.carrier_id, d
    WHERE i.result = 'violation' AND i.inspected_at::date BETWEEN d.f AND d.t
    UNION ALL
    SELECT 'consultation-' || c.id, c.terc, 'consultation_opened', c.title, c.opens_on, c.geom
    FROM consultation c, d WHERE c.opens_on BETWEEN d.f AND d.t
)
SELECT ev.id, ev.terc, ev.event, ev.item, ev.on_date, ev.geom, ST_Transform(ev.geom, 3857)
FROM ev WHERE municipality IS NULL OR ev.terc = municipality
$$;
