-- Records name the batch that brought them (batch_id) without a foreign
-- key: batches are never deleted (the log is the history), and the per-row
-- referential check cost about a fifth of a million-parcel first load
-- (bench/RESULTS.md, issue 3). Rejections keep theirs: they belong to the
-- batch.
DO $$
DECLARE
    c record;
BEGIN
    FOR c IN
        SELECT conrelid::regclass AS tbl, conname
        FROM pg_constraint
        WHERE contype = 'f' AND confrelid = 'ingest_batch'::regclass
          AND conrelid <> 'ingest_rejection'::regclass
    LOOP
        EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', c.tbl, c.conname);
    END LOOP;
END $$;
