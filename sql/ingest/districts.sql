-- Districts (osiedla, dzielnice, obręby, statistical regions) of a
-- municipality, and the municipality itself.

-- name: ensure_municipality
-- $1 TERC, $2 name
INSERT INTO municipality (terc, name) VALUES ($1, $2) ON CONFLICT (terc) DO NOTHING

-- name: merge
-- $1 batch, $2 TERC, $3 kind. Returns inserted and updated counts.
WITH up AS (
    INSERT INTO district AS d (terc, kind, code, name, population, geom, batch_id)
    SELECT $2, $3, coalesce(attrs->>'code', ''), key, (attrs->>'population')::integer, ST_Multi(geom), $1
    FROM stage WHERE ok
    ON CONFLICT (terc, kind, name) DO UPDATE
        SET code = EXCLUDED.code, population = EXCLUDED.population, geom = EXCLUDED.geom,
            batch_id = EXCLUDED.batch_id
        WHERE (d.code, d.population, d.geom) IS DISTINCT FROM (EXCLUDED.code, EXCLUDED.population, EXCLUDED.geom)
    RETURNING (xmax = 0) AS inserted
)
SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM up

-- name: municipality_geom
-- A municipality without its own boundary gets the union of its districts.
UPDATE municipality m
SET geom = (SELECT ST_Multi(ST_CollectionExtract(ST_MakeValid(ST_Union(ST_SnapToGrid(geom, 0.01))), 3))
            FROM district WHERE terc = $1 AND kind = $2)
WHERE m.terc = $1 AND m.geom IS NULL
  AND EXISTS (SELECT 1 FROM district WHERE terc = $1 AND kind = $2)
