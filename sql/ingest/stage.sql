-- Staging: every file is copied into a temporary table first, validated
-- there with set-based SQL, and merged into the domain tables. The table is
-- dropped with the batch's transaction.

-- name: create
CREATE TEMP TABLE stage (
    line   integer NOT NULL,      -- CSV line or feature index
    fid    text,                  -- feature id / register number
    key    text,                  -- natural key (TERYT id, identifier…)
    wkb    bytea,                 -- geometry as read, source CRS
    geom   geometry,
    attrs  jsonb,
    ok     boolean NOT NULL DEFAULT true
) ON COMMIT DROP

-- name: set_geom
-- $1: source SRID
UPDATE stage SET geom = ST_SetSRID(ST_GeomFromWKB(wkb), $1) WHERE wkb IS NOT NULL

-- name: invalid
-- Geometry defects with the place of the defect (source coordinates).
-- $1: repair instead of reject
SELECT line, fid, 'geometry',
       'invalid geometry: ' || d.reason || coalesce(' near ' || ST_AsText(ST_SnapToGrid(d.location, 0.001)), '')
         || CASE WHEN $1 THEN ' (repaired with ST_MakeValid)' ELSE '' END,
       CASE WHEN $1 THEN 'repaired' ELSE 'error' END
FROM stage, LATERAL ST_IsValidDetail(geom) d
WHERE ok AND geom IS NOT NULL AND NOT ST_IsValid(geom) AND NOT d.valid
ORDER BY line

-- name: repair
-- $1: geometry dimension to keep (3 polygons, 2 lines, 1 points, 0 any);
-- $2: the lines found invalid.
UPDATE stage SET geom = CASE WHEN $1 = 0 THEN ST_MakeValid(geom) ELSE ST_CollectionExtract(ST_MakeValid(geom), $1) END
WHERE line = ANY($2::int[])

-- name: drop
-- $1: the lines of the records found defective.
UPDATE stage SET ok = false WHERE line = ANY($1::int[])

-- name: empty
SELECT line, fid, 'geometry', 'empty geometry', 'error'
FROM stage WHERE ok AND geom IS NOT NULL AND ST_IsEmpty(geom) ORDER BY line

-- name: to_2180
UPDATE stage SET geom = ST_Transform(geom, 2180) WHERE ok AND geom IS NOT NULL AND ST_SRID(geom) <> 2180

-- name: duplicates
-- The same natural key twice in one file: the later records are rejected.
-- Keys seen once (nearly all) leave after a hash aggregate; only repeated
-- keys are compared line by line.
SELECT s.line, s.fid, 'key', 'duplicate of the record on line/feature ' || d.first_line || ' (' || s.key || ')', 'error'
FROM stage s
JOIN (SELECT key, min(line) AS first_line FROM stage WHERE ok AND key IS NOT NULL
      GROUP BY key HAVING count(*) > 1) d ON d.key = s.key
WHERE s.ok AND s.line <> d.first_line ORDER BY s.line

-- name: count_ok
SELECT count(*) FROM stage WHERE ok

-- name: secondary_indexes
-- The non-unique indexes of a table (GIST and plain b-trees) with their
-- definitions: a bulk load into an empty table drops them and builds them
-- again after the insert, which is several times faster than maintaining
-- them row by row. $1: table name.
SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
FROM pg_index i
WHERE i.indrelid = $1::regclass AND NOT i.indisunique AND NOT i.indisprimary
ORDER BY 1

-- name: validity_checks
-- The geometry validity checks of a table (CHECK lad_valid_geom(…)) with
-- their definitions: a bulk load of rows the stage has validated with the
-- same predicate drops them and adds them back NOT VALID (still enforced
-- for every later write) instead of evaluating them again row by row.
-- $1: table name.
SELECT quote_ident(conname), pg_get_constraintdef(oid)
FROM pg_constraint
WHERE conrelid = $1::regclass AND contype = 'c' AND pg_get_constraintdef(oid) LIKE '%lad_valid_geom(%'
ORDER BY 1

-- name: unique_constraints
-- The unique constraints of a table (not the primary key) with their
-- definitions. $1: table name.
SELECT quote_ident(conname), pg_get_constraintdef(oid)
FROM pg_constraint
WHERE conrelid = $1::regclass AND contype = 'u'
ORDER BY 1

-- name: foreign_keys
-- The foreign keys of a table with their definitions (actions included).
-- $1: table name.
SELECT quote_ident(conname), pg_get_constraintdef(oid)
FROM pg_constraint
WHERE conrelid = $1::regclass AND contype = 'f'
ORDER BY 1
