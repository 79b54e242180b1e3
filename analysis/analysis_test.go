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
	if s := tab.Series; s == nil || len(s.Rows) != 2 || s.Rows[0][2].(float64) != 25 || s.Rows[1][2].(float64) != 35 {
		t.Errorf("series %+v", tab.Series)
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
