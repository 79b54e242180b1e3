package ingest

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/paulmach/orb"
	"github.com/twpayne/go-geom"

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
	sink := &parcelSink{b: b}
	gr := NewGeoJSONReader(r, b.opts.SRID)
	if err := b.eachFeature(gr, func(f *Feature) error {
		reject := func(field, reason string) error {
			return b.reject(ctx, Rejection{FeatureID: f.ID, Line: f.Index, Field: field, Reason: reason})
		}
		id, err := parcelIDOf(f.Properties, b.opts.Mapping)
		if err != nil {
			return reject("teryt", err.Error())
		}
		if b.opts.TERC != "" && id.TERC() != b.opts.TERC {
			return reject("teryt", fmt.Sprintf("parcel %s lies in municipality %s, not in %s given for this batch", id, id.TERC(), b.opts.TERC))
		}
		if f.GeomErr != nil {
			return reject("geometry", f.GeomErr.Error())
		}
		return sink.add(ctx, f.Index, f.ID, id, f.Geometry, gr.SRID())
	}); err != nil {
		return err
	}
	return sink.finish(ctx, gr.SRID())
}

// parcelSink takes a file's parcels one by one. A city's first load (the
// parcel table empty, the file in EPSG:2180) goes straight into
// the table with one COPY that runs while the file is read, and is
// validated there afterwards (sql/ingest/parcels.sql, first_*): the
// database stores rows on one core while Go decodes on the other, and no
// row is written twice. Every other load goes through the stage, which
// validates before it merges by TERYT id.
type parcelSink struct {
	b       *batch
	decided bool
	st      *stage // the general path
	// The first load: rows COPYed into parcel with id = offset + line, so
	// that a row found defective later names its line.
	first   *copyStream
	offset  int64
	restore func(context.Context) error
}

// add takes one parcel: its line (feature index or GML line), feature id,
// TERYT id and geometry in EPSG:srid.
func (p *parcelSink) add(ctx context.Context, line int, fid string, id ParcelID, g orb.Geometry, srid int) error {
	if !p.decided {
		if err := p.decide(ctx, srid); err != nil {
			return err
		}
	}
	reject := func(field, reason string) error {
		return p.b.reject(ctx, Rejection{FeatureID: fid, Line: line, Field: field, Reason: reason})
	}
	mp, why := multiPolygon(g)
	if why != "" {
		return reject("geometry", why)
	}
	if p.first == nil {
		w, err := encodeWKB(mp) // also rejects what PostGIS cannot read
		if err != nil {
			return reject("geometry", "geometry: "+err.Error())
		}
		return p.st.add(ctx, []any{line, fid, id.String(), w, nil})
	}
	if d := geometryDefect(mp); d != "" {
		return reject("geometry", "geometry: "+d)
	}
	if srid != 2180 {
		return reject("geometry", fmt.Sprintf("EPSG:%d differs from the file's EPSG:2180", srid))
	}
	if mp = nonEmpty(mp); len(mp) == 0 {
		return reject("geometry", "empty geometry")
	}
	number := id.Number
	if id.Sheet != "" {
		number = id.Sheet + "." + id.Number
	}
	if err := p.first.send(ctx, []any{p.offset + int64(line), id.String(), id.TERC(), id.Obreb, number, flatMultiPolygon(mp, 2180), p.b.batchID}); err != nil {
		return fmt.Errorf("load parcels: %w", err)
	}
	return nil
}

// decide takes the first load's path when the parcel table is empty
// (checked under the lock that the bulk load needs anyway) and the file
// is in EPSG:2180, the CRS of the table.
func (p *parcelSink) decide(ctx context.Context, srid int) error {
	p.decided = true
	tx := p.b.tx
	empty := false
	if srid == 2180 {
		// Looked at without a lock first: a load into a filled table must
		// not keep readers waiting.
		if err := tx.QueryRow(ctx, parcelsSQL["first_empty"]).Scan(&empty); err != nil {
			return fmt.Errorf("look at parcels: %w", err)
		}
		if empty {
			if _, err := tx.Exec(ctx, parcelsSQL["first_lock"]); err != nil {
				return fmt.Errorf("lock parcels: %w", err)
			}
			if err := tx.QueryRow(ctx, parcelsSQL["first_empty"]).Scan(&empty); err != nil {
				return fmt.Errorf("look at parcels: %w", err)
			}
		}
	}
	if !empty {
		st, err := newStage(ctx, p.b)
		p.st = st
		return err
	}
	if err := tx.QueryRow(ctx, parcelsSQL["first_offset"]).Scan(&p.offset); err != nil {
		return fmt.Errorf("parcel ids: %w", err)
	}
	restore, err := p.b.unindex(ctx, "parcel", unindexOptions{checks: true, unique: true})
	if err != nil {
		return err
	}
	p.restore = restore
	p.first = p.b.startCopy(ctx, "parcel", []string{"id", "teryt", "terc", "obreb", "number", "geom", "batch_id"})
	return nil
}

// finish validates and merges what add took, then locates the permits
// that were waiting for these parcels.
func (p *parcelSink) finish(ctx context.Context, srid int) error {
	if !p.decided {
		if err := p.decide(ctx, 0); err != nil { // nothing read: the general path, with nothing staged
			return err
		}
	}
	if p.first != nil {
		if err := p.finishFirst(ctx); err != nil {
			return err
		}
	} else if err := mergeParcels(ctx, p.b, p.st, srid); err != nil {
		return err
	}
	if _, err := p.b.tx.Exec(ctx, "SELECT lad_locate_permits()"); err != nil {
		return fmt.Errorf("locate permits on new parcels: %w", err)
	}
	return nil
}

// finishFirst validates the rows of a first load where they landed: the
// defective ones are rejected (or repaired) with their line, duplicates of
// a TERYT id after the first are rejected, then the constraints and
// indexes come back.
func (p *parcelSink) finishFirst(ctx context.Context) error {
	b, tx := p.b, p.b.tx
	if err := p.first.end(); err != nil {
		return fmt.Errorf("load parcels: %w", err)
	}
	ids := func(lines []int32) []int64 {
		out := make([]int64, len(lines))
		for i, l := range lines {
			out[i] = p.offset + int64(l)
		}
		return out
	}
	// The validity scan is the costliest read: parallel workers share it.
	if _, err := tx.Exec(ctx, "SET LOCAL max_parallel_workers_per_gather = 2"); err != nil {
		return err
	}
	bad, err := b.collectRejections(ctx, parcelsSQL["first_invalid"], p.offset, b.opts.Repair)
	if err != nil {
		return err
	}
	if len(bad) > 0 && b.opts.Repair {
		if _, err := tx.Exec(ctx, parcelsSQL["first_repair"], ids(bad)); err != nil {
			return fmt.Errorf("repair invalid geometries: %w", err)
		}
		if bad, err = b.collectRejections(ctx, parcelsSQL["first_unrepaired"], p.offset, ids(bad)); err != nil {
			return err
		}
	}
	if len(bad) > 0 {
		if _, err := tx.Exec(ctx, parcelsSQL["first_drop"], ids(bad)); err != nil {
			return fmt.Errorf("drop invalid geometries: %w", err)
		}
	}
	if _, err := tx.Exec(ctx, "SET LOCAL max_parallel_workers_per_gather TO DEFAULT"); err != nil {
		return err
	}
	// Duplicate TERYT ids are rare: putting the unique constraint back
	// (first, in a savepoint) finds whether there are any, and only then
	// are they looked for, rejected and dropped.
	if err := p.restoreOr(ctx, func() error {
		dups, err := b.collectRejections(ctx, parcelsSQL["first_duplicates"], p.offset)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, parcelsSQL["first_drop"], ids(dups)); err != nil {
			return fmt.Errorf("drop duplicates: %w", err)
		}
		return nil
	}); err != nil {
		return err
	}
	var n, last int64
	if err := tx.QueryRow(ctx, parcelsSQL["first_done"], p.offset).Scan(&n, &last); err != nil {
		return fmt.Errorf("count parcels: %w", err)
	}
	b.report.Inserted += int(n)
	return nil
}

// restoreOr puts the table's constraints and indexes back in a savepoint;
// when a unique constraint fails, it rolls back to the savepoint, runs
// dedupe and puts them back again.
func (p *parcelSink) restoreOr(ctx context.Context, dedupe func() error) error {
	sp, err := p.b.tx.Begin(ctx)
	if err != nil {
		return err
	}
	err = p.restore(ctx)
	if err == nil {
		return sp.Commit(ctx)
	}
	if rerr := sp.Rollback(ctx); rerr != nil {
		return rerr
	}
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "23505" { // unique_violation
		return err
	}
	if err := dedupe(); err != nil {
		return err
	}
	return p.restore(ctx)
}

// nonEmpty drops the polygons without rings.
func nonEmpty(mp orb.MultiPolygon) orb.MultiPolygon {
	for _, p := range mp {
		if len(p) == 0 {
			out := make(orb.MultiPolygon, 0, len(mp))
			for _, p := range mp {
				if len(p) > 0 {
					out = append(out, p)
				}
			}
			return out
		}
	}
	return mp
}

// flatMultiPolygon is mp as a go-geom geometry, which pgx-geom writes as
// EWKB.
func flatMultiPolygon(mp orb.MultiPolygon, srid int) *geom.MultiPolygon {
	n, rings := 0, 0
	for _, poly := range mp {
		rings += len(poly)
		for _, r := range poly {
			n += len(r)
		}
	}
	flat := make([]float64, 0, 2*n)
	endss := make([][]int, len(mp))
	ends := make([]int, 0, rings)
	for i, poly := range mp {
		start := len(ends)
		for _, r := range poly {
			for _, pt := range r {
				flat = append(flat, pt[0], pt[1])
			}
			ends = append(ends, len(flat))
		}
		endss[i] = ends[start:len(ends):len(ends)]
	}
	out := geom.NewMultiPolygonFlat(geom.XY, flat, endss)
	out.SetSRID(srid)
	return out
}

// mergeParcels validates the staged parcels and merges them by TERYT id.
func mergeParcels(ctx context.Context, b *batch, st *stage, srid int) error {
	if err := st.finish(ctx, srid, 3); err != nil {
		return err
	}
	var ins, upd int
	if err := st.bulk(ctx, []bulkTable{{"parcel", unindexOptions{checks: !st.transformed}}}, func() error {
		return b.tx.QueryRow(ctx, parcelsSQL["merge"], b.batchID).Scan(&ins, &upd)
	}); err != nil {
		return fmt.Errorf("merge parcels: %w", err)
	}
	return st.settle(ctx, ins, upd)
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

// multiPolygon is a polygonal geometry as a MultiPolygon, or why it is not
// one.
func multiPolygon(g orb.Geometry) (orb.MultiPolygon, string) {
	switch g := g.(type) {
	case orb.Polygon:
		return orb.MultiPolygon{g}, ""
	case orb.MultiPolygon:
		return g, ""
	case nil:
		return nil, "no geometry"
	}
	return nil, fmt.Sprintf("a polygon was expected, got %s", g.GeoJSONType())
}
