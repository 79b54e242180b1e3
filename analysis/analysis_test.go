package analysis

import (
	"context"
	"io"
	"log/slog"
	"os"
	"testing"

	"github.com/ladgis/lad/db/dbtest"
)

func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }

// Known answers, by hand: a 200 × 100 m municipality of two 100 × 100 m
// districts W and E. Plan P1 (adopted 2010) covers the western half of W
// (5000 m²), P2 (2015) a 100 × 20 m strip of E (2000 m²), P3 was repealed
// in 2018, P4 is a draft: on 2024-01-01 W is 50 % covered, E 20 %, the
// municipality 35 %; the series is 2010: 25 %, 2015: 35 %. A POG in force
// covers everything: 100 %. On 2012-01-01 only P1 counts: 25 %.
const fixture = `
INSERT INTO municipality (terc, name, geom) VALUES ('0264011', 'Test', ST_Multi(ST_MakeEnvelope(0, 0, 200, 100, 2180)));
INSERT INTO district (terc, kind, name, geom) VALUES
 ('0264011', 'osiedle', 'W', ST_Multi(ST_MakeEnvelope(0, 0, 100, 100, 2180))),
 ('0264011', 'osiedle', 'E', ST_Multi(ST_MakeEnvelope(100, 0, 200, 100, 2180)));
INSERT INTO plan (terc, kind, local_id, title, status, adopted_on, valid_to, geom) VALUES
 ('0264011', 'mpzp', 'P1', 'P1', 'in_force', '2010-03-01', NULL, ST_Multi(ST_MakeEnvelope(0, 0, 50, 100, 2180))),
 ('0264011', 'mpzp', 'P2', 'P2', 'in_force', '2015-03-01', NULL, ST_Multi(ST_MakeEnvelope(100, 0, 200, 20, 2180))),
 ('0264011', 'mpzp', 'P3', 'P3', 'in_force', '2005-03-01', '2018-01-01', ST_Multi(ST_MakeEnvelope(150, 50, 200, 100, 2180))),
 ('0264011', 'mpzp', 'P4', 'P4', 'draft', NULL, NULL, ST_Multi(ST_MakeEnvelope(50, 0, 100, 100, 2180))),
 ('0264011', 'pog', 'POG', 'POG', 'in_force', '2023-01-01', NULL, ST_Multi(ST_MakeEnvelope(0, 0, 200, 100, 2180)));
`

func TestPlanCoverageKnownAnswers(t *testing.T) {
	d := dbtest.New(t)
	ctx := context.Background()
	if _, err := d.Pool.Exec(ctx, fixture); err != nil {
		t.Fatal(err)
	}
	a := New(d.Pool, slog.New(slog.NewTextHandler(io.Discard, nil)))
	tab, err := a.Run(ctx, "plan-coverage", Params{TERC: "0264011", Date: "2024-01-01"})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][2]float64{}
	for _, r := range tab.Rows {
		got[r[0].(string)] = [2]float64{r[4].(float64), r[5].(float64)}
	}
	want := map[string][2]float64{"W": {50, 100}, "E": {20, 100}, "Test": {35, 100}}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: got %v, want %v (rows %v)", k, got[k], v, tab.Rows)
		}
	}
	if len(tab.More) != 1 || len(tab.More[0].Rows) != 2 || tab.More[0].Rows[0][2].(float64) != 25 || tab.More[0].Rows[1][2].(float64) != 35 {
		t.Errorf("series %+v", tab.More)
	}
	tab, err = a.Run(ctx, "plan-coverage", Params{TERC: "0264011", Date: "2012-01-01"})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range tab.Rows {
		if r[0] == "Test" && (r[4].(float64) != 37.5 || r[5].(float64) != 0) {
			// In 2012: P1 (25 %) and P3 (still in force, 12.5 %), no POG yet.
			t.Errorf("2012: %v", r)
		}
	}
	for _, bad := range []Params{{TERC: "x"}, {TERC: "0264011", Date: "jutro"}} {
		if _, err := a.Run(ctx, "plan-coverage", bad); err == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
	if _, err := a.Run(ctx, "nonsense", Params{TERC: "0264011"}); err == nil {
		t.Error("unknown analysis accepted")
	}
}

// Known answers for advertising-compliance, by hand: zone A (0–1000 m)
// bans billboards, limits area to 2 m² and bans lighting; zone B (1000–2000
// m) limits area to 12 m² and needs 50 m between carriers.
//
//	C1 A citylight 1.8 m² unlit → compliant
//	C2 A billboard 18 m² lit →
//	C3 B board 2 m² at 1500 → B-2 (C4 is 20 m away)
//	C4 B billboard 18 m² at 1520 → B-1, B-2
//
// Per zone: A 1/2 compliant, B 0/2, all 1/4 = 25 %.
// Overdue on 2026-06-01 (365 days): C3 (never), C2 (2023-01-01).
// Penalties: C2's proceedings from 2024-03-01, not removed: 10 days at
// 40 × (2.50 + 0.20 × 18) = 244 zł, then 813 days at 40 × (3.00 + 0.30 ×
// 18) = 336 zł (rate change on 2024-03-11): 275,608 zł. C4's from
// 2025-07-01 to its removal on 2025-09-01: 63 days × 336 = 21,168 zł.
const adsFixture = `
INSERT INTO landscape_resolution (id, terc, title, resolution_no, valid_from, transition_until) VALUES (1, '0264011', 'U', 'U/1', '2018-01-01', '2020-12-31');
INSERT INTO landscape_zone (id, resolution_id, terc, code, name, geom) VALUES
 (1, 1, '0264011', 'A', 'A', ST_Multi(ST_MakeEnvelope(0, 0, 1000, 1000, 2180))),
 (2, 1, '0264011', 'B', 'B', ST_Multi(ST_MakeEnvelope(1000, 0, 2000, 1000, 2180)));
INSERT INTO landscape_rule (zone_id, code, rule, carrier_kind, value, text_pl) VALUES
 (1, 'A-1', 'ban_kind', 'billboard', NULL, 'a1'), (1, 'A-2', 'max_area', NULL, 2, 'a2'), (1, 'A-3', 'no_illumination', NULL, NULL, 'a3'),
 (2, 'B-1', 'max_area', NULL, 12, 'b1'), (2, 'B-2', 'min_spacing', NULL, 50, 'b2');
INSERT INTO ad_carrier (id, terc, inventory_no, kind, area_m2, illuminated, installed_on, geom) VALUES
 ('00000000-0000-4000-8000-000000000001', '0264011', 'C1', 'citylight', 1.8, false, '2021-01-01', ST_SetSRID(ST_MakePoint(100, 500), 2180)),
 ('00000000-0000-4000-8000-000000000002', '0264011', 'C2', 'billboard', 18, true, '2021-01-01', ST_SetSRID(ST_MakePoint(500, 500), 2180)),
 ('00000000-0000-4000-8000-000000000003', '0264011', 'C3', 'board', 2, false, '2021-01-01', ST_SetSRID(ST_MakePoint(1500, 500), 2180)),
 ('00000000-0000-4000-8000-000000000004', '0264011', 'C4', 'billboard', 18, false, '2021-01-01', ST_SetSRID(ST_MakePoint(1520, 500), 2180));
INSERT INTO inspection (id, carrier_id, terc, inspector, inspected_at, result) VALUES
 ('10000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-000000000001', '0264011', 'k', '2026-01-01', 'compliant'),
 ('10000000-0000-4000-8000-000000000002', '00000000-0000-4000-8000-000000000002', '0264011', 'k', '2023-01-01', 'violation'),
 ('10000000-0000-4000-8000-000000000004', '00000000-0000-4000-8000-000000000004', '0264011', 'k', '2025-06-01', 'violation');
INSERT INTO enforcement_case (carrier_id, terc, case_no, found_on, called_on, proceedings_on, decision_on, removed_on) VALUES
 ('00000000-0000-4000-8000-000000000002', '0264011', 'K/2', '2024-01-10', '2024-02-10', '2024-03-01', NULL, NULL),
 ('00000000-0000-4000-8000-000000000004', '0264011', 'K/4', '2025-06-01', '2025-06-11', '2025-07-01', '2025-08-01', '2025-09-01');
INSERT INTO ad_fee_rate (terc, valid_from, fixed_pln, per_m2_pln) VALUES ('0264011', '2019-01-01', 2.50, 0.20), ('0264011', '2024-03-11', 3.00, 0.30);
`

func TestAdvertisingComplianceKnownAnswers(t *testing.T) {
	d := dbtest.New(t)
	ctx := context.Background()
	if _, err := d.Pool.Exec(ctx, fixture+adsFixture); err != nil {
		t.Fatal(err)
	}
	a := New(d.Pool, slog.New(slog.NewTextHandler(io.Discard, nil)))
	tab, err := a.Run(ctx, "advertising-compliance", Params{TERC: "0264011", Date: "2026-06-01"})
	if err != nil {
		t.Fatal(err)
	}
	zones := map[any][]any{}
	for _, r := range tab.Rows {
		zones[r[0]] = r
	}
	if z := zones["A"]; z == nil || z[1] != int64(2) || z[2] != int64(1) || z[3] != int64(1) {
		t.Errorf("zone A: %v", z)
	}
	if z := zones["B"]; z == nil || z[2] != int64(0) || z[3] != int64(2) {
		t.Errorf("zone B: %v", z)
	}
	if z := zones["—"]; z == nil || z[1] != int64(4) || z[5].(float64) != 25 {
		t.Errorf("total: %v", z)
	}
	parts := map[string]*Table{}
	for _, m := range tab.More {
		parts[m.Name] = m
	}
	v := parts["advertising-compliance-violations"]
	if len(v.Rows) != 3 || v.Rows[0][0] != "C2" || v.Rows[0][4] != "A-1, A-2, A-3" || v.Rows[2][4] != "B-1, B-2" {
		t.Errorf("violations %v", v.Rows)
	}
	o := parts["advertising-compliance-overdue"]
	if len(o.Rows) != 2 || o.Rows[0][0] != "C3" || o.Rows[1][0] != "C2" {
		t.Errorf("overdue %v", o.Rows)
	}
	p := parts["advertising-compliance-penalties"]
	got := map[any]float64{}
	for _, r := range p.Rows {
		got[r[0]] = r[6].(float64)
	}
	if got["K/2"] != 275608 || got["K/4"] != 21168 {
		t.Errorf("penalties %v", p.Rows)
	}
	pl := parts["advertising-compliance-pipeline"]
	stages := map[any][]any{}
	for _, r := range pl.Rows {
		stages[r[0]] = r
	}
	if stages["proceedings"][2] != int64(1) || stages["removed"][2] != int64(1) || stages["called"][3] != 20.5 || stages["decision"][3] != float64(31) {
		t.Errorf("pipeline %v", pl.Rows)
	}
}
