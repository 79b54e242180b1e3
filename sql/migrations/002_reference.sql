-- Reserved: reference data (plan symbols, building categories) — ingest/domain.
SELECT 1;
