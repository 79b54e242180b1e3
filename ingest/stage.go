package ingest

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
)

// stage streams a batch's records into its staging table (a temporary
// table, see sql/ingest/stage.sql) with one COPY that runs while the
// loader is still reading the file: decoding (Go) and storing (the
// database backend) overlap on two cores. Nothing else may use the batch's
// transaction while the COPY runs, so rejections are kept in memory and
// written when the batch closes (batch.reject), and loaders that query the
// database mid-file end the stream first (flush).
type stage struct {
	b *batch
	// allowRepeatedKeys: several rows may share a key (one case × many
	// parcels); they are grouped by the merge instead of rejected.
	allowRepeatedKeys bool

	rows chan []any     // to the running COPY; nil when none runs
	stop chan struct{}  // closed to abort the running COPY
	done chan copyEnded // the COPY's end

	// transformed: the staged geometries were transformed to EPSG:2180
	// after validation (their validity in EPSG:2180 is not yet known).
	transformed bool
}

type copyEnded struct {
	n   int64
	err error
}

// stageColumns are the columns every loader stages.
var stageColumns = []string{"line", "fid", "key", "wkb", "attrs"}

// stageQueue bounds the records decoded ahead of the COPY.
const stageQueue = 1024

// errStageAborted ends a COPY whose batch failed while it ran.
var errStageAborted = errors.New("batch aborted while staging records")

func newStage(ctx context.Context, b *batch) (*stage, error) {
	if _, err := b.tx.Exec(ctx, stageSQL["create"]); err != nil {
		return nil, fmt.Errorf("create staging table: %w", err)
	}
	s := &stage{b: b}
	b.stages = append(b.stages, s)
	return s, nil
}

// add queues one row: line, fid, key, wkb, attrs (jsonb-able or nil). The
// first row starts the COPY.
func (s *stage) add(ctx context.Context, row []any) error {
	if s.rows == nil {
		s.start(ctx)
	}
	select {
	case s.rows <- row:
		return nil
	case end := <-s.done:
		// The COPY ended early: the database refused a row.
		s.rows, s.done = nil, nil
		if end.err == nil {
			end.err = errors.New("the COPY ended early")
		}
		return fmt.Errorf("stage records: %w", end.err)
	case <-ctx.Done():
		return ctx.Err()
	}
}

// start runs the COPY in its own goroutine, fed by add.
func (s *stage) start(ctx context.Context) {
	s.rows = make(chan []any, stageQueue)
	s.stop = make(chan struct{})
	s.done = make(chan copyEnded, 1)
	src := &queueSource{rows: s.rows, stop: s.stop}
	go func(tx pgx.Tx, done chan<- copyEnded) {
		n, err := tx.CopyFrom(ctx, pgx.Identifier{"stage"}, stageColumns, src)
		done <- copyEnded{n, err}
	}(s.b.tx, s.done)
}

// flush ends the running COPY, if any, and waits until the database has
// every row; the transaction is free again afterwards.
func (s *stage) flush(ctx context.Context) error {
	if s.rows == nil {
		return nil
	}
	close(s.rows)
	end := <-s.done
	s.rows, s.done = nil, nil
	if end.err != nil {
		return fmt.Errorf("stage records: %w", end.err)
	}
	return nil
}

// abort ends a running COPY without its rows (the batch failed): the
// database is told the COPY failed, and the transaction can roll back.
func (s *stage) abort() {
	if s.rows == nil {
		return
	}
	close(s.stop)
	<-s.done
	s.rows, s.done = nil, nil
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
		q.err = errStageAborted
		return false
	}
}

func (q *queueSource) Values() ([]any, error) { return q.cur, nil }
func (q *queueSource) Err() error             { return q.err }

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

// bulk runs merge; when the table is empty and the batch large (a city's
// first load of its parcels), it drops the table's non-unique indexes
// first and builds them again afterwards in the same transaction —
// building a GIST index once is about ten times faster than growing it a
// row at a time. When the staged geometries were validated as they are
// stored (no transformation since), the table's geometry validity checks
// are added back NOT VALID instead of being evaluated again for every row:
// the stage checked the same predicate, and the checks stay enforced for
// every later write. Readers of the (empty) table wait for the commit.
// merge learns whether the table was empty (a plain INSERT will do).
func (s *stage) bulk(ctx context.Context, table string, merge func(empty bool) error) error {
	tx := s.b.tx
	var n int
	var empty bool
	if err := tx.QueryRow(ctx, "SELECT (SELECT count(*) FROM stage WHERE ok), NOT EXISTS (SELECT 1 FROM "+pgx.Identifier{table}.Sanitize()+")").Scan(&n, &empty); err != nil {
		return err
	}
	if !empty || n < bulkRows {
		return merge(empty)
	}
	indexes, err := catalogPairs(ctx, tx, stageSQL["secondary_indexes"], table)
	if err != nil {
		return err
	}
	var checks [][2]string
	if !s.transformed {
		if checks, err = catalogPairs(ctx, tx, stageSQL["validity_checks"], table); err != nil {
			return err
		}
	}
	// Names and definitions below come from the catalogue (pg_index,
	// pg_constraint), never from input.
	tbl := pgx.Identifier{table}.Sanitize()
	for _, ix := range indexes {
		if _, err := tx.Exec(ctx, "DROP INDEX "+ix[0]); err != nil {
			return fmt.Errorf("bulk load: drop index %s: %w", ix[0], err)
		}
	}
	for _, c := range checks {
		if _, err := tx.Exec(ctx, "ALTER TABLE "+tbl+" DROP CONSTRAINT "+c[0]); err != nil {
			return fmt.Errorf("bulk load: drop check %s: %w", c[0], err)
		}
	}
	if err := merge(true); err != nil {
		return err
	}
	for _, c := range checks {
		if _, err := tx.Exec(ctx, "ALTER TABLE "+tbl+" ADD CONSTRAINT "+c[0]+" "+c[1]+" NOT VALID"); err != nil {
			return fmt.Errorf("bulk load: add check %s: %w", c[0], err)
		}
	}
	for _, ix := range indexes {
		if _, err := tx.Exec(ctx, ix[1]); err != nil {
			return fmt.Errorf("bulk load: build index %s: %w", ix[0], err)
		}
	}
	s.b.log.Debug("bulk load: indexes built after the insert", "table", table, "rows", n, "indexes", len(indexes), "checks", len(checks))
	return nil
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
