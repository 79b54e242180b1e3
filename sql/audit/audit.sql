-- Reading the audit log (written only by the lad_audit() trigger of
-- migrations/012_audit.sql). Newest first, paged by id.

-- name: set_actor
-- $1 actor (kind:name): who the transaction's writes are logged as. Local to
-- the transaction, so a pooled connection carries nothing over.
SELECT set_config('lad.actor', $1, true)

-- name: list
-- $1 table or null; $2 actor or null: "kind:" is every actor of that kind,
-- "kind:name" that actor (and "token:anna" every token of anna), a bare
-- name that login under any kind; $3 since, $4 until (timestamptz) or null;
-- $5 only ids below this (the previous page's last id) or null; $6 limit.
SELECT id, at, actor, actor_kind, db_user, txid, table_name, op, row_key, before, after
FROM audit_log
WHERE ($1::text IS NULL OR table_name = $1)
  AND ($2::text IS NULL OR CASE
        WHEN right($2, 1) = ':' THEN starts_with(actor, $2)
        WHEN strpos($2, ':') > 0 THEN actor = $2 OR starts_with(actor, $2 || '#')
        ELSE split_part(split_part(actor, ':', 2), '#', 1) = $2 END)
  AND ($3::timestamptz IS NULL OR at >= $3)
  AND ($4::timestamptz IS NULL OR at < $4)
  AND ($5::bigint IS NULL OR id < $5)
ORDER BY id DESC
LIMIT $6
