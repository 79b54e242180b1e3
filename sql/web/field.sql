-- The inspectors' field app: inspections and carriers recorded on phones
-- (idempotent by the phone's UUIDs), their photos, and a carrier's history.
-- Every write transaction names its actor first (set_actor) for the audit
-- log. Positions come in WGS 84 and are stored in EPSG:2180.

-- name: set_actor
-- $1 actor (kind:name). Local to the transaction.
SELECT set_config('lad.actor', $1, true)

-- name: carrier_rules
-- $1 carrier id. Its municipality and the rule codes of its landscape zone
-- (what an inspector may say it breaks). No row: no such carrier.
SELECT c.terc, coalesce(array_agg(lr.code ORDER BY lr.code) FILTER (WHERE lr.code IS NOT NULL), '{}')
FROM ad_carrier c
LEFT JOIN LATERAL (
    SELECT z.id FROM landscape_zone z WHERE z.terc = c.terc AND ST_Intersects(z.geom, c.geom) ORDER BY z.id LIMIT 1
) z ON true
LEFT JOIN landscape_rule lr ON lr.zone_id = z.id
WHERE c.id = $1
GROUP BY c.terc

-- name: municipalities_at
-- $1 lon, $2 lat (WGS 84). The municipalities containing the point.
SELECT terc FROM municipality
WHERE ST_Intersects(geom, ST_Transform(ST_SetSRID(ST_MakePoint($1, $2), 4326), 2180))
ORDER BY terc

-- name: insert_inspection
-- $1 id (the phone's UUID), $2 carrier, $3 terc, $4 inspector, $5 time,
-- $6 result, $7 violated rule codes, $8 notes, $9 accuracy m, $10 lon,
-- $11 lat (or nulls). Returns the id when stored now; no row when an
-- inspection with this id already exists (a retry).
INSERT INTO inspection (id, carrier_id, terc, inspector, inspected_at, result, violated_rules, notes, accuracy_m, geom)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9,
        CASE WHEN $10::float8 IS NULL OR $11::float8 IS NULL THEN NULL
             ELSE ST_Transform(ST_SetSRID(ST_MakePoint($10::float8, $11::float8), 4326), 2180) END)
ON CONFLICT (id) DO NOTHING
RETURNING id

-- name: insert_inspection_photo
-- $1 inspection, $2 n (1…5), $3 content type, $4 sha256 (hex), $5 bytes.
INSERT INTO inspection_photo (inspection_id, n, content_type, sha256, bytes, taken_at)
VALUES ($1, $2, $3, $4, $5, (SELECT inspected_at FROM inspection WHERE id = $1))

-- name: inspection
-- $1 id. Its municipality, carrier and inspector (who may read it, whose
-- retry it is) and the record as the API answers it.
SELECT i.terc, i.carrier_id, i.inspector, json_build_object(
    'id', i.id, 'carrier_id', i.carrier_id, 'inventory_no', c.inventory_no, 'inspector', i.inspector,
    'inspected_at', i.inspected_at, 'received_at', i.received_at, 'result', i.result,
    'violated_rules', i.violated_rules, 'notes', i.notes,
    'position', CASE WHEN i.geom IS NULL THEN NULL ELSE json_build_object(
        'lon', round(ST_X(ST_Transform(i.geom, 4326))::numeric, 7), 'lat', round(ST_Y(ST_Transform(i.geom, 4326))::numeric, 7),
        'accuracy_m', i.accuracy_m) END,
    'distance_to_carrier_m', round(ST_Distance(i.geom, c.geom)::numeric, 1),
    'photos', coalesce((SELECT json_agg(json_build_object('n', p.n, 'content_type', p.content_type, 'size', p.size_bytes,
                                                          'sha256', p.sha256, 'url', '/api/inspections/' || i.id || '/photos/' || p.n) ORDER BY p.n)
                        FROM inspection_photo p WHERE p.inspection_id = i.id), '[]'::json))
FROM inspection i JOIN ad_carrier c ON c.id = i.carrier_id
WHERE i.id = $1

-- name: inspection_photo
-- $1 inspection, $2 n. The municipality (who may see it) and the photo.
SELECT i.terc, p.content_type, p.sha256, p.bytes
FROM inspection_photo p JOIN inspection i ON i.id = p.inspection_id
WHERE p.inspection_id = $1 AND p.n = $2

-- name: insert_carrier
-- $1 id (the phone's UUID), $2 terc, $3 kind, $4 width m, $5 height m,
-- $6 area m², $7 illuminated, $8 double-sided, $9 address, $10 notes,
-- $11 created by, $12 lon, $13 lat, $14 accuracy m, $15 when it was found
-- (the phone's time; null: now). Numbered TEREN/<year>/<n>. Returns the id
-- when stored now; no row when it already exists (a retry).
INSERT INTO ad_carrier (id, terc, inventory_no, kind, width_m, height_m, area_m2, illuminated, double_sided, status,
                        address, notes, created_by, geom, position_accuracy_m, created_at)
VALUES ($1, $2, 'TEREN/' || to_char(now() AT TIME ZONE 'Europe/Warsaw', 'YYYY') || '/' || lpad(nextval('ad_carrier_field_seq')::text, 5, '0'),
        $3, $4, $5, $6, $7, $8, 'active', $9, $10, $11,
        ST_Transform(ST_SetSRID(ST_MakePoint($12::float8, $13::float8), 4326), 2180), $14, coalesce($15::timestamptz, now()))
ON CONFLICT (id) DO NOTHING
RETURNING id

-- name: insert_carrier_photo
-- $1 carrier, $2 n (1…5), $3 content type, $4 sha256 (hex), $5 bytes.
INSERT INTO ad_carrier_photo (carrier_id, n, content_type, sha256, bytes) VALUES ($1, $2, $3, $4, $5)

-- name: carrier
-- $1 id. Its municipality, who recorded it, and the carrier with its zone,
-- compliance, the rules of its zone and its photos.
SELECT c.terc, c.created_by, json_build_object(
    'id', c.id, 'terc', c.terc, 'inventory_no', c.inventory_no, 'kind', c.kind, 'width_m', c.width_m, 'height_m', c.height_m,
    'area_m2', c.area_m2, 'illuminated', c.illuminated, 'double_sided', c.double_sided, 'status', c.status,
    'installed_on', c.installed_on, 'removed_on', c.removed_on, 'address', c.address, 'notes', c.notes,
    'created_by', c.created_by, 'created_at', c.created_at, 'position_accuracy_m', c.position_accuracy_m,
    'lon', round(ST_X(ST_Transform(c.geom, 4326))::numeric, 7), 'lat', round(ST_Y(ST_Transform(c.geom, 4326))::numeric, 7),
    'zone', cc.zone_code, 'compliance', cc.compliance, 'enforcement_stage', cc.enforcement_stage,
    'last_inspected_at', cc.last_inspected_at,
    'violated_rules', coalesce((SELECT json_agg(json_build_object('code', lr.code, 'text', lr.text_pl) ORDER BY lr.code)
                                FROM landscape_rule lr WHERE lr.zone_id = cc.zone_id AND lr.code = ANY (cc.violated_rule_codes)), '[]'::json),
    'zone_rules', coalesce((SELECT json_agg(json_build_object('code', lr.code, 'text', lr.text_pl) ORDER BY lr.code)
                            FROM landscape_rule lr WHERE lr.zone_id = cc.zone_id), '[]'::json),
    'photos', coalesce((SELECT json_agg(json_build_object('n', p.n, 'content_type', p.content_type, 'size', p.size_bytes,
                                                          'sha256', p.sha256, 'url', '/api/carriers/' || c.id || '/photos/' || p.n) ORDER BY p.n)
                        FROM ad_carrier_photo p WHERE p.carrier_id = c.id), '[]'::json))
FROM ad_carrier c JOIN carrier_compliance cc ON cc.id = c.id
WHERE c.id = $1

-- name: carrier_photo
-- $1 carrier, $2 n. The municipality (who may see it) and the photo.
SELECT c.terc, p.content_type, p.sha256, p.bytes
FROM ad_carrier_photo p JOIN ad_carrier c ON c.id = p.carrier_id
WHERE p.carrier_id = $1 AND p.n = $2

-- name: carrier_history
-- $1 carrier. Everything that happened to it, in time order: installed,
-- recorded in ład (found in the field, or loaded by a batch), inspections (with their photos), every step of
-- its enforcement cases (found → called → proceedings → decision →
-- removed) and penalty decisions. Dates without a time count from
-- midnight in Poland; on the same instant the order is record, inspection,
-- enforcement step, penalty.
SELECT coalesce(json_agg(e.doc ORDER BY e.at, e.rank, e.seq), '[]'::json) FROM (
    SELECT c.installed_on::timestamp AT TIME ZONE 'Europe/Warsaw' AS at, 0 AS rank, 0 AS seq,
           json_build_object('kind', 'installed', 'at', c.installed_on::timestamp AT TIME ZONE 'Europe/Warsaw', 'date', c.installed_on) AS doc
    FROM ad_carrier c WHERE c.id = $1 AND c.installed_on IS NOT NULL
    UNION ALL
    SELECT c.created_at, 0, 1,
           json_build_object('kind', 'recorded', 'at', c.created_at, 'by', c.created_by, 'inventory_no', c.inventory_no, 'batch', c.batch_id)
    FROM ad_carrier c WHERE c.id = $1 AND c.created_at IS NOT NULL
    UNION ALL
    SELECT i.inspected_at, 1, 0,
           json_build_object('kind', 'inspection', 'at', i.inspected_at, 'id', i.id, 'result', i.result,
                             'violated_rules', i.violated_rules, 'notes', i.notes, 'inspector', i.inspector,
                             'accuracy_m', i.accuracy_m, 'received_at', i.received_at,
                             'photos', coalesce((SELECT json_agg(json_build_object('n', p.n, 'content_type', p.content_type,
                                                                                   'url', '/api/inspections/' || i.id || '/photos/' || p.n) ORDER BY p.n)
                                                 FROM inspection_photo p WHERE p.inspection_id = i.id), '[]'::json))
    FROM inspection i WHERE i.carrier_id = $1
    UNION ALL
    SELECT s.d::timestamp AT TIME ZONE 'Europe/Warsaw', 2, s.ord,
           json_build_object('kind', 'enforcement', 'at', s.d::timestamp AT TIME ZONE 'Europe/Warsaw', 'date', s.d,
                             'step', s.step, 'case_no', ec.case_no, 'violated_rules', ec.violated_rules, 'notes', ec.notes)
    FROM enforcement_case ec
    CROSS JOIN LATERAL (VALUES (1, 'found', ec.found_on), (2, 'called', ec.called_on), (3, 'proceedings', ec.proceedings_on),
                               (4, 'decision', ec.decision_on), (5, 'removed', ec.removed_on)) AS s(ord, step, d)
    WHERE ec.carrier_id = $1 AND s.d IS NOT NULL
    UNION ALL
    SELECT p.decided_on::timestamp AT TIME ZONE 'Europe/Warsaw', 3, 0,
           json_build_object('kind', 'penalty', 'at', p.decided_on::timestamp AT TIME ZONE 'Europe/Warsaw', 'date', p.decided_on,
                             'case_no', ec.case_no, 'daily_pln', p.daily_pln, 'days', p.days, 'amount_pln', p.amount_pln,
                             'paid_pln', p.paid_pln)
    FROM penalty p JOIN enforcement_case ec ON ec.id = p.case_id
    WHERE ec.carrier_id = $1
) e
