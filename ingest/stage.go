package ingest

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
)

// stage holds a batch's records in its staging table (a temporary table,
// see sql/ingest/stage.sql) for set-based validation before the merge into
// the domain tables. Records stream in with one COPY (copyStream) that runs
// while the loader is still reading the file.
type stage struct {
	b *batch
	// allowRepeatedKeys: several rows may share a key (one case × many
	// parcels); they are grouped by the merge instead of rejected.
	allowRepeatedKeys bool
	copy              *copyStream // the running COPY, or nil

	// transformed: the staged geometries were transformed to EPSG:2180
	// after validation (their validity in EPSG:2180 is not yet known).
	transformed bool
}

// stageColumns are the columns every loader stages.
var stageColumns = []string{"line", "fid", "key", "wkb", "attrs"}

func newStage(ctx context.Context, b *batch) (*stage, error) {
	if _, err := b.tx.Exec(ctx, stageSQL["create"]); err != nil {
		return nil, fmt.Errorf("create staging table: %w", err)
	}
	return &stage{b: b}, nil
}

// add queues one row: line, fid, key, wkb, attrs (jsonb-able or nil). The
// first row starts the COPY.
func (s *stage) add(ctx context.Context, row []any) error {
	if s.copy == nil {
		s.copy = s.b.startCopy(ctx, "stage", stageColumns)
	}
	if err := s.copy.send(ctx, row); err != nil {
		return fmt.Errorf("stage records: %w", err)
	}
	return nil
}

// flush ends the running COPY, if any: the database has every row, and the
// transaction is free for other statements.
func (s *stage) flush(ctx context.Context) error {
	if s.copy == nil {
		return nil
	}
	c := s.copy
	s.copy = nil
	if err := c.end(); err != nil {
		return fmt.Errorf("stage records: %w", err)
	}
	return nil
}

// copyStream is one COPY … FROM STDIN fed row by row while the file is
// still being read: decoding (Go) and storing (the database backend)
// overlap on two cores. Nothing else may use the batch's transaction while
// it runs, so rejections are kept in memory and written when the batch
// closes (batch.reject), and loaders that query the database mid-file end
// the stream first.
type copyStream struct {
	rows chan []any     // to the COPY; closed by end
	stop chan struct{}  // closed by abort
	done chan copyEnded // the COPY's end
	over *copyEnded     // the COPY's end, once received
}

type copyEnded struct {
	n   int64
	err error
}

// copyQueue bounds the records decoded ahead of the COPY.
const copyQueue = 1024

// errCopyAborted ends a COPY whose batch failed while it ran.
var errCopyAborted = errors.New("batch aborted while copying records")

// startCopy starts a COPY into table in its own goroutine; the batch ends
// or aborts it with the transaction.
func (b *batch) startCopy(ctx context.Context, table string, columns []string) *copyStream {
	c := &copyStream{rows: make(chan []any, copyQueue), stop: make(chan struct{}), done: make(chan copyEnded, 1)}
	src := &queueSource{rows: c.rows, stop: c.stop}
	go func(tx pgx.Tx) {
		n, err := tx.CopyFrom(ctx, pgx.Identifier{table}, columns, src)
		c.done <- copyEnded{n, err}
	}(b.tx)
	b.copies = append(b.copies, c)
	return c
}

// send queues one row.
func (c *copyStream) send(ctx context.Context, row []any) error {
	if c.over != nil {
		return c.ended()
	}
	select {
	case c.rows <- row:
		return nil
	case end := <-c.done:
		// The COPY ended early: the database refused a row.
		c.over = &end
		return c.ended()
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (c *copyStream) ended() error {
	if c.over.err != nil {
		return c.over.err
	}
	return errors.New("the COPY ended early")
}

// end closes the stream and waits until the database has every row.
func (c *copyStream) end() error {
	if c.over == nil {
		close(c.rows)
		end := <-c.done
		c.over = &end
		return end.err
	}
	return c.over.err
}

// abort ends the COPY without its rows (the batch failed): the database is
// told the COPY failed, and the transaction can roll back.
func (c *copyStream) abort() {
	if c.over == nil {
		close(c.stop)
		end := <-c.done
		c.over = &end
	}
}

// queueSource feeds a COPY from a channel of rows.
type queueSource struct {
	rows <-chan []any
	stop <-chan struct{}
	cur  []any
	err  error
}

func (q *queueSource) Next() bool {
	select {
	case r, ok := <-q.rows:
		q.cur = r
		return ok
	case <-q.stop:
		q.err = errCopyAborted
		return false
	}
}

func (q *queueSource) Values() ([]any, error) { return q.cur, nil }
func (q *queueSource) Err() error             { return q.err }

// polygonWKB encodes a polygonal feature geometry, or says why it cannot.
func polygonWKB(f *Feature) ([]byte, string) {
	if f.GeomErr != nil {
		return nil, f.GeomErr.Error()
	}
	if _, why := multiPolygon(f.Geometry); why != "" {
		return nil, why
	}
	w, err := encodeWKB(f.Geometry)
	if err != nil {
		return nil, fmt.Sprintf("geometry: %v", err)
	}
	return w, ""
}

// addPolygon stages a polygonal feature under its key, or rejects it with
// the reason its geometry cannot be used.
func (s *stage) addPolygon(ctx context.Context, f *Feature, key string, attrs map[string]any) error {
	w, reason := polygonWKB(f)
	if reason != "" {
		return s.b.reject(ctx, Rejection{FeatureID: f.ID, Line: f.Index, Field: "geometry", Reason: reason})
	}
	var a any
	if attrs != nil {
		a = attrs
	}
	return s.add(ctx, []any{f.Index, f.ID, key, w, a})
}

// keep stages a record, or rejects it with its problems joined.
func (s *stage) keep(ctx context.Context, line int, fid string, problems []string, row []any) error {
	if len(problems) > 0 {
		return s.b.reject(ctx, Rejection{Line: line, FeatureID: fid, Reason: strings.Join(problems, "; ")})
	}
	return s.add(ctx, row)
}

// finish flushes, then validates the staged geometries (dim: 3 polygons,
// 2 lines, 1 points) and keys, recording every defect, and transforms the
// good ones to EPSG:2180.
func (s *stage) finish(ctx context.Context, srid, dim int) error {
	if err := s.flush(ctx); err != nil {
		return err
	}
	tx, b := s.b.tx, s.b
	if _, err := tx.Exec(ctx, stageSQL["set_geom"], srid); err != nil {
		return fmt.Errorf("read staged geometries (EPSG:%d): %w", srid, err)
	}
	// Each check lists the defective records (reasons in the batch log);
	// only when it found some are they dropped (or repaired) — the common,
	// clean file costs one scan per check.
	bad, err := b.collectRejections(ctx, stageSQL["invalid"], b.opts.Repair)
	if err != nil {
		return err
	}
	if len(bad) > 0 {
		step, args := "drop", []any{bad}
		if b.opts.Repair {
			step, args = "repair", []any{dim, bad}
		}
		if _, err := tx.Exec(ctx, stageSQL[step], args...); err != nil {
			return fmt.Errorf("%s invalid geometries: %w", step, err)
		}
	}
	checks := []string{"empty"}
	if !s.allowRepeatedKeys {
		checks = append(checks, "duplicates")
	}
	for _, q := range checks {
		bad, err := b.collectRejections(ctx, stageSQL[q])
		if err != nil {
			return err
		}
		if len(bad) == 0 {
			continue
		}
		if _, err := tx.Exec(ctx, stageSQL["drop"], bad); err != nil {
			return fmt.Errorf("drop %s: %w", q, err)
		}
	}
	s.transformed = srid != 2180
	if _, err := tx.Exec(ctx, stageSQL["to_2180"]); err != nil {
		return fmt.Errorf("transform to EPSG:2180: %w", err)
	}
	return nil
}

// bulkRows is the size from which a load into an empty table drops the
// table's secondary indexes and builds them again after the insert.
const bulkRows = 20000

// bulkTable is a table a merge fills and what a bulk load may take off it.
type bulkTable struct {
	name string
	off  unindexOptions
}

// bulk runs merge; when its tables are all empty and the batch large (a
// city's first load), they are unindexed for the insert (batch.unindex) —
// the stage has validated the rows.
func (s *stage) bulk(ctx context.Context, tables []bulkTable, merge func() error) error {
	var n int
	if err := s.b.tx.QueryRow(ctx, stageSQL["count_ok"]).Scan(&n); err != nil {
		return err
	}
	if n < bulkRows {
		return merge()
	}
	for _, t := range tables {
		var empty bool
		// Table names come from the loaders' code, never from input.
		if err := s.b.tx.QueryRow(ctx, "SELECT NOT EXISTS (SELECT 1 FROM "+pgx.Identifier{t.name}.Sanitize()+")").Scan(&empty); err != nil {
			return err
		}
		if !empty {
			return merge()
		}
	}
	var restores []func(context.Context) error
	for _, t := range tables {
		restore, err := s.b.unindex(ctx, t.name, t.off)
		if err != nil {
			return err
		}
		restores = append(restores, restore)
	}
	if err := merge(); err != nil {
		return err
	}
	for _, restore := range restores {
		if err := restore(ctx); err != nil {
			return err
		}
	}
	return nil
}

// unindexOptions say what batch.unindex takes off besides the non-unique
// indexes.
type unindexOptions struct {
	checks bool // geometry validity checks (lad_valid_geom)
	unique bool // unique constraints (the caller removes duplicates first)
	fks    bool // foreign keys (the merge builds the rows by joining the tables they reference)
}

// unindex prepares an empty table for a bulk load in the batch's
// transaction: it drops the non-unique indexes (and, as asked, the
// geometry validity checks, unique constraints and foreign keys), and
// returns the step that puts them back — indexes built once, which is
// about ten times faster than growing a GIST index a row at a time;
// checks and foreign keys added back NOT VALID (the loader validated the
// rows with the same predicate, or built them from the referenced rows;
// both hold every later write and keep their actions); unique constraints
// rebuilt, which verifies them. Readers of the (empty) table wait for the
// commit.
func (b *batch) unindex(ctx context.Context, table string, o unindexOptions) (func(context.Context) error, error) {
	tx := b.tx
	indexes, err := catalogPairs(ctx, tx, stageSQL["secondary_indexes"], table)
	if err != nil {
		return nil, err
	}
	var constraints [][2]string
	if o.checks {
		checks, err := catalogPairs(ctx, tx, stageSQL["validity_checks"], table)
		if err != nil {
			return nil, err
		}
		constraints = append(constraints, checks...)
	}
	if o.unique {
		uniques, err := catalogPairs(ctx, tx, stageSQL["unique_constraints"], table)
		if err != nil {
			return nil, err
		}
		constraints = append(constraints, uniques...)
	}
	if o.fks {
		fks, err := catalogPairs(ctx, tx, stageSQL["foreign_keys"], table)
		if err != nil {
			return nil, err
		}
		constraints = append(constraints, fks...)
	}
	// Names and definitions below come from the catalogue (pg_index,
	// pg_constraint), never from input.
	tbl := pgx.Identifier{table}.Sanitize()
	for _, ix := range indexes {
		if _, err := tx.Exec(ctx, "DROP INDEX "+ix[0]); err != nil {
			return nil, fmt.Errorf("bulk load: drop index %s: %w", ix[0], err)
		}
	}
	for _, c := range constraints {
		if _, err := tx.Exec(ctx, "ALTER TABLE "+tbl+" DROP CONSTRAINT "+c[0]); err != nil {
			return nil, fmt.Errorf("bulk load: drop constraint %s: %w", c[0], err)
		}
	}
	return func(ctx context.Context) error {
		for _, c := range constraints {
			def := c[1]
			if strings.HasPrefix(def, "CHECK") || strings.HasPrefix(def, "FOREIGN KEY") {
				def += " NOT VALID"
			}
			if _, err := tx.Exec(ctx, "ALTER TABLE "+tbl+" ADD CONSTRAINT "+c[0]+" "+def); err != nil {
				return fmt.Errorf("bulk load: add constraint %s: %w", c[0], err)
			}
		}
		for _, ix := range indexes {
			if _, err := tx.Exec(ctx, ix[1]); err != nil {
				return fmt.Errorf("bulk load: build index %s: %w", ix[0], err)
			}
		}
		b.log.Debug("bulk load: indexes and constraints back", "table", table, "indexes", len(indexes), "constraints", len(constraints))
		return nil
	}, nil
}

// catalogPairs reads two text columns (name, definition) of a catalogue
// query about table.
func catalogPairs(ctx context.Context, tx pgx.Tx, query, table string) ([][2]string, error) {
	rows, err := tx.Query(ctx, query, table)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) ([2]string, error) {
		var v [2]string
		return v, r.Scan(&v[0], &v[1])
	})
}

// settle fills the report's counts after a merge.
func (s *stage) settle(ctx context.Context, inserted, updated int) error {
	var ok int
	if err := s.b.tx.QueryRow(ctx, stageSQL["count_ok"]).Scan(&ok); err != nil {
		return fmt.Errorf("count staged records: %w", err)
	}
	s.b.report.Inserted += inserted
	s.b.report.Updated += updated
	s.b.report.Unchanged += ok - inserted - updated
	return nil
}
