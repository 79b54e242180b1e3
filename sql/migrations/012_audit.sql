-- Audit log (issue 8): every write to plans, permits, advertising and
-- enforcement records, consultations and accounts appends who, when, what
-- and the values before and after, in the database itself, so that writes
-- made outside ład (psql, scripts) are recorded too.
--
-- Who: the transaction-local setting lad.actor, which ład sets at the start
-- of every write transaction (package audit, WithActor) to kind:name —
-- user:anna (signed-in), token:anna#3 (API token), cli:jan (operator's
-- command), anonymous:<request id> (a resident), system:demo; unset, it is
-- db:<database role>.
--
-- How: one generic statement-level trigger function with transition tables
-- (a bulk load of 100 000 permits is one INSERT … SELECT into the log, not
-- 100 000 trigger calls). Geometries are stored as a digest (type, points,
-- bbox, md5 of the EWKB), never as coordinates; bytea as length and md5;
-- secrets (password and token hashes) and personal data (names, addresses,
-- e-mails of residents, investors and owners) as "[redacted]" — the log can
-- never be erased, so it must not hold what may have to be. An UPDATE keeps
-- only the columns that changed. Cadastral parcels, districts and
-- municipalities are reference data loaded by batches (ingest_batch records
-- those) and are not audited row by row.
--
-- Append-only: triggers refuse UPDATE, DELETE and TRUNCATE of audit_log to
-- every role, its owner and superusers included (001_domain.sql); the
-- privileges are revoked too.

-- The table of 001_domain.sql, grown to its final shape.
ALTER TABLE audit_log RENAME COLUMN action TO op;
ALTER TABLE audit_log ALTER COLUMN at SET DEFAULT clock_timestamp();
ALTER TABLE audit_log
    ADD COLUMN actor_kind text NOT NULL GENERATED ALWAYS AS (
        CASE split_part(actor, ':', 1)
            WHEN 'user' THEN 'user' WHEN 'token' THEN 'token' WHEN 'cli' THEN 'cli'
            WHEN 'anonymous' THEN 'anonymous' WHEN 'db' THEN 'db' ELSE 'system' END) STORED,
    ADD COLUMN db_user text NOT NULL DEFAULT session_user,
    ADD COLUMN txid bigint DEFAULT txid_current(),
    ADD CONSTRAINT audit_log_op CHECK (op IN ('INSERT', 'UPDATE', 'DELETE', 'TRUNCATE')) NOT VALID;
-- Rows cannot be updated, so the row id becomes the row key in place.
ALTER TABLE audit_log ALTER COLUMN row_id DROP DEFAULT, ALTER COLUMN row_id DROP NOT NULL;
ALTER TABLE audit_log ALTER COLUMN row_id TYPE jsonb USING CASE WHEN row_id = '' THEN NULL ELSE to_jsonb(row_id) END;
ALTER TABLE audit_log RENAME COLUMN row_id TO row_key;
ALTER TABLE audit_log ALTER COLUMN table_name DROP DEFAULT;
CREATE INDEX audit_log_table ON audit_log (table_name, id);
CREATE INDEX audit_log_actor ON audit_log (actor, id);

COMMENT ON TABLE audit_log IS 'append-only log of writes to audited tables (lad_audit_attach); never updated or deleted';
COMMENT ON COLUMN audit_log.actor IS 'kind:name from the lad.actor setting, db:<role> when unset';
COMMENT ON COLUMN audit_log.db_user IS 'the database role of the session that wrote';
COMMENT ON COLUMN audit_log.row_key IS 'primary key of the row, as a JSON object';
COMMENT ON COLUMN audit_log.before IS 'old values: the whole row for DELETE, changed columns for UPDATE';
COMMENT ON COLUMN audit_log.after IS 'new values: the whole row for INSERT, changed columns for UPDATE';

-- No role may change or empty the log: not PUBLIC, and not its owner either
-- (a superuser still could: the triggers of 001_domain.sql stop every role).
DO $$
BEGIN
    EXECUTE format('REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM PUBLIC, %I',
                   (SELECT tableowner FROM pg_tables WHERE schemaname = current_schema() AND tablename = 'audit_log'));
END $$;

-- Who writes: the transaction's lad.actor, or the database role.
CREATE FUNCTION lad_audit_actor() RETURNS text LANGUAGE sql STABLE AS
$$ SELECT coalesce(nullif(current_setting('lad.actor', true), ''), 'db:' || current_user) $$;

-- A geometry as the log keeps it: what it is, where, and a fingerprint that
-- changes with any vertex. Points keep their coordinates (the bbox). STABLE
-- like jsonb_build_object, so that it is inlined into the trigger's query.
CREATE FUNCTION lad_audit_geom(g public.geometry) RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE AS $$
SELECT CASE WHEN g IS NULL THEN NULL ELSE jsonb_build_object(
    'type', public.GeometryType(g),
    'srid', public.ST_SRID(g),
    'points', public.ST_NPoints(g),
    'bbox', CASE WHEN public.ST_IsEmpty(g) THEN NULL ELSE jsonb_build_array(
        round(public.ST_XMin(g)::numeric, 2), round(public.ST_YMin(g)::numeric, 2),
        round(public.ST_XMax(g)::numeric, 2), round(public.ST_YMax(g)::numeric, 2)) END,
    'md5', md5(public.ST_AsEWKB(g))) END
$$;

-- Binary content (photos) as its size and fingerprint.
CREATE FUNCTION lad_audit_bytes(b bytea) RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE AS
$$ SELECT CASE WHEN b IS NULL THEN NULL ELSE jsonb_build_object('bytes', length(b), 'md5', md5(b)) END $$;

-- The statement that logs one write (INSERT, UPDATE or DELETE) to rel from
-- its transition tables new_rows and old_rows, redacting the columns named
-- in secret. $1 is the actor. Built from the catalogue on every call, so it
-- follows later ALTER TABLEs; everything per row is a plain expression (no
-- function calls that cannot be inlined), so bulk loads stay fast.
CREATE FUNCTION lad_audit_sql(rel regclass, op text, secret text[]) RETURNS text
LANGUAGE plpgsql STABLE AS $$
DECLARE
    c       record;
    cols    text[] := '{}';  -- digested column expressions, as their names
    pk      text[];
    key_x   text;            -- the row key as a JSON object, from lad_row, lad_old or lad_new
                             -- (names no audited column takes)
    key_o   text;
    key_n   text;
    join_on text;
    same    text[] := '{}';  -- UPDATE: a column's name when it did not change
    redact_b text := '';     -- UPDATE: marks changed secrets in before, after
    redact_a text := '';
BEGIN
    SELECT array_agg(a.attname::text ORDER BY k.ord) INTO pk
    FROM pg_index i
    CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
    JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
    WHERE i.indrelid = rel AND i.indisprimary;
    IF pk IS NULL THEN
        RAISE EXCEPTION 'audited table % has no primary key', rel;
    END IF;
    SELECT 'jsonb_build_object(' || string_agg(format('%1$L, lad_row.%1$I', k), ', ') || ')',
           'jsonb_build_object(' || string_agg(format('%1$L, lad_old.%1$I', k), ', ') || ')',
           'jsonb_build_object(' || string_agg(format('%1$L, lad_new.%1$I', k), ', ') || ')',
           string_agg(format('lad_old.%1$I = lad_new.%1$I', k), ' AND ')
    INTO key_x, key_o, key_n, join_on FROM unnest(pk) k;

    FOR c IN
        SELECT a.attname::text AS name, a.atttypid AS typ,
               -- equality is known for the type (or its domain's base type)
               (t.typcategory = 'A' OR EXISTS (
                   SELECT 1 FROM pg_opclass oc JOIN pg_am am ON am.oid = oc.opcmethod
                   WHERE am.amname = 'btree' AND oc.opcdefault
                     AND oc.opcintype = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END)) AS has_eq
        FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
        WHERE a.attrelid = rel AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
        ORDER BY a.attnum
    LOOP
        IF c.name = ANY (secret) THEN
            -- INSERT and DELETE store a mark; UPDATE compares a fingerprint
            -- and stores a mark where it changed.
            cols := cols || CASE WHEN op = 'UPDATE' THEN format('md5(t.%1$I::text) AS %1$I', c.name)
                                 ELSE format('CASE WHEN t.%1$I IS NULL THEN NULL ELSE %2$L END AS %1$I', c.name, '[redacted]') END;
            redact_b := redact_b || format(' || CASE WHEN d.b -> %1$L <> %2$L THEN jsonb_build_object(%1$L, %3$L) ELSE %4$L END',
                                           c.name, 'null', '[redacted]', '{}');
            redact_a := redact_a || format(' || CASE WHEN d.a -> %1$L <> %2$L THEN jsonb_build_object(%1$L, %3$L) ELSE %4$L END',
                                           c.name, 'null', '[redacted]', '{}');
        ELSIF c.typ = 'public.geometry'::regtype THEN
            cols := cols || format('lad_audit_geom(t.%1$I) AS %1$I', c.name);
        ELSIF c.typ = 'bytea'::regtype THEN
            cols := cols || format('lad_audit_bytes(t.%1$I) AS %1$I', c.name);
        ELSE
            cols := cols || format('t.%1$I', c.name);
        END IF;
        same := same || CASE WHEN c.has_eq OR c.typ IN ('public.geometry'::regtype, 'bytea'::regtype) OR c.name = ANY (secret)
                             THEN format('CASE WHEN lad_old.%1$I IS NOT DISTINCT FROM lad_new.%1$I THEN %1$L END', c.name)
                             ELSE format('CASE WHEN lad_old.%1$I::text IS NOT DISTINCT FROM lad_new.%1$I::text THEN %1$L END', c.name) END;
    END LOOP;

    IF op = 'INSERT' OR op = 'DELETE' THEN
        RETURN format('INSERT INTO audit_log (actor, table_name, op, row_key, %s)
                       SELECT $1, %L, %L, %s, to_jsonb(lad_row) FROM (SELECT %s FROM %I t) lad_row',
                      CASE op WHEN 'INSERT' THEN 'after' ELSE 'before' END,
                      (SELECT relname FROM pg_class WHERE oid = rel), op, key_x,
                      array_to_string(cols, ', '), CASE op WHEN 'INSERT' THEN 'new_rows' ELSE 'old_rows' END);
    END IF;
    -- UPDATE: old and new rows paired by primary key; only what changed is
    -- kept. A row whose key changed appears with only its old or only its
    -- new values.
    RETURN format('WITH lad_old AS (SELECT %1$s FROM old_rows t), lad_new AS (SELECT %1$s FROM new_rows t),
                   d AS (SELECT CASE WHEN lad_new.%2$I IS NULL THEN %3$s ELSE %4$s END AS k,
                                CASE WHEN lad_old.%2$I IS NULL THEN NULL WHEN lad_new.%2$I IS NULL THEN to_jsonb(lad_old) ELSE to_jsonb(lad_old) - e.same END AS b,
                                CASE WHEN lad_new.%2$I IS NULL THEN NULL WHEN lad_old.%2$I IS NULL THEN to_jsonb(lad_new) ELSE to_jsonb(lad_new) - e.same END AS a
                         FROM lad_old FULL JOIN lad_new ON %5$s
                         CROSS JOIN LATERAL (SELECT array_remove(ARRAY[%6$s], NULL) AS same) e)
                   INSERT INTO audit_log (actor, table_name, op, row_key, before, after)
                   SELECT $1, %7$L, %8$L, d.k, d.b%9$s, d.a%10$s FROM d
                   WHERE d.b IS DISTINCT FROM %11$L OR d.a IS DISTINCT FROM %11$L',
                  array_to_string(cols, ', '), pk[1],
                  key_o, key_n,
                  join_on, array_to_string(same, ', '),
                  (SELECT relname FROM pg_class WHERE oid = rel), op,
                  redact_b, redact_a, '{}');
END $$;

-- The trigger function: AFTER … FOR EACH STATEMENT, with transition tables
-- new_rows and/or old_rows; its arguments name the columns to redact. No
-- JIT: the transition tables have no statistics, and compiling a big
-- estimate's plan costs more than running it.
CREATE FUNCTION lad_audit() RETURNS trigger LANGUAGE plpgsql SET jit = off AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        INSERT INTO audit_log (actor, table_name, op) VALUES (lad_audit_actor(), TG_TABLE_NAME, 'TRUNCATE');
    ELSE
        EXECUTE lad_audit_sql(TG_RELID, TG_OP, coalesce(TG_ARGV, '{}')) USING lad_audit_actor();
    END IF;
    RETURN NULL;
END $$;

-- Audits every write to tbl from now on: INSERT, UPDATE and DELETE (one
-- statement trigger each, as transition tables require) and TRUNCATE. The
-- values of the columns named in redact are never stored. Later migrations
-- call it for new tables: SELECT lad_audit_attach('my_table', 'secret_col').
CREATE FUNCTION lad_audit_attach(tbl regclass, VARIADIC redact text[] DEFAULT '{}') RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    args text := coalesce((SELECT string_agg(quote_literal(r), ', ') FROM unnest(redact) r), '');
    name text := (SELECT relname FROM pg_class WHERE oid = tbl);
    missing text;
BEGIN
    SELECT string_agg(r, ', ') INTO missing FROM unnest(redact) r
    WHERE NOT EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = tbl AND a.attname = r AND NOT a.attisdropped);
    IF missing IS NOT NULL THEN
        RAISE EXCEPTION 'lad_audit_attach(%): no column %', tbl, missing;
    END IF;
    PERFORM lad_audit_sql(tbl, 'UPDATE', redact); -- refuses a table without a primary key
    EXECUTE format('CREATE TRIGGER %I AFTER INSERT ON %s REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION lad_audit(%s)',
                   name || '_audit_ins', tbl, args);
    EXECUTE format('CREATE TRIGGER %I AFTER UPDATE ON %s REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION lad_audit(%s)',
                   name || '_audit_upd', tbl, args);
    EXECUTE format('CREATE TRIGGER %I AFTER DELETE ON %s REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION lad_audit(%s)',
                   name || '_audit_del', tbl, args);
    EXECUTE format('CREATE TRIGGER %I AFTER TRUNCATE ON %s FOR EACH STATEMENT EXECUTE FUNCTION lad_audit(%s)',
                   name || '_audit_trunc', tbl, args);
END $$;

-- Plans (and landscape resolutions, the plans of advertising).
SELECT lad_audit_attach('plan');
SELECT lad_audit_attach('plan_document');
SELECT lad_audit_attach('plan_zone');
SELECT lad_audit_attach('plan_regulation');
SELECT lad_audit_attach('landscape_resolution');
SELECT lad_audit_attach('landscape_zone');
SELECT lad_audit_attach('landscape_rule');
-- Permits, their parcels and investors.
SELECT lad_audit_attach('permit');
SELECT lad_audit_attach('permit_parcel');
SELECT lad_audit_attach('permit_private', 'investor_name');
-- Advertising and enforcement records.
SELECT lad_audit_attach('ad_carrier');
SELECT lad_audit_attach('ad_carrier_private', 'owner_name', 'owner_address');
SELECT lad_audit_attach('inspection');
SELECT lad_audit_attach('inspection_photo');
SELECT lad_audit_attach('enforcement_case');
SELECT lad_audit_attach('penalty');
SELECT lad_audit_attach('ad_fee_rate');
-- Consultations, residents' comments and the answers to them.
SELECT lad_audit_attach('consultation');
SELECT lad_audit_attach('consultation_comment');
SELECT lad_audit_attach('consultation_comment_author', 'full_name', 'address', 'email');
-- Accounts and API tokens (sessions are not: they come and go with every
-- sign-in and hold nothing but secrets).
SELECT lad_audit_attach('app_user', 'password_hash');
SELECT lad_audit_attach('api_token', 'token_hash');
