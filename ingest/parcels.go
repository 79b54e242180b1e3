package ingest

import (
	"context"
	"fmt"
	"io"

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
	if err := st.bulk(ctx, "parcel", func(empty bool) error {
		if !empty {
			return b.tx.QueryRow(ctx, parcelsSQL["merge"], b.batchID).Scan(&ins, &upd)
		}
		tag, err := b.tx.Exec(ctx, parcelsSQL["insert"], b.batchID)
		ins = int(tag.RowsAffected())
		return err
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
