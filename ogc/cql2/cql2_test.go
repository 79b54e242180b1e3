package cql2

import (
	"errors"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// schema is the queryables of the tests.
var testSchema = Columns{
	"name":        {SQL: `t."name"`, Type: String},
	"Nazwa ulicy": {SQL: `t."nazwa_ulicy"`, Type: String},
	"and":         {SQL: `t."and"`, Type: String},
	"pop":         {SQL: `t."pop"`, Type: Integer},
	"area":        {SQL: `t."area"`, Type: Number},
	"ok":          {SQL: `t."ok"`, Type: Boolean},
	"d":           {SQL: `t."d"`, Type: Date},
	"ts":          {SQL: `t."ts"`, Type: Timestamp},
	"geom":        {SQL: `t."geom"`, Type: Geometry, SRID: 2180},
	"g84":         {SQL: `t."g84"`, Type: Geometry, SRID: 4326},
	"nosrid":      {SQL: `t."nosrid"`, Type: Geometry},
}

func day(s string) time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return d
}

func instant(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

const gf = "ST_Transform(ST_GeomFromText($1::text, 4326), 2180)"

var valid = []struct {
	filter string
	srid   int // filter CRS; 4326 when 0
	sql    string
	args   []any
}{
	// literals and comparisons
	{filter: "name = 'Warszawa'", sql: `t."name" = $1::text`, args: []any{"Warszawa"}},
	{filter: "name = 'O''Brien'", sql: `t."name" = $1::text`, args: []any{"O'Brien"}},
	{filter: "name <> ''", sql: `t."name" <> $1::text`, args: []any{""}},
	{filter: "name = 'Łódź; DROP TABLE x; --'", sql: `t."name" = $1::text`, args: []any{"Łódź; DROP TABLE x; --"}},
	{filter: "pop >= 1000", sql: `t."pop" >= $1::bigint`, args: []any{int64(1000)}},
	{filter: "pop>-3", sql: `t."pop" > $1::bigint`, args: []any{int64(-3)}},
	{filter: "area < -2.5", sql: `t."area" < $1::numeric`, args: []any{-2.5}},
	{filter: "area <= .5", sql: `t."area" <= $1::numeric`, args: []any{0.5}},
	{filter: "area <> 1.5E3", sql: `t."area" <> $1::numeric`, args: []any{1500.0}},
	{filter: "pop = 99999999999999999999", sql: `t."pop" = $1::numeric`, args: []any{1e20}},
	{filter: "pop = area", sql: `t."pop" = t."area"`},
	{filter: "5 < pop", sql: `$1::bigint < t."pop"`, args: []any{int64(5)}},
	{filter: "ok = TRUE", sql: `t."ok" = $1::boolean`, args: []any{true}},
	{filter: "ok <> false", sql: `t."ok" <> $1::boolean`, args: []any{false}},
	{filter: "ok", sql: `t."ok"`},
	{filter: "TRUE", sql: `TRUE`},
	{filter: "NOT ok", sql: `NOT (t."ok")`},
	{filter: `"Nazwa ulicy" = 'Marszałkowska'`, sql: `t."nazwa_ulicy" = $1::text`, args: []any{"Marszałkowska"}},
	{filter: `"and" = 'x'`, sql: `t."and" = $1::text`, args: []any{"x"}},
	{filter: "d = DATE('2024-01-31')", sql: `t."d" = $1::date`, args: []any{day("2024-01-31")}},
	{filter: "ts > TIMESTAMP('2024-01-31T10:00:00Z')", sql: `t."ts" > $1::timestamptz`, args: []any{instant("2024-01-31T10:00:00Z")}},
	{filter: "ts < TIMESTAMP('2024-01-31T10:00:00.5+02:00')", sql: `t."ts" < $1::timestamptz`, args: []any{instant("2024-01-31T08:00:00.5Z")}},
	{filter: "d < ts", sql: `t."d" < t."ts"`},
	// LIKE, IN, BETWEEN, IS NULL
	{filter: "name LIKE 'Ma_sza%'", sql: `t."name" LIKE $1::text`, args: []any{"Ma_sza%"}},
	{filter: `name NOT LIKE '%\%'`, sql: `t."name" NOT LIKE $1::text`, args: []any{`%\%`}},
	{filter: "pop IN (1, 2, 3)", sql: `t."pop" IN ($1::bigint, $2::bigint, $3::bigint)`, args: []any{int64(1), int64(2), int64(3)}},
	{filter: "name NOT IN ('a')", sql: `t."name" NOT IN ($1::text)`, args: []any{"a"}},
	{filter: "pop BETWEEN 10 AND 20.5", sql: `t."pop" BETWEEN $1::bigint AND $2::numeric`, args: []any{int64(10), 20.5}},
	{filter: "d NOT BETWEEN DATE('2024-01-01') AND DATE('2024-12-31')", sql: `t."d" NOT BETWEEN $1::date AND $2::date`, args: []any{day("2024-01-01"), day("2024-12-31")}},
	{filter: "name IS NULL", sql: `t."name" IS NULL`},
	{filter: "geom IS NOT NULL", sql: `t."geom" IS NOT NULL`},
	// logic and precedence
	{filter: "pop = 1 OR area = 2 AND NOT ok", sql: `(t."pop" = $1::bigint OR (t."area" = $2::bigint AND NOT (t."ok")))`, args: []any{int64(1), int64(2)}},
	{filter: "(pop = 1 OR area = 2) AND ok", sql: `((t."pop" = $1::bigint OR t."area" = $2::bigint) AND t."ok")`, args: []any{int64(1), int64(2)}},
	{filter: "NOT (pop = 1 AND ok) OR NOT NOT ok", sql: `(NOT ((t."pop" = $1::bigint AND t."ok")) OR NOT (NOT (t."ok")))`, args: []any{int64(1)}},
	{filter: "name like 'a%' and not ok or pop is not null", sql: `((t."name" LIKE $1::text AND NOT (t."ok")) OR t."pop" IS NOT NULL)`, args: []any{"a%"}},
	{filter: "ok AND ok AND ok", sql: `(t."ok" AND t."ok" AND t."ok")`},
	// spatial
	{filter: "S_INTERSECTS(geom, POINT(21.0122 52.2297))", sql: `ST_Intersects(t."geom", ` + gf + `)`, args: []any{"POINT(21.0122 52.2297)"}},
	{filter: "s_intersects(geom,point(-1 -2.5e-7))", sql: `ST_Intersects(t."geom", ` + gf + `)`, args: []any{"POINT(-1 -2.5e-07)"}},
	{filter: "S_WITHIN(geom, POLYGON((0 0, 1 0, 1 1, 0 0), (0.1 0.1, 0.2 0.1, 0.2 0.2, 0.1 0.1)))", sql: `ST_Within(t."geom", ` + gf + `)`, args: []any{"POLYGON((0 0, 1 0, 1 1, 0 0), (0.1 0.1, 0.2 0.1, 0.2 0.2, 0.1 0.1))"}},
	{filter: "S_CONTAINS(geom, LINESTRING(1 2, 3 4))", sql: `ST_Contains(t."geom", ` + gf + `)`, args: []any{"LINESTRING(1 2, 3 4)"}},
	{filter: "S_DISJOINT(geom, MULTIPOINT((1 2), (3 4)))", sql: `ST_Disjoint(t."geom", ` + gf + `)`, args: []any{"MULTIPOINT(1 2, 3 4)"}},
	{filter: "S_DISJOINT(geom, MULTIPOINT(1 2, 3 4))", sql: `ST_Disjoint(t."geom", ` + gf + `)`, args: []any{"MULTIPOINT(1 2, 3 4)"}},
	{filter: "S_CROSSES(geom, MULTILINESTRING((1 2, 3 4), (5 6, 7 8)))", sql: `ST_Crosses(t."geom", ` + gf + `)`, args: []any{"MULTILINESTRING((1 2, 3 4), (5 6, 7 8))"}},
	{filter: "S_OVERLAPS(geom, MULTIPOLYGON(((0 0, 1 0, 1 1, 0 0)), ((5 5, 6 5, 6 6, 5 5))))", sql: `ST_Overlaps(t."geom", ` + gf + `)`, args: []any{"MULTIPOLYGON(((0 0, 1 0, 1 1, 0 0)), ((5 5, 6 5, 6 6, 5 5)))"}},
	{filter: "S_INTERSECTS(geom, BBOX(14.1, 49, 24.2, 54.9))", sql: `ST_Intersects(t."geom", ` + gf + `)`, args: []any{"POLYGON((14.1 49, 24.2 49, 24.2 54.9, 14.1 54.9, 14.1 49))"}},
	{filter: "S_WITHIN(POINT(1 2), geom)", sql: `ST_Within(` + gf + `, t."geom")`, args: []any{"POINT(1 2)"}},
	{filter: "S_EQUALS(geom, g84)", sql: `ST_Equals(t."geom", ST_Transform(t."g84", 2180))`},
	{filter: "S_TOUCHES(g84, POINT(1 2))", sql: `ST_Touches(t."g84", ST_GeomFromText($1::text, 4326))`, args: []any{"POINT(1 2)"}},
	{filter: "S_INTERSECTS(geom, POINT(500000 600000))", srid: 2180, sql: `ST_Intersects(t."geom", ST_GeomFromText($1::text, 2180))`, args: []any{"POINT(500000 600000)"}},
	{filter: "S_INTERSECTS(POINT(1 2), POINT(1 2))", sql: `ST_Intersects(ST_GeomFromText($1::text, 4326), ST_GeomFromText($2::text, 4326))`, args: []any{"POINT(1 2)", "POINT(1 2)"}},
	{filter: "S_DWITHIN(geom, POINT(21 52), 100)", sql: `ST_DWithin(t."geom", ` + gf + `, $2::float8)`, args: []any{"POINT(21 52)", 100.0}},
	{filter: "S_DWITHIN(geom, POINT(21 52), 2.5, meters)", sql: `ST_DWithin(t."geom", ` + gf + `, $2::float8)`, args: []any{"POINT(21 52)", 2.5}},
	{filter: "S_DWITHIN(g84, POINT(21 52), 2, km)", sql: `ST_DWithin(t."g84"::geography, ST_GeomFromText($1::text, 4326)::geography, $2::float8)`, args: []any{"POINT(21 52)", 2000.0}},
	{filter: "S_DWITHIN(g84, POINT(500000 600000), 5, 'metres')", srid: 2180, sql: `ST_DWithin(t."g84"::geography, ST_Transform(ST_GeomFromText($1::text, 2180), 4326)::geography, $2::float8)`, args: []any{"POINT(500000 600000)", 5.0}},
	// temporal
	{filter: "T_INTERSECTS(d, DATE('2024-01-31'))", sql: `t."d" = $1::date`, args: []any{day("2024-01-31")}},
	{filter: "T_INTERSECTS(DATE('2024-01-31'), d)", sql: `$1::date = t."d"`, args: []any{day("2024-01-31")}},
	{filter: "T_INTERSECTS(ts, DATE('2024-01-31'))", sql: `(t."ts" >= $1::date AND t."ts" < ($1::date + 1))`, args: []any{day("2024-01-31")}},
	{filter: "T_INTERSECTS(d, TIMESTAMP('2024-01-31T10:00:00Z'))", sql: `((t."d" + 1) > $1::timestamptz AND t."d" <= $1::timestamptz)`, args: []any{instant("2024-01-31T10:00:00Z")}},
	{filter: "T_BEFORE(d, DATE('2024-01-31'))", sql: `t."d" < $1::date`, args: []any{day("2024-01-31")}},
	{filter: "T_BEFORE(d, TIMESTAMP('2024-01-31T10:00:00Z'))", sql: `(t."d" + 1) <= $1::timestamptz`, args: []any{instant("2024-01-31T10:00:00Z")}},
	{filter: "T_AFTER(d, TIMESTAMP('2024-01-31T10:00:00Z'))", sql: `t."d" > $1::timestamptz`, args: []any{instant("2024-01-31T10:00:00Z")}},
	{filter: "T_AFTER(ts, DATE('2024-01-31'))", sql: `t."ts" >= ($1::date + 1)`, args: []any{day("2024-01-31")}},
	{filter: "T_INTERSECTS(d, INTERVAL('2024-01-01', '2024-01-31'))", sql: `(t."d" >= $1::date AND t."d" <= $2::date)`, args: []any{day("2024-01-01"), day("2024-01-31")}},
	{filter: "T_INTERSECTS(ts, INTERVAL('2024-01-01T00:00:00Z', DATE('2024-01-31')))", sql: `(t."ts" >= $1::timestamptz AND t."ts" < ($2::date + 1))`, args: []any{instant("2024-01-01T00:00:00Z"), day("2024-01-31")}},
	{filter: "T_DURING(d, INTERVAL('2024-01-01', '..'))", sql: `t."d" > $1::date`, args: []any{day("2024-01-01")}},
	{filter: "T_DURING(ts, INTERVAL(TIMESTAMP('2024-01-01T00:00:00Z'), '2024-01-31T00:00:00Z'))", sql: `(t."ts" > $1::timestamptz AND t."ts" < $2::timestamptz)`, args: []any{instant("2024-01-01T00:00:00Z"), instant("2024-01-31T00:00:00Z")}},
	{filter: "T_AFTER(d, INTERVAL('..', '2024-01-01'))", sql: `t."d" > $1::date`, args: []any{day("2024-01-01")}},
	{filter: "T_BEFORE(d, INTERVAL('..', '2024-01-01'))", sql: `FALSE`},
	{filter: "T_INTERSECTS(d, INTERVAL('..', '..'))", sql: `t."d" IS NOT NULL`},
	{filter: "T_INTERSECTS(INTERVAL('..', '..'), INTERVAL('..', '..'))", sql: `TRUE`},
	{filter: "T_BEFORE(d, ts)", sql: `(t."d" + 1) <= t."ts"`},
	{filter: "t_after(D, date('2024-01-01')) or T_BEFORE(d, DATE('2000-01-01'))", sql: `(t."d" > $1::date OR t."d" < $2::date)`, args: []any{day("2024-01-01"), day("2000-01-01")}},
}

func withCase(s Columns) Columns {
	c := Columns{}
	for k, v := range s {
		c[k] = v
	}
	c["D"] = s["d"]
	return c
}

// placeholders checks that sql uses exactly $start..$start+n-1.
func placeholders(t testing.TB, sql string, start, n int) {
	t.Helper()
	seen := map[int]bool{}
	for _, m := range regexp.MustCompile(`\$(\d+)`).FindAllStringSubmatch(sql, -1) {
		k, _ := strconv.Atoi(m[1])
		if k < start || k >= start+n {
			t.Fatalf("%s: placeholder $%d outside $%d..$%d", sql, k, start, start+n-1)
		}
		seen[k] = true
	}
	if len(seen) != n {
		t.Fatalf("%s: uses %d of %d placeholders", sql, len(seen), n)
	}
}

func TestSQL(t *testing.T) {
	schema := withCase(testSchema)
	for _, c := range valid {
		e, err := Parse(c.filter)
		if err != nil {
			t.Errorf("Parse(%q): %v", c.filter, err)
			continue
		}
		srid := c.srid
		if srid == 0 {
			srid = 4326
		}
		sql, args, err := SQL(e, schema, 1, srid)
		if err != nil {
			t.Errorf("SQL(%q): %v", c.filter, err)
			continue
		}
		if sql != c.sql {
			t.Errorf("SQL(%q)\n got %s\nwant %s", c.filter, sql, c.sql)
		}
		if !reflect.DeepEqual(args, c.args) && !(len(args) == 0 && len(c.args) == 0) {
			t.Errorf("SQL(%q) args\n got %#v\nwant %#v", c.filter, args, c.args)
		}
		placeholders(t, sql, 1, len(args))
	}
}

func TestArgStart(t *testing.T) {
	e, err := Parse("name = 'a' AND S_DWITHIN(geom, POINT(1 2), 3) AND T_INTERSECTS(ts, DATE('2024-01-01'))")
	if err != nil {
		t.Fatal(err)
	}
	sql, args, err := SQL(e, testSchema, 5, 4326)
	if err != nil {
		t.Fatal(err)
	}
	want := `(t."name" = $5::text AND ST_DWithin(t."geom", ST_Transform(ST_GeomFromText($6::text, 4326), 2180), $7::float8) AND (t."ts" >= $8::date AND t."ts" < ($8::date + 1)))`
	if sql != want || len(args) != 4 {
		t.Fatalf("got %s %v\nwant %s", sql, args, want)
	}
	placeholders(t, sql, 5, len(args))
}

func TestSwapAxes(t *testing.T) {
	e, err := Parse("S_INTERSECTS(geom, POINT(52 21)) OR S_WITHIN(geom, BBOX(49, 14, 55, 24)) OR NOT S_CROSSES(geom, LINESTRING(52 21, 53 22))")
	if err != nil {
		t.Fatal(err)
	}
	SwapAxes(e)
	_, args, err := SQL(e, testSchema, 1, 4326)
	if err != nil {
		t.Fatal(err)
	}
	want := []any{"POINT(21 52)", "POLYGON((14 49, 24 49, 24 55, 14 55, 14 49))", "LINESTRING(21 52, 22 53)"}
	if !reflect.DeepEqual(args, want) {
		t.Fatalf("got %v, want %v", args, want)
	}
}

var invalid = []struct {
	filter, err string
}{
	{"", "filter: empty filter"},
	{"   ", "filter: empty filter"},
	{strings.Repeat("a", MaxLength+1), "longer than 8192 bytes"},
	{"name = 'abc", "position 8: unterminated string"},
	{`"name = 'abc'`, "position 1: unterminated quoted identifier"},
	{`"" = 1`, "empty quoted identifier"},
	{"name = ", "position 8: expected a property or a value, found end of filter"},
	{"FOO(1) = 2", `position 1: unsupported function "FOO"`},
	{"name = 'Łódź' AND foo(1)", `position 19: unsupported function "foo"`},
	{"name = CASEI('a')", `unsupported function "CASEI"`},
	{"name == 'a'", `position 7: expected a property or a value, found "="`},
	{"name != 'a'", `position 6: unexpected character '!'`},
	{"name = NULL", "NULL can only be tested with IS NULL or IS NOT NULL"},
	{"name LIKE 5", "expected a string pattern after LIKE, found number 5"},
	{`name LIKE 'a\'`, `LIKE pattern ends with the escape character`},
	{"pop BETWEEN 1 OR 2", "expected AND, found \"OR\""},
	{"pop IN ()", `expected a property or a value, found ")"`},
	{"pop IN (1 2)", `expected "," or ")" in IN list, found number 2`},
	{"pop IN (" + strings.Repeat("1,", MaxListItems) + "1)", "IN list has more than 1000 items"},
	{strings.Repeat("(", MaxDepth+1) + "ok" + strings.Repeat(")", MaxDepth+1), "position 65: filter is nested deeper than 64 levels"},
	{strings.Repeat("NOT ", 100) + "ok", "nested deeper than 64 levels"},
	{strings.Repeat("(", 3000), "nested deeper than 64 levels"},
	{"S_INTERSECTS(geom, POINT(1 2 3))", "position 30: only 2D coordinates are supported"},
	{"S_INTERSECTS(geom, POINT Z(1 2 3))", "only 2D geometries are supported"},
	{"S_INTERSECTS(geom, POINT EMPTY)", "empty geometries are not supported"},
	{"S_INTERSECTS(geom, POINT(1 2, 3 4))", "POINT needs exactly one coordinate"},
	{"S_INTERSECTS(geom, POLYGON((0 0, 1 0, 1 1, 0 1)))", "polygon ring is not closed"},
	{"S_INTERSECTS(geom, POLYGON((0 0, 1 0, 0 0)))", "polygon ring needs at least 4 points"},
	{"S_INTERSECTS(geom, LINESTRING(1 2))", "LINESTRING needs at least 2 points"},
	{"S_INTERSECTS(geom, LINESTRING(1 2,))", "expected a coordinate, found \")\""},
	{"S_INTERSECTS(geom, GEOMETRYCOLLECTION(POINT(1 2)))", `unsupported function "GEOMETRYCOLLECTION"`},
	{"S_INTERSECTS(geom, BBOX(3, 0, 1, 1))", "BBOX minimum is greater than its maximum"},
	{"S_INTERSECTS(geom, BBOX(1, 2, 3))", "BBOX needs 4 numbers"},
	{"S_INTERSECTS(geom, BBOX(1, 2, 0, 3, 4, 5))", "only 2D BBOX is supported"},
	{"S_INTERSECTS(geom, MULTIPOINT(" + strings.Repeat("1 2,", MaxCoordinates) + "1 2))", "geometries have more than 2000 coordinates"},
	{"S_INTERSECTS(geom, POINT(1e999 2))", "coordinate 1e999 is out of range"},
	{"S_INTERSECTS(geom, 5)", "S_INTERSECTS needs a geometry or a property, found 5"},
	{"S_INTERSECTS(geom)", `expected ",", found ")"`},
	{"S_INTERSECTS(geom, geom", `expected ")" closing S_INTERSECTS, found end of filter`},
	{"S_INTERSECTS = 1", `unknown property`}, // parses; see TestSQLErrors
	{"T_BEFORE(d, POINT(1 2))", "T_BEFORE needs a DATE, TIMESTAMP, INTERVAL or a property, found POINT(1 2)"},
	{"S_DWITHIN(geom, POINT(1 2), -5)", "distance must be a non-negative number"},
	{"S_DWITHIN(geom, POINT(1 2), 5, miles)", `unsupported distance unit "miles"`},
	{"S_DWITHIN(geom, POINT(1 2))", `expected "," and a distance`},
	{"name = S_INTERSECTS(geom, geom)", "S_INTERSECTS is a predicate, not a value"},
	{"d = DATE('2024-02-30')", "invalid date '2024-02-30' (want YYYY-MM-DD)"},
	{"d = DATE('2024-2-3')", "invalid date"},
	{"d = DATE(20240101)", "expected a quoted date"},
	{"ts = TIMESTAMP('2024-01-31')", "invalid timestamp"},
	{"T_DURING(d, INTERVAL('2024-02-01', '2024-01-01'))", "INTERVAL starts after it ends"},
	{"T_DURING(d, INTERVAL('2024-02-01'))", `expected ","`},
	{"T_DURING(d, INTERVAL(1, '..'))", "expected a date, a timestamp or '..' in INTERVAL"},
	{"d = INTERVAL('..', '..')", "an INTERVAL can only be used in temporal functions"},
	{"POINT(1 2) = geom", "a geometry can only be used in spatial functions"},
	{"INTERVAL('..', '..') IS NULL", "an INTERVAL can only be used in temporal functions"},
	{"name = 'a' name = 'b'", `position 12: unexpected "name"`},
	{"name = 'a')", `unexpected ")"`},
	{"(name = 'a'", `expected ")", found end of filter`},
	{"1x = 2", `invalid number "1x"`},
	{"pop = 1e", `invalid number "1e"`},
	{"pop = 1e999", "number 1e999 is out of range"},
	{"pop = -", "unexpected character '-'"},
	{"name IS 5", "expected NULL, found number 5"},
	{"name NOT = 'a'", "expected LIKE, IN or BETWEEN after NOT"},
	{"name = 'a' AND", "expected a property or a value, found end of filter"},
	{"AND = 1", `expected a property or a value, found AND`},
	{"name = '\xff'", "position 9: invalid character"},
	{"name = 'a\x00'", "position 10: invalid character"},
	{"T_INTERSECTS(d)", `expected ","`},
	{"'a' 'b'", `expected a comparison operator after 'a', found string 'b'`},
}

func TestParseErrors(t *testing.T) {
	for _, c := range invalid {
		e, err := Parse(c.filter)
		if err == nil {
			// A few filters only fail against the schema.
			_, _, err = SQL(e, testSchema, 1, 4326)
		}
		if err == nil || !strings.Contains(err.Error(), c.err) {
			t.Errorf("%.60q: got error %v, want %q", c.filter, err, c.err)
			continue
		}
		var ce *Error
		if !errors.As(err, &ce) {
			t.Errorf("%.60q: error %T is not *Error", c.filter, err)
		}
	}
}

func TestSQLErrors(t *testing.T) {
	for _, c := range []struct{ filter, err string }{
		{"x = 1", `position 1: unknown property "x" (see /queryables)`},
		{"name = 'a' AND Name = 'b'", `position 16: unknown property "Name" (see /queryables)`},
		{"name = 5", `position 1: cannot compare property "name" (string) with a number`},
		{"pop = 'a'", `cannot compare property "pop" (integer) with a string`},
		{"'a' < pop", `cannot compare a string with property "pop" (integer)`},
		{"d = '2024-01-01'", `cannot compare property "d" (date) with a string`},
		{"name = pop", `cannot compare property "name" (string) with property "pop" (integer)`},
		{"pop BETWEEN 1 AND 'x'", `cannot compare property "pop" (integer) with a string`},
		{"pop IN (1, 'x')", `cannot compare property "pop" (integer) with a string`},
		{"ok BETWEEN TRUE AND FALSE", `BETWEEN needs a string, number, date or timestamp, but property "ok" is a boolean`},
		{"geom IN (geom)", `IN cannot test geometries, but property "geom" is a geometry`},
		{"pop LIKE 'a%'", `LIKE needs a string, but property "pop" is an integer`},
		{"ok < TRUE", "booleans can only be compared with = or <>, not <"},
		{"geom = g84", "= cannot compare geometries"},
		{"name", `property "name" (string) is not a boolean`},
		{"NOT pop", `property "pop" (integer) is not a boolean`},
		{"S_INTERSECTS(name, POINT(1 2))", `position 14: S_INTERSECTS needs geometries, but property "name" is a string`},
		{"S_INTERSECTS(nosrid, POINT(1 2))", `property "nosrid" has no SRID`},
		{"S_INTERSECTS(geom, POINT(200 10))", "coordinates out of range for EPSG:4326"},
		{"S_DWITHIN(pop, POINT(1 2), 1)", `S_DWITHIN needs geometries, but property "pop" is an integer`},
		{"T_BEFORE(name, DATE('2024-01-01'))", `T_BEFORE needs dates or timestamps, but property "name" is a string`},
		{"T_DURING(d, DATE('2024-01-01'))", "T_DURING needs an INTERVAL as its second argument"},
		{"T_AFTER(x, DATE('2024-01-01'))", `unknown property "x"`},
	} {
		e, err := Parse(c.filter)
		if err != nil {
			t.Errorf("Parse(%q): %v", c.filter, err)
			continue
		}
		sql, args, err := SQL(e, testSchema, 1, 4326)
		if err == nil || !strings.Contains(err.Error(), c.err) {
			t.Errorf("SQL(%q): got %v, want %q", c.filter, err, c.err)
		}
		if sql != "" || args != nil {
			t.Errorf("SQL(%q): returned %q %v with an error", c.filter, sql, args)
		}
	}
	e, _ := Parse("ok")
	for _, c := range []struct{ argStart, srid int }{{0, 4326}, {1, 0}} {
		if _, _, err := SQL(e, testSchema, c.argStart, c.srid); err == nil {
			t.Errorf("SQL(argStart %d, srid %d): no error", c.argStart, c.srid)
		}
	}
	if _, _, err := SQL(nil, testSchema, 1, 4326); err == nil {
		t.Error("SQL(nil): no error")
	}
}

// TestRoundTrip checks that String is canonical: it parses back to a tree
// that prints and translates the same.
func TestRoundTrip(t *testing.T) {
	schema := withCase(testSchema)
	for _, c := range valid {
		e1, err := Parse(c.filter)
		if err != nil {
			t.Fatal(err)
		}
		s1 := e1.String()
		e2, err := Parse(s1)
		if err != nil {
			t.Errorf("%q → %q: %v", c.filter, s1, err)
			continue
		}
		if s2 := e2.String(); s2 != s1 {
			t.Errorf("%q → %q → %q", c.filter, s1, s2)
		}
		sql1, args1, err1 := SQL(e1, schema, 1, 4326)
		sql2, args2, err2 := SQL(e2, schema, 1, 4326)
		if sql1 != sql2 || !reflect.DeepEqual(args1, args2) || (err1 == nil) != (err2 == nil) {
			t.Errorf("%q → %q translates differently:\n%s %v\n%s %v", c.filter, s1, sql1, args1, sql2, args2)
		}
	}
	for in, want := range map[string]string{
		"a=1 or b=2 and c=3":         "a = 1 OR b = 2 AND c = 3",
		"(a=1 or b=2) and c=3":       "(a = 1 OR b = 2) AND c = 3",
		"a=1 or (b=2 or c=3)":        "a = 1 OR (b = 2 OR c = 3)",
		"not (a=1 and b=2)":          "NOT (a = 1 AND b = 2)",
		`"my prop" = 'it''s'`:        `"my prop" = 'it''s'`,
		`"x" = 1.0 and "AND" = 1e25`: `x = 1.0 AND "AND" = 1e+25`,
		"T_AFTER(d, INTERVAL('..', '2024-01-01T10:00:00+01:00'))": "T_AFTER(d, INTERVAL('..', '2024-01-01T09:00:00Z'))",
		"s_dwithin(geom, point(1 2), 1, km)":                      "S_DWITHIN(geom, POINT(1 2), 1000, meters)",
		"x in ('a', 'b') and y not between 1 and 2":               "x IN ('a', 'b') AND y NOT BETWEEN 1 AND 2",
	} {
		e, err := Parse(in)
		if err != nil {
			t.Errorf("Parse(%q): %v", in, err)
			continue
		}
		if got := e.String(); got != want {
			t.Errorf("Parse(%q).String() = %q, want %q", in, got, want)
		}
	}
}

// TestPositions checks that positions count characters, not bytes.
func TestPositions(t *testing.T) {
	_, err := Parse("name = 'Żółć' AND ~")
	if err == nil || err.Error() != `filter: position 19: unexpected character '~'` {
		t.Fatalf("got %v", err)
	}
}
