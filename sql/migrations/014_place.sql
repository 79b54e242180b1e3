-- The "what applies here" report as PL/pgSQL (issue 5 benchmark): a
-- LANGUAGE sql function with this many subqueries is planned again on every
-- call (several milliseconds); PL/pgSQL prepares its statement once per
-- connection and reuses the plan, which is what a p99 under 20 ms needs.
-- The generic plan is forced from the first call: every predicate is an
-- index probe around the given geometry, whatever its value, so custom
-- plans (planned five times before PostgreSQL would switch) buy nothing.
CREATE OR REPLACE FUNCTION lad_place_report(g geometry, on_date date, radius double precision) RETURNS json
LANGUAGE plpgsql STABLE SET plan_cache_mode = force_generic_plan AS $fn$
BEGIN
RETURN (
WITH here AS (SELECT g AS g, ST_Area(g) AS area, ST_PointOnSurface(g) AS p)
SELECT json_build_object(
  'date', on_date,
  'point', (SELECT json_build_object('lon', round(ST_X(ST_Transform(p, 4326))::numeric, 6), 'lat', round(ST_Y(ST_Transform(p, 4326))::numeric, 6),
                                     'x_2180', round(ST_X(p)::numeric, 2), 'y_2180', round(ST_Y(p)::numeric, 2)) FROM here),
  'municipality', (SELECT json_build_object('terc', m.terc, 'name', m.name) FROM municipality m, here WHERE ST_Intersects(m.geom, here.p) LIMIT 1),
  'district', (SELECT d.name FROM district d, here WHERE ST_Intersects(d.geom, here.p) ORDER BY d.kind LIMIT 1),
  'designations', coalesce((
    SELECT json_agg(json_build_object(
      'designation', z.designation, 'symbol', z.symbol, 'meaning', s.name_pl, 'meaning_en', s.name_en,
      'max_height_m', z.max_height_m, 'intensity_min', z.intensity_min, 'intensity_max', z.intensity_max,
      'max_coverage_pct', z.max_coverage_pct, 'min_bio_pct', z.min_bio_pct, 'rules', z.rules,
      'share_pct', CASE WHEN here.area > 0 THEN round((100 * ST_Area(ST_Intersection(z.geom, here.g)) / here.area)::numeric, 1) END,
      'plan', json_build_object('id', p.id, 'title', p.title, 'resolution_no', p.resolution_no, 'status', p.status,
                                'adopted_on', p.adopted_on, 'valid_from', p.valid_from, 'doc_url', p.doc_url,
                                'identifier', p.namespace || '/' || p.local_id || '/' || p.version_id))
      ORDER BY ST_Area(ST_Intersection(z.geom, here.g)) DESC, z.designation)
    FROM plan_zone z JOIN plan p ON p.id = z.plan_id LEFT JOIN plan_symbol s ON s.symbol = z.symbol, here
    WHERE z.kind = 'designation' AND p.kind = 'mpzp' AND p.superseded_by IS NULL AND p.status IN ('in_force', 'partly_repealed')
      AND coalesce(p.valid_from, p.adopted_on, '-infinity'::date) <= on_date AND coalesce(p.valid_to, 'infinity'::date) >= on_date
      AND ST_Intersects(z.geom, here.g) AND (here.area = 0 OR ST_Area(ST_Intersection(z.geom, here.g)) > 0.01)), '[]'::json),
  'draft_plans', coalesce((
    SELECT json_agg(json_build_object('title', p.title, 'status', p.status, 'designation', z.designation, 'symbol', z.symbol))
    FROM plan_zone z JOIN plan p ON p.id = z.plan_id, here
    WHERE p.status IN ('draft', 'in_preparation') AND p.kind = 'mpzp' AND p.superseded_by IS NULL AND ST_Intersects(z.geom, here.p)), '[]'::json),
  'pog_zone', (
    SELECT json_build_object('designation', z.designation, 'symbol', z.symbol, 'meaning', s.name_pl, 'name', z.name,
      'intensity_max', z.intensity_max, 'max_coverage_pct', z.max_coverage_pct, 'max_height_m', z.max_height_m,
      'min_bio_pct', z.min_bio_pct, 'plan', json_build_object('title', p.title, 'status', p.status, 'valid_from', p.valid_from))
    FROM plan_zone z JOIN plan p ON p.id = z.plan_id LEFT JOIN plan_symbol s ON s.symbol = z.symbol, here
    WHERE z.kind = 'pog_zone' AND p.superseded_by IS NULL AND ST_Intersects(z.geom, here.p)
    ORDER BY (p.status = 'in_force') DESC LIMIT 1),
  'in_ouz', EXISTS (SELECT 1 FROM plan_zone z JOIN plan p ON p.id = z.plan_id, here
                    WHERE z.kind = 'ouz' AND p.superseded_by IS NULL AND ST_Intersects(z.geom, here.p)),
  'in_downtown', EXISTS (SELECT 1 FROM plan_zone z JOIN plan p ON p.id = z.plan_id, here
                         WHERE z.kind = 'downtown' AND p.superseded_by IS NULL AND ST_Intersects(z.geom, here.p)),
  'landscape_zone', (
    SELECT json_build_object('code', lz.code, 'name', lz.name, 'description', lz.description,
      'resolution', json_build_object('title', r.title, 'resolution_no', r.resolution_no, 'transition_until', r.transition_until),
      'rules', coalesce((SELECT json_agg(json_build_object('code', lr.code, 'rule', lr.rule, 'carrier_kind', lr.carrier_kind, 'value', lr.value, 'text', lr.text_pl) ORDER BY lr.code)
                         FROM landscape_rule lr WHERE lr.zone_id = lz.id), '[]'::json))
    FROM landscape_zone lz JOIN landscape_resolution r ON r.id = lz.resolution_id, here
    WHERE ST_Intersects(lz.geom, here.p) ORDER BY lz.id LIMIT 1),
  'permits', coalesce((
    SELECT json_agg(json_build_object('register_id', x.register_id, 'kind', x.kind, 'decided_on', x.decided_on,
      'applied_on', x.applied_on, 'category', x.category, 'works', x.works, 'description', x.description,
      'distance_m', round(x.d::numeric, 1), 'on_place', x.d = 0) ORDER BY x.d, x.decided_on DESC)
    FROM (SELECT pm.*, ST_Distance(pm.geom, here.g) AS d FROM permit_public pm, here
          WHERE ST_DWithin(pm.geom, here.g, radius) ORDER BY ST_Distance(pm.geom, here.g) LIMIT 100) x), '[]'::json),
  'carriers', coalesce((
    SELECT json_agg(json_build_object('inventory_no', c.inventory_no, 'kind', c.kind, 'area_m2', c.area_m2,
      'compliance', c.compliance, 'violated_rules', c.violated_rules) ORDER BY c.inventory_no)
    FROM carrier_compliance c, here WHERE ST_DWithin(c.geom, here.g, 30)), '[]'::json),
  'consultations', coalesce((
    SELECT json_agg(json_build_object('id', c.id, 'title', c.title, 'state', c.state, 'opens_on', c.opens_on, 'closes_on', c.closes_on))
    FROM consultation_public c, here WHERE ST_Intersects(c.geom, here.p)), '[]'::json),
  'sources', coalesce((
    SELECT json_agg(json_build_object('batch', b.id, 'kind', b.kind, 'source', b.source_name, 'loaded_at', b.finished_at) ORDER BY b.id)
    FROM ingest_batch b WHERE b.status = 'committed' AND b.id IN (
      SELECT z.batch_id FROM plan_zone z, here WHERE ST_Intersects(z.geom, here.p)
      UNION SELECT x.batch_id FROM parcel x, here WHERE ST_Intersects(x.geom, here.p))), '[]'::json)
) FROM here
);
END
$fn$;
