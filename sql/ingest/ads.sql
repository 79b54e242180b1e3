-- Advertising records: landscape resolutions with zones and rules,
-- carriers (with their owners kept apart), inspections (idempotent by their
-- client-made UUID), enforcement cases and penalties.

-- name: resolution
-- $1 terc, $2 title, $3 resolution_no, $4 adopted_on, $5 valid_from,
-- $6 transition_until, $7 doc_url, $8 batch. Returns the id.
INSERT INTO landscape_resolution AS r (terc, title, resolution_no, adopted_on, valid_from, transition_until, doc_url, batch_id)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
ON CONFLICT (terc, resolution_no) DO UPDATE
    SET title = EXCLUDED.title, adopted_on = EXCLUDED.adopted_on, valid_from = EXCLUDED.valid_from,
        transition_until = EXCLUDED.transition_until, doc_url = EXCLUDED.doc_url
RETURNING id

-- name: zones
-- $1 resolution, $2 terc, $3 batch. Returns inserted, updated.
WITH up AS (
    INSERT INTO landscape_zone AS z (resolution_id, terc, code, name, description, geom, batch_id)
    SELECT $1, $2, key, attrs->>'name', coalesce(attrs->>'description', ''), ST_Multi(geom), $3
    FROM stage WHERE ok
    ON CONFLICT (resolution_id, code) DO UPDATE
        SET name = EXCLUDED.name, description = EXCLUDED.description, geom = EXCLUDED.geom, batch_id = EXCLUDED.batch_id
        WHERE (z.name, z.description, z.geom) IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.description, EXCLUDED.geom)
    RETURNING (xmax = 0) AS inserted
)
SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM up

-- name: rules
-- $1 resolution: the rules of each staged zone replace the zone's rules.
WITH src AS (
    SELECT z.id AS zone_id, r->>'code' AS code, r->>'rule' AS rule, r->>'carrier_kind' AS carrier_kind,
           (r->>'value')::double precision AS value, r->>'text_pl' AS text_pl
    FROM stage s JOIN landscape_zone z ON z.resolution_id = $1 AND z.code = s.key,
         jsonb_array_elements(coalesce(s.attrs->'rules', '[]')) r
    WHERE s.ok
), del AS (
    DELETE FROM landscape_rule lr USING landscape_zone z, stage s
    WHERE lr.zone_id = z.id AND z.resolution_id = $1 AND z.code = s.key AND s.ok
      AND NOT EXISTS (SELECT 1 FROM src WHERE src.zone_id = lr.zone_id AND src.code = lr.code)
)
INSERT INTO landscape_rule AS lr (zone_id, code, rule, carrier_kind, value, text_pl)
SELECT zone_id, code, rule, carrier_kind, value, text_pl FROM src
ON CONFLICT (zone_id, code) DO UPDATE
    SET rule = EXCLUDED.rule, carrier_kind = EXCLUDED.carrier_kind, value = EXCLUDED.value, text_pl = EXCLUDED.text_pl
    WHERE (lr.rule, lr.carrier_kind, lr.value, lr.text_pl) IS DISTINCT FROM
          (EXCLUDED.rule, EXCLUDED.carrier_kind, EXCLUDED.value, EXCLUDED.text_pl)

-- name: carriers
-- $1 batch. Returns inserted, updated.
WITH up AS (
    INSERT INTO ad_carrier AS c (terc, inventory_no, kind, width_m, height_m, area_m2, illuminated, double_sided,
                                 status, installed_on, removed_on, address, geom, batch_id)
    SELECT attrs->>'terc', key, attrs->>'kind', (attrs->>'width_m')::float8, (attrs->>'height_m')::float8,
           (attrs->>'area_m2')::float8, (attrs->>'illuminated')::boolean, (attrs->>'double_sided')::boolean,
           attrs->>'status', (attrs->>'installed_on')::date, (attrs->>'removed_on')::date,
           coalesce(attrs->>'address', ''), geom, $1
    FROM stage WHERE ok
    ON CONFLICT (terc, inventory_no) DO UPDATE
        SET kind = EXCLUDED.kind, width_m = EXCLUDED.width_m, height_m = EXCLUDED.height_m, area_m2 = EXCLUDED.area_m2,
            illuminated = EXCLUDED.illuminated, double_sided = EXCLUDED.double_sided, status = EXCLUDED.status,
            installed_on = EXCLUDED.installed_on, removed_on = EXCLUDED.removed_on, address = EXCLUDED.address,
            geom = EXCLUDED.geom, batch_id = EXCLUDED.batch_id, updated_at = now()
        WHERE (c.kind, c.width_m, c.height_m, c.area_m2, c.illuminated, c.double_sided, c.status, c.installed_on,
               c.removed_on, c.address, c.geom)
              IS DISTINCT FROM (EXCLUDED.kind, EXCLUDED.width_m, EXCLUDED.height_m, EXCLUDED.area_m2,
               EXCLUDED.illuminated, EXCLUDED.double_sided, EXCLUDED.status, EXCLUDED.installed_on,
               EXCLUDED.removed_on, EXCLUDED.address, EXCLUDED.geom)
    RETURNING (xmax = 0) AS inserted
)
SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM up

-- name: carrier_owners
INSERT INTO ad_carrier_private (carrier_id, owner_name)
SELECT c.id, s.attrs->>'owner_name'
FROM stage s JOIN ad_carrier c ON c.terc = s.attrs->>'terc' AND c.inventory_no = s.key
WHERE s.ok AND coalesce(s.attrs->>'owner_name', '') <> ''
ON CONFLICT (carrier_id) DO UPDATE SET owner_name = EXCLUDED.owner_name
    WHERE ad_carrier_private.owner_name IS DISTINCT FROM EXCLUDED.owner_name

-- name: unknown_carriers
SELECT line, fid, 'inventory_no', 'no carrier ' || (attrs->>'inventory_no') || ' in the inventory of ' || (attrs->>'terc'), 'error'
FROM stage s WHERE ok AND NOT EXISTS (
    SELECT 1 FROM ad_carrier c WHERE c.inventory_no = s.attrs->>'inventory_no' AND (c.terc = s.attrs->>'terc' OR coalesce(s.attrs->>'terc', '') = ''))
ORDER BY line

-- name: drop_unknown_carriers
UPDATE stage s SET ok = false WHERE ok AND NOT EXISTS (
    SELECT 1 FROM ad_carrier c WHERE c.inventory_no = s.attrs->>'inventory_no' AND (c.terc = s.attrs->>'terc' OR coalesce(s.attrs->>'terc', '') = ''))

-- name: inspections
-- $1 batch. An inspection's UUID is its identity: the same one twice is
-- stored once. Returns inserted.
WITH ins AS (
    INSERT INTO inspection (id, carrier_id, terc, inspector, inspected_at, result, violated_rules, notes, accuracy_m, geom, batch_id)
    SELECT s.key::uuid, c.id, c.terc, s.attrs->>'inspector', (s.attrs->>'inspected_at')::timestamptz, s.attrs->>'result',
           ARRAY(SELECT jsonb_array_elements_text(s.attrs->'violated_rules')), coalesce(s.attrs->>'notes', ''),
           (s.attrs->>'accuracy_m')::float8, s.geom, $1
    FROM stage s JOIN ad_carrier c ON c.inventory_no = s.attrs->>'inventory_no' AND (c.terc = s.attrs->>'terc' OR coalesce(s.attrs->>'terc', '') = '')
    WHERE s.ok
    ON CONFLICT (id) DO NOTHING
    RETURNING 1
)
SELECT count(*) FROM ins

-- name: enforcement
-- $1 terc. Returns inserted, updated.
WITH up AS (
    INSERT INTO enforcement_case AS e (carrier_id, terc, case_no, found_on, called_on, proceedings_on, decision_on,
                                       removed_on, violated_rules, notes)
    SELECT c.id, $1, s.key, (s.attrs->>'found_on')::date, (s.attrs->>'called_on')::date,
           (s.attrs->>'proceedings_on')::date, (s.attrs->>'decision_on')::date, (s.attrs->>'removed_on')::date,
           ARRAY(SELECT jsonb_array_elements_text(s.attrs->'violated_rules')), coalesce(s.attrs->>'notes', '')
    FROM stage s JOIN ad_carrier c ON c.terc = $1 AND c.inventory_no = s.attrs->>'inventory_no'
    WHERE s.ok
    ON CONFLICT (terc, case_no) DO UPDATE
        SET carrier_id = EXCLUDED.carrier_id, found_on = EXCLUDED.found_on, called_on = EXCLUDED.called_on,
            proceedings_on = EXCLUDED.proceedings_on, decision_on = EXCLUDED.decision_on,
            removed_on = EXCLUDED.removed_on, violated_rules = EXCLUDED.violated_rules, notes = EXCLUDED.notes,
            updated_at = now()
        WHERE (e.carrier_id, e.found_on, e.called_on, e.proceedings_on, e.decision_on, e.removed_on, e.violated_rules, e.notes)
              IS DISTINCT FROM (EXCLUDED.carrier_id, EXCLUDED.found_on, EXCLUDED.called_on, EXCLUDED.proceedings_on,
               EXCLUDED.decision_on, EXCLUDED.removed_on, EXCLUDED.violated_rules, EXCLUDED.notes)
    RETURNING (xmax = 0) AS inserted
)
SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM up

-- name: unknown_cases
SELECT line, fid, 'case_no', 'no enforcement case ' || key || ' in ' || $1, 'error'
FROM stage s WHERE ok AND NOT EXISTS (SELECT 1 FROM enforcement_case e WHERE e.terc = $1 AND e.case_no = s.key)
ORDER BY line

-- name: drop_unknown_cases
UPDATE stage s SET ok = false
WHERE ok AND NOT EXISTS (SELECT 1 FROM enforcement_case e WHERE e.terc = $1 AND e.case_no = s.key)

-- name: penalties
-- $1 terc. A penalty is identified by its case and decision date.
WITH ins AS (
    INSERT INTO penalty (case_id, decided_on, daily_pln, days, amount_pln, paid_pln)
    SELECT e.id, (s.attrs->>'decided_on')::date, (s.attrs->>'daily_pln')::numeric, (s.attrs->>'days')::numeric::integer,
           (s.attrs->>'amount_pln')::numeric, coalesce((s.attrs->>'paid_pln')::numeric, 0)
    FROM stage s JOIN enforcement_case e ON e.terc = $1 AND e.case_no = s.key
    WHERE s.ok AND NOT EXISTS (SELECT 1 FROM penalty p WHERE p.case_id = e.id AND p.decided_on = (s.attrs->>'decided_on')::date)
    RETURNING 1
)
SELECT count(*) FROM ins
