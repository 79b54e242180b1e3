-- The "what applies here" entry points (see lad_place_report, migration 010).

-- name: at_point
-- $1 lon, $2 lat (WGS 84) or x, y with $3 SRID; $4 date; $5 radius m. The
-- parcel under the point when there is one, else the point itself.
WITH here AS (SELECT ST_Transform(ST_SetSRID(ST_MakePoint($1, $2), $3::int), 2180) AS p),
parcel AS (SELECT x.teryt, x.obreb, x.number, x.area_m2, x.geom FROM parcel x, here WHERE ST_Intersects(x.geom, here.p) LIMIT 1)
SELECT (SELECT json_build_object('teryt', teryt, 'obreb', obreb, 'number', number, 'area_m2', round(area_m2::numeric, 1)) FROM parcel),
       lad_place_report(coalesce((SELECT geom FROM parcel), (SELECT p FROM here)), $4::date, $5::float8),
       (SELECT ST_AsSVG(geom, 0, 1) FROM parcel),
       (SELECT json_build_array(ST_XMin(b), ST_YMin(b), ST_XMax(b), ST_YMax(b)) FROM (SELECT ST_Expand(coalesce((SELECT geom FROM parcel), (SELECT p FROM here)), 60)::box2d AS b) x)

-- name: parcel
-- $1 TERYT id, $2 date, $3 radius m
SELECT json_build_object('teryt', teryt, 'obreb', obreb, 'number', number, 'area_m2', round(area_m2::numeric, 1)),
       lad_place_report(geom, $2::date, $3::float8), ST_AsSVG(geom, 0, 1),
       (SELECT json_build_array(ST_XMin(b), ST_YMin(b), ST_XMax(b), ST_YMax(b)) FROM (SELECT ST_Expand(geom, 60)::box2d AS b) x)
FROM parcel WHERE teryt = $1

-- name: excerpt
-- $1..$4 bbox (EPSG:2180): designations and parcels to draw in the report's
-- map excerpt, as SVG paths (y flipped by ST_AsSVG).
SELECT 'designation', z.symbol, coalesce(s.color, '#cccccc'), ST_AsSVG(ST_Intersection(z.geom, e.g), 0, 1), z.designation
FROM plan_zone z JOIN plan p ON p.id = z.plan_id LEFT JOIN plan_symbol s ON s.symbol = z.symbol,
     (SELECT ST_MakeEnvelope($1, $2, $3, $4, 2180) AS g) e
WHERE z.kind = 'designation' AND p.superseded_by IS NULL AND p.status = 'in_force' AND z.geom && e.g
UNION ALL
SELECT 'parcel', x.number, '', ST_AsSVG(ST_Intersection(x.geom, e.g), 0, 1), x.teryt
FROM parcel x, (SELECT ST_MakeEnvelope($1, $2, $3, $4, 2180) AS g) e WHERE x.geom && e.g
