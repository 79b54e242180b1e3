-- Consultations after they close (issue 7): residents read the planners'
-- answers to the comments only once the consultation is over, when the
-- consultation report is due; until then an answer is the planners' draft.
-- The view keeps its columns (tiles, OGC and the web map read it), so an
-- answer simply reads as null, and its reason as '', before the day after
-- closes_on. It still never holds the author (consultation_comment_author)
-- nor who answered (answered_by: staff logins are not published either).

CREATE OR REPLACE VIEW comment_public AS
SELECT cc.id, c.terc, cc.consultation_id, cc.receipt_no, cc.zone_id, cc.body, cc.owner_in_area,
       cc.submitted_at::date AS submitted_on,
       CASE WHEN current_date > c.closes_on THEN cc.answer END AS answer,
       CASE WHEN current_date > c.closes_on THEN cc.answer_reason ELSE '' END AS answer_reason,
       coalesce(cc.geom, z.geom) AS geom, coalesce(cc.geom_3857, z.geom_3857) AS geom_3857
FROM consultation_comment cc JOIN consultation c ON c.id = cc.consultation_id
LEFT JOIN plan_zone z ON z.id = cc.zone_id;
