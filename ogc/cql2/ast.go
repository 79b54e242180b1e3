package cql2

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/paulmach/orb"
)

// Expr is a node of a parsed filter. The concrete types are the pointer
// types in this file; String returns canonical CQL2 text that Parse reads
// back to the same tree.
type Expr interface {
	String() string
	position() int // 1-based character position in the filter, 0 if unknown
}

// at records where a node starts in the filter text, for error messages.
type at struct{ pos int }

func (a at) position() int { return a.pos }

// Logical is AND or OR over two or more arguments.
type Logical struct {
	at
	Op   string // "AND" or "OR"
	Args []Expr
}

// Not negates X.
type Not struct {
	at
	X Expr
}

// Comparison is Left Op Right with Op one of = <> < > <= >=.
type Comparison struct {
	at
	Op          string
	Left, Right Expr
}

// Like is X [NOT] LIKE Pattern, where % matches any sequence of
// characters, _ any single character and \ escapes the next one.
type Like struct {
	at
	X       Expr
	Pattern string
	Not     bool
}

// Between is X [NOT] BETWEEN Low AND High (both ends inclusive).
type Between struct {
	at
	X, Low, High Expr
	Not          bool
}

// In is X [NOT] IN (List...).
type In struct {
	at
	X    Expr
	List []Expr
	Not  bool
}

// IsNull is X IS [NOT] NULL.
type IsNull struct {
	at
	X   Expr
	Not bool
}

// Spatial is a spatial predicate: Op is S_INTERSECTS, S_DISJOINT,
// S_EQUALS, S_TOUCHES, S_OVERLAPS, S_CROSSES, S_WITHIN or S_CONTAINS.
type Spatial struct {
	at
	Op          string
	Left, Right Expr
}

// DWithin is S_DWITHIN(Left, Right, distance[, unit]): true when the
// geometries are at most Distance metres apart.
type DWithin struct {
	at
	Left, Right Expr
	Distance    float64 // metres
}

// Temporal is a temporal predicate: Op is T_INTERSECTS, T_BEFORE,
// T_AFTER or T_DURING.
type Temporal struct {
	at
	Op          string
	Left, Right Expr
}

// Property names a queryable property of the collection.
type Property struct {
	at
	Name string
}

// StringLit is a character string literal.
type StringLit struct {
	at
	Value string
}

// NumberLit is a numeric literal. IsInt reports a literal written without
// a fraction or exponent that fits an int64; Int then holds it exactly.
type NumberLit struct {
	at
	Value float64
	Int   int64
	IsInt bool
}

// BoolLit is TRUE or FALSE.
type BoolLit struct {
	at
	Value bool
}

// DateLit is DATE('YYYY-MM-DD'); Value is midnight UTC of that day.
type DateLit struct {
	at
	Value time.Time
}

// TimestampLit is TIMESTAMP('YYYY-MM-DDThh:mm:ss[.fff]Z'); Value is in UTC.
type TimestampLit struct {
	at
	Value time.Time
}

// IntervalLit is INTERVAL(start, end). Start and End are *DateLit or
// *TimestampLit, or nil for an open end ('..').
type IntervalLit struct {
	at
	Start, End Expr
}

// GeometryLit is a WKT geometry literal or BBOX: Geometry is an orb.Point,
// orb.LineString, orb.Polygon, orb.MultiPoint, orb.MultiLineString,
// orb.MultiPolygon or orb.Bound (from BBOX), in the filter CRS.
type GeometryLit struct {
	at
	Geometry orb.Geometry
}

// String returns the Logical as canonical CQL2 text.
func (e *Logical) String() string {
	parts := make([]string, len(e.Args))
	for i, a := range e.Args {
		parts[i] = a.String()
		// AND binds tighter than OR, so only an AND inside an OR reads
		// back the same without parentheses.
		if l, ok := a.(*Logical); ok && (e.Op == "AND" || l.Op == "OR") {
			parts[i] = "(" + parts[i] + ")"
		}
	}
	return strings.Join(parts, " "+e.Op+" ")
}

// String returns the Not as canonical CQL2 text.
func (e *Not) String() string { return "NOT " + group(e.X) }

// String returns the Comparison as canonical CQL2 text.
func (e *Comparison) String() string {
	return e.Left.String() + " " + e.Op + " " + e.Right.String()
}

// String returns the Like as canonical CQL2 text.
func (e *Like) String() string {
	return e.X.String() + not(e.Not) + " LIKE " + quoteString(e.Pattern)
}

// String returns the Between as canonical CQL2 text.
func (e *Between) String() string {
	return e.X.String() + not(e.Not) + " BETWEEN " + e.Low.String() + " AND " + e.High.String()
}

// String returns the In as canonical CQL2 text.
func (e *In) String() string {
	parts := make([]string, len(e.List))
	for i, a := range e.List {
		parts[i] = a.String()
	}
	return e.X.String() + not(e.Not) + " IN (" + strings.Join(parts, ", ") + ")"
}

// String returns the IsNull as canonical CQL2 text.
func (e *IsNull) String() string {
	if e.Not {
		return e.X.String() + " IS NOT NULL"
	}
	return e.X.String() + " IS NULL"
}

// String returns the Spatial as canonical CQL2 text.
func (e *Spatial) String() string {
	return e.Op + "(" + e.Left.String() + ", " + e.Right.String() + ")"
}

// String returns the DWithin as canonical CQL2 text.
func (e *DWithin) String() string {
	return "S_DWITHIN(" + e.Left.String() + ", " + e.Right.String() + ", " + formatFloat(e.Distance) + ", meters)"
}

// String returns the Temporal as canonical CQL2 text.
func (e *Temporal) String() string {
	return e.Op + "(" + e.Left.String() + ", " + e.Right.String() + ")"
}

// String returns the Property as canonical CQL2 text.
func (e *Property) String() string { return quoteIdent(e.Name) }

// String returns the StringLit as canonical CQL2 text.
func (e *StringLit) String() string { return quoteString(e.Value) }

// String returns the NumberLit as canonical CQL2 text.
func (e *NumberLit) String() string {
	if e.IsInt {
		return strconv.FormatInt(e.Int, 10)
	}
	s := formatFloat(e.Value)
	if !strings.ContainsAny(s, ".e") {
		s += ".0" // keep it a float when read back
	}
	return s
}

// String returns the BoolLit as canonical CQL2 text.
func (e *BoolLit) String() string {
	if e.Value {
		return "TRUE"
	}
	return "FALSE"
}

// String returns the DateLit as canonical CQL2 text.
func (e *DateLit) String() string { return "DATE('" + e.Value.Format(time.DateOnly) + "')" }

// String returns the TimestampLit as canonical CQL2 text.
func (e *TimestampLit) String() string {
	return "TIMESTAMP('" + e.Value.UTC().Format(time.RFC3339Nano) + "')"
}

// String returns the IntervalLit as canonical CQL2 text.
func (e *IntervalLit) String() string {
	bound := func(b Expr) string {
		switch b := b.(type) {
		case *DateLit:
			return "'" + b.Value.Format(time.DateOnly) + "'"
		case *TimestampLit:
			return "'" + b.Value.UTC().Format(time.RFC3339Nano) + "'"
		}
		return "'..'"
	}
	return "INTERVAL(" + bound(e.Start) + ", " + bound(e.End) + ")"
}

// String returns the GeometryLit as canonical CQL2 text.
func (e *GeometryLit) String() string {
	if b, ok := e.Geometry.(orb.Bound); ok {
		return "BBOX(" + formatFloat(b.Min[0]) + ", " + formatFloat(b.Min[1]) + ", " +
			formatFloat(b.Max[0]) + ", " + formatFloat(b.Max[1]) + ")"
	}
	return wkt(e.Geometry)
}

// wkt serialises a geometry of the kinds GeometryLit holds as Well-Known
// Text; an orb.Bound becomes its POLYGON.
func wkt(g orb.Geometry) string {
	var b strings.Builder
	point := func(p orb.Point) {
		b.WriteString(formatFloat(p[0]))
		b.WriteByte(' ')
		b.WriteString(formatFloat(p[1]))
	}
	points := func(ps []orb.Point) {
		b.WriteByte('(')
		for i, p := range ps {
			if i > 0 {
				b.WriteString(", ")
			}
			point(p)
		}
		b.WriteByte(')')
	}
	polygon := func(p orb.Polygon) {
		b.WriteByte('(')
		for i, r := range p {
			if i > 0 {
				b.WriteString(", ")
			}
			points(r)
		}
		b.WriteByte(')')
	}
	switch g := g.(type) {
	case orb.Point:
		b.WriteString("POINT(")
		point(g)
		b.WriteByte(')')
	case orb.LineString:
		b.WriteString("LINESTRING")
		points(g)
	case orb.Polygon:
		b.WriteString("POLYGON")
		polygon(g)
	case orb.Bound:
		b.WriteString("POLYGON")
		polygon(g.ToPolygon())
	case orb.MultiPoint:
		b.WriteString("MULTIPOINT")
		points(g)
	case orb.MultiLineString:
		b.WriteString("MULTILINESTRING(")
		for i, l := range g {
			if i > 0 {
				b.WriteString(", ")
			}
			points(l)
		}
		b.WriteByte(')')
	case orb.MultiPolygon:
		b.WriteString("MULTIPOLYGON(")
		for i, p := range g {
			if i > 0 {
				b.WriteString(", ")
			}
			polygon(p)
		}
		b.WriteByte(')')
	}
	return b.String()
}

// group parenthesises an AND/OR operand of NOT.
func group(e Expr) string {
	if _, ok := e.(*Logical); ok {
		return "(" + e.String() + ")"
	}
	return e.String()
}

func not(n bool) string {
	if n {
		return " NOT"
	}
	return ""
}

// formatFloat writes v so that both Parse and PostGIS read it back exactly:
// plain decimals for ordinary magnitudes, exponent form otherwise.
func formatFloat(v float64) string {
	if a := math.Abs(v); a == 0 || a >= 1e-6 && a < 1e21 {
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

func quoteString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// quoteIdent writes a property name bare when it reads back as the same
// property, double-quoted otherwise.
func quoteIdent(name string) string {
	plain := name != "" && !isKeyword(name)
	for i, r := range name {
		if i == 0 && !isIdentStart(r) || !isIdentPart(r) {
			plain = false
			break
		}
	}
	if plain {
		return name
	}
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}

// isKeyword reports words that cannot be bare property names.
func isKeyword(s string) bool {
	switch strings.ToUpper(s) {
	case "AND", "OR", "NOT", "LIKE", "IN", "BETWEEN", "IS", "NULL", "TRUE", "FALSE":
		return true
	}
	return false
}

// SwapAxes swaps the two ordinates of every geometry literal in e, in
// place. Call it before SQL when the filter CRS lists latitude or northing
// first (EPSG:4326, EPSG:2180, ...): SQL expects x (longitude, easting)
// first, as PostGIS does.
func SwapAxes(e Expr) {
	walk(e, func(e Expr) {
		if g, ok := e.(*GeometryLit); ok {
			g.Geometry = swap(g.Geometry)
		}
	})
}

func swap(g orb.Geometry) orb.Geometry {
	points := func(ps []orb.Point) {
		for i, p := range ps {
			ps[i] = orb.Point{p[1], p[0]}
		}
	}
	switch g := g.(type) {
	case orb.Point:
		return orb.Point{g[1], g[0]}
	case orb.Bound:
		return orb.Bound{Min: orb.Point{g.Min[1], g.Min[0]}, Max: orb.Point{g.Max[1], g.Max[0]}}
	case orb.MultiPoint:
		points(g)
	case orb.LineString:
		points(g)
	case orb.Polygon:
		for _, r := range g {
			points(r)
		}
	case orb.MultiLineString:
		for _, l := range g {
			points(l)
		}
	case orb.MultiPolygon:
		for _, p := range g {
			for _, r := range p {
				points(r)
			}
		}
	}
	return g
}

// walk calls f for e and every expression below it.
func walk(e Expr, f func(Expr)) {
	if e == nil {
		return
	}
	f(e)
	var kids []Expr
	switch e := e.(type) {
	case *Logical:
		kids = e.Args
	case *Not:
		kids = []Expr{e.X}
	case *Comparison:
		kids = []Expr{e.Left, e.Right}
	case *Like:
		kids = []Expr{e.X}
	case *Between:
		kids = []Expr{e.X, e.Low, e.High}
	case *In:
		kids = append([]Expr{e.X}, e.List...)
	case *IsNull:
		kids = []Expr{e.X}
	case *Spatial:
		kids = []Expr{e.Left, e.Right}
	case *DWithin:
		kids = []Expr{e.Left, e.Right}
	case *Temporal:
		kids = []Expr{e.Left, e.Right}
	case *IntervalLit:
		kids = []Expr{e.Start, e.End}
	}
	for _, k := range kids {
		walk(k, f)
	}
}

// CoerceTemporalStrings turns string literals compared with a date or
// timestamp property into DATE or TIMESTAMP literals, in place. The CQL
// text drafts that clients such as GDAL 3.6 speak (filter-lang=cql-text)
// write `decided_on >= '2015-06-01'`, which CQL2 itself would refuse as a
// string compared with a date; call it only for that legacy dialect. A
// string that is not a date stays a string (and fails type checking).
func CoerceTemporalStrings(e Expr, s Schema) {
	temporal := func(x Expr) Type {
		if p, ok := x.(*Property); ok {
			if c, ok := s.Property(p.Name); ok && (c.Type == Date || c.Type == Timestamp) {
				return c.Type
			}
		}
		return 0
	}
	coerce := func(x Expr) Expr {
		lit, ok := x.(*StringLit)
		if !ok {
			return x
		}
		// GDAL writes a bare date as "2015-06-01T".
		if d, err := time.Parse("2006-01-02", strings.TrimSuffix(lit.Value, "T")); err == nil {
			return &DateLit{at: lit.at, Value: d}
		}
		if ts, err := time.Parse(time.RFC3339Nano, lit.Value); err == nil {
			return &TimestampLit{at: lit.at, Value: ts.UTC()}
		}
		if ts, err := time.Parse("2006-01-02T15:04:05", lit.Value); err == nil {
			return &TimestampLit{at: lit.at, Value: ts}
		}
		return x
	}
	walk(e, func(e Expr) {
		switch e := e.(type) {
		case *Comparison:
			if temporal(e.Left) != 0 {
				e.Right = coerce(e.Right)
			} else if temporal(e.Right) != 0 {
				e.Left = coerce(e.Left)
			}
		case *Between:
			if temporal(e.X) != 0 {
				e.Low, e.High = coerce(e.Low), coerce(e.High)
			}
		case *In:
			if temporal(e.X) != 0 {
				for i, v := range e.List {
					e.List[i] = coerce(v)
				}
			}
		}
	})
}
