package ingest

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"

	ladsql "github.com/ladgis/lad/sql"
)

var (
	stageSQL   = mustNamed("stage.sql")
	parcelsSQL = mustNamed("parcels.sql")
)

// mustNamed reads a file of named statements embedded from sql/ingest.
func mustNamed(file string) map[string]string { return ladsql.MustNamed(ladsql.Ingest(), file) }

// Property names under which parcel files carry the TERYT id: ład's own,
// ULDK's, the EGiB/GUGiK exports' and common city exports'.
var parcelIDProps = []string{"teryt", "id", "ID_DZIALKI", "idDzialki", "identyfikator", "parcel_id", "TERYT"}

// loadParcelsGeoJSON reads parcel polygons with their TERYT ids.
func loadParcelsGeoJSON(ctx context.Context, b *batch, r io.Reader) error {
	st, err := newStage(ctx, b)
	if err != nil {
		return err
	}
	gr := NewGeoJSONReader(r, b.opts.SRID)
	if err := b.eachFeature(gr, func(f *Feature) error {
		id, err := parcelIDOf(f.Properties, b.opts.Mapping)
		if err != nil {
			if err := b.reject(ctx, Rejection{FeatureID: f.ID, Line: f.Index, Field: "teryt", Reason: err.Error()}); err != nil {
				return err
			}
			return nil
		}
		if b.opts.TERC != "" && id.TERC() != b.opts.TERC {
			if err := b.reject(ctx, Rejection{FeatureID: f.ID, Line: f.Index, Field: "teryt",
				Reason: fmt.Sprintf("parcel %s lies in municipality %s, not in %s given for this batch", id, id.TERC(), b.opts.TERC)}); err != nil {
				return err
			}
			return nil
		}
		return st.addPolygon(ctx, f, id.String(), nil)
	}); err != nil {
		return err
	}
	return mergeParcels(ctx, b, st, gr.SRID())
}

// mergeParcels validates the staged parcels, merges them by TERYT id and
// locates the permits that were waiting for them.
func mergeParcels(ctx context.Context, b *batch, st *stage, srid int) error {
	if err := st.finish(ctx, srid, 3); err != nil {
		return err
	}
	var ins, upd int
	if err := st.bulk(ctx, "parcel", func() error {
		return b.tx.QueryRow(ctx, parcelsSQL["merge"], b.batchID).Scan(&ins, &upd)
	}); err != nil {
		return fmt.Errorf("merge parcels: %w", err)
	}
	if err := st.settle(ctx, ins, upd); err != nil {
		return err
	}
	if _, err := b.tx.Exec(ctx, "SELECT lad_locate_permits()"); err != nil {
		return fmt.Errorf("locate permits on new parcels: %w", err)
	}
	return nil
}

// parcelIDOf finds the TERYT id in a feature's properties: a full id, or
// its unit, obręb and number in separate properties.
func parcelIDOf(props map[string]any, mapping map[string]string) (ParcelID, error) {
	if s := prop(props, mapping, "teryt", parcelIDProps...); s != "" {
		return ParseParcelID(s)
	}
	unit := prop(props, mapping, "unit", "teryt_unit", "jednostka", "jednostki_numer")
	obreb := prop(props, mapping, "obreb", "region", "obreb_numer")
	number := prop(props, mapping, "number", "parcelNumber", "numer_dzialki", "numer")
	if unit == "" || number == "" {
		return ParcelID{}, fmt.Errorf("no TERYT parcel id (looked for %v, or unit + obreb + number)", parcelIDProps)
	}
	return NewParcelID(unit, obreb, prop(props, mapping, "sheet", "arkusz", "numer_arkusza_dzialki"), number)
}

// polygonWKB encodes a polygonal feature geometry, or says why it cannot.
func polygonWKB(f *Feature) ([]byte, string) {
	if f.GeomErr != nil {
		return nil, f.GeomErr.Error()
	}
	switch f.Geometry.(type) {
	case orb.Polygon, orb.MultiPolygon:
	default:
		return nil, fmt.Sprintf("a polygon was expected, got %s", f.Geometry.GeoJSONType())
	}
	w, err := encodeWKB(f.Geometry)
	if err != nil {
		return nil, fmt.Sprintf("geometry: %v", err)
	}
	return w, ""
}

// stage buffers records and COPYs them into the batch's staging table.
type stage struct {
	b    *batch
	rows [][]any
	// allowRepeatedKeys: several rows may share a key (one case × many
	// parcels); they are grouped by the merge instead of rejected.
	allowRepeatedKeys bool
}

const stageFlush = 5000

func newStage(ctx context.Context, b *batch) (*stage, error) {
	if _, err := b.tx.Exec(ctx, stageSQL["create"]); err != nil {
		return nil, fmt.Errorf("create staging table: %w", err)
	}
	return &stage{b: b}, nil
}

// add queues one row: line, fid, key, wkb, attrs (jsonb-able or nil).
func (s *stage) add(ctx context.Context, row []any) error {
	s.rows = append(s.rows, row)
	if len(s.rows) >= stageFlush {
		return s.flush(ctx)
	}
	return nil
}

func (s *stage) flush(ctx context.Context) error {
	if len(s.rows) == 0 {
		return nil
	}
	_, err := s.b.tx.CopyFrom(ctx, pgx.Identifier{"stage"}, []string{"line", "fid", "key", "wkb", "attrs"}, pgx.CopyFromRows(s.rows))
	if err != nil {
		return fmt.Errorf("stage records: %w", err)
	}
	s.rows = s.rows[:0]
	return nil
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
// row at a time. Readers of the (empty) table wait for the commit.
func (s *stage) bulk(ctx context.Context, table string, merge func() error) error {
	tx := s.b.tx
	var n int
	var empty bool
	if err := tx.QueryRow(ctx, "SELECT (SELECT count(*) FROM stage WHERE ok), NOT EXISTS (SELECT 1 FROM "+pgx.Identifier{table}.Sanitize()+")").Scan(&n, &empty); err != nil {
		return err
	}
	if !empty || n < bulkRows {
		return merge()
	}
	rows, err := tx.Query(ctx, stageSQL["secondary_indexes"], table)
	if err != nil {
		return err
	}
	indexes, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) ([2]string, error) {
		var v [2]string
		return v, r.Scan(&v[0], &v[1])
	})
	if err != nil {
		return err
	}
	for _, ix := range indexes {
		// Names and definitions come from the catalogue (pg_index), not
		// from input.
		if _, err := tx.Exec(ctx, "DROP INDEX "+ix[0]); err != nil {
			return fmt.Errorf("bulk load: drop index %s: %w", ix[0], err)
		}
	}
	if err := merge(); err != nil {
		return err
	}
	for _, ix := range indexes {
		if _, err := tx.Exec(ctx, ix[1]); err != nil {
			return fmt.Errorf("bulk load: build index %s: %w", ix[0], err)
		}
	}
	s.b.log.Debug("bulk load: indexes built after the insert", "table", table, "rows", n, "indexes", len(indexes))
	return nil
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
