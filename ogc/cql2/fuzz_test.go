package cql2

import (
	"strings"
	"testing"
)

func seed(f *testing.F) {
	for _, c := range valid {
		f.Add(c.filter)
	}
	for _, c := range invalid {
		f.Add(c.filter)
	}
	for _, s := range []string{
		"((((ok))))", "NOT NOT NOT ok", "name LIKE '%''%'", `"a""b" = 1`,
		"S_INTERSECTS(geom, MULTIPOLYGON(((0 0, 1 0, 1 1, 0 0), (0 0, 1 0, 1 1, 0 0))))",
		"T_DURING(INTERVAL('2024-01-01', '..'), INTERVAL('..', '2025-01-01T00:00:00Z'))",
		"pop IN (1, 2.5, -3e2) AND area BETWEEN -1 AND +1",
	} {
		f.Add(s)
	}
}

// FuzzParse checks that Parse never panics, that errors are *Error and that
// the canonical text of a parsed filter reads back to the same text.
func FuzzParse(f *testing.F) {
	seed(f)
	f.Fuzz(func(t *testing.T, s string) {
		e, err := Parse(s)
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("error %T is not *Error", err)
			}
			return
		}
		s1 := e.String()
		if len(s1) > MaxLength {
			return // the canonical form may be longer than the input
		}
		e2, err := Parse(s1)
		if err != nil {
			t.Fatalf("%q → %q: %v", s, s1, err)
		}
		if s2 := e2.String(); s2 != s1 {
			t.Fatalf("%q → %q → %q", s, s1, s2)
		}
	})
}

// FuzzSQL checks that translation never panics and that every placeholder
// it writes has exactly one argument.
func FuzzSQL(f *testing.F) {
	seed(f)
	f.Fuzz(func(t *testing.T, s string) {
		e, err := Parse(s)
		if err != nil {
			return
		}
		sql, args, err := SQL(e, testSchema, 3, 2180)
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("error %T is not *Error", err)
			}
			return
		}
		placeholders(t, sql, 3, len(args))
		if strings.Count(sql, "(") != strings.Count(sql, ")") {
			t.Fatalf("unbalanced parentheses: %s", sql)
		}
	})
}
