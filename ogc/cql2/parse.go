package cql2

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/paulmach/orb"
)

// parser is a recursive-descent parser over the token slice. Recursion
// goes only through parentheses, NOT and predicate functions, each of
// which counts against MaxDepth.
type parser struct {
	toks   []token
	i      int
	depth  int
	coords int
}

func (p *parser) peek() token { return p.toks[p.i] }

// peek2 is the token after the next one.
func (p *parser) peek2() token {
	if p.i+1 < len(p.toks) {
		return p.toks[p.i+1]
	}
	return p.toks[len(p.toks)-1]
}

func (p *parser) next() token {
	t := p.toks[p.i]
	if t.kind != tokEOF {
		p.i++
	}
	return t
}

// isKw reports whether t is the keyword kw, in any case.
func isKw(t token, kw string) bool { return t.kind == tokIdent && strings.EqualFold(t.text, kw) }

func (p *parser) expect(kind tokKind, what string) (token, error) {
	t := p.next()
	if t.kind != kind {
		return t, errorf(t.pos, "expected %s, found %s", what, t.describe())
	}
	return t, nil
}

func (p *parser) expectKw(kw string) error {
	if t := p.next(); !isKw(t, kw) {
		return errorf(t.pos, "expected %s, found %s", kw, t.describe())
	}
	return nil
}

func (p *parser) enter(pos int) error {
	p.depth++
	if p.depth > MaxDepth {
		return errorf(pos, "filter is nested deeper than %d levels", MaxDepth)
	}
	return nil
}

func (p *parser) leave() { p.depth-- }

// or parses booleanTerm {OR booleanTerm}.
func (p *parser) or() (Expr, error) { return p.logical("OR", p.and) }

// and parses booleanFactor {AND booleanFactor}.
func (p *parser) and() (Expr, error) { return p.logical("AND", p.not) }

func (p *parser) logical(op string, sub func() (Expr, error)) (Expr, error) {
	pos := p.peek().pos
	first, err := sub()
	if err != nil {
		return nil, err
	}
	args := []Expr{first}
	for isKw(p.peek(), op) {
		p.next()
		e, err := sub()
		if err != nil {
			return nil, err
		}
		args = append(args, e)
	}
	if len(args) == 1 {
		return first, nil
	}
	return &Logical{at{pos}, op, args}, nil
}

// not parses [NOT] booleanPrimary.
func (p *parser) not() (Expr, error) {
	t := p.peek()
	if !isKw(t, "NOT") {
		return p.primary()
	}
	p.next()
	if err := p.enter(t.pos); err != nil {
		return nil, err
	}
	defer p.leave()
	x, err := p.not()
	if err != nil {
		return nil, err
	}
	return &Not{at{t.pos}, x}, nil
}

// primary parses a parenthesised expression, a predicate function or a
// comparison predicate.
func (p *parser) primary() (Expr, error) {
	t := p.peek()
	if t.kind == tokLParen {
		p.next()
		if err := p.enter(t.pos); err != nil {
			return nil, err
		}
		defer p.leave()
		e, err := p.or()
		if err != nil {
			return nil, err
		}
		if _, err := p.expect(tokRParen, `")"`); err != nil {
			return nil, err
		}
		return e, nil
	}
	if t.kind == tokIdent && p.peek2().kind == tokLParen {
		name := strings.ToUpper(t.text)
		if isSpatial(name) || name == "S_DWITHIN" || isTemporal(name) {
			return p.function()
		}
	}
	x, err := p.operand()
	if err != nil {
		return nil, err
	}
	return p.predicate(x)
}

func isSpatial(name string) bool {
	switch name {
	case "S_INTERSECTS", "S_DISJOINT", "S_EQUALS", "S_TOUCHES", "S_OVERLAPS", "S_CROSSES", "S_WITHIN", "S_CONTAINS":
		return true
	}
	return false
}

func isTemporal(name string) bool {
	switch name {
	case "T_INTERSECTS", "T_BEFORE", "T_AFTER", "T_DURING":
		return true
	}
	return false
}

// predicate parses what follows the first operand x of a comparison
// predicate; a lone property or boolean literal is a predicate itself.
func (p *parser) predicate(x Expr) (Expr, error) {
	t := p.peek()
	if t.kind == tokOp {
		p.next()
		if err := scalar(x); err != nil {
			return nil, err
		}
		y, err := p.scalar()
		if err != nil {
			return nil, err
		}
		return &Comparison{at{x.position()}, t.text, x, y}, nil
	}
	neg := false
	if isKw(t, "NOT") {
		if n := p.peek2(); !isKw(n, "LIKE") && !isKw(n, "IN") && !isKw(n, "BETWEEN") {
			return nil, errorf(n.pos, "expected LIKE, IN or BETWEEN after NOT, found %s", n.describe())
		}
		p.next()
		neg = true
		t = p.peek()
	}
	switch {
	case isKw(t, "LIKE"):
		p.next()
		if err := scalar(x); err != nil {
			return nil, err
		}
		pat, err := p.expect(tokString, "a string pattern after LIKE")
		if err != nil {
			return nil, err
		}
		if n := len(pat.text) - len(strings.TrimRight(pat.text, `\`)); n%2 == 1 {
			return nil, errorf(pat.pos, `LIKE pattern ends with the escape character \`)
		}
		return &Like{at{x.position()}, x, pat.text, neg}, nil
	case isKw(t, "BETWEEN"):
		p.next()
		if err := scalar(x); err != nil {
			return nil, err
		}
		lo, err := p.scalar()
		if err != nil {
			return nil, err
		}
		if err := p.expectKw("AND"); err != nil {
			return nil, err
		}
		hi, err := p.scalar()
		if err != nil {
			return nil, err
		}
		return &Between{at{x.position()}, x, lo, hi, neg}, nil
	case isKw(t, "IN"):
		p.next()
		if err := scalar(x); err != nil {
			return nil, err
		}
		if _, err := p.expect(tokLParen, `"(" after IN`); err != nil {
			return nil, err
		}
		var list []Expr
		for {
			if len(list) == MaxListItems {
				return nil, errorf(p.peek().pos, "IN list has more than %d items", MaxListItems)
			}
			v, err := p.scalar()
			if err != nil {
				return nil, err
			}
			list = append(list, v)
			if p.peek().kind != tokComma {
				break
			}
			p.next()
		}
		if _, err := p.expect(tokRParen, `"," or ")" in IN list`); err != nil {
			return nil, err
		}
		return &In{at{x.position()}, x, list, neg}, nil
	case isKw(t, "IS"):
		p.next()
		if err := scalar(x); err != nil {
			return nil, err
		}
		isNot := false
		if isKw(p.peek(), "NOT") {
			p.next()
			isNot = true
		}
		if err := p.expectKw("NULL"); err != nil {
			return nil, err
		}
		return &IsNull{at{x.position()}, x, isNot}, nil
	}
	switch x.(type) {
	case *Property, *BoolLit:
		return x, nil // boolean property or literal as a predicate
	}
	return nil, errorf(t.pos, "expected a comparison operator after %s, found %s", x, t.describe())
}

// scalar checks that e may be compared: geometries and intervals may not.
func scalar(e Expr) error {
	switch e.(type) {
	case *GeometryLit:
		return errorf(e.position(), "a geometry can only be used in spatial functions (S_INTERSECTS, ...)")
	case *IntervalLit:
		return errorf(e.position(), "an INTERVAL can only be used in temporal functions (T_INTERSECTS, ...)")
	}
	return nil
}

func (p *parser) scalar() (Expr, error) {
	e, err := p.operand()
	if err != nil {
		return nil, err
	}
	return e, scalar(e)
}

// function parses S_xxx(a, b), S_DWITHIN(a, b, distance[, unit]) and T_xxx(a, b).
func (p *parser) function() (Expr, error) {
	t := p.next()
	p.next() // "("
	name := strings.ToUpper(t.text)
	if err := p.enter(t.pos); err != nil {
		return nil, err
	}
	defer p.leave()
	var args [2]Expr
	for i := range args {
		if i > 0 {
			if _, err := p.expect(tokComma, `","`); err != nil {
				return nil, err
			}
		}
		a, err := p.operand()
		if err != nil {
			return nil, err
		}
		ok := false
		switch a.(type) {
		case *Property:
			ok = true
		case *GeometryLit:
			ok = name[0] == 'S'
		case *DateLit, *TimestampLit, *IntervalLit:
			ok = name[0] == 'T'
		}
		if !ok {
			want := "a geometry or a property"
			if name[0] == 'T' {
				want = "a DATE, TIMESTAMP, INTERVAL or a property"
			}
			return nil, errorf(a.position(), "%s needs %s, found %s", name, want, a)
		}
		args[i] = a
	}
	var e Expr
	switch {
	case name == "S_DWITHIN":
		d, err := p.distance()
		if err != nil {
			return nil, err
		}
		e = &DWithin{at{t.pos}, args[0], args[1], d}
	case name[0] == 'S':
		e = &Spatial{at{t.pos}, name, args[0], args[1]}
	default:
		e = &Temporal{at{t.pos}, name, args[0], args[1]}
	}
	if _, err := p.expect(tokRParen, `")" closing `+name); err != nil {
		return nil, err
	}
	return e, nil
}

// distance parses ", distance[, unit]" of S_DWITHIN and returns metres.
func (p *parser) distance() (float64, error) {
	if _, err := p.expect(tokComma, `"," and a distance`); err != nil {
		return 0, err
	}
	t, err := p.expect(tokNumber, "a distance")
	if err != nil {
		return 0, err
	}
	d, err := strconv.ParseFloat(t.text, 64)
	if err != nil || d < 0 || math.IsInf(d, 0) {
		return 0, errorf(t.pos, "distance must be a non-negative number, found %s", t.text)
	}
	if p.peek().kind != tokComma {
		return d, nil
	}
	p.next()
	u := p.next()
	if u.kind != tokIdent && u.kind != tokString {
		return 0, errorf(u.pos, "expected a distance unit, found %s", u.describe())
	}
	switch strings.ToLower(u.text) {
	case "m", "meter", "meters", "metre", "metres":
		return d, nil
	case "km", "kilometer", "kilometers", "kilometre", "kilometres":
		if d *= 1000; math.IsInf(d, 0) {
			return 0, errorf(t.pos, "distance is too large")
		}
		return d, nil
	}
	return 0, errorf(u.pos, "unsupported distance unit %q (use meters or kilometers)", u.text)
}

// operand parses a property or a literal.
func (p *parser) operand() (Expr, error) {
	t := p.next()
	switch t.kind {
	case tokQIdent:
		return &Property{at{t.pos}, t.text}, nil
	case tokString:
		return &StringLit{at{t.pos}, t.text}, nil
	case tokNumber:
		return number(t)
	case tokIdent:
	default:
		return nil, errorf(t.pos, "expected a property or a value, found %s", t.describe())
	}
	name := strings.ToUpper(t.text)
	if p.peek().kind == tokLParen {
		switch name {
		case "DATE", "TIMESTAMP":
			return p.instant(t, name)
		case "INTERVAL":
			return p.interval(t)
		case "POINT", "LINESTRING", "POLYGON", "MULTIPOINT", "MULTILINESTRING", "MULTIPOLYGON", "BBOX":
			return p.geometry(t, name)
		}
		if isSpatial(name) || isTemporal(name) || name == "S_DWITHIN" {
			return nil, errorf(t.pos, "%s is a predicate, not a value", name)
		}
		return nil, errorf(t.pos, "unsupported function %q", t.text)
	}
	switch name {
	case "TRUE", "FALSE":
		return &BoolLit{at{t.pos}, name == "TRUE"}, nil
	case "NULL":
		return nil, errorf(t.pos, "NULL can only be tested with IS NULL or IS NOT NULL")
	case "POINT", "LINESTRING", "POLYGON", "MULTIPOINT", "MULTILINESTRING", "MULTIPOLYGON", "GEOMETRYCOLLECTION":
		if n := p.peek(); n.kind == tokIdent {
			switch strings.ToUpper(n.text) {
			case "EMPTY":
				return nil, errorf(t.pos, "empty geometries are not supported")
			case "Z", "M", "ZM":
				return nil, errorf(t.pos, "only 2D geometries are supported")
			}
		}
	}
	if isKeyword(name) {
		return nil, errorf(t.pos, "expected a property or a value, found %s", name)
	}
	return &Property{at{t.pos}, t.text}, nil
}

// number parses a numeric literal token.
func number(t token) (Expr, error) {
	v, err := strconv.ParseFloat(t.text, 64)
	if err != nil || math.IsInf(v, 0) {
		return nil, errorf(t.pos, "number %s is out of range", t.text)
	}
	n := &NumberLit{at: at{t.pos}, Value: v}
	if !strings.ContainsAny(t.text, ".eE") {
		if i, err := strconv.ParseInt(t.text, 10, 64); err == nil {
			n.Int, n.IsInt = i, true
		}
	}
	return n, nil
}

// instant parses the rest of DATE('...') or TIMESTAMP('...').
func (p *parser) instant(t token, name string) (Expr, error) {
	p.next() // "("
	s, err := p.expect(tokString, "a quoted "+strings.ToLower(name))
	if err != nil {
		return nil, err
	}
	if _, err := p.expect(tokRParen, `")"`); err != nil {
		return nil, err
	}
	if name == "DATE" {
		return date(s)
	}
	return timestamp(s)
}

func date(s token) (*DateLit, error) {
	d, err := time.Parse(time.DateOnly, s.text)
	if err != nil {
		return nil, errorf(s.pos, "invalid date %s (want YYYY-MM-DD)", quoteString(s.text))
	}
	return &DateLit{at{s.pos}, d}, nil
}

func timestamp(s token) (*TimestampLit, error) {
	ts, err := time.Parse(time.RFC3339Nano, s.text)
	if err != nil || !strings.Contains(s.text, "T") {
		return nil, errorf(s.pos, "invalid timestamp %s (want YYYY-MM-DDThh:mm:ssZ)", quoteString(s.text))
	}
	return &TimestampLit{at{s.pos}, ts.UTC()}, nil
}

// interval parses the rest of INTERVAL(start, end); each end is a date or
// timestamp string, DATE(...), TIMESTAMP(...) or '..' for open.
func (p *parser) interval(t token) (Expr, error) {
	p.next() // "("
	var ends [2]Expr
	for i := range ends {
		if i > 0 {
			if _, err := p.expect(tokComma, `","`); err != nil {
				return nil, err
			}
		}
		b := p.next()
		var err error
		switch {
		case b.kind == tokString && b.text == "..":
			continue
		case b.kind == tokString && len(b.text) == len(time.DateOnly):
			ends[i], err = date(b)
		case b.kind == tokString:
			ends[i], err = timestamp(b)
		case (isKw(b, "DATE") || isKw(b, "TIMESTAMP")) && p.peek().kind == tokLParen:
			ends[i], err = p.instant(b, strings.ToUpper(b.text))
		default:
			err = errorf(b.pos, "expected a date, a timestamp or '..' in INTERVAL, found %s", b.describe())
		}
		if err != nil {
			return nil, err
		}
	}
	if _, err := p.expect(tokRParen, `")" closing INTERVAL`); err != nil {
		return nil, err
	}
	if ends[0] != nil && ends[1] != nil && instantOf(ends[0]).After(endOf(ends[1])) {
		return nil, errorf(t.pos, "INTERVAL starts after it ends")
	}
	return &IntervalLit{at{t.pos}, ends[0], ends[1]}, nil
}

// instantOf is the start of a date or the timestamp.
func instantOf(e Expr) time.Time {
	if d, ok := e.(*DateLit); ok {
		return d.Value
	}
	return e.(*TimestampLit).Value
}

// endOf is the end of a date (next midnight) or the timestamp.
func endOf(e Expr) time.Time {
	if d, ok := e.(*DateLit); ok {
		return d.Value.AddDate(0, 0, 1)
	}
	return e.(*TimestampLit).Value
}

// geometry parses the rest of a WKT literal or BBOX(...).
func (p *parser) geometry(t token, name string) (Expr, error) {
	var g orb.Geometry
	var err error
	switch name {
	case "POINT":
		var pts []orb.Point
		if pts, err = p.points(); err == nil {
			if len(pts) != 1 {
				return nil, errorf(t.pos, "POINT needs exactly one coordinate")
			}
			g = pts[0]
		}
	case "LINESTRING":
		var ls []orb.Point
		if ls, err = p.line(name); err == nil {
			g = orb.LineString(ls)
		}
	case "POLYGON":
		g, err = p.polygon()
	case "MULTIPOINT":
		g, err = p.multiPoint()
	case "MULTILINESTRING":
		var ml orb.MultiLineString
		err = p.list(func() error {
			ls, err := p.line(name)
			ml = append(ml, ls)
			return err
		})
		g = ml
	case "MULTIPOLYGON":
		var mp orb.MultiPolygon
		err = p.list(func() error {
			pg, err := p.polygon()
			mp = append(mp, pg)
			return err
		})
		g = mp
	case "BBOX":
		g, err = p.bbox(t)
	}
	if err != nil {
		return nil, err
	}
	return &GeometryLit{at{t.pos}, g}, nil
}

// list parses "(" item {"," item} ")".
func (p *parser) list(item func() error) error {
	if _, err := p.expect(tokLParen, `"("`); err != nil {
		return err
	}
	for {
		if err := item(); err != nil {
			return err
		}
		if p.peek().kind != tokComma {
			break
		}
		p.next()
	}
	_, err := p.expect(tokRParen, `"," or ")"`)
	return err
}

// coord parses "x y", refusing a third ordinate.
func (p *parser) coord() (orb.Point, error) {
	var pt orb.Point
	for i := range pt {
		t, err := p.expect(tokNumber, "a coordinate")
		if err != nil {
			return pt, err
		}
		if pt[i], err = strconv.ParseFloat(t.text, 64); err != nil || math.IsInf(pt[i], 0) {
			return pt, errorf(t.pos, "coordinate %s is out of range", t.text)
		}
	}
	if t := p.peek(); t.kind == tokNumber {
		return pt, errorf(t.pos, "only 2D coordinates are supported")
	}
	if p.coords++; p.coords > MaxCoordinates {
		return pt, errorf(p.peek().pos, "geometries have more than %d coordinates", MaxCoordinates)
	}
	return pt, nil
}

// points parses "(" x y {"," x y} ")".
func (p *parser) points() ([]orb.Point, error) {
	var pts []orb.Point
	err := p.list(func() error {
		pt, err := p.coord()
		pts = append(pts, pt)
		return err
	})
	return pts, err
}

// line parses a coordinate list of at least two points.
func (p *parser) line(name string) ([]orb.Point, error) {
	pos := p.peek().pos
	ls, err := p.points()
	if err == nil && len(ls) < 2 {
		err = errorf(pos, "%s needs at least 2 points", name)
	}
	return ls, err
}

// polygon parses "(" ring {"," ring} ")" with closed rings of 4+ points.
func (p *parser) polygon() (orb.Polygon, error) {
	var pg orb.Polygon
	err := p.list(func() error {
		pos := p.peek().pos
		r, err := p.points()
		if err != nil {
			return err
		}
		if len(r) < 4 {
			return errorf(pos, "polygon ring needs at least 4 points")
		}
		if r[0] != r[len(r)-1] {
			return errorf(pos, "polygon ring is not closed (first and last points differ)")
		}
		pg = append(pg, orb.Ring(r))
		return nil
	})
	return pg, err
}

// multiPoint accepts both MULTIPOINT((1 2), (3 4)) and MULTIPOINT(1 2, 3 4).
func (p *parser) multiPoint() (orb.MultiPoint, error) {
	var mp orb.MultiPoint
	err := p.list(func() error {
		var pt orb.Point
		var err error
		if p.peek().kind == tokLParen {
			p.next()
			if pt, err = p.coord(); err == nil {
				_, err = p.expect(tokRParen, `")"`)
			}
		} else {
			pt, err = p.coord()
		}
		mp = append(mp, pt)
		return err
	})
	return mp, err
}

// bbox parses "(" minx, miny, maxx, maxy ")".
func (p *parser) bbox(t token) (orb.Bound, error) {
	var v []float64
	err := p.list(func() error {
		n, err := p.expect(tokNumber, "a number")
		if err != nil {
			return err
		}
		if len(v) == 6 {
			return errorf(n.pos, "BBOX needs 4 numbers")
		}
		f, err := strconv.ParseFloat(n.text, 64)
		if err != nil || math.IsInf(f, 0) {
			return errorf(n.pos, "coordinate %s is out of range", n.text)
		}
		v = append(v, f)
		return nil
	})
	if err != nil {
		return orb.Bound{}, err
	}
	switch {
	case len(v) == 6:
		return orb.Bound{}, errorf(t.pos, "only 2D BBOX is supported")
	case len(v) != 4:
		return orb.Bound{}, errorf(t.pos, "BBOX needs 4 numbers")
	case v[0] > v[2] || v[1] > v[3]:
		return orb.Bound{}, errorf(t.pos, "BBOX minimum is greater than its maximum")
	}
	return orb.Bound{Min: orb.Point{v[0], v[1]}, Max: orb.Point{v[2], v[3]}}, nil
}
