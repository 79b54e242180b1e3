package ingest

import (
	"archive/zip"
	"bytes"
	"context"
	"log/slog"
	"math"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"github.com/ladgis/lad/db/dbtest"
)

func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }

func newIngester(t *testing.T) (*Ingester, *dbtest.DB) {
	t.Helper()
	d := dbtest.New(t)
	return New(d.Pool, slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))), d
}

func count(t *testing.T, d *dbtest.DB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := d.Pool.QueryRow(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

func TestDistrictsFromPL2000(t *testing.T) {
	in, d := newIngester(t)
	ctx := context.Background()
	rep, err := in.File(ctx, KindDistricts, "testdata/wroclaw-districts/wroclaw_osiedla_2016_epsg2177.geojson",
		Options{TERC: "0264011", Mapping: map[string]string{"municipality": "Wrocław"}})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Status != "committed" || rep.Inserted != 48 || rep.Rejected != 0 {
		t.Fatalf("report %+v", rep)
	}
	// The same osiedle in EPSG:4326 (transformed by PROJ in the provenance
	// file) must land where PostGIS puts the 2177 one.
	var lon, lat float64
	if err := d.Pool.QueryRow(ctx, `SELECT ST_X(c), ST_Y(c) FROM (SELECT ST_Transform(ST_Centroid(geom), 4326) c
		FROM district WHERE name = 'Krzyki - Partynice') s`).Scan(&lon, &lat); err != nil {
		t.Fatal(err)
	}
	if lon < 16.9 || lon > 17.1 || lat < 51.0 || lat > 51.2 {
		t.Errorf("Krzyki - Partynice centroid at %f %f, not in Wrocław", lon, lat)
	}
	if n := count(t, d, `SELECT count(*) FROM municipality WHERE terc = '0264011' AND geom IS NOT NULL AND ST_Area(geom) > 2.9e8`); n != 1 {
		t.Errorf("municipality boundary not built from districts")
	}

	// Re-ingesting the same file changes nothing, not even the batch log.
	batches := count(t, d, `SELECT count(*) FROM ingest_batch`)
	rep2, err := in.File(ctx, KindDistricts, "testdata/wroclaw-districts/wroclaw_osiedla_2016_epsg2177.geojson",
		Options{TERC: "0264011", Mapping: map[string]string{"municipality": "Wrocław"}})
	if err != nil {
		t.Fatal(err)
	}
	if rep2.Status != "unchanged" || rep2.BatchID != rep.BatchID {
		t.Errorf("second run: %+v", rep2)
	}
	if got := count(t, d, `SELECT count(*) FROM ingest_batch`); got != batches {
		t.Errorf("batches %d → %d", batches, got)
	}
}

func TestWGS84AndPL2000Agree(t *testing.T) {
	in, d := newIngester(t)
	ctx := context.Background()
	if _, err := in.File(ctx, KindDistricts, "testdata/wroclaw-districts/wroclaw_osiedla_2016_epsg2177.geojson", Options{TERC: "0264011"}); err != nil {
		t.Fatal(err)
	}
	// The wgs84 file was made by PROJ from the 2177 one; compare areas.
	if _, err := in.File(ctx, KindDistricts, "testdata/wroclaw-districts/wroclaw_osiedla_2016_wgs84.geojson",
		Options{TERC: "0264011", Mapping: map[string]string{"kind": "osiedle-wgs84"}}); err != nil {
		t.Fatal(err)
	}
	var maxDiff float64
	if err := d.Pool.QueryRow(ctx, `SELECT max(abs(ST_Area(a.geom) - ST_Area(b.geom)) / ST_Area(a.geom))
		FROM district a JOIN district b ON a.name = b.name AND a.kind = 'osiedle' AND b.kind = 'osiedle-wgs84'`).Scan(&maxDiff); err != nil {
		t.Fatal(err)
	}
	if math.IsNaN(maxDiff) || maxDiff > 1e-5 {
		t.Errorf("relative area difference %g between CRSs", maxDiff)
	}
}

func TestParcelsRejectionsAndIdempotence(t *testing.T) {
	in, d := newIngester(t)
	ctx := context.Background()
	src := `{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::2180"}},"features":[
{"type":"Feature","id":"a","properties":{"teryt":"143206_4.0001.1/1"},"geometry":{"type":"Polygon","coordinates":[[[621000,484000],[621020,484000],[621020,484020],[621000,484020],[621000,484000]]]}},
{"type":"Feature","id":"bowtie","properties":{"teryt":"143206_4.0001.2"},"geometry":{"type":"Polygon","coordinates":[[[621100,484000],[621120,484020],[621120,484000],[621100,484020],[621100,484000]]]}},
{"type":"Feature","id":"noid","properties":{"name":"x"},"geometry":{"type":"Polygon","coordinates":[[[621200,484000],[621220,484000],[621220,484020],[621200,484000]]]}},
{"type":"Feature","id":"dup","properties":{"teryt":"143206_4.0001.1/1"},"geometry":{"type":"Polygon","coordinates":[[[621300,484000],[621320,484000],[621320,484020],[621300,484000]]]}},
{"type":"Feature","id":"point","properties":{"teryt":"143206_4.0001.5"},"geometry":{"type":"Point","coordinates":[621300,484000]}}
]}`
	rep, err := in.Reader(ctx, KindParcels, "parcels.geojson", strings.NewReader(src), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Inserted != 1 || rep.Rejected != 4 {
		t.Fatalf("report %+v", rep)
	}
	// By line (feature index); a first load names the feature by its
	// TERYT id once it has one, a later load by the file's feature id.
	want := map[int]string{
		2: "Self-intersection",
		3: "no TERYT parcel id",
		4: "duplicate of the record on line/feature 1",
		5: "a polygon was expected",
	}
	for _, r := range rep.Rejections {
		if w, ok := want[r.Line]; ok && strings.Contains(r.Reason, w) {
			delete(want, r.Line)
		}
	}
	if len(want) > 0 {
		t.Errorf("missing rejections %v in %+v", want, rep.Rejections)
	}
	if n := count(t, d, `SELECT count(*) FROM ingest_rejection WHERE batch_id = $1`, rep.BatchID); n != 4 {
		t.Errorf("%d rejections recorded", n)
	}

	// With --repair the bow-tie goes in, and the repair is recorded.
	rep, err = in.Reader(ctx, KindParcels, "parcels.geojson", strings.NewReader(src), Options{Repair: true})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Inserted != 1 || rep.Unchanged != 1 {
		t.Errorf("repair run: %+v", rep)
	}
	if n := count(t, d, `SELECT count(*) FROM ingest_rejection WHERE batch_id = $1 AND severity = 'repaired'`, rep.BatchID); n != 1 {
		t.Errorf("repair not recorded")
	}
}

func TestDryRunWritesNothing(t *testing.T) {
	in, d := newIngester(t)
	ctx := context.Background()
	rep, err := in.File(ctx, KindParcels, "testdata/ozarow/parcels_uldk_slice_epsg2180.geojson", Options{DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Status != "dry-run" || rep.Read != 21 {
		t.Fatalf("report %+v", rep)
	}
	if n := count(t, d, `SELECT (SELECT count(*) FROM parcel) + (SELECT count(*) FROM ingest_batch)`); n != 0 {
		t.Errorf("dry run wrote %d rows", n)
	}
}

func TestParcelsInBothCRSsLandTogether(t *testing.T) {
	in, d := newIngester(t)
	ctx := context.Background()
	rep, err := in.File(ctx, KindParcels, "testdata/ozarow/parcels_uldk_slice_epsg2180.geojson", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Inserted != 21 {
		t.Fatalf("report %+v", rep)
	}
	// The WGS84 slice holds the same parcels: after transformation they are
	// the same to a few centimetres, so the update counts as a change only
	// where coordinates differ, and no parcel is added.
	rep, err = in.File(ctx, KindParcels, "testdata/ozarow/parcels_uldk_slice_wgs84.geojson", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Inserted != 0 || rep.Rejected != 0 || rep.Updated+rep.Unchanged != 21 {
		t.Fatalf("report %+v", rep)
	}
	if n := count(t, d, `SELECT count(*) FROM parcel`); n != 21 {
		t.Errorf("%d parcels", n)
	}
}

func TestParseCRS(t *testing.T) {
	for _, c := range []struct {
		in    string
		srid  int
		north bool
		err   bool
	}{
		{"urn:ogc:def:crs:EPSG::2177", 2177, true, false},
		{"http://www.opengis.net/def/crs/EPSG/0/2180", 2180, true, false},
		{"urn:ogc:def:crs:OGC:1.3:CRS84", 4326, false, false},
		{"http://www.opengis.net/def/crs/OGC/1.3/CRS84", 4326, false, false},
		{"EPSG:4326", 4326, false, false},
		{"urn:ogc:def:crs:EPSG::4258", 4258, true, false},
		{"EPSG:3857", 3857, false, false},
		{"2180", 2180, false, false},
		{"EPSG:31468", 0, false, true},
		{"nonsense", 0, false, true},
	} {
		srid, north, err := ParseCRS(c.in)
		if (err != nil) != c.err || srid != c.srid || north != c.north {
			t.Errorf("ParseCRS(%q) = %d %v %v", c.in, srid, north, err)
		}
	}
}

func TestParcelIDs(t *testing.T) {
	for _, c := range []struct{ unit, obreb, sheet, number, want string }{
		{"143206_5", "0019", "", "774/2", "143206_5.0019.774/2"},
		{"143206_5", "19", "", " 774/2 ", "143206_5.0019.774/2"},
		{"1432065", "143206_5.0019", "", "12", "143206_5.0019.12"},
		{"143206_5", "0005", "3", "12", "143206_5.0005.AR_3.12"},
		{"143206_5", "0005", "AR_3", "12", "143206_5.0005.AR_3.12"},
	} {
		id, err := NewParcelID(c.unit, c.obreb, c.sheet, c.number)
		if err != nil || id.String() != c.want {
			t.Errorf("NewParcelID(%q,%q,%q,%q) = %v, %v; want %s", c.unit, c.obreb, c.sheet, c.number, id, err, c.want)
		}
	}
	for _, bad := range []string{"", "143206.0001.1", "143206_5.00019.1", "143206_5.0001.", "143206_5.0001.1;DROP"} {
		if _, err := ParseParcelID(bad); err == nil {
			t.Errorf("ParseParcelID(%q) accepted", bad)
		}
	}
}

func FuzzGeoJSONReader(f *testing.F) {
	f.Add([]byte(`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"a":1},"geometry":{"type":"Point","coordinates":[1,2]}}]}`))
	f.Add([]byte(`{"crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::2180"}},"features":[]}`))
	f.Add([]byte(`{"features":[{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[0,1],[0,0]]]}}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r := NewGeoJSONReader(strings.NewReader(string(data)), 0)
		for i := 0; i < 1000; i++ {
			if _, err := r.Next(); err != nil {
				return
			}
		}
	})
}

func FuzzParseParcelID(f *testing.F) {
	for _, s := range []string{"143206_5.0019.774/2", "143206_5.0005.AR_3.12", "1.2.3", "..", "143206_5.0019.1/2/3a"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, err := ParseParcelID(s)
		if err != nil {
			return
		}
		again, err := ParseParcelID(id.String())
		if err != nil || again != id {
			t.Fatalf("%q → %q does not round-trip: %v", s, id, err)
		}
		// A first load COPYs ids straight into parcel: they must pass the
		// table's checks (001_domain.sql), or the whole batch would fail.
		if !parcelTerytCheck.MatchString(id.String()) || !tercCheck.MatchString(id.TERC()) {
			t.Fatalf("%q → %q (TERC %q) fails the parcel table's checks", s, id, id.TERC())
		}
	})
}

func TestZipWithOneFile(t *testing.T) {
	in, d := newIngester(t)
	ctx := context.Background()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.Create("parcels.geojson")
	src, _ := os.ReadFile("testdata/ozarow/parcels_uldk_slice_epsg2180.geojson")
	w.Write(src)
	zw.Close()
	rep, err := in.Reader(ctx, KindParcels, "parcels.zip", bytes.NewReader(buf.Bytes()), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Inserted != 21 || count(t, d, "SELECT count(*) FROM parcel") != 21 {
		t.Fatalf("report %+v", rep)
	}
	zw = zip.NewWriter(&buf)
	zw.Create("a.csv")
	zw.Create("b.csv")
	zw.Close()
	if _, err := in.Reader(ctx, KindParcels, "two.zip", bytes.NewReader(buf.Bytes()), Options{}); err == nil {
		t.Error("zip with two files accepted")
	}
}

// A city's first load of its parcels takes the bulk path (empty table,
// more than bulkRows records): plain INSERT, indexes built afterwards, the
// validity check added back NOT VALID. The defects are still rejected one
// by one, the indexes and the check are all back, and the check still
// holds every later write.
func TestBulkFirstLoad(t *testing.T) {
	in, d := newIngester(t)
	ctx := context.Background()
	src := benchCollection(bulkRows + 100)
	extra := `,{"type":"Feature","id":"bowtie","properties":{"teryt":"026401_1.0999.1"},"geometry":{"type":"Polygon","coordinates":[[[351000,484000],[351020,484020],[351020,484000],[351000,484020],[351000,484000]]]}}` +
		`,{"type":"Feature","id":"dup","properties":{"teryt":"026401_1.0000.5"},"geometry":{"type":"Polygon","coordinates":[[[352000,484000],[352020,484000],[352020,484020],[352000,484000]]]}}]}`
	src = append(src[:len(src)-2], extra...)
	rep, err := in.Reader(ctx, KindParcels, "first.geojson", bytes.NewReader(src), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Inserted != bulkRows+100 || rep.Rejected != 2 {
		t.Fatalf("report: inserted %d rejected %d (%+v)", rep.Inserted, rep.Rejected, rep.Rejections)
	}
	if n := count(t, d, `SELECT count(*) FROM ingest_rejection WHERE batch_id = $1 AND (feature_id = '026401_1.0999.1' AND reason LIKE '%Self-intersection%' OR feature_id = '026401_1.0000.5' AND line = $2 AND reason LIKE 'duplicate of the record on line/feature 6 %')`, rep.BatchID, bulkRows+102); n != 2 {
		t.Errorf("%d of 2 rejections recorded with their reasons", n)
	}
	if n := count(t, d, `SELECT count(*) FROM pg_indexes WHERE tablename = 'parcel'`); n != 5 {
		t.Errorf("parcel has %d indexes after the bulk load, want 5", n)
	}
	if n := count(t, d, `SELECT count(*) FROM pg_constraint WHERE conrelid = 'parcel'::regclass AND contype = 'c' AND pg_get_constraintdef(oid) LIKE '%lad_valid_geom(%'`); n != 1 {
		t.Fatalf("validity check missing after the bulk load (%d)", n)
	}
	_, err = d.Pool.Exec(ctx, `UPDATE parcel SET geom = ST_Multi('SRID=2180;POLYGON((351000 484000,351020 484020,351020 484000,351000 484020,351000 484000))'::geometry) WHERE teryt = '026401_1.0000.5'`)
	if err == nil || !strings.Contains(err.Error(), "check") {
		t.Errorf("an invalid geometry was written after the bulk load: %v", err)
	}
	// The same file again changes nothing.
	rep, err = in.Reader(ctx, KindParcels, "first.geojson", bytes.NewReader(src), Options{})
	if err != nil || rep.Status != "unchanged" {
		t.Fatalf("re-run: %v %+v", err, rep)
	}
}

// Geometries PostGIS cannot even read (open rings, rings of three points)
// are rejected with their feature, and the rest of the file goes in; they
// used to fail the whole batch with the database's error.
func TestUnreadableGeometriesRejectedOneByOne(t *testing.T) {
	in, d := newIngester(t)
	src := `{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::2180"}},"features":[
{"type":"Feature","id":"open","properties":{"teryt":"143206_4.0001.77"},"geometry":{"type":"Polygon","coordinates":[[[621000,484000],[621020,484000],[621020,484020],[621000,484020]]]}},
{"type":"Feature","id":"few","properties":{"teryt":"143206_4.0001.78"},"geometry":{"type":"MultiPolygon","coordinates":[[[[621000,484000],[621020,484000],[621000,484000]]]]}},
{"type":"Feature","id":"ok","properties":{"teryt":"143206_4.0001.79"},"geometry":{"type":"Polygon","coordinates":[[[621000,484000],[621020,484000],[621020,484020],[621000,484000]]]}}
]}`
	rep, err := in.Reader(context.Background(), KindParcels, "open.geojson", strings.NewReader(src), Options{})
	if err != nil || rep.Status != "committed" || rep.Inserted != 1 || rep.Rejected != 2 {
		t.Fatalf("%v %+v", err, rep)
	}
	want := map[string]string{"open": "outer ring is not closed", "few": "polygon 1: outer ring has 3 points"}
	for _, r := range rep.Rejections {
		if w, ok := want[r.FeatureID]; ok && strings.Contains(r.Reason, w) {
			delete(want, r.FeatureID)
		}
	}
	if len(want) > 0 {
		t.Errorf("missing %v in %+v", want, rep.Rejections)
	}
	if n := count(t, d, `SELECT count(*) FROM parcel WHERE teryt = '143206_4.0001.79'`); n != 1 {
		t.Errorf("the good parcel is not in (%d)", n)
	}
}

func TestGeometryDefect(t *testing.T) {
	sq := orb.Ring{{0, 0}, {1, 0}, {1, 1}, {0, 0}}
	for _, c := range []struct {
		name string
		g    orb.Geometry
		want string
	}{
		{"valid polygon", orb.Polygon{sq}, ""},
		{"empty polygon", orb.Polygon{}, ""},
		{"open ring", orb.Polygon{{{0, 0}, {1, 0}, {1, 1}, {0, 1}}}, "outer ring is not closed"},
		{"short hole", orb.Polygon{sq, {{0, 0}, {1, 0}, {0, 0}}}, "inner ring 1 has 3 points"},
		{"multipolygon", orb.MultiPolygon{{sq}, {{{0, 0}, {1, 1}}}}, "polygon 2: outer ring has 2 points"},
		{"one-point line", orb.LineString{{0, 0}}, "at least two points"},
		{"NaN point", orb.Point{math.NaN(), 1}, "not a number"},
		{"Inf in collection", orb.Collection{orb.Point{1, 1}, orb.LineString{{0, 0}, {math.Inf(1), 0}}}, "not a number"},
	} {
		got := geometryDefect(c.g)
		if (c.want == "") != (got == "") || !strings.Contains(got, c.want) {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}

// The checks of parcel.teryt and the terc domain (001_domain.sql).
var (
	parcelTerytCheck = regexp.MustCompile(`^[0-9]{6}_[0-9](\.[0-9A-Za-z]{4})?\.[^ ]+$`)
	tercCheck        = regexp.MustCompile(`^[0-9]{7}$`)
)

// A first load with --repair: the bow-tie is made valid in place and the
// repair recorded; the table's check holds every row afterwards.
func TestFirstLoadRepair(t *testing.T) {
	in, d := newIngester(t)
	src := `{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::2180"}},"features":[
{"type":"Feature","id":"a","properties":{"teryt":"143206_4.0001.1"},"geometry":{"type":"Polygon","coordinates":[[[621000,484000],[621020,484000],[621020,484020],[621000,484020],[621000,484000]]]}},
{"type":"Feature","id":"bowtie","properties":{"teryt":"143206_4.0001.2"},"geometry":{"type":"Polygon","coordinates":[[[621100,484000],[621120,484020],[621120,484000],[621100,484020],[621100,484000]]]}}
]}`
	rep, err := in.Reader(context.Background(), KindParcels, "repair.geojson", strings.NewReader(src), Options{Repair: true})
	if err != nil || rep.Inserted != 2 || rep.Rejected != 0 {
		t.Fatalf("%v %+v", err, rep)
	}
	if n := count(t, d, `SELECT count(*) FROM ingest_rejection WHERE batch_id = $1 AND severity = 'repaired' AND line = 2`, rep.BatchID); n != 1 {
		t.Errorf("repair not recorded (%d)", n)
	}
	if n := count(t, d, `SELECT count(*) FROM parcel WHERE lad_valid_geom(geom) AND ST_Area(geom) > 0`); n != 2 {
		t.Errorf("%d valid parcels, want 2", n)
	}
	if n := count(t, d, `SELECT count(*) FROM parcel WHERE id >= (SELECT last_value FROM parcel_id_seq)`); n != 1 {
		t.Errorf("the id sequence does not continue after the loaded ids (%d rows at or above it)", n)
	}
}

// A first load from another CRS goes through the stage: validated there,
// transformed, inserted with the indexes built afterwards; the validity
// check stays as it was (the rows were transformed after validation, so
// the check is evaluated for each of them).
func TestBulkFirstLoadThroughStage(t *testing.T) {
	in, d := newIngester(t)
	src := bytes.Replace(benchCollection(bulkRows+10), []byte("EPSG::2180"), []byte("EPSG::2177"), 1)
	rep, err := in.Reader(context.Background(), KindParcels, "first-2177.geojson", bytes.NewReader(src), Options{})
	if err != nil || rep.Inserted != bulkRows+10 || rep.Rejected != 0 {
		t.Fatalf("%v: inserted %d rejected %d", err, rep.Inserted, rep.Rejected)
	}
	if n := count(t, d, `SELECT count(*) FROM pg_indexes WHERE tablename = 'parcel'`); n != 5 {
		t.Errorf("parcel has %d indexes after the bulk load, want 5", n)
	}
	if n := count(t, d, `SELECT count(*) FROM pg_constraint WHERE conrelid = 'parcel'::regclass AND contype = 'c' AND convalidated AND pg_get_constraintdef(oid) LIKE '%lad_valid_geom(%'`); n != 1 {
		t.Errorf("validity check not validated after a transformed load (%d)", n)
	}
}
