-- Reserved: ingest support (staging, versions) — ingest.
SELECT 1;
