package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"

	"github.com/ladgis/lad/access"
	"github.com/ladgis/lad/db"
	"github.com/ladgis/lad/db/dbtest"
	"github.com/ladgis/lad/layers"
	"github.com/ladgis/lad/tiles"
	"github.com/ladgis/lad/web"
)

// The privacy crawl: the demo city with personal data marked in every
// place it is kept (investors, carrier owners, comment authors with
// address and e-mail), then every public endpoint fetched as a resident —
// tiles of every layer around the marked records at every zoom they are
// drawn, TileJSON and style, every OGC collection as items, HTML, GeoJSON
// and CSV downloads, the place and parcel reports, search and
// consultations. No response may hold any of the marks.
func TestPrivacyCrawl(t *testing.T) {
	ctx := context.Background()
	d := dbtest.New(t)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	e := &env{log: log, db: &db.DB{Pool: d.Pool, URL: d.URL}}
	if err := loadDemo(ctx, e); err != nil {
		t.Fatal(err)
	}
	const mark = "SEKRET"
	if _, err := d.Pool.Exec(ctx, `
		INSERT INTO permit_private (permit_id, investor_name) SELECT id, 'SEKRET Inwestor ' || id FROM permit
		  ON CONFLICT (permit_id) DO UPDATE SET investor_name = EXCLUDED.investor_name;
		INSERT INTO ad_carrier_private (carrier_id, owner_name, owner_address) SELECT id, 'SEKRET Właściciel', 'ul. SEKRET 1' FROM ad_carrier
		  ON CONFLICT (carrier_id) DO UPDATE SET owner_name = EXCLUDED.owner_name, owner_address = EXCLUDED.owner_address;
		UPDATE consultation_comment_author SET full_name = 'SEKRET Autor', address = 'ul. SEKRET 2', email = 'sekret@example.pl';`); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"SELECT count(*) FROM permit_private", "SELECT count(*) FROM ad_carrier_private", "SELECT count(*) FROM consultation_comment_author"} {
		var n int
		if err := d.Pool.QueryRow(ctx, q).Scan(&n); err != nil || n == 0 {
			t.Fatalf("%s: %d %v (the crawl needs personal data to look for)", q, n, err)
		}
	}
	cat, err := layers.Default()
	if err != nil {
		t.Fatal(err)
	}
	ts := tiles.New(d.Pool, cat, tiles.NoCache{}, tiles.Config{}, log)
	app := web.New(web.Config{}, log, func(context.Context) error { return nil }, httpModules(e, cat, ts, d.Pool, d.Pool)...).App()

	fetched, bytesRead := 0, 0
	get := func(path string) []byte {
		t.Helper()
		resp, err := app.Test(httptest.NewRequest("GET", path, nil), 60000)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode >= 500 {
			t.Errorf("%s: %d %s", path, resp.StatusCode, b)
		}
		fetched++
		bytesRead += len(b)
		low := strings.ToLower(string(b))
		if strings.Contains(low, strings.ToLower(mark)) || strings.Contains(low, "sekret@") {
			i := strings.Index(low, "sekret")
			t.Errorf("%s publishes personal data: …%s…", path, string(b[max(0, i-80):min(len(b), i+40)]))
		}
		return b
	}

	// Every public route without parameters.
	policy, _ := access.NewPolicy(access.Routes())
	for _, r := range app.GetRoutes(true) {
		if rule, ok := policy.Rule(r.Method, r.Path); ok && r.Method == "GET" && rule.Audience == access.Public && !strings.Contains(r.Path, ":") {
			get(r.Path)
		}
	}
	// Tiles of every public layer around each kind of marked record.
	rows, err := d.Pool.Query(ctx, `
		SELECT ST_X(p), ST_Y(p) FROM (
		  (SELECT ST_Transform(geom, 4326) AS p FROM permit WHERE geom IS NOT NULL ORDER BY id LIMIT 3)
		  UNION ALL (SELECT ST_Transform(geom, 4326) FROM ad_carrier ORDER BY id LIMIT 3)
		  UNION ALL (SELECT ST_Transform(ST_PointOnSurface(geom), 4326) FROM consultation_comment WHERE geom IS NOT NULL ORDER BY id LIMIT 3)) x`)
	if err != nil {
		t.Fatal(err)
	}
	type point struct{ lon, lat float64 }
	var points []point
	for rows.Next() {
		var p point
		rows.Scan(&p.lon, &p.lat)
		points = append(points, p)
	}
	rows.Close()
	if len(points) < 6 {
		t.Fatalf("only %d marked places to crawl around", len(points))
	}
	public := cat.Visible(access.AnonymousSubject)
	var ids []string
	for _, l := range public {
		ids = append(ids, l.ID)
		get("/tiles/" + l.ID + ".json")
	}
	for _, p := range points {
		for z := 10; z <= 17; z++ {
			x, y := tileAt(p.lon, p.lat, z)
			get(fmt.Sprintf("/tiles/%s/%d/%d/%d.mvt", strings.Join(ids, ","), z, x, y))
		}
		q := url.Values{"lon": {fmt.Sprint(p.lon)}, "lat": {fmt.Sprint(p.lat)}}
		get("/api/place?" + q.Encode())
	}
	// Every public collection, whole, in every format.
	features := 0
	for _, l := range public {
		base := "/ogc/collections/" + l.ID
		get(base)
		get(base + "/queryables")
		get(base + "/items?f=html&limit=50")
		get(base + "/download?f=csv")
		var fc struct {
			Features []struct {
				ID string `json:"id"`
			} `json:"features"`
		}
		json.Unmarshal(get(base+"/download?f=geojson"), &fc)
		features += len(fc.Features)
		if len(fc.Features) > 0 {
			get(base + "/items/" + url.PathEscape(fc.Features[0].ID))
		}
	}
	// Parcel reports where permits are.
	prow, err := d.Pool.Query(ctx, `SELECT DISTINCT parcel_teryt FROM permit_parcel WHERE parcel_id IS NOT NULL LIMIT 5`)
	if err != nil {
		t.Fatal(err)
	}
	var parcels []string
	for prow.Next() {
		var s string
		prow.Scan(&s)
		parcels = append(parcels, s)
	}
	prow.Close()
	for _, id := range parcels {
		get("/api/parcels/" + url.PathEscape(id))
		get("/report/parcel/" + url.PathEscape(id))
	}
	// (The marks themselves are not searched for: the answer echoes the
	// query.)
	for _, q := range []string{"Inwestor", "Autor", "Właściciel", "example.pl"} {
		get("/api/search?q=" + url.QueryEscape(q))
	}
	get("/api/consultations")
	// Every consultation's comments, before and after it closes (then with
	// the planners' answers, as residents read them), and its printable
	// report as a resident gets it (refused: the report is the planners').
	crows, err := d.Pool.Query(ctx, `SELECT id FROM consultation ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	var consultations []int64
	for crows.Next() {
		var id int64
		crows.Scan(&id)
		consultations = append(consultations, id)
	}
	crows.Close()
	if len(consultations) == 0 {
		t.Fatal("no consultation to crawl")
	}
	if _, err := d.Pool.Exec(ctx, `UPDATE consultation_comment SET answered_by = 'SEKRET-planista' WHERE answer IS NOT NULL`); err != nil {
		t.Fatal(err)
	}
	for _, closed := range []bool{false, true} {
		if closed {
			if _, err := d.Pool.Exec(ctx, `UPDATE consultation SET opens_on = current_date - 40, closes_on = current_date - 2`); err != nil {
				t.Fatal(err)
			}
		}
		for _, id := range consultations {
			body := get(fmt.Sprintf("/api/consultations/%d/comments", id))
			if closed && !strings.Contains(string(body), `"answers_published":true`) {
				t.Errorf("consultation %d closed, yet its answers are not published", id)
			}
			get(fmt.Sprintf("/report/consultation/%d", id))
			get(fmt.Sprintf("/report/consultation/%d?version=public", id))
		}
		get("/ogc/collections/comments/download?f=geojson")
	}
	if features < 1000 || len(parcels) == 0 || fetched < 150 {
		t.Errorf("the crawl was too thin to prove anything: %d requests, %d features, %d parcel reports", fetched, features, len(parcels))
	}
	t.Logf("crawled %d responses, %d bytes, %d features", fetched, bytesRead, features)
}

// tileAt is the web-mercator tile holding a CRS84 point.
func tileAt(lon, lat float64, z int) (uint32, uint32) {
	t := maptile.At(orb.Point{lon, lat}, maptile.Zoom(z))
	return t.X, t.Y
}
