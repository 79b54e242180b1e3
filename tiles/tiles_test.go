package tiles

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/maptile"

	"github.com/ladgis/lad/access"
	"github.com/ladgis/lad/db"
	"github.com/ladgis/lad/db/dbtest"
	"github.com/ladgis/lad/layers"
	"github.com/ladgis/lad/web"
)

func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }

// fixture: Wrocław's centre with a grid of 20 × 20 parcels of 30 m, a
// permit on every parcel, and carriers.
const fixture = `
INSERT INTO municipality (terc, name, geom) VALUES ('0264011', 'Wrocław',
  ST_Multi(ST_MakeEnvelope(360000, 360000, 364000, 364000, 2180)));
INSERT INTO parcel (teryt, terc, obreb, number, geom)
SELECT format('026401_1.0001.%s', i * 100 + j), '0264011', '0001', (i * 100 + j)::text,
       ST_Multi(ST_MakeEnvelope(362000 + i * 30, 362000 + j * 30, 362000 + i * 30 + 29, 362000 + j * 30 + 29, 2180))
FROM generate_series(0, 19) i, generate_series(0, 19) j;
INSERT INTO permit (terc, kind, register, register_id, decided_on, category, location_source, geom)
SELECT '0264011', CASE WHEN n % 3 = 0 THEN 'notification' ELSE 'permit' END, 'test', n::text,
       DATE '2015-01-01' + n::int, 'I', 'coordinates', ST_Centroid(geom)
FROM (SELECT row_number() OVER () AS n, geom FROM parcel) p;
INSERT INTO permit_private (permit_id, investor_name) SELECT id, 'Jan Tajny-Inwestor' FROM permit;
`

type env struct {
	d   *dbtest.DB
	ts  *Server
	app *fiber.App
	cat *layers.Catalogue
}

func setup(t *testing.T) *env {
	t.Helper()
	d := dbtest.New(t)
	ctx := context.Background()
	if _, err := d.Pool.Exec(ctx, fixture); err != nil {
		t.Fatal(err)
	}
	cat, err := layers.Default()
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	ts := New(d.Pool, cat, nil, Config{}, log)
	srv := web.New(web.Config{}, log, func(ctx context.Context) error { return db.CheckReady(ctx, d.Pool) }, ts)
	return &env{d: d, ts: ts, app: srv.App(), cat: cat}
}

func (e *env) get(t *testing.T, path string, hdr ...string) (int, []byte, map[string]string) {
	t.Helper()
	req := httptest.NewRequest("GET", path, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := e.app.Test(req, 30000)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	h := map[string]string{}
	for k := range resp.Header {
		h[k] = resp.Header.Get(k)
	}
	return resp.StatusCode, b, h
}

// tileAt is the z16 tile holding a point of EPSG:2180, through PostGIS.
func (e *env) tileAt(t *testing.T, z int, x2180, y2180 float64) maptile.Tile {
	var lon, lat float64
	if err := e.d.Pool.QueryRow(context.Background(), `SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_Transform(ST_SetSRID(ST_MakePoint($1, $2), 2180), 4326) p) x`, x2180, y2180).Scan(&lon, &lat); err != nil {
		t.Fatal(err)
	}
	return maptile.At([2]float64{lon, lat}, maptile.Zoom(z))
}

func (e *env) postgisCount(t *testing.T, table string, tl maptile.Tile) int {
	var n int
	q := fmt.Sprintf(`SELECT count(*) FROM %s WHERE ST_Intersects(geom_3857, ST_TileEnvelope($1, $2, $3, margin => %g))`, table, float64(buffer)/extent)
	if err := e.d.Pool.QueryRow(context.Background(), q, tl.Z, tl.X, tl.Y).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func decode(t *testing.T, b []byte) map[string]int {
	t.Helper()
	layers, err := mvt.Unmarshal(b)
	if err != nil {
		t.Fatalf("decode tile: %v", err)
	}
	out := map[string]int{}
	for _, l := range layers {
		out[l.Name] = len(l.Features)
	}
	return out
}

func TestTilesMatchPostGIS(t *testing.T) {
	e := setup(t)
	tl := e.tileAt(t, 16, 362300, 362300)
	path := fmt.Sprintf("/tiles/parcels,permits/%d/%d/%d.mvt", tl.Z, tl.X, tl.Y)
	code, body, h := e.get(t, path)
	if code != 200 || h["Content-Type"] != "application/vnd.mapbox-vector-tile" {
		t.Fatalf("%d %v", code, h)
	}
	got := decode(t, body)
	want := map[string]int{"parcels": e.postgisCount(t, "parcel", tl), "permits": e.postgisCount(t, "permit", tl)}
	if got["parcels"] != want["parcels"] || got["permits"] != want["permits"] || want["parcels"] == 0 {
		t.Errorf("tile has %v, PostGIS counts %v", got, want)
	}
	// No personal data in tiles.
	if bytes.Contains(body, []byte("Tajny")) {
		t.Error("investor name in a tile")
	}
	// Attributes come from the catalogue only.
	ls, _ := mvt.Unmarshal(body)
	for _, l := range ls {
		cl, _ := e.cat.Get(l.Name)
		for _, f := range l.Features {
			for k := range f.Properties {
				if cl.Attribute(k) == nil {
					t.Errorf("layer %s: attribute %s not in the catalogue", l.Name, k)
				}
			}
		}
	}

	// GDAL's MVT driver reads the same tile with the same layers and counts.
	dir := t.TempDir()
	file := filepath.Join(dir, "tile.mvt")
	if err := os.WriteFile(file, body, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("ogrinfo", "-ro", "-al", "-so", file).CombinedOutput()
	if err != nil {
		t.Fatalf("ogrinfo: %v\n%s", err, out)
	}
	for name, n := range want {
		if !strings.Contains(string(out), "Layer name: "+name) || !strings.Contains(string(out), fmt.Sprintf("Feature Count: %d", n)) {
			t.Errorf("ogrinfo does not see layer %s with %d features:\n%s", name, n, out)
		}
	}
}

func TestCompressionETagAndParams(t *testing.T) {
	e := setup(t)
	tl := e.tileAt(t, 16, 362300, 362300)
	path := fmt.Sprintf("/tiles/permits/%d/%d/%d.mvt", tl.Z, tl.X, tl.Y)
	code, body, h := e.get(t, path, "Accept-Encoding", "gzip")
	if code != 200 || h["Content-Encoding"] != "gzip" || h["Etag"] == "" || !strings.Contains(h["Cache-Control"], "max-age") {
		t.Fatalf("%d %v", code, h)
	}
	zr, err := gzip.NewReader(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := io.ReadAll(zr)
	all := decode(t, plain)["permits"]
	if code, _, _ := e.get(t, path, "If-None-Match", h["Etag"]); code != 304 {
		t.Errorf("If-None-Match: %d", code)
	}
	// Typed parameters filter the layer; bad values are 400.
	_, body, _ = e.get(t, path+"?kind=notification")
	if n := decode(t, body)["permits"]; n == 0 || n >= all {
		t.Errorf("kind filter: %d of %d", n, all)
	}
	for _, bad := range []string{"?from=yesterday", "?from=2020-13-01", "?to=1;DROP TABLE permit"} {
		if code, _, _ := e.get(t, path+strings.ReplaceAll(bad, " ", "%20")); code != 400 {
			t.Errorf("%s: %d", bad, code)
		}
	}
	for _, bad := range []string{"/tiles/nope/16/1/1.mvt", "/tiles/permits/30/1/1.mvt", "/tiles/permits/2/9/1.mvt", "/tiles/permits/a/b/c.mvt"} {
		if code, _, _ := e.get(t, bad); code != 404 && code != 400 {
			t.Errorf("%s: %d", bad, code)
		}
	}
}

func TestAudienceOnTilesTileJSONAndStyle(t *testing.T) {
	e := setup(t)
	if code, _, _ := e.get(t, "/tiles/inspections/16/1/1.mvt"); code != 404 {
		t.Errorf("inspections tile for anonymous: %d", code)
	}
	if code, _, _ := e.get(t, "/tiles/inspections.json"); code != 404 {
		t.Errorf("inspections TileJSON for anonymous: %d", code)
	}
	code, body, _ := e.get(t, "/style.json")
	if code != 200 {
		t.Fatal(code)
	}
	var style struct {
		Version int                       `json:"version"`
		Sources map[string]map[string]any `json:"sources"`
		Layers  []map[string]any          `json:"layers"`
	}
	if err := json.Unmarshal(body, &style); err != nil {
		t.Fatal(err)
	}
	if style.Version != 8 || style.Sources["permits"] == nil || style.Sources["inspections"] != nil {
		t.Errorf("style: version %d sources %v", style.Version, style.Sources)
	}
	for _, l := range e.cat.Visible(access.AnonymousSubject) {
		if style.Sources[l.ID] == nil {
			t.Errorf("public layer %s missing from the style", l.ID)
		}
	}
	code, body, _ = e.get(t, "/tiles/permits.json")
	var tj map[string]any
	json.Unmarshal(body, &tj)
	if code != 200 || tj["tilejson"] != "3.0.0" || tj["vector_layers"] == nil {
		t.Errorf("TileJSON %d %v", code, tj)
	}
	// An inspector sees the inspections layer.
	if !access.AnonymousSubject.CanSee(access.Public) || (access.Subject{Role: access.Inspector}).CanSee(access.AudiencePlanner) {
		t.Error("policy")
	}
}

// A change made with plain SQL reaches the cache through NOTIFY: the tile it
// touches changes (and its ETag), an unrelated cached tile stays cached.
func TestCacheFollowsDataChanges(t *testing.T) {
	e := setup(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ready := make(chan struct{})
	go e.ts.Listen(ctx, e.d.URL, ready)
	<-ready

	near := e.tileAt(t, 16, 362015, 362015)
	far := e.tileAt(t, 16, 362580, 362580)
	if near == far {
		t.Fatal("fixture tiles coincide")
	}
	nearPath := fmt.Sprintf("/tiles/parcels/%d/%d/%d.mvt", near.Z, near.X, near.Y)
	farPath := fmt.Sprintf("/tiles/parcels/%d/%d/%d.mvt", far.Z, far.X, far.Y)
	_, before, h := e.get(t, nearPath)
	etag := h["Etag"]
	e.get(t, farPath)
	if e.ts.Cache().Len() != 2 {
		t.Fatalf("cache holds %d tiles", e.ts.Cache().Len())
	}

	start := time.Now()
	if _, err := e.d.Pool.Exec(context.Background(), `DELETE FROM parcel WHERE teryt = '026401_1.0001.0'`); err != nil {
		t.Fatal(err)
	}
	for e.ts.Cache().Len() != 1 && time.Since(start) < 2*time.Second {
		time.Sleep(5 * time.Millisecond)
	}
	took := time.Since(start)
	if took > time.Second {
		t.Errorf("invalidation took %v", took)
	}
	_, after, h2 := e.get(t, nearPath)
	if h2["Etag"] == etag || decode(t, after)["parcels"] != decode(t, before)["parcels"]-1 {
		t.Errorf("changed tile: etag %s → %s, parcels %d → %d", etag, h2["Etag"], decode(t, before)["parcels"], decode(t, after)["parcels"])
	}
	if _, ok := e.ts.Cache().Get(ctx, fmt.Sprintf("parcels/%d/%d/%d?", far.Z, far.X, far.Y)); !ok {
		t.Error("the unrelated tile was dropped")
	}
	t.Logf("invalidation visible after %v", took)
}

func TestCacheIsBoundedLRU(t *testing.T) {
	c := NewMemoryCache(1000)
	for i := 0; i < 20; i++ {
		c.Put(context.Background(), fmt.Sprint(i), &Tile{Data: make([]byte, 100), Layers: []string{"a"}})
	}
	if c.Bytes() > 1000 || c.Len() >= 20 {
		t.Errorf("cache holds %d bytes in %d tiles", c.Bytes(), c.Len())
	}
	if _, ok := c.Get(context.Background(), "19"); !ok {
		t.Error("newest tile evicted")
	}
	if _, ok := c.Get(context.Background(), "0"); ok {
		t.Error("oldest tile kept")
	}
}

// Tiles of a non-public layer hold only the rows of the caller's
// municipalities, and are cached apart per municipality set.
func TestNonPublicTilesScopedToMunicipality(t *testing.T) {
	d := dbtest.New(t)
	ctx := context.Background()
	if _, err := d.Pool.Exec(ctx, `
		INSERT INTO ad_carrier (terc, inventory_no, kind, geom) VALUES
		  ('0264011', 'WRO-1', 'billboard', ST_SetSRID(ST_MakePoint(362000, 362000), 2180)),
		  ('1465011', 'X-1', 'billboard', ST_SetSRID(ST_MakePoint(362010, 362010), 2180));
		INSERT INTO inspection (id, carrier_id, terc, inspector, inspected_at, result)
		SELECT gen_random_uuid(), id, terc, 'kontroler', now(), 'compliant' FROM ad_carrier`); err != nil {
		t.Fatal(err)
	}
	var x, y int
	if err := d.Pool.QueryRow(ctx, `SELECT floor((ST_X(p) + 20037508.342789244) / (40075016.68557849 / 2^14))::int,
		floor((20037508.342789244 - ST_Y(p)) / (40075016.68557849 / 2^14))::int
		FROM (SELECT ST_Transform(ST_SetSRID(ST_MakePoint(362005, 362005), 2180), 3857) AS p) q`).Scan(&x, &y); err != nil {
		t.Fatal(err)
	}
	cat, err := layers.Default()
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	ts := New(d.Pool, cat, nil, Config{}, log) // one cache shared by every caller
	path := fmt.Sprintf("/tiles/inspections/14/%d/%d.mvt", x, y)
	for _, c := range []struct {
		s    access.Subject
		want []string
	}{
		{access.Subject{Role: access.Inspector, TERCs: []string{"0264011"}}, []string{"WRO-1"}},
		{access.Subject{Role: access.Inspector, TERCs: []string{"1465011"}}, []string{"X-1"}},
		{access.Subject{Role: access.Admin}, []string{"WRO-1", "X-1"}},
		{access.Subject{Role: access.Inspector, TERCs: []string{"0264011"}}, []string{"WRO-1"}}, // from the cache
	} {
		app := web.New(web.Config{}, log, func(context.Context) error { return nil }, web.As{Subject: c.s}, ts).App()
		resp, err := app.Test(httptest.NewRequest("GET", path, nil), 10000)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		for _, no := range []string{"WRO-1", "X-1"} {
			want := slices.Contains(c.want, no)
			if got := bytes.Contains(body, []byte(no)); got != want || resp.StatusCode != 200 {
				t.Errorf("%v: status %d, carrier %s in tile %v, want %v", c.s, resp.StatusCode, no, got, want)
			}
		}
	}
}

// A function layer renders with its arguments bound (every grid cell PostGIS
// computes for the tile, for each cell size), is hidden from anonymous
// callers like any planner layer, and a change to a table it reads drops
// all its cached tiles, wherever the change was: its rows depend on rows
// anywhere.
func TestFunctionLayer(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	l, ok := e.cat.Get("development_pressure")
	if !ok {
		t.Fatal("no development_pressure layer")
	}
	tl := e.tileAt(t, 13, 362300, 362300)
	for _, cell := range []string{"500", "200"} {
		data, err := e.ts.Render(ctx, []*layers.Layer{l}, int(tl.Z), int(tl.X), int(tl.Y), map[string]string{"cell_m": cell, "from_year": "2015"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		var want int
		if err := e.d.Pool.QueryRow(ctx, fmt.Sprintf(`SELECT count(*) FROM lad_pressure_cells(cell_m => $4)
			WHERE ST_Intersects(geom_3857, ST_TileEnvelope($1, $2, $3, margin => %g))`, float64(buffer)/extent),
			tl.Z, tl.X, tl.Y, cell).Scan(&want); err != nil {
			t.Fatal(err)
		}
		if got := decode(t, data)["development_pressure"]; got != want || want == 0 {
			t.Errorf("cell %s m: %d cells in the tile, PostGIS has %d", cell, got, want)
		}
	}
	if code, _, _ := e.get(t, fmt.Sprintf("/tiles/development_pressure/%d/%d/%d.mvt", tl.Z, tl.X, tl.Y)); code != 404 {
		t.Errorf("anonymous caller gets the planners' layer: %d", code)
	}

	far := orb.Bound{Min: orb.Point{0, 0}, Max: orb.Point{10, 10}}
	e.ts.Cache().Put(ctx, "development_pressure/9/1/1?", &Tile{Data: []byte{1}, Layers: []string{"development_pressure"}, Bounds: far})
	e.ts.Cache().Put(ctx, "permits/9/1/1?", &Tile{Data: []byte{1}, Layers: []string{"permits"}, Bounds: far})
	if n := e.ts.Apply(ctx, Change{Table: "permit", BBox: []float64{1e6, 1e6, 1e6 + 10, 1e6 + 10}}); n != 1 {
		t.Errorf("dropped %d tiles", n)
	}
	if _, ok := e.ts.Cache().Get(ctx, "development_pressure/9/1/1?"); ok {
		t.Error("function layer tile kept after a change elsewhere")
	}
	if _, ok := e.ts.Cache().Get(ctx, "permits/9/1/1?"); !ok {
		t.Error("table layer tile dropped by a change elsewhere")
	}
}
