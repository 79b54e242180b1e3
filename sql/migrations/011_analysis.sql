-- Analyses (issue 6): what the analyses in sql/analysis and the analysis
-- map layers share.
--   * plan_period: when each version of each planning act was in force;
--   * conformity_rule: the planners' matrix from building category to the
--     MPZP symbols and POG zone types that admit it, and permit_conformity,
--     every permit checked against the plans in force on its date;
--   * permit_activity and lad_pressure_cells: building activity on a
--     hexagonal grid with the Getis-Ord Gi* statistic;
--   * lad_data_version: a counter every change to the data the analyses
--     read moves on, so that cached results are recomputed exactly when
--     their data change.

------------------------------------------------------------------------------
-- Data version. Each statement that changes a table the analyses read
-- takes a number from the sequence (statement-level triggers, so a batch
-- of a million rows costs one number). The sequence is not transactional:
-- a change rolled back moves it too, which only costs a recomputation.
------------------------------------------------------------------------------
CREATE SEQUENCE lad_data_version;

CREATE FUNCTION lad_bump_data_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM nextval('public.lad_data_version');
    RETURN NULL;
END $$;

------------------------------------------------------------------------------
-- Planning acts in time. A version of an act is in force from its
-- valid_from (or, without one, its adoption) until its valid_to or until
-- the day before the version that superseded it came into force. Acts
-- repealed or expired count for the period before their valid_to; drafts
-- and acts in preparation never do.
------------------------------------------------------------------------------
CREATE VIEW plan_period AS
SELECT p.id, p.terc, p.kind, p.namespace, p.local_id, p.version_id, p.title, p.resolution_no, p.status,
       p.adopted_on, coalesce(p.valid_from, p.adopted_on) AS in_force_from,
       least(p.valid_to, n.starts - 1) AS in_force_to, -- inclusive; NULL: still in force
       p.superseded_by, p.geom
FROM plan p
LEFT JOIN LATERAL (SELECT coalesce(s.valid_from, s.adopted_on) AS starts FROM plan s WHERE s.id = p.superseded_by) n ON true
WHERE coalesce(p.valid_from, p.adopted_on) IS NOT NULL
  AND (p.status IN ('in_force', 'partly_repealed') OR (p.status IN ('repealed', 'expired') AND p.valid_to IS NOT NULL));

-- Whether a plan period covers day d.
CREATE FUNCTION lad_in_force(from_day date, to_day date, d date) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$$ SELECT from_day <= d AND (to_day IS NULL OR to_day >= d) $$;

-- Whether a register entry is a granted decision: refusals (odmowa) and
-- objections to a notification (sprzeciw, but not "brak sprzeciwu") are not
-- building activity.
CREATE FUNCTION lad_permit_granted(decision text) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT NOT (lower(coalesce(decision, '')) ~ '(odmow|refus|uchylon)'
                OR (lower(coalesce(decision, '')) ~ 'sprzeciw' AND lower(decision) !~ 'brak sprzeciwu'))
$$;

-- A guard usable inside SQL functions: true, or an error with msg.
CREATE FUNCTION lad_require(ok boolean, msg text) RETURNS boolean LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    IF ok IS NOT TRUE THEN
        RAISE EXCEPTION '%', msg USING ERRCODE = '22023';
    END IF;
    RETURN true;
END $$;

------------------------------------------------------------------------------
-- Conformity matrix: which building categories (annex to the Construction
-- Law, table building_category) a designation symbol (MPZP, family mpzp) or
-- a planning-zone type (POG, family pog) admits. One row per admitted pair;
-- planners edit the rows (a local symbol is added with its rows). A mixed
-- symbol such as MN/U admits what any of its parts admits, unless it has
-- rows of its own, which then add to its parts'. A symbol with no row at
-- all (neither itself nor its parts) is unknown to the matrix: permits
-- there are not judged.
------------------------------------------------------------------------------
CREATE TABLE conformity_rule (
    category   text NOT NULL REFERENCES building_category (code) ON UPDATE CASCADE,
    family     text NOT NULL CHECK (family IN ('mpzp', 'pog')),
    symbol     text NOT NULL CHECK (symbol ~ '^[A-Z][A-Za-z0-9/.]*$'),
    note       text NOT NULL DEFAULT '',
    updated_by text NOT NULL DEFAULT 'system',
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (category, family, symbol)
);

-- The seed: a reading of the common meaning of MPZP symbols (plan_symbol)
-- and of the POG zone types of the 2023 regulation against the categories
-- I–XXX. It is the starting point a city adapts to its own plans' texts.
INSERT INTO conformity_rule (category, family, symbol, note)
SELECT r.category, r.family, s.symbol, r.note
FROM (VALUES
    ('I', 'mpzp', '{MN,RM}'::text[], 'dom jednorodzinny'),
    ('I', 'pog', '{SJ,SW,SZ}', 'strefy wielofunkcyjne z zabudową mieszkaniową'),
    ('II', 'mpzp', '{RM,R}', 'budynki gospodarki rolnej'),
    ('II', 'pog', '{SZ,SR}', ''),
    ('III', 'mpzp', '{MN,MW,RM,R,U}', 'budynki gospodarcze, garaże, domy letniskowe'),
    ('III', 'pog', '{SJ,SW,SZ,SU,SR}', ''),
    ('IV', 'mpzp', '{KDA,KDS,KDGP,KDG,KDZ,KDL,KDD,KDW,KK,KS,MN,MW,U,UC,UO,UZ,US,UK,P,RM}', 'elementy dróg, także zjazdy na działki'),
    ('IV', 'pog', '{SK,SI,SW,SJ,SZ,SU,SH,SP}', ''),
    ('V', 'mpzp', '{US,ZP,UO,U,MW}', 'boiska, place sportu i rekreacji'),
    ('V', 'pog', '{SN,SU,SW,SJ}', ''),
    ('VI', 'mpzp', '{ZC}', ''),
    ('VI', 'pog', '{SC}', ''),
    ('VII', 'mpzp', '{WS}', ''),
    ('VII', 'pog', '{SO,SI}', ''),
    ('VIII', 'mpzp', '{MN,MW,U,UC,UO,UZ,US,UK,P,RM,R,KS,IT,E,G,W,K,KK,KDA,KDS,KDGP,KDG,KDZ,KDL,KDD,KDW}', 'inne budowle'),
    ('VIII', 'pog', '{SW,SJ,SZ,SU,SH,SP,SR,SI,SK,SG}', ''),
    ('IX', 'mpzp', '{U,UO}', 'kultura, nauka, oświata'),
    ('IX', 'pog', '{SU,SW,SJ}', ''),
    ('X', 'mpzp', '{UK,U,ZC}', 'kult religijny'),
    ('X', 'pog', '{SU,SW,SJ,SC}', ''),
    ('XI', 'mpzp', '{UZ,U}', 'zdrowie, opieka społeczna'),
    ('XI', 'pog', '{SU,SW,SJ}', ''),
    ('XII', 'mpzp', '{U}', 'administracja, sądy, bezpieczeństwo'),
    ('XII', 'pog', '{SU,SW,SJ}', ''),
    ('XIII', 'mpzp', '{MW}', 'zabudowa wielorodzinna'),
    ('XIII', 'pog', '{SW}', ''),
    ('XIV', 'mpzp', '{U,US}', 'zakwaterowanie turystyczne'),
    ('XIV', 'pog', '{SU,SW,SN}', ''),
    ('XV', 'mpzp', '{US,U,UO}', 'hale sportowe, kryte baseny'),
    ('XV', 'pog', '{SU,SN,SW}', ''),
    ('XVI', 'mpzp', '{U,UC,P}', 'biura'),
    ('XVI', 'pog', '{SU,SW,SP}', ''),
    ('XVII', 'mpzp', '{U,UC,MW}', 'handel i usługi; na MW jako usługi towarzyszące zabudowie wielorodzinnej'),
    ('XVII', 'pog', '{SU,SH,SW,SJ}', ''),
    ('XVIII', 'mpzp', '{P}', 'przemysł i magazyny'),
    ('XVIII', 'pog', '{SP}', ''),
    ('XIX', 'mpzp', '{U,KK,KS,P}', 'łączność, dworce, terminale'),
    ('XIX', 'pog', '{SU,SK,SI,SP}', ''),
    ('XX', 'mpzp', '{KS,P,U,UC}', 'stacje paliw'),
    ('XX', 'pog', '{SP,SK,SU,SH}', ''),
    ('XXI', 'mpzp', '{KS,MW,U,UC,P}', 'garaże wielopoziomowe i podziemne'),
    ('XXI', 'pog', '{SK,SU,SW,SP,SH}', ''),
    ('XXII', 'mpzp', '{P,KS,IT}', 'place składowe, parkingi, składowiska'),
    ('XXII', 'pog', '{SP,SK,SI,SG}', ''),
    ('XXIII', 'mpzp', '{KDA,KDS,KDGP,KDG,KDZ,KDL,KDD,KDW,KK}', 'drogi, koleje'),
    ('XXIII', 'pog', '{SK}', ''),
    ('XXIV', 'mpzp', '{KDA,KDS,KDGP,KDG,KDZ,KDL,KDD,KDW,KK,WS}', 'mosty, tunele, przejścia'),
    ('XXIV', 'pog', '{SK}', ''),
    ('XXV', 'mpzp', '{KS,KK,P}', 'zajezdnie, stacje obsługi'),
    ('XXV', 'pog', '{SK,SP}', ''),
    ('XXVII', 'mpzp', '{WS,R,ZL}', 'budowle hydrotechniczne'),
    ('XXVII', 'pog', '{SO,SI,SN,SR}', ''),
    ('XXVIII', 'mpzp', '{E,IT,P}', 'obiekty energetyki'),
    ('XXVIII', 'pog', '{SI,SP}', ''),
    ('XXIX', 'mpzp', '{IT,E,P}', 'kominy, maszty, wieże'),
    ('XXIX', 'pog', '{SI,SP}', ''),
    ('XXX', 'mpzp', '{W,K,IT}', 'oczyszczalnie, stacje uzdatniania'),
    ('XXX', 'pog', '{SI}', '')
) AS r(category, family, symbols, note)
CROSS JOIN LATERAL unnest(r.symbols) AS s(symbol);

-- Networks (XXVI) run under and over every kind of land.
INSERT INTO conformity_rule (category, family, symbol, note)
SELECT 'XXVI', family, symbol, 'sieci uzbrojenia terenu' FROM plan_symbol WHERE symbol !~ '/'
ON CONFLICT DO NOTHING;

-- Whether category cat is admitted by symbol sym of family fam: true,
-- false, or NULL when the matrix cannot tell (no category, or a symbol the
-- matrix does not know).
CREATE FUNCTION lad_category_allowed(cat text, fam text, sym text) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    WITH parts AS (
        SELECT DISTINCT trim(x) AS s FROM unnest(array_append(string_to_array(upper(sym), '/'), upper(sym))) x WHERE trim(x) <> ''
    )
    SELECT CASE
        WHEN cat IS NULL OR sym IS NULL OR NOT EXISTS (
            SELECT 1 FROM conformity_rule r WHERE r.family = fam AND r.symbol IN (SELECT s FROM parts)) THEN NULL
        ELSE EXISTS (SELECT 1 FROM conformity_rule r WHERE r.family = fam AND r.category = cat AND r.symbol IN (SELECT s FROM parts))
    END
$$;

------------------------------------------------------------------------------
-- Permits against plans. Each granted permit, notification or zoning
-- decision with a location, on the day of its decision (or application):
-- the MPZP designation in force there, the POG planning zone in force
-- there, and the verdict:
--   conflict  – a category the designation or zone does not admit; a
--               zoning decision (WZ) inside a local plan in force (the law
--               allows WZ only where no plan is); a WZ inside a POG in force
--               but outside its infill areas (OUZ);
--   unknown   – inside a plan, but no category, a symbol the matrix does not
--               know, or in the plan's area outside its designations;
--   conforms  – every applicable check passed;
--   no_plan   – neither a local plan nor a POG in force there.
-- Conformity rate = conforms / (conforms + conflict).
------------------------------------------------------------------------------
CREATE INDEX plan_zone_pog_geom ON plan_zone USING gist (geom) WHERE kind = 'pog_zone';
CREATE INDEX plan_zone_ouz_geom ON plan_zone USING gist (geom) WHERE kind = 'ouz';

CREATE VIEW permit_conformity AS
SELECT p.id, p.terc, p.kind, p.register_id, p.decision_no, p.decided_on, dt.on_date,
       extract(year FROM dt.on_date)::int AS year, p.category, coalesce(bc.name_pl, '') AS category_name,
       p.description, p.address, mp.id AS plan_id, coalesce(nullif(mp.resolution_no, ''), mp.local_id, '') AS plan_ref,
       coalesce(mp.title, '') AS plan_title,
       d.zone_id AS designation_id, coalesce(d.designation, '') AS designation, coalesce(d.symbol, '') AS symbol,
       g.zone_id AS pog_zone_id, coalesce(g.symbol, '') AS pog_symbol,
       CASE WHEN cardinality(c.reasons) > 0 THEN 'conflict'
            WHEN mp.id IS NULL AND g.zone_id IS NULL THEN 'no_plan'
            WHEN cardinality(c.unknowns) > 0 THEN 'unknown'
            ELSE 'conforms' END AS verdict,
       array_to_string(c.reasons, '; ') AS reasons,
       array_to_string(c.unknowns, '; ') AS unknowns,
       p.geom, p.geom_3857
FROM permit p
CROSS JOIN LATERAL (SELECT coalesce(p.decided_on, p.applied_on) AS on_date) dt
LEFT JOIN building_category bc ON bc.code = p.category
-- the local plan in force there on that day (the newest, should plans overlap)
LEFT JOIN LATERAL (
    SELECT pp.id, pp.title, pp.resolution_no, pp.local_id FROM plan_period pp
    WHERE pp.kind = 'mpzp' AND pp.terc = p.terc AND ST_Intersects(pp.geom, p.geom)
      AND lad_in_force(pp.in_force_from, pp.in_force_to, dt.on_date)
    ORDER BY pp.in_force_from DESC, pp.id LIMIT 1) mp ON true
LEFT JOIN LATERAL (
    SELECT z.id AS zone_id, z.designation, z.symbol FROM plan_zone z
    WHERE mp.id IS NOT NULL AND z.plan_id = mp.id AND z.kind = 'designation' AND ST_Intersects(z.geom, p.geom)
    ORDER BY z.id LIMIT 1) d ON true
-- the general plan in force that day (one per municipality), then its zone there
LEFT JOIN LATERAL (
    SELECT pp.id FROM plan_period pp
    WHERE pp.kind = 'pog' AND pp.terc = p.terc AND lad_in_force(pp.in_force_from, pp.in_force_to, dt.on_date)
    ORDER BY pp.in_force_from DESC, pp.id LIMIT 1) gp ON true
LEFT JOIN LATERAL (
    SELECT z.id AS zone_id, z.symbol, z.plan_id FROM plan_zone z
    WHERE gp.id IS NOT NULL AND z.plan_id = gp.id AND z.kind = 'pog_zone' AND ST_Intersects(z.geom, p.geom)
    ORDER BY z.id LIMIT 1) g ON true
LEFT JOIN LATERAL (
    SELECT true AS inside FROM plan_zone z
    WHERE gp.id IS NOT NULL AND z.plan_id = gp.id AND z.kind = 'ouz' AND ST_Intersects(z.geom, p.geom) LIMIT 1) o ON true
CROSS JOIN LATERAL (
    SELECT lad_category_allowed(p.category, 'mpzp', d.symbol) AS mpzp_ok,
           lad_category_allowed(p.category, 'pog', g.symbol) AS pog_ok) a
CROSS JOIN LATERAL (
    SELECT array_remove(ARRAY[
               CASE WHEN p.kind = 'zoning_decision' AND mp.id IS NOT NULL
                    THEN 'decyzja WZ na obszarze obowiązującego planu miejscowego' END,
               CASE WHEN a.mpzp_ok = false
                    THEN format('kategoria %s niedopuszczalna na terenie %s (%s)', p.category, d.designation, bc.name_pl) END,
               CASE WHEN a.pog_ok = false
                    THEN format('kategoria %s niedopuszczalna w strefie planistycznej %s', p.category, g.symbol) END,
               CASE WHEN p.kind = 'zoning_decision' AND mp.id IS NULL AND gp.id IS NOT NULL AND o.inside IS NULL
                    THEN 'decyzja WZ poza obszarem uzupełnienia zabudowy (OUZ) planu ogólnego' END
           ], NULL) AS reasons,
           array_remove(ARRAY[
               CASE WHEN (d.zone_id IS NOT NULL OR g.zone_id IS NOT NULL) AND p.category IS NULL
                    THEN 'brak kategorii obiektu' END,
               CASE WHEN p.category IS NOT NULL AND d.zone_id IS NOT NULL AND a.mpzp_ok IS NULL
                    THEN format('symbol %s nieznany macierzy zgodności', d.symbol) END,
               CASE WHEN p.category IS NOT NULL AND g.zone_id IS NOT NULL AND a.pog_ok IS NULL
                    THEN format('strefa %s nieznana macierzy zgodności', g.symbol) END,
               CASE WHEN mp.id IS NOT NULL AND d.zone_id IS NULL
                    THEN 'w granicach planu, poza jego terenami' END
           ], NULL) AS unknowns) c
WHERE p.geom IS NOT NULL AND dt.on_date IS NOT NULL
  AND p.kind IN ('permit', 'notification', 'zoning_decision') AND lad_permit_granted(p.decision);

------------------------------------------------------------------------------
-- Building activity: each granted permit, notification and zoning decision
-- with a location and a date, whether a local plan was in force there on
-- that day, and whether it lies in an infill area (OUZ) of a general plan
-- in force (status, current version): where, under the 2023 law, a zoning
-- decision may still be issued without a local plan.
------------------------------------------------------------------------------
CREATE VIEW permit_activity AS
SELECT p.id, p.terc, p.kind, coalesce(p.decided_on, p.applied_on) AS on_date,
       extract(year FROM coalesce(p.decided_on, p.applied_on))::int AS year,
       EXISTS (SELECT 1 FROM plan_period pp
               WHERE pp.kind = 'mpzp' AND pp.terc = p.terc AND ST_Intersects(pp.geom, p.geom)
                 AND lad_in_force(pp.in_force_from, pp.in_force_to, coalesce(p.decided_on, p.applied_on))) AS in_plan,
       EXISTS (SELECT 1 FROM plan_zone z JOIN plan g ON g.id = z.plan_id
               WHERE z.kind = 'ouz' AND g.kind = 'pog' AND g.status = 'in_force' AND g.superseded_by IS NULL
                 AND z.terc = p.terc AND ST_Intersects(z.geom, p.geom)) AS in_ouz,
       p.volume_m3, p.floor_area_m2, p.geom
FROM permit p
WHERE p.geom IS NOT NULL AND coalesce(p.decided_on, p.applied_on) IS NOT NULL
  AND p.kind IN ('permit', 'notification', 'zoning_decision') AND lad_permit_granted(p.decision);

------------------------------------------------------------------------------
-- Hexagonal grid. Cells are those of ST_HexagonGrid(size, …): flat-topped
-- hexagons with edge (= circumradius) size metres, aligned on the origin of
-- EPSG:2180; cell (i, j) has its centre at x = 1.5·size·i, y = √3·size·j,
-- plus √3·size/2 when i is odd. lad_hex_cell finds the cell of a point
-- without any geometry test: a hexagonal cell is the set of points nearer
-- its centre than any other, and the point can only lie in column
-- floor(x / 1.5·size) or the next; in each the nearest row is rounded.
-- Ties on an edge go to the lower column.
------------------------------------------------------------------------------
CREATE FUNCTION lad_hex_cell(g geometry, size double precision, OUT i integer, OUT j integer)
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT c.i, c.j FROM (
        SELECT k.i, round((ST_Y(g) - CASE WHEN k.i % 2 <> 0 THEN sqrt(3) * size / 2 ELSE 0 END) / (sqrt(3) * size))::integer AS j
        FROM (SELECT floor(ST_X(g) / (1.5 * size))::integer + d AS i FROM (VALUES (0), (1)) v(d)) k
    ) c
    ORDER BY (ST_X(g) - 1.5 * size * c.i) ^ 2
           + (ST_Y(g) - sqrt(3) * size * c.j - CASE WHEN c.i % 2 <> 0 THEN sqrt(3) * size / 2 ELSE 0 END) ^ 2, c.i
    LIMIT 1
$$;

-- A cell's stable id: ((i + 2^20) << 21) | (j + 2^20).
CREATE FUNCTION lad_hex_id(i integer, j integer) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT ((i::bigint + 1048576) << 21) | (j::bigint + 1048576) $$;

-- Development pressure on the hexagonal grid of each municipality (or of
-- one): the cells that meet the municipality, with the building
-- activity (permit_activity) decided in the years from_year..to_year (NULL:
-- unbounded), split by kind and by where it happened, and the Getis-Ord Gi*
-- hot-spot statistic of all activity.
--
-- Gi* (Getis & Ord 1992; Ord & Getis 1995), for cell i with count x_i among
-- the n cells of its municipality, binary weights w_ij = 1 for the cell
-- itself and for each of its (at most 6) edge neighbours, else 0:
--
--          Σ_j w_ij x_j − X̄ W_i                          Σ_j x_j              Σ_j x_j²
--   G*_i = ─────────────────────────────────,  X̄ = ───────,  S = √( ──────── − X̄² ),
--          S · √( (n W_i − W_i²) / (n − 1) )               n                    n
--
-- with W_i = Σ_j w_ij (7 inside the grid, fewer at its edge; with binary
-- weights Σ_j w_ij² = W_i). G*_i is a z-score: hot_spot is 'hot' when it is
-- at least 1.96, 'cold' when at most −1.96 (two-sided 5 % each, not
-- corrected for testing many cells), else 'none'; NULL when all cells have
-- the same count. Cell ids are lad_hex_id(i, j).
CREATE FUNCTION lad_pressure_cells(municipality text DEFAULT NULL, cell_m bigint DEFAULT 500,
                                   from_year bigint DEFAULT NULL, to_year bigint DEFAULT NULL)
RETURNS TABLE (id bigint, terc text, i integer, j integer, cases integer, permits integer, notifications integer,
               zoning_decisions integer, in_plan integer, outside_plan integer, outside_plan_ouz integer,
               neighbours integer, gi_z double precision, hot_spot text,
               geom geometry(Polygon, 2180), geom_3857 geometry(Polygon, 3857))
LANGUAGE sql STABLE
-- Row counts of set-returning functions (the grid) are unknown to the
-- planner, which then nests loops over whole sets: hash joins are right.
SET enable_nestloop = off
AS $$
WITH m AS MATERIALIZED (
    SELECT m.terc, m.geom FROM municipality m
    WHERE m.geom IS NOT NULL AND (lad_pressure_cells.municipality IS NULL OR m.terc = lad_pressure_cells.municipality)
      AND lad_require(lad_pressure_cells.cell_m BETWEEN 100 AND 5000, 'cell_m must be 100–5000 metres')
), cells AS MATERIALIZED (
    SELECT m.terc::text AS terc, h.i, h.j, h.geom FROM m
    CROSS JOIN LATERAL ST_HexagonGrid(lad_pressure_cells.cell_m, m.geom) h
    WHERE ST_Intersects(h.geom, m.geom)
), pa AS MATERIALIZED (
    SELECT a.terc::text AS terc, a.kind, a.in_plan, a.in_ouz, c.i, c.j
    FROM permit_activity a CROSS JOIN LATERAL lad_hex_cell(a.geom, lad_pressure_cells.cell_m) c
    WHERE a.terc IN (SELECT terc FROM m)
      AND (lad_pressure_cells.from_year IS NULL OR a.year >= lad_pressure_cells.from_year)
      AND (lad_pressure_cells.to_year IS NULL OR a.year <= lad_pressure_cells.to_year)
), act AS (
    SELECT pa.terc, pa.i, pa.j,
           count(*) AS cases,
           count(*) FILTER (WHERE pa.kind = 'permit') AS permits,
           count(*) FILTER (WHERE pa.kind = 'notification') AS notifications,
           count(*) FILTER (WHERE pa.kind = 'zoning_decision') AS zoning_decisions,
           count(*) FILTER (WHERE pa.in_plan) AS in_plan,
           count(*) FILTER (WHERE NOT pa.in_plan) AS outside_plan,
           count(*) FILTER (WHERE NOT pa.in_plan AND NOT pa.in_ouz) AS outside_plan_ouz
    FROM pa GROUP BY pa.terc, pa.i, pa.j
), x AS MATERIALIZED (
    SELECT c.terc, c.i, c.j, c.geom, coalesce(a.cases, 0)::float8 AS x, a.cases, a.permits, a.notifications,
           a.zoning_decisions, a.in_plan, a.outside_plan, a.outside_plan_ouz
    FROM cells c LEFT JOIN act a ON a.terc = c.terc AND a.i = c.i AND a.j = c.j
), stats AS (
    SELECT x.terc, count(*)::float8 AS n, avg(x.x) AS mean, sqrt(greatest(avg(x.x * x.x) - avg(x.x) ^ 2, 0)) AS s
    FROM x GROUP BY x.terc
), nb AS (
    SELECT a.terc, a.i, a.j, sum(b.x) AS wx, count(*)::float8 AS w
    FROM x a
    CROSS JOIN (VALUES (-1, -1), (-1, 0), (-1, 1), (0, -1), (0, 0), (0, 1), (1, -1), (1, 0), (1, 1)) o(di, dj)
    JOIN x b ON b.terc = a.terc AND b.i = a.i + o.di AND b.j = a.j + o.dj
    WHERE o.di = 0 OR (a.i % 2 = 0 AND o.dj IN (-1, 0)) OR (a.i % 2 <> 0 AND o.dj IN (0, 1))
    GROUP BY a.terc, a.i, a.j
), z AS (
    SELECT x.*, nb.w, CASE WHEN s.s > 0 AND s.n > 1
        THEN (nb.wx - s.mean * nb.w) / (s.s * sqrt((s.n * nb.w - nb.w ^ 2) / (s.n - 1))) END AS gi
    FROM x JOIN nb ON nb.terc = x.terc AND nb.i = x.i AND nb.j = x.j JOIN stats s ON s.terc = x.terc
)
SELECT lad_hex_id(z.i, z.j), z.terc, z.i, z.j,
       coalesce(z.cases, 0)::integer, coalesce(z.permits, 0)::integer, coalesce(z.notifications, 0)::integer,
       coalesce(z.zoning_decisions, 0)::integer, coalesce(z.in_plan, 0)::integer, coalesce(z.outside_plan, 0)::integer,
       coalesce(z.outside_plan_ouz, 0)::integer, (z.w - 1)::integer, z.gi,
       CASE WHEN z.gi >= 1.96 THEN 'hot' WHEN z.gi <= -1.96 THEN 'cold' WHEN z.gi IS NOT NULL THEN 'none' END,
       z.geom::geometry(Polygon, 2180), ST_Transform(z.geom, 3857)::geometry(Polygon, 3857)
FROM z
$$;

------------------------------------------------------------------------------
-- Change tracking: the tables the analyses read move the data version; the
-- matrix also tells tile caches that the conformity layer changed.
------------------------------------------------------------------------------
CREATE TRIGGER conformity_rule_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON conformity_rule
    FOR EACH STATEMENT EXECUTE FUNCTION lad_changed_anywhere();

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['municipality', 'district', 'plan', 'plan_zone', 'plan_symbol', 'building_category',
        'conformity_rule', 'permit', 'permit_parcel', 'parcel', 'landscape_resolution', 'landscape_zone',
        'landscape_rule', 'ad_carrier', 'inspection', 'enforcement_case', 'penalty', 'ad_fee_rate',
        'consultation', 'consultation_comment', 'ingest_batch']
    LOOP
        EXECUTE format('CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON %I FOR EACH STATEMENT EXECUTE FUNCTION lad_bump_data_version()',
            t || '_data_version', t);
    END LOOP;
END $$;
