-- changes: what changed between two dates, from and to (both included) —
-- the feed of the planner's dashboard: local plans adopted, amended and
-- ended (plan_period, migration 011: a version ends the day before the
-- next one comes into force, or on its valid_to) and the general plan;
-- plan coverage on both dates; permits, notifications and zoning decisions
-- per district against the period of the same length before; advertising
-- carriers installed and removed, violations found, enforcement cases and
-- penalty decisions; consultations opened and closed and comments
-- received.

-- name: summary
-- $1 TERC, $2 from, $3 to. How many of each kind of change.
WITH v AS (
    SELECT pp.*, EXISTS (SELECT 1 FROM plan_period e WHERE e.namespace = pp.namespace AND e.local_id = pp.local_id
                                                    AND e.in_force_from < pp.in_force_from) AS amendment
    FROM plan_period pp WHERE pp.terc = $1
), p AS (
    SELECT p.kind FROM permit p
    WHERE p.terc = $1 AND coalesce(p.decided_on, p.applied_on) BETWEEN $2::date AND $3::date AND lad_permit_granted(p.decision)
)
SELECT s.topic, s.count FROM (VALUES
    (1, 'plans_adopted', (SELECT count(*) FROM v WHERE kind = 'mpzp' AND NOT amendment AND in_force_from BETWEEN $2::date AND $3::date)),
    (2, 'plans_amended', (SELECT count(*) FROM v WHERE kind = 'mpzp' AND amendment AND in_force_from BETWEEN $2::date AND $3::date)),
    -- ended: superseded by a new version, repealed or expired
    (3, 'plans_ended', (SELECT count(*) FROM v WHERE kind = 'mpzp' AND in_force_to BETWEEN $2::date AND $3::date)),
    (4, 'general_plan_versions', (SELECT count(*) FROM v WHERE kind = 'pog' AND in_force_from BETWEEN $2::date AND $3::date)),
    (5, 'permits', (SELECT count(*) FROM p WHERE kind = 'permit')),
    (6, 'notifications', (SELECT count(*) FROM p WHERE kind = 'notification')),
    (7, 'zoning_decisions', (SELECT count(*) FROM p WHERE kind = 'zoning_decision')),
    (8, 'carriers_installed', (SELECT count(*) FROM ad_carrier c WHERE c.terc = $1 AND c.installed_on BETWEEN $2::date AND $3::date)),
    (9, 'carriers_removed', (SELECT count(*) FROM ad_carrier c WHERE c.terc = $1 AND c.removed_on BETWEEN $2::date AND $3::date)),
    (10, 'violations_found', (SELECT count(*) FROM inspection i WHERE i.terc = $1 AND i.result = 'violation'
                                AND i.inspected_at::date BETWEEN $2::date AND $3::date)),
    (11, 'enforcement_opened', (SELECT count(*) FROM enforcement_case e WHERE e.terc = $1 AND e.found_on BETWEEN $2::date AND $3::date)),
    (12, 'penalty_decisions', (SELECT count(*) FROM penalty pe JOIN enforcement_case e ON e.id = pe.case_id
                                 WHERE e.terc = $1 AND pe.decided_on BETWEEN $2::date AND $3::date)),
    (13, 'consultations_opened', (SELECT count(*) FROM consultation c WHERE c.terc = $1 AND c.opens_on BETWEEN $2::date AND $3::date)),
    (14, 'consultations_closed', (SELECT count(*) FROM consultation c WHERE c.terc = $1 AND c.closes_on BETWEEN $2::date AND $3::date)),
    (15, 'comments_received', (SELECT count(*) FROM consultation_comment cc JOIN consultation c ON c.id = cc.consultation_id
                                 WHERE c.terc = $1 AND cc.submitted_at::date BETWEEN $2::date AND $3::date))
) AS s(ord, topic, count)
ORDER BY s.ord

-- name: plans
-- $1 TERC, $2 from, $3 to. Each local or general plan version that came
-- into force (adopted, or amended: a later version of the same act) or
-- ended (superseded by a later version, or repealed or expired) in the
-- period.
WITH v AS (
    SELECT pp.*, EXISTS (SELECT 1 FROM plan_period e WHERE e.namespace = pp.namespace AND e.local_id = pp.local_id
                                                    AND e.in_force_from < pp.in_force_from) AS amendment
    FROM plan_period pp WHERE pp.terc = $1
)
SELECT e.on_date, e.event, v.kind, coalesce(nullif(v.resolution_no, ''), v.local_id) AS plan, v.title,
       round((ST_Area(v.geom) / 1e4)::numeric, 1) AS area_ha
FROM v CROSS JOIN LATERAL (VALUES
    (v.in_force_from, CASE WHEN v.amendment THEN 'amended' ELSE 'adopted' END),
    (v.in_force_to, CASE WHEN v.superseded_by IS NOT NULL THEN 'superseded' ELSE 'ended' END)
) AS e(on_date, event)
WHERE e.on_date BETWEEN $2::date AND $3::date
ORDER BY e.on_date, e.event, plan

-- name: coverage
-- $1 TERC, $2 from, $3 to, $4 district kind. Share covered by local plans
-- and by the general plan in force on each date, per district and for the
-- municipality, and the change in percentage points.
WITH cov AS (
    SELECT d.day, pp.kind, ST_Union(pp.geom) AS g
    FROM (VALUES ($2::date), ($3::date)) AS d(day)
    JOIN plan_period pp ON pp.terc = $1 AND pp.kind IN ('mpzp', 'pog') AND lad_in_force(pp.in_force_from, pp.in_force_to, d.day)
    GROUP BY d.day, pp.kind
), areas AS (
    SELECT d.name, d.kind, d.geom, 1 AS ord FROM district d WHERE d.terc = $1 AND d.kind = $4
    UNION ALL
    SELECT m.name, 'gmina', m.geom, 2 FROM municipality m WHERE m.terc = $1 AND m.geom IS NOT NULL
), pct AS (
    SELECT a.name, a.kind, a.ord,
           round((100 * coalesce(ST_Area(ST_Intersection(a.geom, (SELECT g FROM cov WHERE day = $2::date AND kind = 'mpzp'))), 0) / ST_Area(a.geom))::numeric, 2) AS mpzp_from,
           round((100 * coalesce(ST_Area(ST_Intersection(a.geom, (SELECT g FROM cov WHERE day = $3::date AND kind = 'mpzp'))), 0) / ST_Area(a.geom))::numeric, 2) AS mpzp_to,
           round((100 * coalesce(ST_Area(ST_Intersection(a.geom, (SELECT g FROM cov WHERE day = $2::date AND kind = 'pog'))), 0) / ST_Area(a.geom))::numeric, 2) AS pog_from,
           round((100 * coalesce(ST_Area(ST_Intersection(a.geom, (SELECT g FROM cov WHERE day = $3::date AND kind = 'pog'))), 0) / ST_Area(a.geom))::numeric, 2) AS pog_to
    FROM areas a
)
SELECT name, kind, mpzp_from AS mpzp_pct_from, mpzp_to AS mpzp_pct_to, mpzp_to - mpzp_from AS mpzp_change_pp,
       pog_from AS pog_pct_from, pog_to AS pog_pct_to, pog_to - pog_from AS pog_change_pp
FROM pct
ORDER BY ord, mpzp_change_pp DESC, name

-- name: permits
-- $1 TERC, $2 from, $3 to, $4 district kind. Granted decisions per district
-- in the period, and all of them in the period of the same length just
-- before it.
WITH p AS (
    SELECT p.kind, coalesce(p.decided_on, p.applied_on) AS on_date, dd.name FROM permit p
    LEFT JOIN LATERAL (SELECT d.name FROM district d WHERE d.terc = $1 AND d.kind = $4 AND ST_Intersects(d.geom, p.geom)
                       ORDER BY d.id LIMIT 1) dd ON true
    WHERE p.terc = $1 AND lad_permit_granted(p.decision)
      AND coalesce(p.decided_on, p.applied_on) BETWEEN $2::date - ($3::date - $2::date + 1) AND $3::date
), g AS (
    SELECT coalesce(p.name, CASE WHEN grouping(p.name) = 1 THEN NULL ELSE '(bez lokalizacji lub poza osiedlami)' END) AS district,
           grouping(p.name) AS total,
           count(*) FILTER (WHERE p.on_date >= $2::date AND p.kind = 'permit') AS permits,
           count(*) FILTER (WHERE p.on_date >= $2::date AND p.kind = 'notification') AS notifications,
           count(*) FILTER (WHERE p.on_date >= $2::date AND p.kind = 'zoning_decision') AS zoning_decisions,
           count(*) FILTER (WHERE p.on_date >= $2::date) AS all_decisions,
           count(*) FILTER (WHERE p.on_date < $2::date) AS previous_period
    FROM p GROUP BY ROLLUP (p.name)
)
SELECT CASE WHEN total = 1 THEN coalesce((SELECT m.name FROM municipality m WHERE m.terc = $1), $1) ELSE district END AS district,
       permits, notifications, zoning_decisions, all_decisions, previous_period,
       round(100.0 * (all_decisions - previous_period) / nullif(previous_period, 0), 1) AS change_pct
FROM g
ORDER BY total, all_decisions DESC, district

-- name: feed
-- $1 TERC, $2 from, $3 to. Advertising and consultation events, newest
-- first (plans and permits have their own tables).
SELECT x.on_date, x.event, x.item, x.detail FROM (
    SELECT c.installed_on AS on_date, 'carrier_installed' AS event, c.inventory_no AS item,
           c.kind || coalesce(', ' || round(c.area_m2::numeric, 1) || ' m²', '') AS detail
    FROM ad_carrier c WHERE c.terc = $1 AND c.installed_on BETWEEN $2::date AND $3::date
    UNION ALL
    SELECT c.removed_on, 'carrier_removed', c.inventory_no, c.kind
    FROM ad_carrier c WHERE c.terc = $1 AND c.removed_on BETWEEN $2::date AND $3::date
    UNION ALL
    SELECT i.inspected_at::date, 'violation_found', c.inventory_no, array_to_string(i.violated_rules, ', ')
    FROM inspection i JOIN ad_carrier c ON c.id = i.carrier_id
    WHERE i.terc = $1 AND i.result = 'violation' AND i.inspected_at::date BETWEEN $2::date AND $3::date
    UNION ALL
    SELECT e.found_on, 'enforcement_opened', c.inventory_no, e.case_no
    FROM enforcement_case e JOIN ad_carrier c ON c.id = e.carrier_id
    WHERE e.terc = $1 AND e.found_on BETWEEN $2::date AND $3::date
    UNION ALL
    SELECT pe.decided_on, 'penalty_decision', c.inventory_no, e.case_no || ': ' || pe.daily_pln || ' zł/dzień'
    FROM penalty pe JOIN enforcement_case e ON e.id = pe.case_id JOIN ad_carrier c ON c.id = e.carrier_id
    WHERE e.terc = $1 AND pe.decided_on BETWEEN $2::date AND $3::date
    UNION ALL
    SELECT c.opens_on, 'consultation_opened', c.title, c.opens_on || ' – ' || c.closes_on
    FROM consultation c WHERE c.terc = $1 AND c.opens_on BETWEEN $2::date AND $3::date
    UNION ALL
    SELECT c.closes_on, 'consultation_closed', c.title, (SELECT count(*) FROM consultation_comment cc WHERE cc.consultation_id = c.id) || ' uwag'
    FROM consultation c WHERE c.terc = $1 AND c.closes_on BETWEEN $2::date AND $3::date
    UNION ALL
    SELECT cc.submitted_at::date, 'comments_received', c.title, count(*) || ' uwag'
    FROM consultation_comment cc JOIN consultation c ON c.id = cc.consultation_id
    WHERE c.terc = $1 AND cc.submitted_at::date BETWEEN $2::date AND $3::date
    GROUP BY cc.submitted_at::date, c.id, c.title
) x
ORDER BY x.on_date DESC, x.event, x.item
