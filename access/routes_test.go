package access

import "testing"

func TestPolicyMatch(t *testing.T) {
	p, err := NewPolicy(Routes())
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		method, path, want string
		ok                 bool
	}{
		{"GET", "/", "/", true},
		{"HEAD", "/healthz", "/healthz", true},
		{"GET", "/tiles/parcels.json", "/tiles/:layer.json", true},
		{"GET", "/tiles/parcels,permits/14/9000/5400.mvt", "/tiles/:layers/:z/:x/:y.mvt", true},
		{"GET", "/tiles/parcels/14/9000/5400.png", "", false},
		{"GET", "/tiles/.json", "", false},
		{"GET", "/ogc/collections/permits/items", "/ogc/collections/:id/items", true},
		{"GET", "/ogc/collections/permits/items/12", "/ogc/collections/:id/items/:fid", true},
		{"GET", "/static/vendor/maplibre-gl.js", "/static/*", true},
		{"POST", "/api/analysis/plan-coverage", "", false},
		{"GET", "/api/analysis", "/api/analysis", true},
		{"GET", "/api/nosuch", "", false},
		{"GET", "/ogc/collections//items", "", false},
	} {
		r, ok := p.Match(c.method, c.path)
		if ok != c.ok || r.Path != c.want {
			t.Errorf("%s %s: %q %v, want %q %v", c.method, c.path, r.Path, ok, c.want, c.ok)
		}
	}
	if _, err := NewPolicy([]Rule{{Method: "GET", Path: "/x", Audience: "nobody"}}); err == nil {
		t.Error("a rule with an unknown audience was accepted")
	}
	if _, err := NewPolicy([]Rule{{Method: "GET", Path: "/x", Audience: Public}, {Method: "GET", Path: "/x", Audience: Public}}); err == nil {
		t.Error("a rule given twice was accepted")
	}
}

func TestAllow(t *testing.T) {
	rule := Rule{Method: "GET", Path: "/api/analysis/:name", Audience: AudiencePlanner, Scope: "municipality"}
	for _, c := range []struct {
		s    Subject
		terc string
		want int
	}{
		{AnonymousSubject, "0264011", 401},
		{Subject{Role: Inspector, TERCs: []string{"0264011"}}, "0264011", 403},
		{Subject{Role: Planner, TERCs: []string{"0264011"}}, "0264011", 0},
		{Subject{Role: Planner, TERCs: []string{"0264011"}}, "1465011", 403},
		{Subject{Role: Admin}, "1465011", 0},
		{Subject{Role: Admin, TERCs: []string{"0264011"}}, "1465011", 403},
	} {
		if got, _ := c.s.Allow(rule, c.terc); got != c.want {
			t.Errorf("%v on %s: %d, want %d", c.s, c.terc, got, c.want)
		}
	}
}
