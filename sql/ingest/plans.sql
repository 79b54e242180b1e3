-- Planning acts from staged areas: the act (one version per namespace +
-- local id + version id), its areas (designations, POG zones, OUZ…), the
-- rules every act must satisfy, and superseding of older versions.

-- name: overlaps
-- Areas of the same kind that overlap each other (more than 1 m²).
SELECT b.line, b.fid, 'geometry',
       format('%s %s overlaps %s by %s m²', b.attrs->>'kind', coalesce(nullif(b.attrs->>'designation', ''), b.key),
              coalesce(nullif(a.attrs->>'designation', ''), a.key), round(ST_Area(ST_Intersection(a.geom, b.geom))::numeric, 1)),
       'error'
FROM stage a JOIN stage b ON a.line < b.line AND a.geom && b.geom
WHERE a.ok AND b.ok AND a.attrs->>'kind' = b.attrs->>'kind' AND a.attrs->>'kind' IN ('designation', 'pog_zone')
  AND ST_Area(ST_Intersection(a.geom, b.geom)) > 1
ORDER BY b.line

-- name: outside
-- Areas reaching outside the act's boundary (by more than 1 m²).
SELECT z.line, z.fid, 'geometry',
       format('%s %s lies %s m² outside the act''s boundary', z.attrs->>'kind',
              coalesce(nullif(z.attrs->>'designation', ''), z.key), round(ST_Area(ST_Difference(z.geom, b.geom))::numeric, 1)),
       'error'
FROM stage z, (SELECT ST_Union(geom) AS geom FROM stage WHERE ok AND attrs->>'kind' = 'boundary') b
WHERE z.ok AND z.attrs->>'kind' <> 'boundary' AND b.geom IS NOT NULL
  AND ST_Area(ST_Difference(z.geom, b.geom)) > 1
ORDER BY z.line

-- name: duplicate_designations
SELECT line, fid, 'designation', format('designation %s is used twice in the act (first at feature %s)', d, first_line), 'error'
FROM (SELECT line, fid, attrs->>'designation' AS d, min(line) OVER (PARTITION BY attrs->>'kind', attrs->>'designation') AS first_line
      FROM stage WHERE ok AND coalesce(attrs->>'designation', '') <> '') s
WHERE line <> first_line ORDER BY line

-- name: upsert_plan
-- $1 terc, $2 kind, $3 namespace, $4 local_id, $5 version_id, $6 title,
-- $7 resolution_no, $8 status, $9 adopted_on, $10 valid_from, $11 valid_to,
-- $12 doc_url, $13 batch. Returns id and whether it is new; no row when
-- nothing changed.
WITH b AS (
    SELECT coalesce(
        (SELECT ST_Multi(ST_CollectionExtract(ST_MakeValid(ST_Union(geom)), 3)) FROM stage WHERE ok AND attrs->>'kind' = 'boundary'),
        (SELECT ST_Multi(ST_CollectionExtract(ST_MakeValid(ST_Union(ST_SnapToGrid(geom, 0.01))), 3)) FROM stage WHERE ok)) AS g
)
INSERT INTO plan AS p (terc, kind, namespace, local_id, version_id, title, resolution_no, status,
                       adopted_on, valid_from, valid_to, doc_url, geom, batch_id)
SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, b.g, $13 FROM b
ON CONFLICT (namespace, local_id, version_id) DO UPDATE
    SET terc = EXCLUDED.terc, kind = EXCLUDED.kind, title = EXCLUDED.title, resolution_no = EXCLUDED.resolution_no,
        status = EXCLUDED.status, adopted_on = EXCLUDED.adopted_on, valid_from = EXCLUDED.valid_from,
        valid_to = EXCLUDED.valid_to, doc_url = EXCLUDED.doc_url, geom = EXCLUDED.geom,
        batch_id = EXCLUDED.batch_id, updated_at = now()
    WHERE (p.terc, p.kind, p.title, p.resolution_no, p.status, p.adopted_on, p.valid_from, p.valid_to, p.doc_url, p.geom)
          IS DISTINCT FROM (EXCLUDED.terc, EXCLUDED.kind, EXCLUDED.title, EXCLUDED.resolution_no, EXCLUDED.status,
                            EXCLUDED.adopted_on, EXCLUDED.valid_from, EXCLUDED.valid_to, EXCLUDED.doc_url, EXCLUDED.geom)
RETURNING id, (xmax = 0)

-- name: find_plan
SELECT id FROM plan WHERE namespace = $1 AND local_id = $2 AND version_id = $3

-- name: merge_zones
-- $1 plan id, $2 terc, $3 batch. Returns inserted, updated, deleted.
WITH src AS (
    SELECT key,
           attrs->>'kind' AS kind,
           coalesce(attrs->>'designation', '') AS designation,
           coalesce(attrs->>'symbol', '') AS symbol,
           coalesce(attrs->>'name', '') AS name,
           coalesce(ARRAY(SELECT jsonb_array_elements_text(attrs->'profiles')), '{}') AS profiles,
           (attrs->>'max_height_m')::numeric AS max_height_m,
           (attrs->>'intensity_min')::numeric AS intensity_min,
           (attrs->>'intensity_max')::numeric AS intensity_max,
           (attrs->>'max_coverage_pct')::numeric AS max_coverage_pct,
           (attrs->>'min_bio_pct')::numeric AS min_bio_pct,
           coalesce(attrs->>'rules', '') AS rules,
           ST_Multi(geom) AS geom
    FROM stage WHERE ok AND attrs->>'kind' NOT IN ('boundary', 'regulation')
), del AS (
    DELETE FROM plan_zone z WHERE z.plan_id = $1 AND NOT EXISTS (SELECT 1 FROM src WHERE src.key = z.local_id)
    RETURNING 1
), upd AS (
    UPDATE plan_zone z
    SET kind = s.kind, designation = s.designation, symbol = s.symbol, name = s.name, profiles = s.profiles,
        max_height_m = s.max_height_m, intensity_min = s.intensity_min, intensity_max = s.intensity_max,
        max_coverage_pct = s.max_coverage_pct, min_bio_pct = s.min_bio_pct, rules = s.rules, geom = s.geom,
        batch_id = $3, updated_at = now()
    FROM src s
    WHERE z.plan_id = $1 AND z.local_id = s.key
      AND (z.kind, z.designation, z.symbol, z.name, z.profiles, z.max_height_m, z.intensity_min, z.intensity_max,
           z.max_coverage_pct, z.min_bio_pct, z.rules, z.geom)
          IS DISTINCT FROM (s.kind, s.designation, s.symbol, s.name, s.profiles, s.max_height_m, s.intensity_min,
           s.intensity_max, s.max_coverage_pct, s.min_bio_pct, s.rules, s.geom)
    RETURNING 1
), ins AS (
    INSERT INTO plan_zone (plan_id, terc, kind, local_id, designation, symbol, name, profiles, max_height_m,
                           intensity_min, intensity_max, max_coverage_pct, min_bio_pct, rules, geom, batch_id)
    SELECT $1, $2, s.kind, s.key, s.designation, s.symbol, s.name, s.profiles, s.max_height_m, s.intensity_min,
           s.intensity_max, s.max_coverage_pct, s.min_bio_pct, s.rules, s.geom, $3
    FROM src s WHERE NOT EXISTS (SELECT 1 FROM plan_zone z WHERE z.plan_id = $1 AND z.local_id = s.key)
    RETURNING 1
)
SELECT (SELECT count(*) FROM ins), (SELECT count(*) FROM upd), (SELECT count(*) FROM del)

-- name: supersede
-- A newer version of the same act supersedes the older ones, which stay
-- for history.
UPDATE plan o SET superseded_by = n.id, updated_at = now()
FROM plan n
WHERE n.id = $1 AND o.namespace = n.namespace AND o.local_id = n.local_id AND o.id <> n.id
  AND o.version_id < n.version_id AND o.superseded_by IS DISTINCT FROM n.id

-- name: count_areas
SELECT count(*) FROM stage WHERE ok AND attrs->>'kind' NOT IN ('boundary', 'regulation')

-- name: stage_act_boundary
-- $1 namespace, $2 local id, $3 version, $4 SRID of the staged areas: the
-- loaded act's boundary joins a zones-only file's staged areas.
INSERT INTO stage (line, fid, key, geom, attrs)
SELECT 0, 'act ' || local_id, 'boundary-' || local_id, ST_Transform(geom, $4::integer), jsonb_build_object('kind', 'boundary')
FROM plan WHERE namespace = $1 AND local_id = $2 AND version_id = $3

-- name: gaps
-- Planning zones must cover the whole act (a POG covers the municipality).
SELECT 0, NULL::text, 'geometry',
       format('the planning zones leave %s m² of the act''s area uncovered, near %s (EPSG:2180)',
              round(ST_Area(g)::numeric, 1), ST_AsText(ST_SnapToGrid(ST_PointOnSurface(g), 0.01))), 'error'
FROM (SELECT ST_Difference(b.geom, z.geom) AS g
      FROM (SELECT ST_Union(geom) AS geom FROM stage WHERE ok AND attrs->>'kind' = 'boundary') b,
           (SELECT ST_Union(geom) AS geom FROM stage WHERE ok AND attrs->>'kind' = 'pog_zone') z) x
WHERE ST_Area(g) > 1

-- name: acts_in_namespace
SELECT kind, namespace, local_id, version_id, title, resolution_no, status, coalesce(adopted_on::text, ''),
       coalesce(valid_from::text, ''), coalesce(valid_to::text, ''), doc_url, terc
FROM plan WHERE namespace = $1 AND superseded_by IS NULL ORDER BY local_id

-- name: documents
-- $1 namespace, $2 local id, $3 version, $4 documents (jsonb array)
WITH p AS (SELECT id FROM plan WHERE namespace = $1 AND local_id = $2 AND version_id = $3),
d AS (DELETE FROM plan_document WHERE plan_id = (SELECT id FROM p))
INSERT INTO plan_document (plan_id, kind, local_id, title, url)
SELECT (SELECT id FROM p), x->>'kind', coalesce(x->>'local_id', ''), coalesce(x->>'title', ''), coalesce(x->>'url', '')
FROM jsonb_array_elements($4::jsonb) x

-- name: merge_regulations
-- $1 namespace, $2 local id, $3 version, $4 terc, $5 batch. Returns
-- inserted and updated supplementary regulations.
WITH p AS (SELECT id FROM plan WHERE namespace = $1 AND local_id = $2 AND version_id = $3),
src AS (SELECT key, attrs, geom FROM stage WHERE ok AND attrs->>'kind' = 'regulation'),
del AS (DELETE FROM plan_regulation r WHERE r.plan_id = (SELECT id FROM p) AND NOT EXISTS (SELECT 1 FROM src WHERE src.key = r.local_id)),
up AS (
    INSERT INTO plan_regulation AS r (plan_id, terc, local_id, kind, name, nature, attrs, geom, batch_id)
    SELECT (SELECT id FROM p), $4, key, coalesce(attrs->>'code', ''), coalesce(attrs->>'name', ''),
           coalesce(attrs->>'nature', ''), attrs, geom, $5
    FROM src
    ON CONFLICT (plan_id, local_id) DO UPDATE
        SET kind = EXCLUDED.kind, name = EXCLUDED.name, nature = EXCLUDED.nature, attrs = EXCLUDED.attrs,
            geom = EXCLUDED.geom, batch_id = EXCLUDED.batch_id
        WHERE (r.kind, r.name, r.nature, r.attrs, r.geom) IS DISTINCT FROM
              (EXCLUDED.kind, EXCLUDED.name, EXCLUDED.nature, EXCLUDED.attrs, EXCLUDED.geom)
    RETURNING (xmax = 0) AS inserted
)
SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM up
