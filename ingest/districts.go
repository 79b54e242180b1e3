package ingest

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
)

var districtsSQL = mustNamed("districts.sql")

// loadDistrictsGeoJSON reads the districts of the batch's municipality
// (Options.TERC); their kind comes from the mapping's "kind" (default
// osiedle), the municipality's name from the mapping's "municipality".
func loadDistrictsGeoJSON(ctx context.Context, b *batch, r io.Reader) error {
	terc := b.opts.TERC
	if terc == "" {
		return fmt.Errorf("districts: give the municipality's TERC (--municipality)")
	}
	kind := b.opts.Mapping["kind"]
	if kind == "" {
		kind = "osiedle"
	}
	muniName := b.opts.Mapping["municipality"]
	if muniName == "" {
		muniName = terc
	}
	if _, err := b.tx.Exec(ctx, districtsSQL["ensure_municipality"], terc, muniName); err != nil {
		return fmt.Errorf("record municipality %s: %w", terc, err)
	}
	st, err := newStage(ctx, b)
	if err != nil {
		return err
	}
	gr := NewGeoJSONReader(r, b.opts.SRID)
	if err := b.eachFeature(gr, func(f *Feature) error {
		name := strings.TrimSpace(prop(f.Properties, b.opts.Mapping, "name", "name", "nazwa", "NAZWA", "NAZWAOSIED", "Nazwa"))
		if name == "" {
			if err := b.reject(ctx, Rejection{FeatureID: f.ID, Line: f.Index, Field: "name", Reason: "district has no name"}); err != nil {
				return err
			}
			return nil
		}
		attrs := map[string]any{"code": prop(f.Properties, b.opts.Mapping, "code", "code", "kod", "REJON", "teryt")}
		if pop := prop(f.Properties, b.opts.Mapping, "population", "population", "ludnosc", "SUMA"); pop != "" {
			v, err := strconv.ParseFloat(pop, 64)
			if err != nil || v < 0 {
				if err := b.reject(ctx, Rejection{FeatureID: f.ID, Line: f.Index, Field: "population", Reason: fmt.Sprintf("population %q is not a number", pop)}); err != nil {
					return err
				}
				return nil
			}
			attrs["population"] = int(v)
		}
		return st.addPolygon(ctx, f, name, attrs)
	}); err != nil {
		return err
	}
	if err := st.finish(ctx, gr.SRID(), 3); err != nil {
		return err
	}
	var ins, upd int
	if err := b.tx.QueryRow(ctx, districtsSQL["merge"], b.batchID, terc, kind).Scan(&ins, &upd); err != nil {
		return fmt.Errorf("merge districts: %w", err)
	}
	if _, err := b.tx.Exec(ctx, districtsSQL["municipality_geom"], terc, kind); err != nil {
		return fmt.Errorf("municipality boundary from districts: %w", err)
	}
	return st.settle(ctx, ins, upd)
}
