-- ład domain schema, version 1.
-- Every geometry is stored in EPSG:2180 (PL-1992, metres) in `geom`, valid
-- and GIST-indexed; layers that are served as tiles also keep a generated
-- EPSG:3857 copy in `geom_3857` (indexed) so that no request transforms a
-- whole table. Every table a municipality owns carries its TERC code (`terc`,
-- 7 characters with the unit-type digit) so one server can host several
-- municipalities.

CREATE EXTENSION IF NOT EXISTS postgis;
CREATE EXTENSION IF NOT EXISTS pgcrypto;

-- A valid, non-empty geometry: the check every spatial table uses. The
-- PostGIS functions are schema-qualified so that pg_restore (which runs with
-- an empty search_path) can check the constraint.
CREATE FUNCTION lad_valid_geom(g geometry) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$$ SELECT g IS NULL OR (public.ST_IsValid(g) AND NOT public.ST_IsEmpty(g)) $$;

CREATE DOMAIN terc AS text CHECK (VALUE ~ '^[0-9]{7}$');

------------------------------------------------------------------------------
-- Ingest batches: every record says which batch brought it.
------------------------------------------------------------------------------
CREATE TABLE ingest_batch (
    id            bigserial PRIMARY KEY,
    kind          text NOT NULL,             -- plan, parcels, permits, ads, districts…
    format        text NOT NULL DEFAULT '',  -- app-gml, geojson, rwdz-csv…
    source_name   text NOT NULL,
    sha256        text NOT NULL,
    terc          terc,
    created_by    text NOT NULL DEFAULT 'system',
    started_at    timestamptz NOT NULL DEFAULT now(),
    finished_at   timestamptz,
    status        text NOT NULL DEFAULT 'running'
                  CHECK (status IN ('running', 'committed', 'unchanged', 'failed', 'dry-run')),
    records_read     integer NOT NULL DEFAULT 0,
    records_inserted integer NOT NULL DEFAULT 0,
    records_updated  integer NOT NULL DEFAULT 0,
    records_unchanged integer NOT NULL DEFAULT 0,
    records_rejected integer NOT NULL DEFAULT 0,
    duration_ms   integer,
    message       text NOT NULL DEFAULT ''
);
CREATE INDEX ingest_batch_sha ON ingest_batch (kind, sha256);

CREATE TABLE ingest_rejection (
    id          bigserial PRIMARY KEY,
    batch_id    bigint NOT NULL REFERENCES ingest_batch (id) ON DELETE CASCADE,
    source_name text NOT NULL,
    line        integer,           -- CSV line (1-based, header is line 1)
    feature_id  text,              -- GML id, GeoJSON id or register number
    field       text,
    reason      text NOT NULL,
    raw         text
);
CREATE INDEX ingest_rejection_batch ON ingest_rejection (batch_id);

------------------------------------------------------------------------------
-- Administrative units.
------------------------------------------------------------------------------
CREATE TABLE municipality (
    terc      terc PRIMARY KEY,
    name      text NOT NULL,
    county    text NOT NULL DEFAULT '',
    voivodeship text NOT NULL DEFAULT '',
    geom      geometry(MultiPolygon, 2180) CHECK (lad_valid_geom(geom)),
    geom_3857 geometry(MultiPolygon, 3857) GENERATED ALWAYS AS (ST_Transform(geom, 3857)) STORED,
    batch_id  bigint REFERENCES ingest_batch (id)
);
CREATE INDEX municipality_geom ON municipality USING gist (geom);
CREATE INDEX municipality_geom_3857 ON municipality USING gist (geom_3857);

CREATE TABLE district (
    id         bigserial PRIMARY KEY,
    terc       terc NOT NULL REFERENCES municipality (terc),
    kind       text NOT NULL DEFAULT 'osiedle',   -- osiedle, dzielnica, obręb, rejon
    code       text NOT NULL DEFAULT '',
    name       text NOT NULL,
    population integer,
    geom       geometry(MultiPolygon, 2180) NOT NULL CHECK (lad_valid_geom(geom)),
    geom_3857  geometry(MultiPolygon, 3857) GENERATED ALWAYS AS (ST_Transform(geom, 3857)) STORED,
    batch_id   bigint REFERENCES ingest_batch (id),
    UNIQUE (terc, kind, name)
);
CREATE INDEX district_geom ON district USING gist (geom);
CREATE INDEX district_geom_3857 ON district USING gist (geom_3857);

------------------------------------------------------------------------------
-- Cadastral parcels, identified by TERYT id WWPPGG_R.OOOO.NUMBER.
------------------------------------------------------------------------------
CREATE TABLE parcel (
    id        bigserial PRIMARY KEY,
    teryt     text NOT NULL UNIQUE CHECK (teryt ~ '^[0-9]{6}_[0-9](\.[0-9A-Za-z]{4})?\.[^ ]+$'),
    terc      terc NOT NULL,
    obreb     text NOT NULL,           -- 4-digit cadastral district
    number    text NOT NULL,           -- parcel number, e.g. 123/4
    area_m2   double precision GENERATED ALWAYS AS (ST_Area(geom)) STORED,
    geom      geometry(MultiPolygon, 2180) NOT NULL CHECK (lad_valid_geom(geom)),
    geom_3857 geometry(MultiPolygon, 3857) GENERATED ALWAYS AS (ST_Transform(geom, 3857)) STORED,
    batch_id  bigint REFERENCES ingest_batch (id),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX parcel_geom ON parcel USING gist (geom);
CREATE INDEX parcel_geom_3857 ON parcel USING gist (geom_3857);
CREATE INDEX parcel_terc ON parcel (terc);

------------------------------------------------------------------------------
-- Planning acts: MPZP, studium, POG (plan ogólny). One row per version of an
-- act (przestrzenNazw + lokalnyId + wersjaId); a newer version supersedes the
-- older one, which stays for history.
------------------------------------------------------------------------------
CREATE TABLE plan (
    id            bigserial PRIMARY KEY,
    terc          terc NOT NULL,
    kind          text NOT NULL CHECK (kind IN ('mpzp', 'studium', 'pog', 'other')),
    namespace     text NOT NULL DEFAULT '',  -- przestrzenNazw, e.g. PL.ZIPPZP.2401/026401-MPZP
    local_id      text NOT NULL,             -- lokalnyId
    version_id    text NOT NULL DEFAULT '',  -- wersjaId
    title         text NOT NULL,
    resolution_no text NOT NULL DEFAULT '',  -- nr uchwały, e.g. XLV/1234/17
    status        text NOT NULL DEFAULT 'in_force'
                  CHECK (status IN ('in_preparation', 'draft', 'in_force', 'partly_repealed', 'repealed', 'expired')),
    adopted_on    date,
    valid_from    date,
    valid_to      date,
    doc_url       text NOT NULL DEFAULT '',
    geom          geometry(MultiPolygon, 2180) NOT NULL CHECK (lad_valid_geom(geom)),
    geom_3857     geometry(MultiPolygon, 3857) GENERATED ALWAYS AS (ST_Transform(geom, 3857)) STORED,
    superseded_by bigint REFERENCES plan (id),
    batch_id      bigint REFERENCES ingest_batch (id),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (namespace, local_id, version_id)
);
CREATE INDEX plan_geom ON plan USING gist (geom);
CREATE INDEX plan_geom_3857 ON plan USING gist (geom_3857);
CREATE INDEX plan_terc_kind ON plan (terc, kind);

-- Drawings and formal documents of an act: kept as metadata and links.
CREATE TABLE plan_document (
    id        bigserial PRIMARY KEY,
    plan_id   bigint NOT NULL REFERENCES plan (id) ON DELETE CASCADE,
    kind      text NOT NULL,       -- rysunek, uchwala, uzasadnienie, dokument formalny…
    local_id  text NOT NULL DEFAULT '',
    title     text NOT NULL DEFAULT '',
    url       text NOT NULL DEFAULT '',
    issued_on date
);
CREATE INDEX plan_document_plan ON plan_document (plan_id);

-- Areas inside an act: MPZP designations (tereny), POG planning zones
-- (strefy planistyczne), OUZ (obszar uzupełnienia zabudowy), downtown
-- areas and other POG areas.
CREATE TABLE plan_zone (
    id            bigserial PRIMARY KEY,
    plan_id       bigint NOT NULL REFERENCES plan (id) ON DELETE CASCADE,
    terc          terc NOT NULL,
    kind          text NOT NULL CHECK (kind IN ('designation', 'pog_zone', 'ouz', 'downtown', 'other')),
    local_id      text NOT NULL DEFAULT '',
    version_id    text NOT NULL DEFAULT '',
    designation   text NOT NULL DEFAULT '',  -- oznaczenie, e.g. 12MN/U
    symbol        text NOT NULL DEFAULT '',  -- MN/U, SW, KDL…
    name          text NOT NULL DEFAULT '',
    profiles      text[] NOT NULL DEFAULT '{}',
    max_height_m        numeric(6,2),
    intensity_min       numeric(5,2),
    intensity_max       numeric(5,2),
    max_coverage_pct    numeric(5,2),
    min_bio_pct         numeric(5,2),
    rules         text NOT NULL DEFAULT '',  -- plain-language summary
    geom          geometry(MultiPolygon, 2180) NOT NULL CHECK (lad_valid_geom(geom)),
    geom_3857     geometry(MultiPolygon, 3857) GENERATED ALWAYS AS (ST_Transform(geom, 3857)) STORED,
    batch_id      bigint REFERENCES ingest_batch (id),
    updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX plan_zone_geom ON plan_zone USING gist (geom);
CREATE INDEX plan_zone_geom_3857 ON plan_zone USING gist (geom_3857);
CREATE INDEX plan_zone_plan ON plan_zone (plan_id);

-- Meaning of plan symbols (MPZP and POG), used in reports and legends.
CREATE TABLE plan_symbol (
    symbol  text PRIMARY KEY,
    family  text NOT NULL CHECK (family IN ('mpzp', 'pog')),
    name_pl text NOT NULL,
    name_en text NOT NULL,
    color   text NOT NULL
);

------------------------------------------------------------------------------
-- Building permits, notifications and zoning decisions.
------------------------------------------------------------------------------
-- Building categories from the annex to the Construction Law (Prawo
-- budowlane), filled by a later migration from the official list.
CREATE TABLE building_category (
    code    text PRIMARY KEY CHECK (code ~ '^[IVXL]+$'),
    ord     integer NOT NULL UNIQUE,
    name_pl text NOT NULL,
    name_en text NOT NULL DEFAULT ''
);

CREATE TABLE permit (
    id            bigserial PRIMARY KEY,
    terc          terc NOT NULL,
    kind          text NOT NULL CHECK (kind IN ('permit', 'notification', 'zoning_decision', 'demolition', 'other')),
    register      text NOT NULL,             -- rwdz, wroclaw, wz…
    register_id   text NOT NULL,             -- number in its register
    application_no text NOT NULL DEFAULT '',
    decision_no   text NOT NULL DEFAULT '',
    authority     text NOT NULL DEFAULT '',
    applied_on    date,
    decided_on    date,
    decision      text NOT NULL DEFAULT '',  -- issued, refused, objection, no objection…
    category      text REFERENCES building_category (code),
    works         text NOT NULL DEFAULT '',  -- new, extension, conversion…
    building_class text NOT NULL DEFAULT '', -- free-text class from the register
    description   text NOT NULL DEFAULT '',
    address       text NOT NULL DEFAULT '',
    volume_m3     double precision,          -- building volume, where known
    floor_area_m2 double precision,          -- gross floor area, where known
    location_source text NOT NULL DEFAULT 'none'
                  CHECK (location_source IN ('coordinates', 'parcel', 'none')),
    location_note text NOT NULL DEFAULT '',  -- why it is not located
    geom          geometry(Point, 2180) CHECK (lad_valid_geom(geom)),
    geom_3857     geometry(Point, 3857) GENERATED ALWAYS AS (ST_Transform(geom, 3857)) STORED,
    batch_id      bigint REFERENCES ingest_batch (id),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (register, register_id)
);
CREATE INDEX permit_geom ON permit USING gist (geom);
CREATE INDEX permit_geom_3857 ON permit USING gist (geom_3857);
CREATE INDEX permit_decided ON permit (terc, decided_on);

-- Personal data of a case (investor names): never in public output.
CREATE TABLE permit_private (
    permit_id     bigint PRIMARY KEY REFERENCES permit (id) ON DELETE CASCADE,
    investor_name text NOT NULL DEFAULT ''
);

-- One row per case × parcel, as the register publishes it; parcel_id is set
-- when a parcel with that TERYT id is known (now or later).
CREATE TABLE permit_parcel (
    permit_id    bigint NOT NULL REFERENCES permit (id) ON DELETE CASCADE,
    parcel_teryt text NOT NULL,
    parcel_id    bigint REFERENCES parcel (id) ON DELETE SET NULL,
    PRIMARY KEY (permit_id, parcel_teryt)
);
CREATE INDEX permit_parcel_teryt ON permit_parcel (parcel_teryt);

------------------------------------------------------------------------------
-- Outdoor advertising: landscape resolutions (uchwała krajobrazowa), zones
-- with rules, carriers, inspections, proceedings and penalties.
------------------------------------------------------------------------------
CREATE TABLE landscape_resolution (
    id               bigserial PRIMARY KEY,
    terc             terc NOT NULL,
    title            text NOT NULL,
    resolution_no    text NOT NULL DEFAULT '',
    adopted_on       date,
    valid_from       date,
    transition_until date,       -- existing carriers must comply by this date
    doc_url          text NOT NULL DEFAULT '',
    batch_id         bigint REFERENCES ingest_batch (id),
    UNIQUE (terc, resolution_no)
);

CREATE TABLE landscape_zone (
    id            bigserial PRIMARY KEY,
    resolution_id bigint NOT NULL REFERENCES landscape_resolution (id) ON DELETE CASCADE,
    terc          terc NOT NULL,
    code          text NOT NULL,       -- e.g. A, B, C
    name          text NOT NULL,
    description   text NOT NULL DEFAULT '',
    geom          geometry(MultiPolygon, 2180) NOT NULL CHECK (lad_valid_geom(geom)),
    geom_3857     geometry(MultiPolygon, 3857) GENERATED ALWAYS AS (ST_Transform(geom, 3857)) STORED,
    batch_id      bigint REFERENCES ingest_batch (id),
    UNIQUE (resolution_id, code)
);
CREATE INDEX landscape_zone_geom ON landscape_zone USING gist (geom);
CREATE INDEX landscape_zone_geom_3857 ON landscape_zone USING gist (geom_3857);

-- One rule of a zone. rule: ban_all (no carriers), ban_kind (carrier kind
-- not allowed), max_area (m², per carrier of a kind or any), no_illumination,
-- min_spacing (m between carriers).
CREATE TABLE landscape_rule (
    id           bigserial PRIMARY KEY,
    zone_id      bigint NOT NULL REFERENCES landscape_zone (id) ON DELETE CASCADE,
    code         text NOT NULL,        -- short id shown to inspectors, e.g. A-2
    rule         text NOT NULL CHECK (rule IN ('ban_all', 'ban_kind', 'max_area', 'no_illumination', 'min_spacing')),
    carrier_kind text,                 -- NULL: every kind
    value        double precision,     -- m² or m, as the rule says
    text_pl      text NOT NULL,
    UNIQUE (zone_id, code)
);

CREATE TABLE ad_carrier (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    terc         terc NOT NULL,
    inventory_no text NOT NULL,
    kind         text NOT NULL CHECK (kind IN ('billboard', 'board', 'citylight', 'pylon', 'banner', 'mural', 'led_screen', 'sign', 'other')),
    width_m      double precision,
    height_m     double precision,
    area_m2      double precision,     -- advertising area, used in penalties
    illuminated  boolean NOT NULL DEFAULT false,
    double_sided boolean NOT NULL DEFAULT false,
    status       text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'removed', 'unknown')),
    installed_on date,
    removed_on   date,
    address      text NOT NULL DEFAULT '',
    geom         geometry(Point, 2180) NOT NULL CHECK (lad_valid_geom(geom)),
    geom_3857    geometry(Point, 3857) GENERATED ALWAYS AS (ST_Transform(geom, 3857)) STORED,
    batch_id     bigint REFERENCES ingest_batch (id),
    created_by   text NOT NULL DEFAULT 'system',
    updated_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (terc, inventory_no)
);
CREATE INDEX ad_carrier_geom ON ad_carrier USING gist (geom);
CREATE INDEX ad_carrier_geom_3857 ON ad_carrier USING gist (geom_3857);

-- Owner of a carrier: may be a private person, so kept apart.
CREATE TABLE ad_carrier_private (
    carrier_id uuid PRIMARY KEY REFERENCES ad_carrier (id) ON DELETE CASCADE,
    owner_name text NOT NULL DEFAULT '',
    owner_address text NOT NULL DEFAULT ''
);

-- An inspection; its id is generated by the client (phone) so that a record
-- sent twice is stored once.
CREATE TABLE inspection (
    id           uuid PRIMARY KEY,
    carrier_id   uuid NOT NULL REFERENCES ad_carrier (id),
    terc         terc NOT NULL,
    inspector    text NOT NULL,
    inspected_at timestamptz NOT NULL,
    result       text NOT NULL CHECK (result IN ('compliant', 'violation', 'removed', 'not_found')),
    violated_rules text[] NOT NULL DEFAULT '{}',  -- landscape_rule codes
    notes        text NOT NULL DEFAULT '',
    accuracy_m   double precision,
    geom         geometry(Point, 2180) CHECK (lad_valid_geom(geom)),
    geom_3857    geometry(Point, 3857) GENERATED ALWAYS AS (ST_Transform(geom, 3857)) STORED,
    received_at  timestamptz NOT NULL DEFAULT now(),
    batch_id     bigint REFERENCES ingest_batch (id)
);
CREATE INDEX inspection_carrier ON inspection (carrier_id, inspected_at);
CREATE INDEX inspection_geom_3857 ON inspection USING gist (geom_3857);

CREATE TABLE inspection_photo (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    inspection_id uuid NOT NULL REFERENCES inspection (id) ON DELETE CASCADE,
    content_type  text NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png', 'image/webp')),
    sha256        text NOT NULL,
    bytes         bytea NOT NULL,
    taken_at      timestamptz,
    UNIQUE (inspection_id, sha256)
);

-- Enforcement: found → called (wezwanie) → proceedings (postępowanie) →
-- decision (kara, art. 37d) → removed.
CREATE TABLE enforcement_case (
    id                bigserial PRIMARY KEY,
    carrier_id        uuid NOT NULL REFERENCES ad_carrier (id),
    terc              terc NOT NULL,
    case_no           text NOT NULL,
    found_on          date NOT NULL,
    called_on         date,
    proceedings_on    date,
    decision_on       date,
    removed_on        date,
    violated_rules    text[] NOT NULL DEFAULT '{}',
    notes             text NOT NULL DEFAULT '',
    updated_at        timestamptz NOT NULL DEFAULT now(),
    UNIQUE (terc, case_no)
);
CREATE INDEX enforcement_case_carrier ON enforcement_case (carrier_id);

CREATE TABLE penalty (
    id           bigserial PRIMARY KEY,
    case_id      bigint NOT NULL REFERENCES enforcement_case (id) ON DELETE CASCADE,
    decided_on   date NOT NULL,
    daily_pln    numeric(12,2) NOT NULL,
    days         integer,
    amount_pln   numeric(14,2),
    paid_pln     numeric(14,2) NOT NULL DEFAULT 0
);

-- The municipality's advertising-fee rates (opłata reklamowa), which the
-- art. 37d penalty multiplies by 40: fixed part + variable part × area.
CREATE TABLE ad_fee_rate (
    terc        terc NOT NULL,
    valid_from  date NOT NULL,
    fixed_pln   numeric(8,2) NOT NULL,
    per_m2_pln  numeric(8,2) NOT NULL,
    PRIMARY KEY (terc, valid_from)
);

------------------------------------------------------------------------------
-- Public consultation of draft plans and residents' comments (uwagi).
------------------------------------------------------------------------------
CREATE TABLE consultation (
    id          bigserial PRIMARY KEY,
    terc        terc NOT NULL,
    plan_id     bigint REFERENCES plan (id),       -- the draft consulted
    title       text NOT NULL,
    description text NOT NULL DEFAULT '',
    opens_on    date NOT NULL,
    closes_on   date NOT NULL,
    report_published_on date,
    geom        geometry(MultiPolygon, 2180) NOT NULL CHECK (lad_valid_geom(geom)),
    geom_3857   geometry(MultiPolygon, 3857) GENERATED ALWAYS AS (ST_Transform(geom, 3857)) STORED,
    CHECK (closes_on >= opens_on)
);
CREATE INDEX consultation_geom_3857 ON consultation USING gist (geom_3857);
CREATE INDEX consultation_geom ON consultation USING gist (geom);

-- The public part of a comment.
CREATE TABLE consultation_comment (
    id              bigserial PRIMARY KEY,
    consultation_id bigint NOT NULL REFERENCES consultation (id) ON DELETE CASCADE,
    receipt_no      text NOT NULL UNIQUE,
    zone_id         bigint REFERENCES plan_zone (id),
    body            text NOT NULL CHECK (length(body) BETWEEN 1 AND 20000),
    owner_in_area   boolean NOT NULL DEFAULT false,
    submitted_at    timestamptz NOT NULL DEFAULT now(),
    answer          text CHECK (answer IN ('accepted', 'partly', 'rejected')),
    answer_reason   text NOT NULL DEFAULT '',
    answered_by     text,
    answered_at     timestamptz,
    geom            geometry(Geometry, 2180) CHECK (lad_valid_geom(geom)),
    geom_3857       geometry(Geometry, 3857) GENERATED ALWAYS AS (ST_Transform(geom, 3857)) STORED
);
CREATE INDEX consultation_comment_geom_3857 ON consultation_comment USING gist (geom_3857);

-- The author's personal data (RODO): required, never published.
CREATE TABLE consultation_comment_author (
    comment_id bigint PRIMARY KEY REFERENCES consultation_comment (id) ON DELETE CASCADE,
    full_name  text NOT NULL,
    address    text NOT NULL,
    email      text NOT NULL DEFAULT ''
);

------------------------------------------------------------------------------
-- Accounts. Residents are anonymous; staff have roles scoped to municipalities.
------------------------------------------------------------------------------
CREATE TABLE app_user (
    id            bigserial PRIMARY KEY,
    login         text NOT NULL UNIQUE CHECK (login ~ '^[a-z0-9._-]{2,64}$'),
    display_name  text NOT NULL DEFAULT '',
    role          text NOT NULL CHECK (role IN ('admin', 'planner', 'inspector')),
    tercs         text[] NOT NULL DEFAULT '{}',  -- municipalities the user works for; empty for admins means all
    password_hash text NOT NULL,
    disabled      boolean NOT NULL DEFAULT false,
    created_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE api_token (
    id          bigserial PRIMARY KEY,
    user_id     bigint NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,
    name        text NOT NULL,
    token_hash  text NOT NULL UNIQUE,     -- SHA-256 of the token; the token itself is shown once
    created_at  timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    revoked_at  timestamptz
);

CREATE TABLE user_session (
    id_hash    text PRIMARY KEY,          -- SHA-256 of the cookie value
    user_id    bigint NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,
    csrf_token text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL
);

------------------------------------------------------------------------------
-- Audit log: append-only. Nobody, the server's own role included, may change
-- or delete its rows: a trigger refuses it.
------------------------------------------------------------------------------
CREATE TABLE audit_log (
    id         bigserial PRIMARY KEY,
    at         timestamptz NOT NULL DEFAULT now(),
    actor      text NOT NULL,
    action     text NOT NULL,          -- insert, update, delete, login…
    table_name text NOT NULL DEFAULT '',
    row_id     text NOT NULL DEFAULT '',
    before     jsonb,
    after      jsonb
);
CREATE INDEX audit_log_at ON audit_log (at);

CREATE FUNCTION audit_log_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP;
END $$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_immutable();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_immutable();
