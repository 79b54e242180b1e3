package layers

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/ladgis/lad/access"
	"github.com/ladgis/lad/db/dbtest"
)

func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }

// Every layer's source, key, geometries and attributes exist in the real
// schema, with a type the catalogue can publish.
func TestCatalogueMatchesSchema(t *testing.T) {
	d := dbtest.New(t)
	cat, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range cat.All() {
		cols := []string{pgx.Identifier{l.Source.Key}.Sanitize(), pgx.Identifier{l.Source.Geom}.Sanitize(), pgx.Identifier{l.Source.TileGeom}.Sanitize(), pgx.Identifier{l.TERCColumn}.Sanitize()}
		for _, a := range l.Attributes {
			cols = append(cols, pgx.Identifier{a.Name}.Sanitize())
		}
		for _, p := range l.Params {
			if !p.Arg {
				cols = append(cols, pgx.Identifier{p.Column}.Sanitize())
			}
		}
		// A function layer is called with every argument it declares, so
		// that a misnamed or mistyped argument fails here.
		all := map[string]string{}
		var args []any
		for _, p := range l.Params {
			if p.Arg {
				all[p.Name] = map[string]string{"int": "500", "date": "2020-01-01", "text": "0264011"}[p.Type]
			}
		}
		from := l.From(all, func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) })
		q := fmt.Sprintf("SELECT %s FROM %s LIMIT 0", strings.Join(cols, ", "), from)
		if _, err := d.Pool.Exec(context.Background(), q, args...); err != nil {
			t.Errorf("layer %s: %v", l.ID, err)
		}
		for _, table := range l.Source.Reads {
			var ok bool
			d.Pool.QueryRow(context.Background(), "SELECT to_regclass($1) IS NOT NULL", table).Scan(&ok)
			if !ok {
				t.Errorf("layer %s reads unknown table %s", l.ID, table)
			}
		}
	}
}

func TestCatalogueRefusesPersonalDataAndBadNames(t *testing.T) {
	for name, doc := range map[string]string{
		"personal attribute": `layers: [{id: c, title: {pl: a, en: a}, geometry_type: point, source: {table: comment_public}, attributes: [{name: author_email, type: text}]}]`,
		"private table":      `layers: [{id: c, title: {pl: a, en: a}, geometry_type: point, source: {table: permit_private}}]`,
		"injection":          `layers: [{id: c, title: {pl: a, en: a}, geometry_type: point, source: {table: "permit; DROP TABLE x"}}]`,
		"misquoted title":    `layers: [{id: c, title: {pl: Pozwolenia, zgłoszenia, en: a}, geometry_type: point, source: {table: permit}}]`,
		"bad audience":       `layers: [{id: c, title: {pl: a, en: a}, geometry_type: point, source: {table: permit}, audience: everyone}]`,
		"table and function": `layers: [{id: c, title: {pl: a, en: a}, geometry_type: point, source: {table: permit, function: f, reads: [permit]}}]`,
		"function, no reads": `layers: [{id: c, title: {pl: a, en: a}, geometry_type: point, source: {function: f}}]`,
		"argument of table":  `layers: [{id: c, title: {pl: a, en: a}, geometry_type: point, source: {table: permit}, params: [{name: n, type: int, arg: true}]}]`,
		"bad function":       `layers: [{id: c, title: {pl: a, en: a}, geometry_type: point, source: {function: "f(); DROP TABLE x", reads: [permit]}}]`,
		"bounded text":       `layers: [{id: c, title: {pl: a, en: a}, geometry_type: point, source: {function: f, reads: [permit]}, params: [{name: n, type: text, arg: true, min: 1}]}]`,
	} {
		if _, err := Parse([]byte(doc)); err == nil {
			t.Errorf("%s accepted", name)
		}
	}
}

func TestLookupHidesWhatTheCallerMayNotSee(t *testing.T) {
	cat, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cat.Lookup(access.AnonymousSubject, "inspections"); err == nil {
		t.Error("anonymous sees inspections")
	}
	if _, err := cat.Lookup(access.Subject{Role: access.Inspector}, "inspections"); err != nil {
		t.Error(err)
	}
	if len(cat.Visible(access.AnonymousSubject)) >= len(cat.All()) {
		t.Error("anonymous sees every layer")
	}
}

// A function source is called with the arguments a request gives, by name
// and bound; other parameters stay row filters; bounds are checked.
func TestFunctionSourceAndParams(t *testing.T) {
	c, err := Parse([]byte(`layers: [{id: f, title: {pl: a, en: a}, geometry_type: polygon, source: {function: cells, reads: [permit]},
  params: [{name: size, type: int, arg: true, min: 50, max: 5000}, {name: since, type: date, arg: true}, {name: kind, type: text, column: kind, op: "="}]}]`))
	if err != nil {
		t.Fatal(err)
	}
	l, _ := c.Get("f")
	for _, tc := range []struct {
		params map[string]string
		from   string
		args   []any
	}{
		{nil, `"cells"()`, nil},
		{map[string]string{"size": "500", "kind": "x"}, `"cells"("size" => $1::bigint)`, []any{"500"}},
		{map[string]string{"since": "2020-01-01", "size": "100"}, `"cells"("size" => $1::bigint, "since" => $2::date)`, []any{"100", "2020-01-01"}},
	} {
		var args []any
		got := l.From(tc.params, func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) })
		if got != tc.from || fmt.Sprint(args) != fmt.Sprint(tc.args) {
			t.Errorf("%v: %s %v, want %s %v", tc.params, got, args, tc.from, tc.args)
		}
	}
	var args []any
	if w := l.Params[2].Where(func(v any) string { args = append(args, v); return "$1" }, "x"); w != `"kind" = $1::text` {
		t.Errorf("where %s", w)
	}
	for _, tc := range []struct {
		param int
		value string
		ok    bool
	}{{0, "500", true}, {0, "50", true}, {0, "5000", true}, {0, "49", false}, {0, "5001", false}, {0, "5e2", false},
		{1, "2020-02-29", true}, {1, "2020-13-01", false}, {2, strings.Repeat("x", 201), false}} {
		if err := l.Params[tc.param].Check(tc.value); (err == nil) != tc.ok {
			t.Errorf("%s = %q: %v", l.Params[tc.param].Name, tc.value, err)
		}
	}
	if tab, _ := Parse([]byte(`layers: [{id: t, title: {pl: a, en: a}, geometry_type: point, source: {table: permit}}]`)); tab != nil {
		if l, _ := tab.Get("t"); l.From(map[string]string{"x": "1"}, nil) != `"permit"` {
			t.Error("table source")
		}
	}
}

// Dated layers take a period as typed parameters; "to" includes the whole
// day also where the layer's time is a timestamp (an inspection at 23:30
// on the last day counts), checked on PostGIS through the layer's view.
func TestPeriodParams(t *testing.T) {
	cat, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	d := dbtest.New(t)
	ctx := context.Background()
	if _, err := d.Pool.Exec(ctx, `SET TIME ZONE 'Europe/Warsaw';
INSERT INTO municipality (terc, name, geom) VALUES ('0264011', 'Test', ST_Multi(ST_MakeEnvelope(0, 0, 2000, 1000, 2180)));
INSERT INTO ad_carrier (id, terc, inventory_no, kind, area_m2, illuminated, installed_on, geom) VALUES
 ('00000000-0000-4000-8000-000000000001', '0264011', 'C1', 'citylight', 1.8, false, '2021-01-01', ST_SetSRID(ST_MakePoint(100, 500), 2180));
INSERT INTO inspection (id, carrier_id, terc, inspector, inspected_at, result) VALUES
 ('10000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-000000000001', '0264011', 'k', '2024-01-31 23:30+01', 'compliant');
INSERT INTO plan (terc, kind, local_id, title, status, adopted_on, geom) VALUES
 ('0264011', 'mpzp', 'P1', 'P1', 'in_force', '2010-03-01', ST_Multi(ST_MakeEnvelope(0, 0, 50, 100, 2180)));`); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		layer, param, value string
		where               string
		rows                int
	}{
		{"inspections", "to", "2024-01-31", `"inspected_at" < ($1::date + 1)`, 1},
		{"inspections", "to", "2024-01-30", `"inspected_at" < ($1::date + 1)`, 0},
		{"inspections", "from", "2024-02-01", `"inspected_at" >= $1::date`, 0},
		{"inspections", "from", "2024-01-31", `"inspected_at" >= $1::date`, 1},
		{"plans", "to", "2010-03-01", `"adopted_on" <= $1::date`, 1},
		{"plans", "to", "2010-02-28", `"adopted_on" <= $1::date`, 0},
		{"plans", "from", "2010-03-02", `"adopted_on" >= $1::date`, 0},
		{"designations", "to", "2010-12-31", `"adopted_on" <= $1::date`, 0}, // the plan has no designations
		{"permits", "to", "2010-12-31", `"decided_on" <= $1::date`, 0},
	} {
		l, _ := cat.Get(tc.layer)
		var p *Param
		for i := range l.Params {
			if l.Params[i].Name == tc.param {
				p = &l.Params[i]
			}
		}
		if p == nil {
			t.Errorf("%s has no parameter %s", tc.layer, tc.param)
			continue
		}
		var args []any
		where := p.Where(func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) }, tc.value)
		if where != tc.where {
			t.Errorf("%s %s: %s, want %s", tc.layer, tc.param, where, tc.where)
		}
		var n int
		conn, err := d.Pool.Acquire(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := conn.Exec(ctx, `SET TIME ZONE 'Europe/Warsaw'`); err != nil {
			t.Fatal(err)
		}
		err = conn.QueryRow(ctx, "SELECT count(*) FROM "+l.From(nil, nil)+" WHERE "+where, args...).Scan(&n)
		conn.Release()
		if err != nil || n != tc.rows {
			t.Errorf("%s %s=%s: %d rows, want %d (%v)", tc.layer, tc.param, tc.value, n, tc.rows, err)
		}
	}
}
