package ogc

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ladgis/lad/db/dbtest"
	"github.com/ladgis/lad/layers"
	"github.com/ladgis/lad/web"
)

func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }

// 30 × 30 parcels of 30 m and a permit on each, with investors (private).
const fixture = `
INSERT INTO municipality (terc, name, geom) VALUES ('0264011', 'Wrocław', ST_Multi(ST_MakeEnvelope(361000, 361000, 364000, 364000, 2180)));
INSERT INTO parcel (teryt, terc, obreb, number, geom)
SELECT format('026401_1.0001.%s', i * 100 + j), '0264011', '0001', (i * 100 + j)::text,
       ST_Multi(ST_MakeEnvelope(362000 + i * 30, 362000 + j * 30, 362000 + i * 30 + 29, 362000 + j * 30 + 29, 2180))
FROM generate_series(0, 29) i, generate_series(0, 29) j;
INSERT INTO permit (terc, kind, register, register_id, decided_on, category, location_source, geom)
SELECT '0264011', CASE WHEN n % 4 = 0 THEN 'notification' ELSE 'permit' END, 'test', n::text, DATE '2015-01-01' + n::int, 'I', 'coordinates', ST_Centroid(geom)
FROM (SELECT row_number() OVER () AS n, geom FROM parcel) p;
INSERT INTO permit_private (permit_id, investor_name) SELECT id, 'Tajny Inwestor' FROM permit;
`

func serve(t *testing.T) (string, *dbtest.DB) {
	t.Helper()
	d := dbtest.New(t)
	if _, err := d.Pool.Exec(context.Background(), fixture); err != nil {
		t.Fatal(err)
	}
	cat, err := layers.Default()
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	srv := web.New(web.Config{}, log, func(context.Context) error { return nil }, New(d.Pool, cat, log))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	go srv.ServeListener(ctx, ln)
	t.Cleanup(cancel)
	return "http://" + ln.Addr().String(), d
}

func getJSON(t *testing.T, url string, v any) int {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if v != nil {
		json.Unmarshal(b, v)
	}
	return resp.StatusCode
}

func TestCollectionsItemsPagingAndFilters(t *testing.T) {
	base, d := serve(t)
	var cols struct {
		Collections []struct{ ID string } `json:"collections"`
	}
	if code := getJSON(t, base+"/ogc/collections", &cols); code != 200 || len(cols.Collections) == 0 {
		t.Fatalf("collections: %d", code)
	}
	for _, c := range cols.Collections {
		if c.ID == "inspections" {
			t.Error("inspections listed for anonymous")
		}
	}
	if code := getJSON(t, base+"/ogc/collections/inspections/items", nil); code != 404 {
		t.Errorf("hidden collection: %d", code)
	}
	// Keyset paging walks every permit exactly once.
	seen := map[string]bool{}
	next := base + "/ogc/collections/permits/items?limit=250"
	pages := 0
	for next != "" && pages < 20 {
		var fc struct {
			Features []struct {
				ID         string         `json:"id"`
				Properties map[string]any `json:"properties"`
			} `json:"features"`
			Links []struct{ Href, Rel string } `json:"links"`
		}
		if code := getJSON(t, next, &fc); code != 200 {
			t.Fatalf("page %d: %d", pages, code)
		}
		pages++
		next = ""
		for _, f := range fc.Features {
			if seen[f.ID] {
				t.Errorf("feature %s twice", f.ID)
			}
			seen[f.ID] = true
			for k := range f.Properties {
				if strings.Contains(strings.ToLower(k), "investor") {
					t.Error("investor column published")
				}
			}
		}
		for _, l := range fc.Links {
			if l.Rel == "next" {
				next = l.Href
			}
		}
	}
	if len(seen) != 900 || pages != 4 {
		t.Errorf("paging saw %d features in %d pages", len(seen), pages)
	}
	// Property filter, datetime, bbox in EPSG:2180 (northing first).
	var fc struct {
		NumberReturned int `json:"numberReturned"`
	}
	getJSON(t, base+"/ogc/collections/permits/items?limit=1000&kind=notification", &fc)
	if fc.NumberReturned != 225 {
		t.Errorf("kind=notification: %d", fc.NumberReturned)
	}
	getJSON(t, base+"/ogc/collections/permits/items?limit=1000&datetime=2015-01-02/2015-01-11", &fc)
	if fc.NumberReturned != 10 {
		t.Errorf("datetime: %d", fc.NumberReturned)
	}
	getJSON(t, base+"/ogc/collections/parcels/items?limit=1000&bbox-crs=http://www.opengis.net/def/crs/EPSG/0/2180&bbox=362000,362000,362059,362059", &fc)
	var want int
	d.Pool.QueryRow(context.Background(), `SELECT count(*) FROM parcel WHERE ST_Intersects(geom, ST_MakeEnvelope(362000, 362000, 362059, 362059, 2180))`).Scan(&want)
	if fc.NumberReturned != want {
		t.Errorf("bbox in EPSG:2180: %d, PostGIS %d", fc.NumberReturned, want)
	}
	for _, bad := range []string{"?limit=x", "?bbox=1,2,3", "?crs=EPSG:9999", "?nosuch=1", "?datetime=yesterday", "?properties=investor_name",
		"?kind=' OR 1=1 --&limit=1", "?after=1;DROP TABLE permit"} {
		code := getJSON(t, base+"/ogc/collections/permits/items"+strings.ReplaceAll(bad, " ", "%20"), nil)
		if bad == "?kind=' OR 1=1 --&limit=1" {
			if code != 200 {
				t.Errorf("%s: %d", bad, code)
			}
			continue
		}
		if code != 400 {
			t.Errorf("%s: %d, want 400", bad, code)
		}
	}
	if code := getJSON(t, base+"/ogc/api", nil); code != 200 {
		t.Errorf("api: %d", code)
	}
}

// GDAL's OAPIF driver lists the collections and downloads one with a bbox,
// getting exactly what PostGIS counts.
func TestGDALReadsTheAPI(t *testing.T) {
	base, d := serve(t)
	out, err := exec.Command("ogrinfo", "-ro", "-so", "OAPIF:"+base+"/ogc").CombinedOutput()
	if err != nil {
		t.Fatalf("ogrinfo: %v\n%s", err, out)
	}
	for _, want := range []string{"parcels", "permits", "designations"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("ogrinfo does not list %s:\n%s", want, out)
		}
	}
	file := filepath.Join(t.TempDir(), "permits.geojson")
	// A bbox in CRS84 around a corner of the fixture.
	var minx, miny, maxx, maxy float64
	d.Pool.QueryRow(context.Background(), `SELECT ST_XMin(b), ST_YMin(b), ST_XMax(b), ST_YMax(b) FROM
		(SELECT ST_Transform(ST_MakeEnvelope(362000, 362000, 362300, 362450, 2180), 4326)::box2d AS b) x`).Scan(&minx, &miny, &maxx, &maxy)
	cmd := exec.Command("ogr2ogr", "-f", "GeoJSON", file, "OAPIF:"+base+"/ogc", "permits",
		"-spat", fmt.Sprint(minx), fmt.Sprint(miny), fmt.Sprint(maxx), fmt.Sprint(maxy))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("ogr2ogr: %v\n%s", err, out)
	}
	b, _ := os.ReadFile(file)
	var fc struct {
		Features []any `json:"features"`
	}
	json.Unmarshal(b, &fc)
	var want int
	d.Pool.QueryRow(context.Background(), `SELECT count(*) FROM permit WHERE ST_Intersects(ST_Transform(geom, 4326), ST_MakeEnvelope($1, $2, $3, $4, 4326))`, minx, miny, maxx, maxy).Scan(&want)
	if len(fc.Features) != want || want == 0 {
		t.Errorf("ogr2ogr got %d features, PostGIS counts %d", len(fc.Features), want)
	}
	if strings.Contains(string(b), "Tajny") {
		t.Error("investor in the download")
	}
}

// A whole collection downloads as GeoJSON and CSV, every row once.
func TestOpenDataDownloads(t *testing.T) {
	base, _ := serve(t)
	resp, err := http.Get(base + "/ogc/collections/permits/download?f=geojson")
	if err != nil {
		t.Fatal(err)
	}
	var fc struct {
		Features []struct {
			Properties map[string]any `json:"properties"`
		} `json:"features"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&fc); err != nil || len(fc.Features) != 900 || !strings.Contains(resp.Header.Get("Content-Disposition"), "permits.geojson") {
		t.Fatalf("geojson: %v, %d features", err, len(fc.Features))
	}
	resp.Body.Close()
	resp, err = http.Get(base + "/ogc/collections/permits/download?f=csv")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != 901 || !strings.HasPrefix(lines[0], "id,kind,register_id") || strings.Contains(string(b), "Tajny") {
		t.Errorf("csv: %d lines, header %q", len(lines), lines[0])
	}
	var col map[string]any
	getJSON(t, base+"/ogc/collections/permits", &col)
	if col["license"] == nil || col["sources"] == nil {
		t.Errorf("collection metadata lacks licence or sources: %v", col)
	}
}
