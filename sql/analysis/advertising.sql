-- advertising-compliance: carriers against the rules of their landscape
-- zone (view carrier_compliance, migration 003), compliance per zone,
-- inspections overdue, the enforcement pipeline, and penalties accrued to a
-- date by art. 37d of the Planning Act: for each day from the start of
-- proceedings until the carrier is removed (or the date), 40 × (the
-- municipality's fixed daily advertising-fee rate + the variable rate ×
-- the carrier's advertising area in m²), with the rates in force that day
-- (ad_fee_rate).

-- name: per_zone
-- $1 TERC
SELECT coalesce(zone_code, '—') AS zone, count(*) AS carriers,
       count(*) FILTER (WHERE compliance = 'compliant') AS compliant,
       count(*) FILTER (WHERE compliance = 'violation') AS violations,
       count(*) FILTER (WHERE compliance = 'transition') AS in_transition,
       round(100.0 * count(*) FILTER (WHERE compliance = 'compliant') / nullif(count(*), 0), 1) AS compliant_pct
FROM carrier_compliance WHERE terc = $1 AND status = 'active'
GROUP BY ROLLUP (zone_code) ORDER BY zone_code NULLS LAST

-- name: violations
-- $1 TERC
SELECT inventory_no, kind, round(area_m2::numeric, 1) AS area_m2, zone_code AS zone, violated_rules,
       last_inspected_at::date AS last_inspection, coalesce(enforcement_stage, '') AS enforcement
FROM carrier_compliance WHERE terc = $1 AND status = 'active' AND compliance = 'violation'
ORDER BY zone_code, inventory_no

-- name: overdue
-- $1 TERC, $2 date, $3 interval in days
SELECT inventory_no, kind, zone_code AS zone, compliance, last_inspected_at::date AS last_inspection,
       CASE WHEN last_inspected_at IS NULL THEN NULL ELSE ($2::date - last_inspected_at::date) END AS days_since
FROM carrier_compliance
WHERE terc = $1 AND status = 'active' AND (last_inspected_at IS NULL OR last_inspected_at::date < $2::date - $3::int)
ORDER BY last_inspected_at NULLS FIRST, inventory_no

-- name: pipeline
-- $1 TERC, $2 date: cases at each stage and the median days each step took.
WITH c AS (
    SELECT *, CASE WHEN removed_on IS NOT NULL AND removed_on <= $2 THEN 'removed'
                   WHEN decision_on IS NOT NULL AND decision_on <= $2 THEN 'decision'
                   WHEN proceedings_on IS NOT NULL AND proceedings_on <= $2 THEN 'proceedings'
                   WHEN called_on IS NOT NULL AND called_on <= $2 THEN 'called'
                   ELSE 'found' END AS stage
    FROM enforcement_case WHERE terc = $1 AND found_on <= $2
)
SELECT s.stage, s.ord AS step,
       (SELECT count(*) FROM c WHERE c.stage = s.stage) AS cases,
       (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY d) FROM (
           SELECT CASE s.stage WHEN 'called' THEN called_on - found_on WHEN 'proceedings' THEN proceedings_on - called_on
                               WHEN 'decision' THEN decision_on - proceedings_on WHEN 'removed' THEN removed_on - decision_on END AS d
           FROM c) x WHERE d IS NOT NULL) AS median_days_from_previous
FROM (VALUES ('found', 1), ('called', 2), ('proceedings', 3), ('decision', 4), ('removed', 5)) AS s(stage, ord)
ORDER BY s.ord

-- name: penalties
-- $1 TERC, $2 date: penalty accrued per case by art. 37d, day by day with
-- the rates in force on each day.
SELECT e.case_no, a.inventory_no, round(a.area_m2::numeric, 2) AS area_m2, e.proceedings_on,
       coalesce(least(e.removed_on, $2::date), $2::date) AS until,
       count(d.day) AS days,
       round(sum(40 * (r.fixed_pln + r.per_m2_pln * a.area_m2))::numeric, 2) AS accrued_pln,
       coalesce((SELECT sum(p.paid_pln) FROM penalty p WHERE p.case_id = e.id), 0) AS paid_pln
FROM enforcement_case e JOIN ad_carrier a ON a.id = e.carrier_id
CROSS JOIN LATERAL generate_series(e.proceedings_on, coalesce(least(e.removed_on, $2::date), $2::date), interval '1 day') AS d(day)
JOIN LATERAL (SELECT fixed_pln, per_m2_pln FROM ad_fee_rate r WHERE r.terc = e.terc AND r.valid_from <= d.day
              ORDER BY r.valid_from DESC LIMIT 1) r ON true
WHERE e.terc = $1 AND e.proceedings_on IS NOT NULL AND e.proceedings_on <= $2
GROUP BY e.id, e.case_no, a.inventory_no, a.area_m2, e.proceedings_on, e.removed_on
ORDER BY accrued_pln DESC
