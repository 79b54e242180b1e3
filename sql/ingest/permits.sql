-- Permits and decisions: staged rows (one per case × parcel) grouped into
-- cases, merged by (register, register id); parcels and personal data of
-- the case go to their own tables.

-- name: merge
-- $1 batch, $2 register. Returns inserted, updated and the number of cases.
-- A case without coordinates is placed on a point of its known parcels
-- here, as it is written (the same point lad_locate_permits() gives): one
-- write per permit instead of an insert and an update.
WITH cases AS (
    SELECT key,
           (array_agg(attrs ORDER BY line))[1] AS a,
           (array_agg(geom ORDER BY line) FILTER (WHERE geom IS NOT NULL))[1] AS geom,
           array_agg(DISTINCT attrs->>'parcel') FILTER (WHERE attrs->>'parcel' IS NOT NULL) AS parcels
    FROM stage WHERE ok GROUP BY key
), placed AS (
    SELECT c.key, c.a,
           coalesce(c.geom, pl.g) AS geom,
           CASE WHEN c.geom IS NOT NULL THEN 'coordinates' WHEN pl.g IS NOT NULL THEN 'parcel' ELSE 'none' END AS source
    FROM cases c
    LEFT JOIN LATERAL (
        SELECT ST_PointOnSurface(ST_Collect(pa.geom)) AS g
        FROM parcel pa WHERE c.geom IS NULL AND pa.teryt = ANY (c.parcels)
    ) pl ON true
), up AS (
    INSERT INTO permit AS p (terc, kind, register, register_id, application_no, decision_no, authority, applied_on,
                             decided_on, decision, category, works, building_class, description, address, volume_m3,
                             location_source, geom, batch_id)
    SELECT a->>'terc', a->>'kind', $2, key, coalesce(a->>'application_no', ''), coalesce(a->>'decision_no', ''),
           coalesce(a->>'authority', ''), (a->>'applied_on')::date, (a->>'decided_on')::date, coalesce(a->>'decision', ''),
           a->>'category', coalesce(a->>'works', ''), coalesce(a->>'building_class', ''), coalesce(a->>'description', ''),
           coalesce(a->>'address', ''), (a->>'volume_m3')::double precision,
           source, geom, $1
    FROM placed
    ON CONFLICT (register, register_id) DO UPDATE
        SET terc = EXCLUDED.terc, kind = EXCLUDED.kind, application_no = EXCLUDED.application_no,
            decision_no = EXCLUDED.decision_no, authority = EXCLUDED.authority, applied_on = EXCLUDED.applied_on,
            decided_on = EXCLUDED.decided_on, decision = EXCLUDED.decision, category = EXCLUDED.category,
            works = EXCLUDED.works, building_class = EXCLUDED.building_class, description = EXCLUDED.description,
            address = EXCLUDED.address, volume_m3 = EXCLUDED.volume_m3,
            -- coordinates from the register win over a point of the parcels
            location_source = CASE WHEN EXCLUDED.geom IS NULL
                                     OR (EXCLUDED.location_source = 'parcel' AND p.location_source = 'coordinates')
                                   THEN p.location_source ELSE EXCLUDED.location_source END,
            geom = CASE WHEN EXCLUDED.geom IS NULL
                          OR (EXCLUDED.location_source = 'parcel' AND p.location_source = 'coordinates')
                        THEN p.geom ELSE EXCLUDED.geom END,
            batch_id = EXCLUDED.batch_id, updated_at = now()
        WHERE (p.terc, p.kind, p.application_no, p.decision_no, p.authority, p.applied_on, p.decided_on, p.decision,
               p.category, p.works, p.building_class, p.description, p.address, p.volume_m3)
              IS DISTINCT FROM
              (EXCLUDED.terc, EXCLUDED.kind, EXCLUDED.application_no, EXCLUDED.decision_no, EXCLUDED.authority,
               EXCLUDED.applied_on, EXCLUDED.decided_on, EXCLUDED.decision, EXCLUDED.category, EXCLUDED.works,
               EXCLUDED.building_class, EXCLUDED.description, EXCLUDED.address, EXCLUDED.volume_m3)
           OR (EXCLUDED.location_source = 'coordinates' AND p.geom IS DISTINCT FROM EXCLUDED.geom)
           OR (EXCLUDED.location_source = 'parcel' AND p.location_source IN ('none', 'parcel') AND p.geom IS DISTINCT FROM EXCLUDED.geom)
    RETURNING (xmax = 0) AS inserted
)
SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted), (SELECT count(*) FROM cases) FROM up

-- name: parcels
-- $1 register
-- Linked to the parcel at once when it is known (lad_locate_permits()
-- links the others when their parcels arrive).
INSERT INTO permit_parcel (permit_id, parcel_teryt, parcel_id)
SELECT DISTINCT p.id, s.attrs->>'parcel', pa.id
FROM stage s JOIN permit p ON p.register = $1 AND p.register_id = s.key
LEFT JOIN parcel pa ON pa.teryt = s.attrs->>'parcel'
WHERE s.ok AND s.attrs->>'parcel' IS NOT NULL
ON CONFLICT DO NOTHING

-- name: private
-- $1 register. Investor names: personal data, never published.
INSERT INTO permit_private (permit_id, investor_name)
SELECT DISTINCT ON (p.id) p.id, s.attrs->>'investor'
FROM stage s JOIN permit p ON p.register = $1 AND p.register_id = s.key
WHERE s.ok AND coalesce(s.attrs->>'investor', '') <> ''
ORDER BY p.id, s.line
ON CONFLICT (permit_id) DO UPDATE SET investor_name = EXCLUDED.investor_name
    WHERE permit_private.investor_name IS DISTINCT FROM EXCLUDED.investor_name
