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
			cols = append(cols, pgx.Identifier{p.Column}.Sanitize())
		}
		q := fmt.Sprintf("SELECT %s FROM %s LIMIT 0", strings.Join(cols, ", "), pgx.Identifier{l.Source.Table}.Sanitize())
		if _, err := d.Pool.Exec(context.Background(), q); err != nil {
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
