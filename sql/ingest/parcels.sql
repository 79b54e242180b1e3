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

-- name: insert
-- A first load into the empty table (stage.bulk): every staged parcel is
-- new, and keys are unique in the stage, so a plain INSERT does. $1: batch id.
INSERT INTO parcel (teryt, terc, obreb, number, geom, batch_id)
SELECT key,
       replace(split_part(key, '.', 1), '_', ''),
       split_part(key, '.', 2),
       substr(key, length(split_part(key, '.', 1)) + length(split_part(key, '.', 2)) + 3),
       ST_Multi(geom), $1
FROM stage WHERE ok
