package ingest

import (
	"bytes"
	"fmt"
	"io"
	"testing"

	"github.com/paulmach/orb"
)

// benchCollection is a parcel FeatureCollection of n nine-vertex polygons
// in EPSG:2180, shaped like the ingest benchmark's file (bench/ingest).
func benchCollection(n int) []byte {
	var b bytes.Buffer
	b.WriteString(`{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::2180"}},"features":[`)
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		x, y := 350000+float64(i%1000)*30, 360000+float64(i/1000)*30
		fmt.Fprintf(&b, `{"type":"Feature","properties":{"teryt":"026401_1.%04d.%d","obreb":"%04d"},"geometry":{"type":"Polygon","coordinates":[[`, i/1000, i, i/1000)
		for k, d := range [][2]float64{{0, 0}, {10, 0}, {20, 0}, {29, 0}, {29, 15}, {29, 29}, {15, 29}, {0, 29}, {0, 0}} {
			if k > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, "[%.2f,%.2f]", x+d[0], y+d[1])
		}
		b.WriteString("]]}}\n")
	}
	b.WriteString("]}")
	return b.Bytes()
}

// BenchmarkGeoJSONReader measures decoding parcels to features and WKB, the
// Go side of `lad ingest parcels` (bench/ingest measures the whole load).
func BenchmarkGeoJSONReader(b *testing.B) {
	const n = 20000
	data := benchCollection(n)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		gr := NewGeoJSONReader(bytes.NewReader(data), 4326)
		count := 0
		for {
			f, err := gr.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			// As a first load encodes it (parcelSink.add).
			p, ok := f.Geometry.(orb.Polygon)
			if !ok || geometryDefect(p) != "" {
				b.Fatal("not a good polygon")
			}
			_ = flatMultiPolygon(orb.MultiPolygon{p}, 2180)
			if _, err := parcelIDOf(f.Properties, nil); err != nil {
				b.Fatal(err)
			}
			count++
		}
		if count != n {
			b.Fatalf("read %d features, want %d", count, n)
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "features/s")
}
