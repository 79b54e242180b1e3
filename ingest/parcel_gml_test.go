package ingest

import (
	"context"
	"os"
	"strings"
	"testing"
)

// The same real parcels in the three GML shapes land exactly where the
// GeoJSON puts them (EPSG axis order honoured), a second load of each
// changes nothing, and the defects of the KIEG file are rejected with their
// feature and reason while the rest commits.
func TestParcelsFromGML(t *testing.T) {
	in, d := newIngester(t)
	ctx := context.Background()
	if _, err := in.File(ctx, KindParcels, "testdata/ozarow/parcels_uldk_slice_epsg2180.geojson", Options{}); err != nil {
		t.Fatal(err)
	}
	// The reference: areas and centroids as loaded from GeoJSON.
	if _, err := d.Pool.Exec(ctx, `CREATE TABLE ref AS SELECT teryt, ST_Area(geom) AS area, ST_Centroid(geom) AS c FROM parcel`); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		file           string
		read, rejected int
		reasons        []string
	}{
		{"egib_ozarow.gml", 4, 0, nil},
		{"inspire_cp_ozarow.gml", 4, 0, nil},
		{"kieg_wfs_ozarow.gml", 6, 2, []string{"dzialki.bad-id", "dzialki.bowtie", "Self-intersection"}},
	} {
		rep, err := in.File(ctx, KindParcels, "testdata/parcels-gml/"+c.file, Options{})
		if err != nil && !strings.Contains(err.Error(), "rejected") {
			t.Fatalf("%s: %v", c.file, err)
		}
		if rep.Format != FormatParcelGML || rep.Read != c.read || rep.Rejected != c.rejected || rep.Inserted != 0 {
			t.Errorf("%s: report %+v", c.file, rep)
		}
		var log strings.Builder
		for _, r := range rep.Rejections {
			log.WriteString(r.FeatureID + " " + r.Reason + "\n")
		}
		for _, want := range c.reasons {
			if !strings.Contains(log.String(), want) {
				t.Errorf("%s: rejections do not mention %q:\n%s", c.file, want, log.String())
			}
		}
		// Same parcels, same place: areas to 1 cm², centroids to 1 mm.
		if n := count(t, d, `SELECT count(*) FROM parcel p JOIN ref r USING (teryt)
			WHERE abs(ST_Area(p.geom) - r.area) < 0.0001 AND ST_Distance(ST_Centroid(p.geom), r.c) < 0.001`); n != 21 {
			t.Errorf("%s: %d of 21 parcels where the GeoJSON put them", c.file, n)
		}
		again, err := in.File(ctx, KindParcels, "testdata/parcels-gml/"+c.file, Options{})
		if (err != nil && c.rejected == 0) || again.Inserted+again.Updated != 0 {
			t.Errorf("%s again: %+v %v", c.file, again, err)
		}
	}
	if n := count(t, d, `SELECT count(*) FROM parcel`); n != 21 {
		t.Errorf("%d parcels, want 21 (nothing added, nothing lost)", n)
	}
}

func FuzzParcelGML(f *testing.F) {
	for _, name := range []string{"egib_ozarow.gml", "inspire_cp_ozarow.gml", "kieg_wfs_ozarow.gml"} {
		b, err := os.ReadFile("testdata/parcels-gml/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		_ = gmlFeatures(strings.NewReader(string(data)), func(n *node, line int) error {
			if parcelFeatureTypes[n.XMLName.Local] {
				_, _, _ = gmlGeometry(n, "EPSG:2180")
				for _, el := range parcelIDElements {
					_, _ = ParseParcelID(n.text(el))
				}
			}
			return nil
		})
	})
}
