-- Ingest support: severity of recorded problems, and locating permits on
-- parcels (now, and later when their parcels arrive).

-- The options that change what a file yields (repair, CRS, format,
-- mapping): the same bytes with other options are another batch.
ALTER TABLE ingest_batch ADD COLUMN options text NOT NULL DEFAULT '';

ALTER TABLE ingest_rejection ADD COLUMN severity text NOT NULL DEFAULT 'error'
    CHECK (severity IN ('error', 'repaired', 'warning'));

-- Link permit rows to known parcels and place permits that have no
-- coordinates of their own on the point-on-surface of their parcels. Called
-- after every parcel or permit batch; returns how many permits it located.
CREATE FUNCTION lad_locate_permits() RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    n integer;
    linked bigint[];
BEGIN
    -- Link rows whose parcel is now known; remember which permits changed.
    WITH l AS (
        UPDATE permit_parcel pp SET parcel_id = p.id
        FROM parcel p
        WHERE pp.parcel_id IS NULL AND p.teryt = pp.parcel_teryt
        RETURNING pp.permit_id
    )
    SELECT coalesce(array_agg(DISTINCT permit_id), '{}') INTO linked FROM l;

    -- Place those permits, and any still unplaced, on a point of their
    -- parcels (ST_Collect, not a costly union).
    WITH located AS (
        SELECT pp.permit_id, ST_PointOnSurface(ST_Collect(p.geom)) AS g
        FROM permit_parcel pp JOIN parcel p ON p.id = pp.parcel_id
        JOIN permit pm ON pm.id = pp.permit_id
        WHERE pm.location_source IN ('none', 'parcel')
          AND (pm.id = ANY (linked) OR pm.location_source = 'none')
        GROUP BY pp.permit_id
    )
    UPDATE permit pm SET geom = l.g, location_source = 'parcel', location_note = '', updated_at = now()
    FROM located l
    WHERE pm.id = l.permit_id AND (pm.geom IS DISTINCT FROM l.g OR pm.location_source <> 'parcel');
    GET DIAGNOSTICS n = ROW_COUNT;

    UPDATE permit pm SET location_note = 'parcel not known: ' || (
            SELECT string_agg(pp.parcel_teryt, ', ' ORDER BY pp.parcel_teryt)
            FROM permit_parcel pp WHERE pp.permit_id = pm.id AND pp.parcel_id IS NULL)
    WHERE pm.location_source = 'none' AND pm.location_note = ''
      AND EXISTS (SELECT 1 FROM permit_parcel pp WHERE pp.permit_id = pm.id AND pp.parcel_id IS NULL);
    RETURN n;
END $$;
