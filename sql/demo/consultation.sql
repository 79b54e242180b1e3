-- The demo city's public consultation of a draft plan, its comments with
-- the authors' personal data kept apart, and advertising-fee rates.

-- name: draft_plan
SELECT id FROM plan WHERE local_id = $1 AND status = 'draft' ORDER BY id DESC LIMIT 1

-- name: consultation
-- $1 terc, $2 plan, $3 title, $4 description, $5 opens, $6 closes
INSERT INTO consultation (terc, plan_id, title, description, opens_on, closes_on, geom)
SELECT $1, $2, $3, $4, $5::date, $6::date, geom FROM plan WHERE id = $2
RETURNING id

-- name: comment
-- $1 consultation, $2 receipt, $3 plan local id, $4 zone local id or '',
-- $5 body, $6 owner in area, $7 submitted at, $8 drawn geometry WKT or ''
INSERT INTO consultation_comment (consultation_id, receipt_no, zone_id, body, owner_in_area, submitted_at, geom)
SELECT $1, $2,
       (SELECT z.id FROM plan_zone z JOIN plan p ON p.id = z.plan_id WHERE p.local_id = $3 AND p.status = 'draft' AND z.local_id = $4 LIMIT 1),
       $5, $6, $7,
       CASE WHEN $8 = '' THEN NULL ELSE ST_GeomFromText($8, 2180) END
RETURNING id

-- name: author
INSERT INTO consultation_comment_author (comment_id, full_name, address, email) VALUES ($1, $2, $3, $4)

-- name: answer
UPDATE consultation_comment SET answer = $2, answer_reason = $3, answered_by = 'demo', answered_at = submitted_at + interval '3 days'
WHERE id = $1

-- name: fee_rates
-- Advertising-fee rates (opłata reklamowa) of the demo city: the fixed part
-- per day and the variable part per m² per day, within the statutory maxima.
INSERT INTO ad_fee_rate (terc, valid_from, fixed_pln, per_m2_pln) VALUES
    ($1, '2019-01-01', 2.50, 0.20),
    ($1, '2024-01-01', 2.80, 0.22)
ON CONFLICT DO NOTHING
