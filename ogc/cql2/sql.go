package cql2

import (
	"strconv"
	"strings"
)

// Type is the type of a queryable property.
type Type int

// Property types. Number and Integer compare with each other, as do Date
// and Timestamp.
const (
	String Type = iota + 1
	Number
	Integer
	Boolean
	Date
	Timestamp
	Geometry
)

// String names the type as in error messages ("string", "number", ...).
func (t Type) String() string {
	switch t {
	case String:
		return "string"
	case Number:
		return "number"
	case Integer:
		return "integer"
	case Boolean:
		return "boolean"
	case Date:
		return "date"
	case Timestamp:
		return "timestamp"
	case Geometry:
		return "geometry"
	}
	return "Type(" + strconv.Itoa(int(t)) + ")"
}

// family groups the types that can be compared with each other.
func (t Type) family() Type {
	switch t {
	case Integer:
		return Number
	case Timestamp:
		return Date
	}
	return t
}

// Column is how a property appears in SQL.
type Column struct {
	// SQL is the expression for the property, chosen and quoted by the
	// caller, e.g. t."name". It is copied into the output verbatim.
	SQL string
	// Type is the property's type.
	Type Type
	// SRID is the spatial reference of a Geometry column (e.g. 2180).
	SRID int
}

// Schema tells the translator which properties exist and their types; it
// is the only source of column names.
type Schema interface {
	// Property returns the column for a property name (case-sensitive).
	Property(name string) (Column, bool)
}

// Columns is a Schema backed by a map from property name to column.
type Columns map[string]Column

// Property implements Schema.
func (c Columns) Property(name string) (Column, bool) {
	col, ok := c[name]
	return col, ok
}

// SQL translates e into a boolean SQL expression for a WHERE clause, with
// placeholders numbered from $argStart; args holds their values in order
// ($argStart is args[0]). Values are never written into the SQL: strings
// bind as string ($n::text), integers as int64 ($n::bigint), other numbers
// as float64 ($n::numeric), booleans as bool ($n::boolean), dates and
// timestamps as time.Time ($n::date, $n::timestamptz, UTC), geometry
// literals as re-serialised WKT ($n::text) and distances as float64
// ($n::float8). Column names come only from s.
//
// Geometry literals are in the filter CRS geomSRID (4326 for CRS84) and are
// transformed to the SRID of the property they are tested against:
//
//	S_INTERSECTS(geom, POINT(21 52))
//	→ ST_Intersects(t."geom", ST_Transform(ST_GeomFromText($1::text, 4326), 2180))
//
// S_DWITHIN distances are metres: the test runs on geography when the
// property's SRID is geographic (4326, 4258, 4269) and in the property's
// own units otherwise, which are assumed to be metres (true of 2180,
// 2176–2179, 3857 and UTM zones), so the spatial index can be used.
//
// Temporal predicates treat a date as the whole day and a timestamp as an
// instant; comparing a date with a timestamp converts the date at the
// database session's time zone.
//
// Errors are *Error, naming the position and the property, e.g.
// `unknown property "x" (see /queryables)`.
func SQL(e Expr, s Schema, argStart int, geomSRID int) (sql string, args []any, err error) {
	if argStart < 1 {
		return "", nil, errorf(0, "argStart must be at least 1, not %d", argStart)
	}
	if geomSRID < 1 {
		return "", nil, errorf(0, "geomSRID must be positive, not %d", geomSRID)
	}
	if e == nil {
		return "", nil, errorf(0, "empty filter")
	}
	t := &translator{schema: s, srid: geomSRID, next: argStart}
	sql, err = t.pred(e)
	if err != nil {
		return "", nil, err
	}
	return sql, t.args, nil
}

// translator accumulates bound arguments while writing SQL.
type translator struct {
	schema Schema
	srid   int // SRID of geometry literals
	next   int // number of the next placeholder
	args   []any
}

// bind appends v to the arguments and returns its placeholder with a cast.
func (t *translator) bind(v any, cast string) string {
	t.args = append(t.args, v)
	t.next++
	return "$" + strconv.Itoa(t.next-1) + "::" + cast
}

// pred translates a boolean expression.
func (t *translator) pred(e Expr) (string, error) {
	switch e := e.(type) {
	case *Logical:
		parts := make([]string, len(e.Args))
		for i, a := range e.Args {
			s, err := t.pred(a)
			if err != nil {
				return "", err
			}
			parts[i] = s
		}
		return "(" + strings.Join(parts, " "+e.Op+" ") + ")", nil
	case *Not:
		s, err := t.pred(e.X)
		if err != nil {
			return "", err
		}
		return "NOT (" + s + ")", nil
	case *BoolLit:
		if e.Value {
			return "TRUE", nil
		}
		return "FALSE", nil
	case *Property:
		v, err := t.value(e)
		if err != nil {
			return "", err
		}
		if v.typ != Boolean {
			return "", errorf(e.pos, "%s is not a boolean and cannot be a condition by itself", v)
		}
		return v.sql, nil
	case *Comparison:
		return t.comparison(e)
	case *Like:
		x, err := t.value(e.X)
		if err != nil {
			return "", err
		}
		if x.typ != String {
			return "", errorf(e.pos, "LIKE needs a string, but %s", x.is())
		}
		return x.sql + not(e.Not) + " LIKE " + t.bind(e.Pattern, "text"), nil
	case *Between:
		vs, err := t.values(e.pos, e.X, e.Low, e.High)
		if err != nil {
			return "", err
		}
		if f := vs[0].typ.family(); f == Boolean || f == Geometry {
			return "", errorf(e.pos, "BETWEEN needs a string, number, date or timestamp, but %s", vs[0].is())
		}
		return vs[0].sql + not(e.Not) + " BETWEEN " + vs[1].sql + " AND " + vs[2].sql, nil
	case *In:
		vs, err := t.values(e.pos, append([]Expr{e.X}, e.List...)...)
		if err != nil {
			return "", err
		}
		if vs[0].typ == Geometry {
			return "", errorf(e.pos, "IN cannot test geometries, but %s", vs[0].is())
		}
		list := make([]string, len(e.List))
		for i, v := range vs[1:] {
			list[i] = v.sql
		}
		return vs[0].sql + not(e.Not) + " IN (" + strings.Join(list, ", ") + ")", nil
	case *IsNull:
		x, err := t.value(e.X)
		if err != nil {
			return "", err
		}
		if e.Not {
			return x.sql + " IS NOT NULL", nil
		}
		return x.sql + " IS NULL", nil
	case *Spatial:
		return t.spatial(e.Op, e.Left, e.Right, nil)
	case *DWithin:
		return t.spatial("S_DWITHIN", e.Left, e.Right, &e.Distance)
	case *Temporal:
		return t.temporal(e)
	case nil:
		return "", errorf(0, "missing condition")
	}
	return "", errorf(e.position(), "%s is not a condition", e)
}

// value is a translated scalar operand.
type value struct {
	sql  string
	typ  Type
	prop string // property name; "" for a literal
	srid int    // of a geometry
}

// String describes the operand for error messages.
func (v value) String() string {
	if v.prop != "" {
		return "property " + strconv.Quote(v.prop) + " (" + v.typ.String() + ")"
	}
	return article(v.typ.family().String())
}

// article prefixes a type name with "a" or "an".
func article(s string) string {
	if strings.IndexByte("aeiou", s[0]) >= 0 {
		return "an " + s
	}
	return "a " + s
}

// is completes "... but " with what the operand is.
func (v value) is() string {
	if v.prop != "" {
		return "property " + strconv.Quote(v.prop) + " is " + article(v.typ.String())
	}
	return "the value is " + v.String()
}

// value translates a property or literal.
func (t *translator) value(e Expr) (value, error) {
	switch e := e.(type) {
	case *Property:
		c, ok := t.schema.Property(e.Name)
		if !ok {
			return value{}, errorf(e.pos, "unknown property %q (see /queryables)", e.Name)
		}
		if c.Type < String || c.Type > Geometry {
			return value{}, errorf(e.pos, "property %q has an invalid type", e.Name)
		}
		return value{c.SQL, c.Type, e.Name, c.SRID}, nil
	case *StringLit:
		return value{sql: t.bind(e.Value, "text"), typ: String}, nil
	case *NumberLit:
		if e.IsInt {
			return value{sql: t.bind(e.Int, "bigint"), typ: Integer}, nil
		}
		return value{sql: t.bind(e.Value, "numeric"), typ: Number}, nil
	case *BoolLit:
		return value{sql: t.bind(e.Value, "boolean"), typ: Boolean}, nil
	case *DateLit:
		return value{sql: t.bind(e.Value, "date"), typ: Date}, nil
	case *TimestampLit:
		return value{sql: t.bind(e.Value, "timestamptz"), typ: Timestamp}, nil
	case *GeometryLit:
		if b := e.Geometry.Bound(); geographic(t.srid) && (b.Min[0] < -180 || b.Max[0] > 180 || b.Min[1] < -90 || b.Max[1] > 90) {
			return value{}, errorf(e.pos, "coordinates out of range for EPSG:%d (longitude -180..180, latitude -90..90)", t.srid)
		}
		sql := "ST_GeomFromText(" + t.bind(wkt(e.Geometry), "text") + ", " + strconv.Itoa(t.srid) + ")"
		return value{sql: sql, typ: Geometry, srid: t.srid}, nil
	case nil:
		return value{}, errorf(0, "missing operand")
	}
	return value{}, errorf(e.position(), "%s is not a property or a value here", e)
}

// values translates operands that must be comparable with the first.
func (t *translator) values(pos int, es ...Expr) ([]value, error) {
	vs := make([]value, len(es))
	for i, e := range es {
		v, err := t.value(e)
		if err != nil {
			return nil, err
		}
		if i > 0 && v.typ.family() != vs[0].typ.family() {
			return nil, errorf(pos, "cannot compare %s with %s", vs[0], v)
		}
		vs[i] = v
	}
	return vs, nil
}

func (t *translator) comparison(e *Comparison) (string, error) {
	vs, err := t.values(e.pos, e.Left, e.Right)
	if err != nil {
		return "", err
	}
	switch vs[0].typ.family() {
	case Geometry:
		return "", errorf(e.pos, "%s cannot compare geometries (use S_EQUALS, S_INTERSECTS, ...)", e.Op)
	case Boolean:
		if e.Op != "=" && e.Op != "<>" {
			return "", errorf(e.pos, "booleans can only be compared with = or <>, not %s", e.Op)
		}
	}
	switch e.Op {
	case "=", "<>", "<", ">", "<=", ">=":
	default:
		return "", errorf(e.pos, "unsupported operator %q", e.Op)
	}
	return vs[0].sql + " " + e.Op + " " + vs[1].sql, nil
}

// spatialFunc maps CQL2 spatial predicates to PostGIS functions.
func spatialFunc(op string) string {
	switch op {
	case "S_INTERSECTS":
		return "ST_Intersects"
	case "S_DISJOINT":
		return "ST_Disjoint"
	case "S_EQUALS":
		return "ST_Equals"
	case "S_TOUCHES":
		return "ST_Touches"
	case "S_OVERLAPS":
		return "ST_Overlaps"
	case "S_CROSSES":
		return "ST_Crosses"
	case "S_WITHIN":
		return "ST_Within"
	case "S_CONTAINS":
		return "ST_Contains"
	case "S_DWITHIN":
		return "ST_DWithin"
	}
	return ""
}

// geographic reports SRIDs whose units are degrees.
func geographic(srid int) bool { return srid == 4326 || srid == 4258 || srid == 4269 }

// spatial translates a spatial predicate; dist is set for S_DWITHIN.
func (t *translator) spatial(op string, a, b Expr, dist *float64) (string, error) {
	fn := spatialFunc(op)
	if fn == "" {
		return "", errorf(a.position(), "unsupported spatial function %q", op)
	}
	var vs [2]value
	target := 0 // SRID of the first geometry property, else of the literals
	for i, e := range []Expr{a, b} {
		v, err := t.value(e)
		if err != nil {
			return "", err
		}
		if v.typ != Geometry {
			return "", errorf(e.position(), "%s needs geometries, but %s", op, v.is())
		}
		if v.srid < 1 {
			return "", errorf(e.position(), "property %q has no SRID", v.prop)
		}
		if target == 0 && v.prop != "" {
			target = v.srid
		}
		vs[i] = v
	}
	if target == 0 {
		target = t.srid
	}
	args := make([]string, 2, 3)
	for i, v := range vs {
		args[i] = v.sql
		if v.srid != target {
			args[i] = "ST_Transform(" + v.sql + ", " + strconv.Itoa(target) + ")"
		}
		if dist != nil && geographic(target) {
			args[i] += "::geography"
		}
	}
	if dist != nil {
		args = append(args, t.bind(*dist, "float8"))
	}
	return fn + "(" + strings.Join(args, ", ") + ")", nil
}

// lazy is an SQL operand bound on first use, so that a literal that a
// temporal predicate does not need leaves no unused placeholder.
type lazy struct {
	sql  string
	v    any
	cast string
}

func (t *translator) use(l *lazy) string {
	if l.sql == "" {
		l.sql = t.bind(l.v, l.cast)
	}
	return l.sql
}

// tpoint is the start or end of a temporal operand.
type tpoint struct {
	inf int   // -1 for an open start, +1 for an open end, 0 when bounded
	day bool  // date granularity: a start is midnight, an end the next midnight
	end bool  // the point ends its operand
	ref *lazy // the SQL; shared by the start and end of an instant
}

// period translates a temporal operand into its start and end.
func (t *translator) period(op string, e Expr) (start, end tpoint, prop string, err error) {
	instant := func(l *lazy, day bool) (tpoint, tpoint, string, error) {
		return tpoint{day: day, ref: l}, tpoint{day: day, end: true, ref: l}, "", nil
	}
	switch e := e.(type) {
	case *Property:
		v, err := t.value(e)
		if err != nil {
			return start, end, "", err
		}
		if v.typ.family() != Date {
			return start, end, "", errorf(e.pos, "%s needs dates or timestamps, but %s", op, v.is())
		}
		start, end, _, _ = instant(&lazy{sql: v.sql}, v.typ == Date)
		return start, end, v.sql, nil
	case *DateLit:
		return instant(&lazy{v: e.Value, cast: "date"}, true)
	case *TimestampLit:
		return instant(&lazy{v: e.Value, cast: "timestamptz"}, false)
	case *IntervalLit:
		start.inf, end.inf, end.end = -1, 1, true
		if e.Start != nil {
			s, _, _, err := t.period(op, e.Start)
			if err != nil {
				return start, end, "", err
			}
			start = s
		}
		if e.End != nil {
			_, en, _, err := t.period(op, e.End)
			if err != nil {
				return start, end, "", err
			}
			end = en
		}
		return start, end, "", nil
	case nil:
		return start, end, "", errorf(0, "missing operand")
	}
	return start, end, "", errorf(e.position(), "%s needs dates, timestamps or intervals, not %s", op, e)
}

// temporal translates T_xxx(a, b) by comparing the operands' ends:
// BEFORE: end(a) < start(b); AFTER: start(a) > end(b);
// INTERSECTS: end(a) >= start(b) AND start(a) <= end(b);
// DURING: start(a) > start(b) AND end(a) < end(b).
func (t *translator) temporal(e *Temporal) (string, error) {
	sa, ea, pa, err := t.period(e.Op, e.Left)
	if err != nil {
		return "", err
	}
	sb, eb, pb, err := t.period(e.Op, e.Right)
	if err != nil {
		return "", err
	}
	_, interval := e.Right.(*IntervalLit)
	instants := sa.ref == ea.ref && sb.ref == eb.ref && sa.ref != nil && sb.ref != nil && sa.day == sb.day
	type cond struct {
		a  tpoint
		op string
		b  tpoint
	}
	var conds []cond
	switch e.Op {
	case "T_BEFORE":
		conds = []cond{{ea, "<", sb}}
	case "T_AFTER":
		conds = []cond{{sa, ">", eb}}
	case "T_INTERSECTS":
		if instants { // same granularity: the instants are equal
			return t.use(sa.ref) + " = " + t.use(sb.ref), nil
		}
		conds = []cond{{ea, ">=", sb}, {sa, "<=", eb}}
	case "T_DURING":
		if !interval {
			return "", errorf(e.Right.position(), "T_DURING needs an INTERVAL as its second argument")
		}
		conds = []cond{{sa, ">", sb}, {ea, "<", eb}}
	default:
		return "", errorf(e.pos, "unsupported temporal function %q", e.Op)
	}
	var parts []string
	for _, c := range conds {
		sql, static := t.compare(c.a, c.op, c.b)
		switch {
		case static < 0:
			return "FALSE", nil
		case static == 0:
			parts = append(parts, sql)
		}
	}
	if len(parts) == 0 { // always true where the properties have values
		for _, p := range []string{pa, pb} {
			if p != "" {
				parts = append(parts, p+" IS NOT NULL")
			}
		}
	}
	switch len(parts) {
	case 0:
		return "TRUE", nil
	case 1:
		return parts[0], nil
	}
	return "(" + strings.Join(parts, " AND ") + ")", nil
}

// compare writes a op b for op in < <= > >=. static is +1 or -1 when an
// open end decides the result without SQL. Between a date and a timestamp
// an end date stands for the next midnight, exclusive.
func (t *translator) compare(a tpoint, op string, b tpoint) (sql string, static int) {
	if a.inf != 0 || b.inf != 0 {
		x, y := a.inf, b.inf
		r := map[string]bool{"<": x < y, "<=": x <= y, ">": x > y, ">=": x >= y}[op]
		if r {
			return "", 1
		}
		return "", -1
	}
	l, r := t.use(a.ref), t.use(b.ref)
	if a.day != b.day {
		if a.day && a.end { // end(a) is just before l + 1 day
			l = "(" + l + " + 1)"
			op = map[string]string{"<": "<=", "<=": "<=", ">": ">", ">=": ">"}[op]
		}
		if b.day && b.end {
			r = "(" + r + " + 1)"
			op = map[string]string{"<": "<", "<=": "<", ">": ">=", ">=": ">="}[op]
		}
	}
	return l + " " + op + " " + r, 0
}
