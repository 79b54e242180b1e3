-- Publication: the views the layer catalogue publishes (public columns
-- only: no personal data ever enters them), and change notifications that
-- keep tile caches exact.

CREATE VIEW plan_current AS
SELECT p.id, p.terc, p.kind, p.local_id, p.title, p.resolution_no, p.status, p.adopted_on, p.valid_from, p.valid_to,
       p.doc_url, p.geom, p.geom_3857
FROM plan p WHERE p.superseded_by IS NULL;

CREATE VIEW designation_current AS
SELECT z.id, z.terc, z.plan_id, z.designation, z.symbol, coalesce(s.name_pl, '') AS symbol_name, z.name,
       z.max_height_m::float8 AS max_height_m, z.intensity_min::float8 AS intensity_min,
       z.intensity_max::float8 AS intensity_max, z.max_coverage_pct::float8 AS max_coverage_pct,
       z.min_bio_pct::float8 AS min_bio_pct, z.rules, p.title AS plan_title, p.status AS plan_status,
       p.resolution_no, p.adopted_on, z.geom, z.geom_3857
FROM plan_zone z JOIN plan p ON p.id = z.plan_id
LEFT JOIN plan_symbol s ON s.symbol = z.symbol
WHERE z.kind = 'designation' AND p.superseded_by IS NULL;

CREATE VIEW pog_zone_current AS
SELECT z.id, z.terc, z.plan_id, z.designation, z.symbol, coalesce(s.name_pl, '') AS symbol_name, z.name,
       z.max_height_m::float8 AS max_height_m, z.intensity_max::float8 AS intensity_max,
       z.max_coverage_pct::float8 AS max_coverage_pct, z.min_bio_pct::float8 AS min_bio_pct,
       p.title AS plan_title, p.status AS plan_status, p.adopted_on, z.geom, z.geom_3857
FROM plan_zone z JOIN plan p ON p.id = z.plan_id
LEFT JOIN plan_symbol s ON s.symbol = z.symbol
WHERE z.kind = 'pog_zone' AND p.superseded_by IS NULL;

CREATE VIEW ouz_current AS
SELECT z.id, z.terc, z.plan_id, z.designation, z.name, p.title AS plan_title, p.status AS plan_status, z.geom, z.geom_3857
FROM plan_zone z JOIN plan p ON p.id = z.plan_id
WHERE z.kind = 'ouz' AND p.superseded_by IS NULL;

-- Permits without the investor (kept in permit_private).
CREATE VIEW permit_public AS
SELECT id, terc, kind, register, register_id, decision_no, applied_on, decided_on,
       extract(year FROM coalesce(decided_on, applied_on))::int AS year, decision, category, works,
       building_class, description, address, volume_m3, location_source, location_note, geom, geom_3857
FROM permit;

CREATE VIEW landscape_zone_public AS
SELECT z.id, z.terc, z.code, z.name, z.description, r.resolution_no, r.title AS resolution_title,
       r.transition_until,
       (SELECT string_agg(lr.code || ': ' || lr.text_pl, '; ' ORDER BY lr.code) FROM landscape_rule lr WHERE lr.zone_id = z.id) AS rules,
       z.geom, z.geom_3857
FROM landscape_zone z JOIN landscape_resolution r ON r.id = z.resolution_id;

-- Each carrier against the rules of its landscape zone. Spacing counts other
-- active carriers nearer than the rule's distance. A carrier installed
-- before the resolution is in its transition period until transition_until.
CREATE VIEW carrier_compliance AS
SELECT c.id, c.terc, c.inventory_no, c.kind, c.area_m2, c.illuminated, c.status, c.installed_on,
       z.id AS zone_id, z.code AS zone_code,
       CASE WHEN c.status <> 'active' THEN 'removed'
            WHEN z.id IS NULL OR coalesce(cardinality(v.rules), 0) = 0 THEN 'compliant'
            WHEN r.transition_until IS NOT NULL AND current_date <= r.transition_until
                 AND (c.installed_on IS NULL OR c.installed_on < coalesce(r.valid_from, r.adopted_on)) THEN 'transition'
            ELSE 'violation' END AS compliance,
       coalesce(array_to_string(v.rules, ', '), '') AS violated_rules,
       v.rules AS violated_rule_codes,
       li.inspected_at AS last_inspected_at,
       e.stage AS enforcement_stage,
       c.geom, c.geom_3857
FROM ad_carrier c
LEFT JOIN LATERAL (SELECT z.* FROM landscape_zone z WHERE z.terc = c.terc AND ST_Intersects(z.geom, c.geom) ORDER BY z.id LIMIT 1) z ON true
LEFT JOIN landscape_resolution r ON r.id = z.resolution_id
LEFT JOIN LATERAL (
    SELECT array_agg(lr.code ORDER BY lr.code) AS rules FROM landscape_rule lr
    WHERE lr.zone_id = z.id AND (
          lr.rule = 'ban_all'
       OR (lr.rule = 'ban_kind' AND lr.carrier_kind = c.kind)
       OR (lr.rule = 'max_area' AND (lr.carrier_kind IS NULL OR lr.carrier_kind = c.kind) AND c.area_m2 > lr.value)
       OR (lr.rule = 'no_illumination' AND c.illuminated AND (lr.carrier_kind IS NULL OR lr.carrier_kind = c.kind))
       OR (lr.rule = 'min_spacing' AND EXISTS (
              SELECT 1 FROM ad_carrier o WHERE o.id <> c.id AND o.status = 'active' AND o.terc = c.terc
                AND ST_DWithin(o.geom, c.geom, lr.value))))
) v ON true
LEFT JOIN LATERAL (SELECT max(i.inspected_at) AS inspected_at FROM inspection i WHERE i.carrier_id = c.id) li ON true
LEFT JOIN LATERAL (
    SELECT CASE WHEN ec.removed_on IS NOT NULL THEN 'removed' WHEN ec.decision_on IS NOT NULL THEN 'decision'
                WHEN ec.proceedings_on IS NOT NULL THEN 'proceedings' WHEN ec.called_on IS NOT NULL THEN 'called'
                ELSE 'found' END AS stage
    FROM enforcement_case ec WHERE ec.carrier_id = c.id ORDER BY ec.found_on DESC LIMIT 1
) e ON true;

CREATE VIEW inspection_public AS
SELECT i.id, i.terc, c.inventory_no, i.inspector, i.inspected_at, i.result,
       array_to_string(i.violated_rules, ', ') AS violated_rules, i.notes,
       coalesce(i.geom, c.geom) AS geom, coalesce(i.geom_3857, c.geom_3857) AS geom_3857
FROM inspection i JOIN ad_carrier c ON c.id = i.carrier_id;

CREATE VIEW consultation_public AS
SELECT id, terc, plan_id, title, description, opens_on, closes_on,
       CASE WHEN current_date < opens_on THEN 'planned' WHEN current_date <= closes_on THEN 'open' ELSE 'closed' END AS state,
       report_published_on, geom, geom_3857
FROM consultation;

-- The public part of comments: never the author.
CREATE VIEW comment_public AS
SELECT cc.id, c.terc, cc.consultation_id, cc.receipt_no, cc.zone_id, cc.body, cc.owner_in_area,
       cc.submitted_at::date AS submitted_on, cc.answer, cc.answer_reason,
       coalesce(cc.geom, z.geom) AS geom, coalesce(cc.geom_3857, z.geom_3857) AS geom_3857
FROM consultation_comment cc JOIN consultation c ON c.id = cc.consultation_id
LEFT JOIN plan_zone z ON z.id = cc.zone_id;

------------------------------------------------------------------------------
-- Change notifications. Every statement that changes a published table
-- sends, on channel lad_changes, the table and the EPSG:3857 extent of the
-- rows it touched (before and after), so that caches drop exactly the tiles
-- in that extent. A null bbox means "anywhere" (tables without geometry).
-- Changes made outside ład (psql, other tools) notify as well.
------------------------------------------------------------------------------
CREATE FUNCTION lad_notify(tbl text, b box2d) RETURNS void LANGUAGE sql AS $$
    SELECT pg_notify('lad_changes', json_build_object('table', tbl, 'bbox',
        CASE WHEN b IS NULL THEN NULL ELSE json_build_array(ST_XMin(b), ST_YMin(b), ST_XMax(b), ST_YMax(b)) END)::text)
$$;

CREATE FUNCTION lad_changed_geom() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    b box2d;
    n bigint;
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT ST_Extent(geom_3857), count(*) INTO b, n FROM new_rows;
    ELSIF TG_OP = 'DELETE' THEN
        SELECT ST_Extent(geom_3857), count(*) INTO b, n FROM old_rows;
    ELSE
        SELECT ST_Extent(g), count(*) INTO b, n FROM (SELECT geom_3857 AS g FROM new_rows UNION ALL SELECT geom_3857 FROM old_rows) x;
    END IF;
    IF n > 0 THEN
        IF b IS NULL THEN
            -- rows without geometry (e.g. a permit not located yet): nothing drawn changed
            RETURN NULL;
        END IF;
        PERFORM lad_notify(TG_TABLE_NAME, b);
    END IF;
    RETURN NULL;
END $$;

-- Rows that belong to a carrier (inspections, enforcement cases) change
-- what is drawn at the carrier.
CREATE FUNCTION lad_changed_carrier() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    b box2d;
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT ST_Extent(c.geom_3857) INTO b FROM ad_carrier c WHERE c.id IN (SELECT carrier_id FROM new_rows);
    ELSIF TG_OP = 'DELETE' THEN
        SELECT ST_Extent(c.geom_3857) INTO b FROM ad_carrier c WHERE c.id IN (SELECT carrier_id FROM old_rows);
    ELSE
        SELECT ST_Extent(c.geom_3857) INTO b FROM ad_carrier c
        WHERE c.id IN (SELECT carrier_id FROM new_rows UNION SELECT carrier_id FROM old_rows);
    END IF;
    IF b IS NOT NULL THEN
        PERFORM lad_notify(TG_TABLE_NAME, b);
    END IF;
    RETURN NULL;
END $$;

-- Tables without geometry of their own: anything drawn from them may change.
CREATE FUNCTION lad_changed_anywhere() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM lad_notify(TG_TABLE_NAME, NULL);
    RETURN NULL;
END $$;

DO $$
DECLARE
    t record;
BEGIN
    FOR t IN SELECT * FROM (VALUES
        ('municipality', 'lad_changed_geom'), ('district', 'lad_changed_geom'), ('parcel', 'lad_changed_geom'),
        ('plan', 'lad_changed_geom'), ('plan_zone', 'lad_changed_geom'), ('permit', 'lad_changed_geom'),
        ('landscape_zone', 'lad_changed_geom'), ('ad_carrier', 'lad_changed_geom'),
        ('consultation', 'lad_changed_geom'), ('consultation_comment', 'lad_changed_geom'),
        ('inspection', 'lad_changed_carrier'), ('enforcement_case', 'lad_changed_carrier')) AS v(tbl, fn)
    LOOP
        EXECUTE format('CREATE TRIGGER %I AFTER INSERT ON %I REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION %I()', t.tbl || '_changed_ins', t.tbl, t.fn);
        EXECUTE format('CREATE TRIGGER %I AFTER UPDATE ON %I REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION %I()', t.tbl || '_changed_upd', t.tbl, t.fn);
        EXECUTE format('CREATE TRIGGER %I AFTER DELETE ON %I REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION %I()', t.tbl || '_changed_del', t.tbl, t.fn);
    END LOOP;
    FOR t IN SELECT * FROM (VALUES ('landscape_rule'), ('landscape_resolution'), ('plan_symbol')) AS v(tbl)
    LOOP
        EXECUTE format('CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON %I FOR EACH STATEMENT EXECUTE FUNCTION lad_changed_anywhere()', t.tbl || '_changed', t.tbl);
    END LOOP;
END $$;
