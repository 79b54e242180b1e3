-- Reserved: planning acts (versions, regulations) — ingest/plans.
SELECT 1;
