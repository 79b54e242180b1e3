-- Change notifications carry the committing transaction's id, so that a
-- tile re-rendered on a streaming replica after a change can tell whether
-- the replica's snapshot already holds that change (pg_visible_in_snapshot)
-- and otherwise be rendered on the primary: no stale tile is cached.
CREATE OR REPLACE FUNCTION lad_notify(tbl text, b box2d) RETURNS void LANGUAGE sql AS $$
    SELECT pg_notify('lad_changes', json_build_object('table', tbl, 'bbox',
        CASE WHEN b IS NULL THEN NULL ELSE json_build_array(ST_XMin(b), ST_YMin(b), ST_XMax(b), ST_YMax(b)) END,
        'xid', pg_current_xact_id()::text)::text)
$$;
