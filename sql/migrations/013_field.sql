-- Field writes (issue 7): inspections and carriers recorded by inspectors on
-- their phones, with photos.
--
-- Idempotency: the phone makes the UUID of every inspection and of every
-- carrier it finds, and keeps it in its outbox until the server answers; a
-- record sent twice (a retry after a lost answer, a queue drained twice)
-- meets the primary key and is stored once (INSERT … ON CONFLICT DO
-- NOTHING, then the first record is read back).
--
-- Photos are stored in the database, in the transaction that stores their
-- record (not as files under the data directory): a record and its evidence
-- are written together or not at all, a retry cannot leave orphan files, the
-- backup (pg_dump, `lad backup`) and the replica carry them, the audit log
-- digests them, and one policy guards them. The phone resizes photos before
-- sending (some hundred kB each), so a city's yearly inspections are a few
-- GB: well within what PostgreSQL keeps out of line (TOAST). Compressed image
-- formats do not compress again, so the bytes are stored EXTERNAL (out of
-- line, uncompressed: no wasted CPU, and byte ranges read directly).

-- A photo's place among its record's photos (1…5), and its size.
ALTER TABLE inspection_photo
    ADD COLUMN n smallint,
    ADD COLUMN size_bytes integer GENERATED ALWAYS AS (octet_length(bytes)) STORED,
    ADD COLUMN received_at timestamptz NOT NULL DEFAULT now();
UPDATE inspection_photo p SET n = x.n
FROM (SELECT id, row_number() OVER (PARTITION BY inspection_id ORDER BY taken_at, id) AS n FROM inspection_photo) x
WHERE x.id = p.id;
ALTER TABLE inspection_photo
    ALTER COLUMN n SET NOT NULL,
    ADD CONSTRAINT inspection_photo_n CHECK (n BETWEEN 1 AND 5),
    ADD CONSTRAINT inspection_photo_n_key UNIQUE (inspection_id, n),
    ADD CONSTRAINT inspection_photo_sha256 CHECK (sha256 ~ '^[0-9a-f]{64}$');
ALTER TABLE inspection_photo ALTER COLUMN bytes SET STORAGE EXTERNAL;

-- Carriers found in the field: when and by whom, how exact the position was.
ALTER TABLE ad_carrier
    ADD COLUMN created_at timestamptz,
    ADD COLUMN position_accuracy_m double precision CHECK (position_accuracy_m >= 0),
    ADD COLUMN notes text NOT NULL DEFAULT '' CHECK (length(notes) <= 5000);
ALTER TABLE ad_carrier ALTER COLUMN created_at SET DEFAULT now();

-- Inventory numbers of carriers found in the field: TEREN/<year>/<n>.
CREATE SEQUENCE ad_carrier_field_seq START 1;

-- Photos of a carrier taken when it was found (inspections have their own).
CREATE TABLE ad_carrier_photo (
    carrier_id   uuid NOT NULL REFERENCES ad_carrier (id) ON DELETE CASCADE,
    n            smallint NOT NULL CHECK (n BETWEEN 1 AND 5),
    content_type text NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png', 'image/webp')),
    sha256       text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    bytes        bytea NOT NULL,
    size_bytes   integer GENERATED ALWAYS AS (octet_length(bytes)) STORED,
    received_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (carrier_id, n)
);
ALTER TABLE ad_carrier_photo ALTER COLUMN bytes SET STORAGE EXTERNAL;

-- Inspection notes are bounded like comments; the received position's
-- accuracy is a distance.
ALTER TABLE inspection
    ADD CONSTRAINT inspection_notes_length CHECK (length(notes) <= 5000) NOT VALID,
    ADD CONSTRAINT inspection_accuracy CHECK (accuracy_m IS NULL OR accuracy_m >= 0) NOT VALID;

-- The audit log (012_audit.sql, when present) records the new table too.
DO $$
BEGIN
    IF to_regprocedure('lad_audit_attach(regclass, text[])') IS NOT NULL THEN
        PERFORM lad_audit_attach('ad_carrier_photo');
    END IF;
END $$;
