-- Consultations in depth (issue 7): a consultation's public comments with
-- the answers once it has closed (comment_public: never the author), the
-- planners' review with the authors' details, answering a comment, and the
-- consultation report. Only the review and the report statements read
-- consultation_comment_author; they serve planners of the consultation's
-- municipality only (web.Consult checks it).

-- name: consultation
-- $1 consultation id. The consultation with its state and draft plan.
SELECT c.id, c.terc, c.title, c.description, c.opens_on, c.closes_on, c.state, c.report_published_on,
       coalesce(p.title, ''), coalesce(p.status, ''), coalesce(m.name, ''),
       ST_XMin(b), ST_YMin(b), ST_XMax(b), ST_YMax(b)
FROM consultation_public c
LEFT JOIN plan p ON p.id = c.plan_id
LEFT JOIN municipality m ON m.terc = c.terc,
LATERAL (SELECT ST_Transform(c.geom, 4326)::box2d AS b) x
WHERE c.id = $1

-- name: public_comments
-- $1 consultation id. Comments as everybody may read them: the answer and
-- its reason only after the consultation closed (the view sees to it).
SELECT cp.id, cp.receipt_no, cp.submitted_on, cp.body, cp.owner_in_area, coalesce(z.designation, ''),
       cp.answer, cp.answer_reason
FROM comment_public cp LEFT JOIN plan_zone z ON z.id = cp.zone_id
WHERE cp.consultation_id = $1
ORDER BY cp.submitted_on, cp.id

-- name: review_comments
-- $1 consultation id. Every comment with its author and answer, for the
-- planners who answer them and for the report.
SELECT cc.id, cc.receipt_no, cc.submitted_at, cc.body, cc.owner_in_area, coalesce(z.designation, ''),
       cc.answer, cc.answer_reason, cc.answered_by, cc.answered_at,
       coalesce(a.full_name, ''), coalesce(a.address, ''), coalesce(a.email, '')
FROM consultation_comment cc
LEFT JOIN consultation_comment_author a ON a.comment_id = cc.id
LEFT JOIN plan_zone z ON z.id = cc.zone_id
WHERE cc.consultation_id = $1
ORDER BY cc.submitted_at, cc.id

-- name: answer
-- $1 consultation id, $2 comment id, $3 answer, $4 reason, $5 who answered.
UPDATE consultation_comment SET answer = $3, answer_reason = $4, answered_by = $5, answered_at = now()
WHERE consultation_id = $1 AND id = $2
RETURNING receipt_no, answered_at
