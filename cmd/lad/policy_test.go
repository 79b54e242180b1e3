package main

import (
	"cmp"
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/ladgis/lad/access"
	"github.com/ladgis/lad/auth"
	"github.com/ladgis/lad/db"
	"github.com/ladgis/lad/db/dbtest"
	"github.com/ladgis/lad/layers"
	"github.com/ladgis/lad/tiles"
	"github.com/ladgis/lad/web"
)

func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }

// caller is one column of the authorisation matrix.
type caller struct {
	name    string
	subject access.Subject // what the policy should see
	token   string
}

// sample values for route parameters: enough for the router to reach the
// handler (the handler may still answer 400 or 404 — only 401/403 and 5xx
// are the policy's business here).
var sampleParams = map[string]string{
	":id": "1", ":fid": "1", ":name": "plan-coverage", ":layer.json": "parcels.json", ":layers": "parcels",
	":z": "14", ":x": "9000", ":y.mvt": "5400.mvt", ":uuid": "00000000-0000-4000-8000-000000000001", ":n": "1",
	":cid": "1",
}

// restricted pins, independently of access.Routes(), every route that is
// not public: changing who may call a route means changing this test too.
var restricted = map[string]access.Audience{
	"POST /api/inspections":                            access.AudienceInspect,
	"GET /api/inspections/:id":                         access.AudienceInspect,
	"GET /api/inspections/:id/photos/:n":               access.AudienceInspect,
	"POST /api/carriers":                               access.AudienceInspect,
	"GET /api/carriers/:id/history":                    access.AudienceInspect,
	"GET /api/carriers/:id/photos/:n":                  access.AudienceInspect,
	"GET /api/analysis":                                access.AudiencePlanner,
	"GET /api/analysis/:name":                          access.AudiencePlanner,
	"POST /api/ingest":                                 access.AudiencePlanner,
	"GET /api/ingest/batches":                          access.AudiencePlanner,
	"GET /api/ingest/batches/:id":                      access.AudiencePlanner,
	"GET /api/consultations/:id/review":                access.AudiencePlanner,
	"POST /api/consultations/:id/comments/:cid/answer": access.AudiencePlanner,
	"GET /report/consultation/:id":                     access.AudiencePlanner,
	"GET /api/audit":                                   access.AudienceAdmin,
}

// The authorisation matrix, built from the router's own route table: every
// route × every kind of caller against what the one policy (package access)
// says. A route without a rule fails; a rule without a route fails; an
// allowed call never gets 401/403 or a server error, a refused one gets
// exactly 401 (anonymous) or 403 (staff below the audience, or of another
// municipality).
func TestAuthorisationMatrix(t *testing.T) {
	ctx := context.Background()
	d := dbtest.New(t)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if _, err := d.Pool.Exec(ctx, `
		INSERT INTO municipality (terc, name, geom) VALUES
		  ('0264011', 'Wrocław', ST_Multi(ST_MakeEnvelope(355000, 355000, 365000, 365000, 2180))),
		  ('1465011', 'Warszawa', ST_Multi(ST_MakeEnvelope(480000, 630000, 500000, 650000, 2180)))`); err != nil {
		t.Fatal(err)
	}
	st := auth.NewStore(d.Pool, log)
	callers := []caller{
		{name: "anonymous", subject: access.AnonymousSubject},
		// Residents have no account: they are anonymous callers (who may
		// comment on consultations).
		{name: "resident", subject: access.AnonymousSubject},
		{name: "inspector", subject: access.Subject{Role: access.Inspector, TERCs: []string{"0264011"}}},
		{name: "planner", subject: access.Subject{Role: access.Planner, TERCs: []string{"0264011"}}},
		{name: "admin", subject: access.Subject{Role: access.Admin}},
		{name: "planner-elsewhere", subject: access.Subject{Role: access.Planner, TERCs: []string{"1465011"}}},
	}
	for i, c := range callers {
		if c.subject.Role == access.Anonymous {
			continue
		}
		if err := st.AddUser(ctx, c.name, c.name, c.subject.Role, c.subject.TERCs, "haslo-testowe-123"); err != nil {
			t.Fatal(err)
		}
		tok, err := st.AddToken(ctx, c.name, "matrix")
		if err != nil {
			t.Fatal(err)
		}
		callers[i].token = tok
	}
	cat, err := layers.Default()
	if err != nil {
		t.Fatal(err)
	}
	e := &env{log: log, db: &db.DB{Pool: d.Pool, URL: d.URL}}
	ts := tiles.New(d.Pool, cat, tiles.NoCache{}, tiles.Config{}, log)
	app := web.New(web.Config{}, log, func(context.Context) error { return nil }, httpModules(e, cat, ts, d.Pool, d.Pool)...).App()
	policy, err := access.NewPolicy(access.Routes())
	if err != nil {
		t.Fatal(err)
	}

	routed := map[string]bool{}
	for _, r := range app.GetRoutes(true) {
		if r.Method == "HEAD" || r.Method == "CONNECT" || r.Method == "TRACE" || r.Method == "OPTIONS" {
			continue
		}
		routed[r.Method+" "+r.Path] = true
		rule, ok := policy.Rule(r.Method, r.Path)
		if !ok {
			t.Errorf("%s %s has no rule in access.Routes(): every route needs one", r.Method, r.Path)
			continue
		}
		if want := restricted[r.Method+" "+r.Path]; rule.Audience != want && !(want == "" && rule.Audience == access.Public) {
			t.Errorf("%s %s: the policy says %s, the test expects %s", r.Method, r.Path, rule.Audience, cmp.Or(want, access.Public))
		}
		path := concrete(r.Path)
		if rule.Scope != "" {
			path += "?" + rule.Scope + "=0264011"
		}
		for _, c := range callers {
			req := httptest.NewRequest(r.Method, path, strings.NewReader("{}"))
			req.Header.Set("Content-Type", "application/json")
			if c.token != "" {
				req.Header.Set("Authorization", "Bearer "+c.token)
			}
			resp, err := app.Test(req, 20000)
			if err != nil {
				t.Fatalf("%s %s as %s: %v", r.Method, path, c.name, err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			got := resp.StatusCode
			want, _ := c.subject.Allow(rule, "0264011")
			switch {
			case got >= 500:
				t.Errorf("%s %s as %s: %d %s", r.Method, path, c.name, got, body)
			case want != 0 && got != want:
				t.Errorf("%s %s as %s: %d, want %d (%s may not call it)", r.Method, path, c.name, got, want, c.name)
			case want == 0 && got == 403:
				t.Errorf("%s %s as %s: 403, but the policy allows it: %s", r.Method, path, c.name, body)
			case want == 0 && got == 401 && r.Path != "/api/login":
				// (a sign-in with no such account is a 401 of the login itself)
				t.Errorf("%s %s as %s: 401, but the policy allows it: %s", r.Method, path, c.name, body)
			}
		}
	}
	for _, rule := range access.Routes() {
		if !routed[rule.Method+" "+rule.Path] && rule.Path != "/static/*" {
			t.Errorf("rule %s %s matches no route: remove it or mount the route", rule.Method, rule.Path)
		}
	}
	// A planner of another municipality is refused an analysis of this one
	// (and allowed their own).
	for terc, want := range map[string]int{"0264011": 403, "1465011": 200} {
		req := httptest.NewRequest("GET", "/api/analysis/plan-coverage?municipality="+terc, nil)
		req.Header.Set("Authorization", "Bearer "+callers[5].token)
		resp, err := app.Test(req, 20000)
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != want {
			t.Errorf("planner of 1465011, analysis of %s: %d, want %d", terc, resp.StatusCode, want)
		}
	}
	// A path that is no route is 404 for everybody, staff included.
	req := httptest.NewRequest("GET", "/api/nosuch", nil)
	req.Header.Set("Authorization", "Bearer "+callers[4].token)
	if resp, err := app.Test(req); err != nil || resp.StatusCode != 404 {
		t.Errorf("unknown path: %v %v", resp, err)
	}
}

// concrete fills a route pattern's parameters with sample values.
func concrete(pattern string) string {
	segs := strings.Split(pattern, "/")
	for i, s := range segs {
		if v, ok := sampleParams[s]; ok {
			segs[i] = v
		} else if s == "*" {
			segs[i] = "app.js"
		}
	}
	return strings.Join(segs, "/")
}

// hostile values for every route parameter and query parameter.
var hostile = []string{
	"' OR '1'='1", "1; DROP TABLE parcel; --", "../../etc/passwd", "%00", "\x00", "<script>alert(1)</script>",
	"-1", "99999999999999999999999", "NaN", "1e309", "", " ", strings.Repeat("A", 1500), "parcels,nosuch",
	"2024-13-45", "0264011' --", "∞", "\u202e", "null", "{}", "[]",
}

// hostileQuery lists the query parameters each route reads.
var hostileQuery = map[string][]string{
	"/api/place":                    {"lon", "lat", "x", "y", "crs", "date", "radius"},
	"/api/search":                   {"q", "limit"},
	"/api/consultations":            {"state"},
	"/ogc/collections/:id/items":    {"bbox", "bbox-crs", "crs", "datetime", "limit", "after", "filter", "filter-crs", "filter-lang", "sortby", "properties", "kind"},
	"/ogc/collections/:id/download": {"f", "bbox", "filter", "datetime"},
	"/tiles/:layers/:z/:x/:y.mvt":   {"from", "to", "kind"},
	"/api/analysis/:name":           {"municipality", "date", "district_kind", "inspection_days"},
	"/api/ingest/batches":           {"limit", "before"},
	"/api/audit":                    {"table", "actor", "since", "until", "limit", "before_id"},
	"/report/parcel/:id":            {"date", "radius"},
	"/report/consultation/:id":      {"version"},
}

// Hostile values in every route parameter and every query parameter a
// route reads, as an administrator (who passes every policy check): the
// answer is a 4xx with a message, never a server error, and no hostile
// value is echoed into HTML unescaped.
func TestHostileInput(t *testing.T) {
	ctx := context.Background()
	d := dbtest.New(t)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	st := auth.NewStore(d.Pool, log)
	if err := st.AddUser(ctx, "root", "root", access.Admin, nil, "haslo-testowe-123"); err != nil {
		t.Fatal(err)
	}
	tok, err := st.AddToken(ctx, "root", "hostile")
	if err != nil {
		t.Fatal(err)
	}
	cat, err := layers.Default()
	if err != nil {
		t.Fatal(err)
	}
	e := &env{log: log, db: &db.DB{Pool: d.Pool, URL: d.URL}}
	ts := tiles.New(d.Pool, cat, tiles.NoCache{}, tiles.Config{}, log)
	app := web.New(web.Config{}, log, func(context.Context) error { return nil }, httpModules(e, cat, ts, d.Pool, d.Pool)...).App()
	call := func(method, path string) {
		t.Helper()
		req := httptest.NewRequest(method, path, strings.NewReader("{}"))
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/json")
		resp, err := app.Test(req, 20000)
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode >= 500 {
			t.Errorf("%s %.200s: %d %.300s", method, path, resp.StatusCode, b)
		}
		if strings.Contains(string(b), "<script>alert(1)</script>") {
			t.Errorf("%s %s echoes a script unescaped", method, path)
		}
	}
	for _, r := range app.GetRoutes(true) {
		if r.Method != "GET" && r.Method != "POST" {
			continue
		}
		segs := strings.Split(r.Path, "/")
		for i, s := range segs {
			if !strings.HasPrefix(s, ":") {
				continue
			}
			for _, h := range hostile {
				v := url.PathEscape(h)
				if _, suffix, ok := strings.Cut(s, "."); ok {
					v += "." + suffix
				}
				p := append([]string{}, segs...)
				for j := range p {
					if j != i {
						if s2, ok := sampleParams[p[j]]; ok {
							p[j] = s2
						}
					}
				}
				p[i] = v
				call(r.Method, strings.Join(p, "/"))
			}
		}
		for _, q := range hostileQuery[r.Path] {
			for _, h := range hostile {
				call(r.Method, concrete(r.Path)+"?"+url.Values{q: {h}}.Encode())
			}
		}
	}
}
