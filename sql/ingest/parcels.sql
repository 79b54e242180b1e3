-- Parcels: merge the staged records into parcel by TERYT id, then locate
-- permits that were waiting for these parcels.

-- name: merge
-- $1: batch id. Returns inserted and updated counts.
WITH up AS (
    INSERT INTO parcel AS p (teryt, terc, obreb, number, geom, batch_id)
    SELECT key,
           replace(split_part(key, '.', 1), '_', ''),
           split_part(key, '.', 2),
           substr(key, length(split_part(key, '.', 1)) + length(split_part(key, '.', 2)) + 3),
           ST_Multi(geom), $1
    FROM stage WHERE ok
    ON CONFLICT (teryt) DO UPDATE
        SET geom = EXCLUDED.geom, batch_id = EXCLUDED.batch_id, updated_at = now()
        WHERE p.geom IS DISTINCT FROM EXCLUDED.geom
    RETURNING (xmax = 0) AS inserted
)
SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM up

-- A city's first load goes straight into the empty table
-- (ingest.parcelSink): rows carry id = offset + line, so that the checks
-- below name each defective row's line; the table's unique and validity
-- constraints and its indexes come back once the defects are gone.

-- name: first_lock
LOCK TABLE parcel IN ACCESS EXCLUSIVE MODE

-- name: first_empty
SELECT NOT EXISTS (SELECT 1 FROM parcel)

-- name: first_offset
SELECT nextval(pg_get_serial_sequence('parcel', 'id'))

-- name: first_invalid
-- (Empty geometries never get here: the loader rejects them.)
-- $1 offset, $2 repair instead of reject.
SELECT (id - $1)::int, teryt, 'geometry',
       'invalid geometry: ' || d.reason || coalesce(' near ' || ST_AsText(ST_SnapToGrid(d.location, 0.001)), '')
         || CASE WHEN $2 THEN ' (repaired with ST_MakeValid)' ELSE '' END,
       CASE WHEN $2 THEN 'repaired' ELSE 'error' END
FROM parcel, LATERAL ST_IsValidDetail(geom) d
WHERE NOT ST_IsValid(geom) AND NOT d.valid
ORDER BY 1

-- name: first_repair
-- $1 ids.
UPDATE parcel SET geom = ST_Multi(ST_CollectionExtract(ST_MakeValid(geom), 3)) WHERE id = ANY ($1::bigint[])

-- name: first_unrepaired
-- Repairs that left nothing usable. $1 offset, $2 the repaired ids.
SELECT (id - $1)::int, teryt, 'geometry', 'nothing polygonal is left after ST_MakeValid', 'error'
FROM parcel WHERE id = ANY ($2::bigint[]) AND NOT lad_valid_geom(geom)
ORDER BY 1

-- name: first_drop
-- $1 ids.
DELETE FROM parcel WHERE id = ANY ($1::bigint[])

-- name: first_duplicates
-- The same TERYT id twice in one file: the later records are rejected.
-- $1 offset.
SELECT (p.id - $1)::int, p.teryt, 'key',
       'duplicate of the record on line/feature ' || (d.first - $1) || ' (' || p.teryt || ')', 'error'
FROM parcel p
JOIN (SELECT teryt, min(id) AS first FROM parcel GROUP BY teryt HAVING count(*) > 1) d USING (teryt)
WHERE p.id <> d.first
ORDER BY 1

-- name: first_done
-- The sequence continues after the ids used; returns the rows loaded.
-- $1 offset.
SELECT count(*), setval(pg_get_serial_sequence('parcel', 'id'), greatest(max(id), $1)) FROM parcel
