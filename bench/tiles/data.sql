-- Benchmark dataset: 1,000,000 parcel polygons (5–9 vertices, a 30 m grid
-- over 30 × 30 km around Wrocław) and 200,000 permit points, as in
-- ../shared/perf-notes.md. Loaded straight into the tables (the ingest
-- benchmark measures the ingest path separately).
SET max_parallel_workers_per_gather = 2;
INSERT INTO municipality (terc, name, geom) VALUES ('0264011', 'Wrocław', ST_Multi(ST_MakeEnvelope(345000, 345000, 375000, 375000, 2180)))
ON CONFLICT DO NOTHING;
INSERT INTO parcel (teryt, terc, obreb, number, geom)
SELECT format('026401_1.%s.%s', lpad((i / 100)::text, 4, '0'), i * 1000 + j), '0264011', lpad((i / 100)::text, 4, '0'), (i * 1000 + j)::text,
       ST_Multi(ST_MakePolygon(ST_MakeLine(ARRAY[
           ST_MakePoint(x, y), ST_MakePoint(x + 14, y - 1), ST_MakePoint(x + 28, y),
           ST_MakePoint(x + 29, y + 14), ST_MakePoint(x + 28, y + 28), ST_MakePoint(x + 14, y + 29 - (i + j) % 3),
           ST_MakePoint(x, y + 28), ST_MakePoint(x - 1, y + 14), ST_MakePoint(x, y)])))::geometry(MultiPolygon, 2180)
FROM generate_series(0, 999) i, generate_series(0, 999) j,
     LATERAL (SELECT 345000 + i * 30.0 AS x, 345000 + j * 30.0 AS y) c;
INSERT INTO permit (terc, kind, register, register_id, decided_on, category, location_source, geom)
SELECT '0264011', (ARRAY['permit', 'notification', 'zoning_decision'])[1 + n % 3], 'bench', n::text,
       DATE '2010-01-01' + (n % 5000)::int, (ARRAY['I', 'XIII', 'XVII', 'XVIII'])[1 + n % 4], 'coordinates',
       ST_SetSRID(ST_MakePoint(345000 + (n * 7919 % 30000), 345000 + (n * 104729 % 30000)), 2180)
FROM generate_series(1, 200000::bigint) n;
VACUUM ANALYZE parcel;
VACUUM ANALYZE permit;
