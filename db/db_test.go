package db_test

import (
	"context"
	"os"
	"testing"

	"github.com/ladgis/lad/db"
	"github.com/ladgis/lad/db/dbtest"
)

func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }

func TestSchemaAtHead(t *testing.T) {
	d := dbtest.New(t)
	ctx := context.Background()
	if err := db.CheckReady(ctx, d.Pool); err != nil {
		t.Fatalf("ready: %v", err)
	}
	var postgis string
	if err := d.Pool.QueryRow(ctx, "SELECT postgis_lib_version()").Scan(&postgis); err != nil {
		t.Fatal(err)
	}
	if postgis < "3.1" {
		t.Fatalf("postgis %s", postgis)
	}
}

func TestEveryGeometryIsIndexedAnd2180(t *testing.T) {
	d := dbtest.New(t)
	ctx := context.Background()
	rows, err := d.Pool.Query(ctx, `
		SELECT f_table_name, f_geometry_column, srid,
		       EXISTS (SELECT 1 FROM pg_indexes i WHERE i.tablename = f_table_name
		               AND i.indexdef ILIKE '%USING gist (' || f_geometry_column || ')%')
		FROM geometry_columns g JOIN pg_class c ON c.relname = g.f_table_name AND c.relkind = 'r'
		WHERE f_table_schema = 'public'`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var table, col string
		var srid int
		var indexed bool
		if err := rows.Scan(&table, &col, &srid, &indexed); err != nil {
			t.Fatal(err)
		}
		n++
		want := 2180
		if col == "geom_3857" {
			want = 3857
		}
		if srid != want {
			t.Errorf("%s.%s: SRID %d, want %d", table, col, srid, want)
		}
		if !indexed && col == "geom_3857" {
			t.Errorf("%s.%s has no GIST index", table, col)
		}
	}
	if n < 10 {
		t.Fatalf("only %d geometry columns", n)
	}
}

func TestInvalidGeometryRefused(t *testing.T) {
	d := dbtest.New(t)
	ctx := context.Background()
	_, err := d.Pool.Exec(ctx, `INSERT INTO municipality (terc, name, geom) VALUES ('0264011', 'Wrocław',
		ST_Multi(ST_GeomFromText('POLYGON((0 0, 10 10, 10 0, 0 10, 0 0))', 2180)))`)
	if err == nil {
		t.Fatal("self-intersecting polygon accepted")
	}
}

func TestAuditLogAppendOnly(t *testing.T) {
	d := dbtest.New(t)
	ctx := context.Background()
	if _, err := d.Pool.Exec(ctx, `INSERT INTO audit_log (actor, op, table_name) VALUES ('test', 'INSERT', 'test')`); err != nil {
		t.Fatal(err)
	}
	for _, stmt := range []string{
		`UPDATE audit_log SET actor = 'x'`,
		`DELETE FROM audit_log`,
		`TRUNCATE audit_log`,
	} {
		if _, err := d.Pool.Exec(ctx, stmt); err == nil {
			t.Errorf("%s: accepted", stmt)
		}
	}
}
