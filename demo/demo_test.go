package demo

import (
	"context"
	"io"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/ladgis/lad/db/dbtest"
)

func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }

func TestDemoCity(t *testing.T) {
	d := dbtest.New(t)
	ctx := context.Background()
	l := New(d.Pool, slog.New(slog.NewTextHandler(io.Discard, nil)))
	l.Today = time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	start := time.Now()
	loaded, err := l.Load(ctx)
	if err != nil || !loaded {
		t.Fatalf("load: %v %v", loaded, err)
	}
	t.Logf("demo loaded in %v", time.Since(start))
	for _, c := range []struct {
		what string
		q    string
		min  int
	}{
		{"districts", `SELECT count(*) FROM district`, 48},
		{"parcels", `SELECT count(*) FROM parcel`, 20000},
		{"local plans in force", `SELECT count(*) FROM plan WHERE kind = 'mpzp' AND status = 'in_force' AND superseded_by IS NULL`, 15},
		{"superseded plan versions", `SELECT count(*) FROM plan WHERE superseded_by IS NOT NULL`, 1},
		{"draft plan", `SELECT count(*) FROM plan WHERE status = 'draft'`, 1},
		{"designations", `SELECT count(*) FROM plan_zone WHERE kind = 'designation'`, 500},
		{"POG zones", `SELECT count(*) FROM plan_zone WHERE kind = 'pog_zone'`, 48},
		{"OUZ", `SELECT count(*) FROM plan_zone WHERE kind = 'ouz'`, 1},
		{"real Wrocław permits", `SELECT count(*) FROM permit WHERE register = 'city:0264011'`, 3900},
		{"register permits located on parcels", `SELECT count(*) FROM permit WHERE register = 'rwdz' AND location_source = 'parcel'`, 3000},
		{"permits waiting for unknown parcels", `SELECT count(*) FROM permit WHERE location_note LIKE 'parcel not known%'`, 10},
		{"zoning decisions", `SELECT count(*) FROM permit WHERE kind = 'zoning_decision'`, 300},
		{"landscape zones", `SELECT count(*) FROM landscape_zone`, 3},
		{"carriers", `SELECT count(*) FROM ad_carrier`, 300},
		{"inspections with violations", `SELECT count(*) FROM inspection WHERE result = 'violation'`, 20},
		{"enforcement cases", `SELECT count(*) FROM enforcement_case`, 20},
		{"penalties", `SELECT count(*) FROM penalty`, 1},
		{"consultation comments", `SELECT count(*) FROM consultation_comment`, 20},
		{"comment authors kept apart", `SELECT count(*) FROM consultation_comment_author`, 20},
		{"comments in the audit log as system:demo", `SELECT count(*) FROM audit_log WHERE actor = 'system:demo' AND table_name = 'consultation_comment'`, 20},
		{"permits in the audit log as system:demo", `SELECT count(*) FROM audit_log WHERE actor = 'system:demo' AND table_name = 'permit'`, 3900},
	} {
		var n int
		if err := d.Pool.QueryRow(ctx, c.q).Scan(&n); err != nil {
			t.Fatalf("%s: %v", c.what, err)
		}
		if n < c.min {
			t.Errorf("%s: %d, want at least %d", c.what, n, c.min)
		}
		t.Logf("%-40s %d", c.what, n)
	}
	var others int
	if err := d.Pool.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE actor <> 'system:demo'`).Scan(&others); err != nil || others != 0 {
		t.Errorf("%d audit entries not by system:demo (%v)", others, err)
	}
	var open bool
	if err := d.Pool.QueryRow(ctx, `SELECT bool_or(current_date BETWEEN opens_on AND closes_on OR DATE '2026-11-23' BETWEEN opens_on AND closes_on) FROM consultation`).Scan(&open); err != nil || !open {
		t.Errorf("consultation not open around the load date: %v", err)
	}
	// A second load on a loaded database does nothing.
	if loaded, err := l.Load(ctx); err != nil || loaded {
		t.Errorf("second load: %v %v", loaded, err)
	}
}

// The generator is deterministic: the same seed gives the same city.
func TestDemoDeterministic(t *testing.T) {
	ctx := context.Background()
	sums := make([]string, 2)
	for i := range sums {
		d := dbtest.New(t)
		l := New(d.Pool, slog.New(slog.NewTextHandler(io.Discard, nil)))
		l.Today = time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
		if _, err := l.Load(ctx); err != nil {
			t.Fatal(err)
		}
		if err := d.Pool.QueryRow(ctx, `SELECT md5(
			(SELECT string_agg(teryt || ST_AsText(geom), ',' ORDER BY teryt) FROM parcel) ||
			(SELECT string_agg(register_id || coalesce(category, '') || coalesce(ST_AsText(geom), ''), ',' ORDER BY register, register_id) FROM permit) ||
			(SELECT string_agg(designation || symbol || coalesce(max_height_m::text, ''), ',' ORDER BY local_id) FROM plan_zone) ||
			(SELECT string_agg(inventory_no || kind || ST_AsText(geom), ',' ORDER BY inventory_no) FROM ad_carrier))`).Scan(&sums[i]); err != nil {
			t.Fatal(err)
		}
	}
	if sums[0] != sums[1] {
		t.Errorf("two loads differ: %s %s", sums[0], sums[1])
	}
}
