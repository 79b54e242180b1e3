-- Endpoints of the web map: search, carriers near a place, consultations
-- and residents' comments. Public outputs never read *_private or *_author
-- tables.

-- name: search
-- $1 text typed by the user. Parcels by TERYT id or number, districts and
-- plans by name or resolution number. Returns kind, label and WGS 84 bbox.
SELECT kind, label, ST_XMin(b), ST_YMin(b), ST_XMax(b), ST_YMax(b) FROM (
    (SELECT 'działka' AS kind, teryt AS label, ST_Transform(geom, 4326)::box2d AS b, 1 AS rank
     FROM parcel WHERE teryt = $1 OR teryt LIKE '%.' || $1 LIMIT 5)
    UNION ALL
    (SELECT 'osiedle', name, ST_Transform(geom, 4326)::box2d, 2 FROM district WHERE name ILIKE '%' || $1 || '%' LIMIT 5)
    UNION ALL
    (SELECT CASE kind WHEN 'pog' THEN 'plan ogólny' ELSE 'plan' END, title || coalesce(' (' || nullif(resolution_no, '') || ')', ''),
            ST_Transform(geom, 4326)::box2d, 3
     FROM plan_current WHERE title ILIKE '%' || $1 || '%' OR resolution_no ILIKE '%' || $1 || '%' LIMIT 10)
) s ORDER BY rank, label LIMIT 15

-- name: carriers_near
-- $1 lon, $2 lat, $3 radius m. Carriers by distance with their compliance.
WITH here AS (SELECT ST_Transform(ST_SetSRID(ST_MakePoint($1, $2), 4326), 2180) AS p)
SELECT c.id, c.inventory_no, c.kind, c.area_m2, c.illuminated, c.status, c.zone_code, c.compliance,
       ST_Distance(c.geom, here.p) AS distance_m, c.last_inspected_at, c.enforcement_stage,
       coalesce((SELECT json_agg(json_build_object('code', lr.code, 'text', lr.text_pl) ORDER BY lr.code)
                 FROM landscape_rule lr WHERE lr.zone_id = c.zone_id AND lr.code = ANY (c.violated_rule_codes)), '[]'::json),
       coalesce((SELECT json_agg(json_build_object('code', lr.code, 'text', lr.text_pl) ORDER BY lr.code)
                 FROM landscape_rule lr WHERE lr.zone_id = c.zone_id), '[]'::json),
       ST_X(ST_Transform(c.geom, 4326)), ST_Y(ST_Transform(c.geom, 4326))
FROM carrier_compliance c, here
WHERE ST_DWithin(c.geom, here.p, $3)
ORDER BY c.geom <-> here.p
LIMIT 50

-- name: consultations
SELECT c.id, c.terc, c.title, c.description, c.opens_on, c.closes_on, c.state,
       (SELECT count(*) FROM consultation_comment cc WHERE cc.consultation_id = c.id),
       ST_XMin(b), ST_YMin(b), ST_XMax(b), ST_YMax(b)
FROM consultation_public c, LATERAL (SELECT ST_Transform(c.geom, 4326)::box2d AS b) x
ORDER BY c.opens_on DESC

-- name: consultation_open
SELECT terc, current_date BETWEEN opens_on AND closes_on FROM consultation WHERE id = $1

-- name: add_comment
-- $1 consultation, $2 body, $3 owner in area, $4 geometry (GeoJSON, WGS 84) or null
INSERT INTO consultation_comment (consultation_id, receipt_no, body, owner_in_area, geom)
VALUES ($1, 'KS/' || extract(year FROM now())::int || '/' || lpad(nextval('consultation_receipt_seq')::text, 5, '0'), $2, $3,
        CASE WHEN $4::text IS NULL THEN NULL ELSE ST_Transform(ST_SetSRID(ST_GeomFromGeoJSON($4::text), 4326), 2180) END)
RETURNING id, receipt_no

-- name: add_author
INSERT INTO consultation_comment_author (comment_id, full_name, address, email) VALUES ($1, $2, $3, $4)
