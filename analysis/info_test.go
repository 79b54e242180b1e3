package analysis

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"reflect"
	"slices"
	"testing"

	"github.com/ladgis/lad/access"
	"github.com/ladgis/lad/layers"
	"github.com/ladgis/lad/web"
)

// The parameters an analysis lists are exactly those its statements read:
// from a fully given set of parameters, changing a listed one changes the
// arguments or titles of some table, changing any other changes none.
func TestParamInfoMatchesStatements(t *testing.T) {
	full := Params{TERC: "0264011", Date: "2024-06-30", DistrictKind: "osiedle", InspectionDays: 365,
		From: "2024-01-01", To: "2024-06-30", FromYear: 2015, ToYear: 2024, CellM: 500}
	vary := map[string]func(*Params){
		"municipality":    func(p *Params) { p.TERC = "1465011" },
		"date":            func(p *Params) { p.Date = "2023-01-31" },
		"district_kind":   func(p *Params) { p.DistrictKind = "obreb" },
		"inspection_days": func(p *Params) { p.InspectionDays = 30 },
		"from":            func(p *Params) { p.From = "2023-01-01" },
		"to":              func(p *Params) { p.To = "2024-03-31" },
		"from_year":       func(p *Params) { p.FromYear = 2019 },
		"to_year":         func(p *Params) { p.ToYear = 2021 },
		"cell_m":          func(p *Params) { p.CellM = 250 },
	}
	if len(vary) != len(paramInfo()) {
		t.Fatalf("the test varies %d parameters, paramInfo has %d", len(vary), len(paramInfo()))
	}
	// What the analysis's statements receive: every table's title and arguments.
	seen := func(s spec, p Params) string {
		var out []any
		for _, pt := range s.parts {
			out = append(out, pt.title(p), pt.args(p))
		}
		return fmt.Sprint(out...)
	}
	sp, in := specs(), infos()
	for _, name := range Names {
		listed := map[string]bool{}
		for _, p := range in[name].Params {
			listed[p.Name] = true
		}
		for pname, change := range vary {
			p := full
			change(&p)
			if err := p.Check(); err != nil {
				t.Fatalf("%s: %v", pname, err)
			}
			read := seen(sp[name], full) != seen(sp[name], p)
			if read != listed[pname] {
				t.Errorf("%s: parameter %s read %v, listed %v", name, pname, read, listed[pname])
			}
		}
	}
}

// GET /api/analysis lists every analysis with its parameters and chart;
// each chart names a table and columns the analysis really returns (run
// on PostGIS) and a map layer attribute that features can be asked by.
func TestAnalysisListAndCharts(t *testing.T) {
	a, _ := newAnalyst(t, fixture)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	app := web.New(web.Config{}, log, func(context.Context) error { return nil }, as(access.Planner), a).App()
	resp, err := app.Test(httptest.NewRequest("GET", "/api/analysis", nil), 30000)
	if err != nil {
		t.Fatal(err)
	}
	var list struct {
		Analyses []Info `json:"analyses"`
	}
	body, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(body, &list); resp.StatusCode != 200 || err != nil {
		t.Fatalf("%d %v %s", resp.StatusCode, err, body)
	}
	var names []string
	for _, i := range list.Analyses {
		names = append(names, i.Name)
	}
	if !reflect.DeepEqual(names, Names) {
		t.Fatalf("listed %v, want %v", names, Names)
	}
	cat, err := layers.Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		params []string
		layer  string
	}{
		{"plan-coverage", []string{"municipality", "date", "district_kind"}, "districts"},
		{"permit-conformity", []string{"municipality", "date", "from_year", "to_year", "district_kind"}, "permit_conformity"},
		{"development-pressure", []string{"municipality", "date", "from_year", "to_year", "cell_m", "district_kind"}, "permits"},
		{"plan-realisation", []string{"municipality", "date"}, "plan_realisation"},
		{"advertising-compliance", []string{"municipality", "date", "inspection_days"}, "carriers"},
		{"changes", []string{"municipality", "from", "to", "district_kind"}, "districts"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			i := list.Analyses[slices.Index(names, tc.name)]
			var ps []string
			for _, p := range i.Params {
				ps = append(ps, p.Name)
				if p.Title.PL == "" || p.Title.EN == "" || p.Type == "" {
					t.Errorf("parameter %s: %+v", p.Name, p)
				}
			}
			if !reflect.DeepEqual(ps, tc.params) || i.Title.PL == "" || i.Title.EN == "" {
				t.Errorf("params %v, title %+v", ps, i.Title)
			}
			ch := i.Chart
			if ch == nil || ch.Layer != tc.layer {
				t.Fatalf("chart %+v", ch)
			}
			tab, err := a.Run(context.Background(), tc.name, Params{TERC: "0264011", Date: "2024-01-01"})
			if err != nil {
				t.Fatal(err)
			}
			if len(ch.Titles) != len(ch.Values) {
				t.Errorf("%d series titles for %d series", len(ch.Titles), len(ch.Values))
			}
			ct := sub(t, tab, ch.Table)
			for _, col := range append([]string{ch.Label}, ch.Values...) {
				if !slices.Contains(ct.Columns, col) {
					t.Errorf("table %s has no column %q (has %v)", ch.Table, col, ct.Columns)
				}
			}
			l, ok := cat.Get(ch.Layer)
			if !ok {
				t.Fatalf("no layer %s", ch.Layer)
			}
			if at := l.Attribute(ch.Property); at == nil || !at.Queryable {
				t.Errorf("layer %s: attribute %q missing or not queryable", ch.Layer, ch.Property)
			}
		})
	}
}
