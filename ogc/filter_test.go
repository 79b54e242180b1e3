package ogc

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/ladgis/lad/access"
	"github.com/ladgis/lad/db/dbtest"
	"github.com/ladgis/lad/layers"
	"github.com/ladgis/lad/web"
)

// items fetches every page of a collection's items for a query and
// returns the feature ids in order, failing on any status but 200.
func items(t *testing.T, base, collection string, q url.Values) []string {
	t.Helper()
	next := base + "/ogc/collections/" + collection + "/items?" + q.Encode()
	var ids []string
	for pages := 0; next != ""; pages++ {
		if pages > 50 {
			t.Fatal("paging does not end")
		}
		var fc struct {
			Features []struct {
				ID string `json:"id"`
			} `json:"features"`
			Links []struct{ Href, Rel string } `json:"links"`
		}
		if code := getJSON(t, next, &fc); code != 200 {
			t.Fatalf("%s: %d", next, code)
		}
		next = ""
		for _, f := range fc.Features {
			ids = append(ids, f.ID)
		}
		for _, l := range fc.Links {
			if l.Rel == "next" {
				next = l.Href
			}
		}
	}
	return ids
}

// CQL2 filters return exactly the permits that an independently written
// SQL condition selects from the same view.
func TestCQL2FiltersMatchPostGIS(t *testing.T) {
	base, d := serve(t)
	ctx := context.Background()
	// A point and a polygon inside the fixture, in CRS84 and in EPSG:2180.
	var lon, lat, minx, miny, maxx, maxy float64
	if err := d.Pool.QueryRow(ctx, `SELECT ST_X(p), ST_Y(p), ST_XMin(b), ST_YMin(b), ST_XMax(b), ST_YMax(b) FROM
		(SELECT ST_Transform(ST_SetSRID(ST_MakePoint(362315, 362315), 2180), 4326) AS p,
		        ST_Transform(ST_MakeEnvelope(362000, 362000, 362300, 362450, 2180), 4326)::box2d AS b) x`).Scan(&lon, &lat, &minx, &miny, &maxx, &maxy); err != nil {
		t.Fatal(err)
	}
	poly := fmt.Sprintf("POLYGON((%[1]f %[2]f, %[3]f %[2]f, %[3]f %[4]f, %[1]f %[4]f, %[1]f %[2]f))", minx, miny, maxx, maxy)
	cases := []struct {
		filter, crs, where string
	}{
		{"kind = 'notification'", "", "kind = 'notification'"},
		{"kind <> 'permit' AND decided_on < DATE('2015-03-01')", "", "kind <> 'permit' AND decided_on < '2015-03-01'"},
		{"register_id LIKE '1%'", "", "register_id LIKE '1%'"},
		{"register_id IN ('1', '2', '3', 'x')", "", "register_id IN ('1', '2', '3')"},
		{"decided_on BETWEEN DATE('2015-02-01') AND DATE('2015-02-28')", "", "decided_on BETWEEN '2015-02-01' AND '2015-02-28'"},
		{"volume_m3 IS NULL AND NOT (kind = 'permit')", "", "volume_m3 IS NULL AND kind <> 'permit'"},
		{"kind = 'notification' OR year = 2016", "", "kind = 'notification' OR extract(year FROM decided_on) = 2016"},
		{"S_INTERSECTS(geometry, " + poly + ")", "", fmt.Sprintf("ST_Intersects(ST_Transform(geom, 4326), ST_MakeEnvelope(%f, %f, %f, %f, 4326))", minx, miny, maxx, maxy)},
		{fmt.Sprintf("S_DWITHIN(geometry, POINT(%f %f), 100, meters)", lon, lat), "", "ST_DWithin(geom, ST_Transform(ST_SetSRID(ST_MakePoint(362315, 362315), 2180), 2180), 100)"},
		// EPSG:2180 is northing first: POINT(y x).
		{"S_DWITHIN(geometry, POINT(362315 362315), 45, meters) AND kind = 'permit'", "http://www.opengis.net/def/crs/EPSG/0/2180", "ST_DWithin(geom, ST_SetSRID(ST_MakePoint(362315, 362315), 2180), 45) AND kind = 'permit'"},
		{"T_INTERSECTS(decided_on, INTERVAL('2015-01-10', '2015-01-20'))", "", "decided_on BETWEEN '2015-01-10' AND '2015-01-20'"},
		{"T_BEFORE(decided_on, DATE('2015-01-05'))", "", "decided_on < '2015-01-05'"},
	}
	for _, c := range cases {
		q := url.Values{"limit": {"97"}, "filter": {c.filter}}
		if c.crs != "" {
			q.Set("filter-crs", c.crs)
		}
		got := items(t, base, "permits", q)
		var want int
		if err := d.Pool.QueryRow(ctx, "SELECT count(*) FROM permit_public WHERE "+c.where).Scan(&want); err != nil {
			t.Fatalf("%s: %v", c.where, err)
		}
		if len(got) != want || want == 0 || want == 900 {
			t.Errorf("filter %q: %d features, PostGIS counts %d (and a useful case selects some but not all of 900)", c.filter, len(got), want)
		}
	}
	// Hostile or wrong filters: 400 with a message, never 500.
	for _, f := range []string{
		"kind = ", "nosuch = 1", "kind = 5", "volume_m3 LIKE 'x%'", "S_INTERSECTS(kind, POINT(1 2))",
		"kind = 'a'; DROP TABLE permit", "investor_name = 'x'", strings.Repeat("(", 100) + "kind = 'a'" + strings.Repeat(")", 100),
		"S_INTERSECTS(geometry, POINT(500 500))", "FOO(kind)",
	} {
		var e struct {
			Error string `json:"error"`
		}
		if code := getJSON(t, base+"/ogc/collections/permits/items?filter="+url.QueryEscape(f), &e); code != 400 || e.Error == "" {
			t.Errorf("filter %q: %d %q, want 400 with a message", f, code, e.Error)
		}
	}
	for _, q := range []string{"filter-lang=cql2-json&filter=kind%3D'a'", "filter-crs=EPSG:1&filter=kind%3D'a'", "filter-lang=cql2-text"} {
		if code := getJSON(t, base+"/ogc/collections/permits/items?"+q, nil); code != 400 {
			t.Errorf("%s: %d, want 400", q, code)
		}
	}
	// The download takes the same filter.
	var fc struct {
		Features []any `json:"features"`
	}
	getJSON(t, base+"/ogc/collections/permits/download?f=geojson&filter="+url.QueryEscape("kind = 'notification'"), &fc)
	if len(fc.Features) != 225 {
		t.Errorf("filtered download: %d features, want 225", len(fc.Features))
	}
}

// sortby orders the items and keyset paging walks the sorted order without
// gaps or repeats, NULLs last, in both directions.
func TestSortbyPaging(t *testing.T) {
	base, d := serve(t)
	ctx := context.Background()
	// Some NULL sort values among ties.
	if _, err := d.Pool.Exec(ctx, `UPDATE permit SET volume_m3 = (id % 7) * 100 WHERE id % 3 <> 0`); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ sortby, order string }{
		{"-decided_on", "decided_on DESC NULLS LAST, id"},
		{"volume_m3,-register_id", "volume_m3 ASC NULLS LAST, register_id DESC NULLS LAST, id"},
		{"+kind,-volume_m3", "kind ASC NULLS LAST, volume_m3 DESC NULLS LAST, id"},
	} {
		got := items(t, base, "permits", url.Values{"limit": {"64"}, "sortby": {c.sortby}})
		rows, err := d.Pool.Query(ctx, "SELECT id::text AS fid FROM permit_public ORDER BY "+c.order)
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		for rows.Next() {
			var id string
			rows.Scan(&id)
			want = append(want, id)
		}
		rows.Close()
		if strings.Join(got, ",") != strings.Join(want, ",") {
			n := min(len(got), len(want))
			first := n
			for i := 0; i < n; i++ {
				if got[i] != want[i] {
					first = i
					break
				}
			}
			t.Errorf("sortby=%s: %d features, %d expected, first difference at %d: %v vs %v", c.sortby, len(got), len(want), first, got[first:min(first+5, len(got))], want[first:min(first+5, len(want))])
		}
	}
	for _, q := range []string{"sortby=investor_name", "sortby=kind,kind", "sortby=kind&after=1", "sortby=kind&after=WyJhIl0"} {
		if code := getJSON(t, base+"/ogc/collections/permits/items?"+q, nil); code != 400 {
			t.Errorf("%s: %d, want 400", q, code)
		}
	}
}

// GDAL's OAPIF driver turns an attribute filter (-where) into a CQL2 filter
// sent to the server and gets exactly what PostGIS counts.
func TestGDALWithCQL2Filter(t *testing.T) {
	base, d := serve(t)
	file := filepath.Join(t.TempDir(), "permits.geojson")
	cmd := exec.Command("ogr2ogr", "--debug", "on", "-f", "GeoJSON", file, "OAPIF:"+base+"/ogc", "permits",
		"-where", "kind = 'notification' AND decided_on >= '2015-06-01'")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("ogr2ogr: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "filter=") {
		t.Errorf("GDAL did not send the filter to the server:\n%s", out)
	}
	b, _ := os.ReadFile(file)
	var fc struct {
		Features []any `json:"features"`
	}
	json.Unmarshal(b, &fc)
	var want int
	d.Pool.QueryRow(context.Background(), `SELECT count(*) FROM permit_public WHERE kind = 'notification' AND decided_on >= '2015-06-01'`).Scan(&want)
	if len(fc.Features) != want || want == 0 {
		t.Errorf("ogr2ogr -where got %d features, PostGIS counts %d", len(fc.Features), want)
	}
}

// The OpenAPI document validates as OpenAPI 3.0 (kin-openapi), and every
// items path declares the filter and sortby parameters.
func TestOpenAPIDocumentValidates(t *testing.T) {
	base, _ := serve(t)
	resp, err := http.Get(base + "/ogc/api")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	doc, err := openapi3.NewLoader().LoadFromData(b)
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("the OpenAPI document does not validate: %v", err)
	}
	items := doc.Paths.Value("/collections/permits/items")
	if items == nil || items.Get == nil {
		t.Fatal("no items path for permits")
	}
	for _, name := range []string{"filter", "filter-lang", "filter-crs", "sortby", "bbox", "datetime", "limit"} {
		if items.Get.Parameters.GetByInAndName("query", name) == nil {
			t.Errorf("items of permits do not declare %s", name)
		}
	}
}

// Rows of a non-public collection (inspections) are limited to the
// municipalities the caller works for; an administrator of every
// municipality sees all of them; the public does not see the collection.
func TestNonPublicRowsScopedToMunicipality(t *testing.T) {
	d := dbtest.New(t)
	ctx := context.Background()
	if _, err := d.Pool.Exec(ctx, `
		INSERT INTO ad_carrier (terc, inventory_no, kind, geom) VALUES
		  ('0264011', 'WRO-1', 'billboard', ST_SetSRID(ST_MakePoint(362000, 362000), 2180)),
		  ('1465011', 'WAW-1', 'billboard', ST_SetSRID(ST_MakePoint(490000, 640000), 2180));
		INSERT INTO inspection (id, carrier_id, terc, inspector, inspected_at, result)
		SELECT gen_random_uuid(), c.id, c.terc, 'kontroler', now() - n * interval '1 day', 'compliant'
		FROM ad_carrier c, generate_series(1, CASE WHEN c.terc = '0264011' THEN 3 ELSE 2 END) n`); err != nil {
		t.Fatal(err)
	}
	cat, err := layers.Default()
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	for _, c := range []struct {
		name string
		s    access.Subject
		want int // -1: the collection does not exist for the caller
	}{
		{"inspector of Wrocław", access.Subject{Role: access.Inspector, TERCs: []string{"0264011"}}, 3},
		{"inspector of Warszawa", access.Subject{Role: access.Inspector, TERCs: []string{"1465011"}}, 2},
		{"planner of both", access.Subject{Role: access.Planner, TERCs: []string{"0264011", "1465011"}}, 5},
		{"inspector of none", access.Subject{Role: access.Inspector}, 0},
		{"admin of every municipality", access.Subject{Role: access.Admin}, 5},
		{"anonymous", access.AnonymousSubject, -1},
	} {
		app := web.New(web.Config{}, log, func(context.Context) error { return nil }, web.As{Subject: c.s}, New(d.Pool, cat, log)).App()
		for _, path := range []string{"/ogc/collections/inspections/items?limit=100", "/ogc/collections/inspections/download?f=geojson"} {
			resp, err := app.Test(httptest.NewRequest("GET", path, nil), 10000)
			if err != nil {
				t.Fatal(err)
			}
			var fc struct {
				Features []any `json:"features"`
			}
			json.NewDecoder(resp.Body).Decode(&fc)
			resp.Body.Close()
			switch {
			case c.want < 0 && resp.StatusCode != 404:
				t.Errorf("%s, %s: %d, want 404", c.name, path, resp.StatusCode)
			case c.want >= 0 && (resp.StatusCode != 200 || len(fc.Features) != c.want):
				t.Errorf("%s, %s: %d with %d features, want %d", c.name, path, resp.StatusCode, len(fc.Features), c.want)
			}
		}
	}
}

// A function collection (change_events) takes its layer's arguments as
// query parameters, like its tiles: the period given, not the function's
// default (the last year), in items and downloads alike; bad values are
// 400. The fixture's permits are decided one a day from 2015-01-02.
func TestFunctionCollectionArguments(t *testing.T) {
	d := dbtest.New(t)
	if _, err := d.Pool.Exec(context.Background(), fixture); err != nil {
		t.Fatal(err)
	}
	cat, err := layers.Default()
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	planner := access.Subject{Role: access.Planner, TERCs: []string{"0264011"}}
	app := web.New(web.Config{}, log, func(context.Context) error { return nil }, web.As{Subject: planner}, New(d.Pool, cat, log)).App()

	// The OpenAPI document declares the arguments, typed, and validates.
	resp, err := app.Test(httptest.NewRequest("GET", "/ogc/api", nil), 10000)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	doc, err := openapi3.NewLoader().LoadFromData(b)
	if err != nil || doc.Validate(context.Background()) != nil {
		t.Fatalf("OpenAPI document for a planner: %v", err)
	}
	for _, want := range []struct{ path, name, typ, format string }{
		{"/collections/change_events/items", "date_from", "string", "date"},
		{"/collections/change_events/items", "date_to", "string", "date"},
		{"/collections/development_pressure/items", "cell_m", "integer", ""},
	} {
		item := doc.Paths.Value(want.path)
		var p *openapi3.Parameter
		if item != nil && item.Get != nil {
			p = item.Get.Parameters.GetByInAndName("query", want.name)
		}
		if p == nil || p.Schema == nil || !p.Schema.Value.Type.Is(want.typ) || p.Schema.Value.Format != want.format {
			t.Errorf("%s does not declare %s as %s %s", want.path, want.name, want.typ, want.format)
		}
	}
	for _, tc := range []struct {
		query string
		code  int
		n     int
	}{
		{"", 200, 0}, // the last year: nothing
		{"date_from=2015-01-01&date_to=2015-01-31", 200, 30},
		{"date_from=2015-01-01&date_to=2015-01-31&municipality=1465011", 200, 0},
		{"date_from=2015-01-01&date_to=2015-01-31&event=notification", 200, 7},
		{"date_from=2015-01-01&date_to=2015-01-31&filter=on_date%20%3E%3D%20DATE('2015-01-30')", 200, 2},
		{"date_from=yesterday", 400, 0},
		{"date_to=2015-02-30", 400, 0},
	} {
		for _, path := range []string{"/ogc/collections/change_events/items?limit=1000&", "/ogc/collections/change_events/download?f=geojson&"} {
			resp, err := app.Test(httptest.NewRequest("GET", path+tc.query, nil), 10000)
			if err != nil {
				t.Fatal(err)
			}
			var fc struct {
				Features []any `json:"features"`
			}
			json.NewDecoder(resp.Body).Decode(&fc)
			resp.Body.Close()
			if resp.StatusCode != tc.code || len(fc.Features) != tc.n {
				t.Errorf("%s%s: %d with %d features, want %d with %d", path, tc.query, resp.StatusCode, len(fc.Features), tc.code, tc.n)
			}
		}
	}
}
