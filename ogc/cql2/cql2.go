// Package cql2 parses OGC CQL2 text filters (OGC API – Features Part 3,
// OGC 21-065) and translates them into PostgreSQL/PostGIS WHERE fragments.
//
// Parse turns filter text into an Expr tree; SQL checks the tree against a
// Schema (the collection's queryables) and writes SQL in which every value
// is a bound parameter and every column name comes from the Schema. Input
// is bounded (MaxLength, MaxDepth, MaxListItems, MaxCoordinates) so hostile
// filters end in an *Error, never a panic or unbounded work.
//
// Supported: literals (strings, numbers, TRUE/FALSE, DATE, TIMESTAMP,
// INTERVAL, WKT POINT, LINESTRING, POLYGON, MULTIPOINT, MULTILINESTRING,
// MULTIPOLYGON in 2D, BBOX), properties (bare or double-quoted), the
// comparisons = <> < > <= >=, [NOT] LIKE, [NOT] IN, [NOT] BETWEEN,
// IS [NOT] NULL, AND, OR, NOT and parentheses (precedence NOT > AND > OR,
// keywords case-insensitive), the spatial predicates S_INTERSECTS,
// S_DISJOINT, S_EQUALS, S_TOUCHES, S_OVERLAPS, S_CROSSES, S_WITHIN,
// S_CONTAINS and S_DWITHIN(a, b, distance[, unit]), and the temporal
// predicates T_INTERSECTS, T_BEFORE, T_AFTER and T_DURING.
package cql2

import (
	"fmt"
	"strings"
)

// Limits on a filter. Longer or deeper input is refused before any work
// proportional to it is done.
const (
	MaxLength      = 8 << 10 // bytes of filter text
	MaxDepth       = 64      // nesting of parentheses, NOT and predicate functions
	MaxListItems   = 1000    // values in one IN list
	MaxCoordinates = 2000    // coordinate pairs over all geometry literals of a filter
)

// Error is a filter that cannot be parsed or translated. Its message names
// the 1-based character position (when known) and the reason, e.g.
// `filter: position 14: unsupported function "FOO"`.
type Error struct {
	Pos int // 1-based character position in the filter; 0 when not tied to one
	Msg string
}

// Error returns the message with its position.
func (e *Error) Error() string {
	if e.Pos > 0 {
		return fmt.Sprintf("filter: position %d: %s", e.Pos, e.Msg)
	}
	return "filter: " + e.Msg
}

func errorf(pos int, format string, args ...any) *Error {
	return &Error{Pos: pos, Msg: fmt.Sprintf(format, args...)}
}

// Parse parses CQL2 text into an expression tree. Errors are *Error.
func Parse(s string) (Expr, error) {
	if len(s) > MaxLength {
		return nil, errorf(0, "filter is longer than %d bytes", MaxLength)
	}
	if strings.TrimSpace(s) == "" {
		return nil, errorf(0, "empty filter")
	}
	toks, err := lex(s)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks}
	e, err := p.or()
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tokEOF {
		return nil, errorf(t.pos, "unexpected %s", t.describe())
	}
	return e, nil
}
