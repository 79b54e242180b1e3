package analysis

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"

	"github.com/ladgis/lad/access"
	"github.com/ladgis/lad/db/dbtest"
	"github.com/ladgis/lad/web"
)

// pick renders the chosen columns of each row as "a|b|c" (numbers as Go
// prints them: 40, 66.7; NULL as <nil>).
func pick(t *testing.T, tab *Table, cols ...string) []string {
	t.Helper()
	idx := map[string]int{}
	for i, c := range tab.Columns {
		idx[c] = i
	}
	var out []string
	for _, r := range tab.Rows {
		var cells []string
		for _, c := range cols {
			i, ok := idx[c]
			if !ok {
				t.Fatalf("%s has no column %q (has %v)", tab.Name, c, tab.Columns)
			}
			cells = append(cells, fmt.Sprint(r[i]))
		}
		out = append(out, strings.Join(cells, "|"))
	}
	return out
}

// sub returns the table of an analysis named name (the main one or one of
// More).
func sub(t *testing.T, tab *Table, name string) *Table {
	t.Helper()
	for _, m := range append([]*Table{tab}, tab.More...) {
		if m.Name == name {
			return m
		}
	}
	t.Fatalf("no table %s", name)
	return nil
}

func same(t *testing.T, what string, got, want []string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("%s:\n got %q\nwant %q", what, got, want)
	}
}

func newAnalyst(t *testing.T, sql string) (*Analyst, *dbtest.DB) {
	t.Helper()
	d := dbtest.New(t)
	if _, err := d.Pool.Exec(context.Background(), sql); err != nil {
		t.Fatal(err)
	}
	return New(d.Pool, slog.New(slog.NewTextHandler(io.Discard, nil))), d
}

// base: a 200 × 100 m municipality of two 100 × 100 m districts, W and E.
const base = `
INSERT INTO municipality (terc, name, geom) VALUES ('0264011', 'Test', ST_Multi(ST_MakeEnvelope(0, 0, 200, 100, 2180)));
INSERT INTO district (terc, kind, name, geom) VALUES
 ('0264011', 'osiedle', 'W', ST_Multi(ST_MakeEnvelope(0, 0, 100, 100, 2180))),
 ('0264011', 'osiedle', 'E', ST_Multi(ST_MakeEnvelope(100, 0, 200, 100, 2180)));
`

// Conformity fixture. Plan A covers W: version 1 (2010) has 1MN (x < 50),
// 2MW/U (x 50–100, y < 50) and 3XYZ (a symbol the matrix does not know);
// version 2 (2020) turns 1MN into 1U. Plan B covers the south of E from
// 2015 and was repealed at the end of 2018 (1P). A general plan is in force
// from 2024: zone SW over W, SP over E, and an infill area (OUZ) in the
// north-east quarter.
//
//	p01 notification 2015 I     (25,25)  A1 1MN          conforms
//	p02 permit 2021 I           (25,25)  A2 1U           conflict (I not in U)
//	p03 permit 2016 XIII        (75,25)  2MW/U           conforms (MW admits XIII)
//	p04 permit 2016 XVIII       (75,25)  2MW/U           conflict (neither MW nor U)
//	p05 permit 2016 I           (75,75)  3XYZ            unknown (symbol)
//	p06 permit 2016 no category (25,75)  1MN             unknown (category)
//	p07 permit 2016 XVIII       (150,25) B 1P            conforms
//	p08 WZ 2017 XVIII           (150,30) B 1P            conflict (WZ in a plan)
//	p09 WZ 2019 I               (150,30) nothing         no_plan (B ended)
//	p10 WZ 2024 XVIII           (150,25) POG SP, no OUZ  conflict (WZ outside OUZ)
//	p11 WZ 2024 XVIII           (175,75) POG SP, OUZ     conforms
//	p12 permit 2024 XIII        (25,25)  A2 1U, POG SW   conflict (XIII not in U)
//	p13 permit 2024 XVIII       (175,25) POG SP          conforms
//	p14 objection (sprzeciw), p15 not located: not counted.
//
// W: 7 decisions, 5 judged, 2 conform, 3 conflicts, 2 unknown: 40 %.
// E: 6 decisions, 5 judged, 3 conform, 2 conflicts, 1 without a plan: 60 %.
// All: 13, 10 judged, 5 conform: 50 %.
const conformityFixture = base + `
INSERT INTO plan (id, terc, kind, local_id, version_id, title, resolution_no, status, adopted_on, valid_to, geom) VALUES
 (1, '0264011', 'mpzp', 'A', '1', 'Plan A', 'I/1/10', 'in_force', '2010-01-01', NULL, ST_Multi(ST_MakeEnvelope(0, 0, 100, 100, 2180))),
 (2, '0264011', 'mpzp', 'A', '2', 'Plan A – zmiana', 'II/2/20', 'in_force', '2020-01-01', NULL, ST_Multi(ST_MakeEnvelope(0, 0, 100, 100, 2180))),
 (3, '0264011', 'mpzp', 'B', '1', 'Plan B', 'III/3/15', 'repealed', '2015-01-01', '2018-12-31', ST_Multi(ST_MakeEnvelope(100, 0, 200, 50, 2180))),
 (4, '0264011', 'pog', 'POG', '1', 'Plan ogólny', 'IV/4/23', 'in_force', '2024-01-01', NULL, ST_Multi(ST_MakeEnvelope(0, 0, 200, 100, 2180)));
UPDATE plan SET superseded_by = 2 WHERE id = 1;
INSERT INTO plan_zone (plan_id, terc, kind, designation, symbol, geom) VALUES
 (1, '0264011', 'designation', '1MN', 'MN', ST_Multi(ST_MakeEnvelope(0, 0, 50, 100, 2180))),
 (1, '0264011', 'designation', '2MW/U', 'MW/U', ST_Multi(ST_MakeEnvelope(50, 0, 100, 50, 2180))),
 (1, '0264011', 'designation', '3XYZ', 'XYZ', ST_Multi(ST_MakeEnvelope(50, 50, 100, 100, 2180))),
 (2, '0264011', 'designation', '1U', 'U', ST_Multi(ST_MakeEnvelope(0, 0, 50, 100, 2180))),
 (2, '0264011', 'designation', '2MW/U', 'MW/U', ST_Multi(ST_MakeEnvelope(50, 0, 100, 50, 2180))),
 (2, '0264011', 'designation', '3XYZ', 'XYZ', ST_Multi(ST_MakeEnvelope(50, 50, 100, 100, 2180))),
 (3, '0264011', 'designation', '1P', 'P', ST_Multi(ST_MakeEnvelope(100, 0, 200, 50, 2180))),
 (4, '0264011', 'pog_zone', '1SW', 'SW', ST_Multi(ST_MakeEnvelope(0, 0, 100, 100, 2180))),
 (4, '0264011', 'pog_zone', '2SP', 'SP', ST_Multi(ST_MakeEnvelope(100, 0, 200, 100, 2180))),
 (4, '0264011', 'ouz', 'OUZ-1', '', ST_Multi(ST_MakeEnvelope(150, 50, 200, 100, 2180)));
INSERT INTO permit (terc, kind, register, register_id, decided_on, decision, category, geom)
SELECT '0264011', kind, 'test', id, on_date::date, decision, category, CASE WHEN x IS NULL THEN NULL ELSE ST_SetSRID(ST_MakePoint(x, y), 2180) END
FROM (VALUES
 ('p01', 'notification', '2015-06-01', 'Brak sprzeciwu', 'I', 25, 25),
 ('p02', 'permit', '2021-06-01', 'pozwolenie wydane', 'I', 25, 25),
 ('p03', 'permit', '2016-01-01', '', 'XIII', 75, 25),
 ('p04', 'permit', '2016-01-01', '', 'XVIII', 75, 25),
 ('p05', 'permit', '2016-01-01', '', 'I', 75, 75),
 ('p06', 'permit', '2016-01-01', '', NULL, 25, 75),
 ('p07', 'permit', '2016-05-01', '', 'XVIII', 150, 25),
 ('p08', 'zoning_decision', '2017-01-01', '', 'XVIII', 150, 30),
 ('p09', 'zoning_decision', '2019-06-01', '', 'I', 150, 30),
 ('p10', 'zoning_decision', '2024-06-01', '', 'XVIII', 150, 25),
 ('p11', 'zoning_decision', '2024-06-01', '', 'XVIII', 175, 75),
 ('p12', 'permit', '2024-06-01', '', 'XIII', 25, 25),
 ('p13', 'permit', '2024-06-01', '', 'XVIII', 175, 25),
 ('p14', 'notification', '2016-01-01', 'Wniesiono sprzeciw', 'XVIII', 25, 25),
 ('p15', 'permit', '2016-01-01', '', 'XVIII', NULL, NULL)
) AS v(id, kind, on_date, decision, category, x, y);
`

func TestPermitConformityKnownAnswers(t *testing.T) {
	a, _ := newAnalyst(t, conformityFixture)
	ctx := context.Background()
	tab, err := a.Run(ctx, "permit-conformity", Params{TERC: "0264011", Date: "2024-12-31", FromYear: 2015, ToYear: 2024})
	if err != nil {
		t.Fatal(err)
	}
	same(t, "by district", pick(t, tab, "district", "decisions", "checked", "conforms", "conflicts", "unknown", "no_plan", "conformity_pct"),
		[]string{"W|7|5|2|3|2|0|40", "E|6|5|3|2|0|1|60", "Test|13|10|5|5|2|1|50"})
	same(t, "by year", pick(t, sub(t, tab, "permit-conformity-by-year"), "year", "decisions", "checked", "conforms", "conflicts", "conformity_pct"),
		[]string{"2015|1|1|1|0|100", "2016|5|3|2|1|66.7", "2017|1|1|0|1|0", "2018|0|0|0|0|<nil>", "2019|1|0|0|0|<nil>",
			"2020|0|0|0|0|<nil>", "2021|1|1|0|1|0", "2022|0|0|0|0|<nil>", "2023|0|0|0|0|<nil>", "2024|4|4|2|2|50"})
	same(t, "by designation", pick(t, sub(t, tab, "permit-conformity-by-designation"), "plan", "designation", "checked", "conforms", "conflicts", "conformity_pct"),
		[]string{"II/2/20|1U|2|0|2|0", "I/1/10|2MW/U|2|1|1|50", "III/3/15|1P|2|1|1|50", "I/1/10|1MN|1|1|0|100"})
	conflicts := sub(t, tab, "permit-conformity-conflicts")
	same(t, "conflicts", pick(t, conflicts, "register_id", "decided_on", "plan", "designation", "pog_zone"),
		[]string{"p10|2024-06-01|||SP", "p12|2024-06-01|II/2/20|1U|SW", "p02|2021-06-01|II/2/20|1U|", "p08|2017-01-01|III/3/15|1P|", "p04|2016-01-01|I/1/10|2MW/U|"})
	for i, want := range []string{"OUZ", "kategoria XIII niedopuszczalna na terenie 1U", "kategoria I niedopuszczalna na terenie 1U",
		"decyzja WZ na obszarze obowiązującego planu", "kategoria XVIII niedopuszczalna na terenie 2MW/U"} {
		if got := pick(t, conflicts, "reasons")[i]; !strings.Contains(got, want) || strings.Contains(got, ";") {
			t.Errorf("conflict %d: reasons %q, want one reason with %q", i, got, want)
		}
	}

	// Planners edit the matrix: admitting industry in MW makes p04 conform.
	if _, err := a.pool.Exec(ctx, `INSERT INTO conformity_rule (category, family, symbol) VALUES ('XVIII', 'mpzp', 'MW')`); err != nil {
		t.Fatal(err)
	}
	tab, err = a.Run(ctx, "permit-conformity", Params{TERC: "0264011", Date: "2024-12-31", FromYear: 2016, ToYear: 2024})
	if err != nil {
		t.Fatal(err)
	}
	// From 2016 p01 is out of range; p04 now conforms.
	same(t, "by district after the edit", pick(t, tab, "district", "checked", "conforms", "conflicts", "conformity_pct"),
		[]string{"W|4|2|2|50", "E|5|3|2|60", "Test|9|5|4|55.6"})
}

// Development-pressure fixture: the municipality is the 19 hexagons (edge
// 100 m) within two rings of cell (4, 4), centred at (600, 692.82), shrunk
// by 1 m so that no outer cell touches it: n = 19. The centre cell and its
// six neighbours hold two decisions each (x = 2), the twelve outer cells
// none: Σx = 14, X̄ = 14/19, Σx² = 28, S = √(28/19 − (14/19)²) = √336/19.
//
//	centre, W = 7, Σwx = 14: G* = (14 − 7·14/19) / (S √((19·7 − 49)/18)) = 3√2 = 4.243 (hot)
//	ring 1, W = 7, Σwx = 8 (itself, the centre, two ring-1 neighbours): 54/19 / (S √(84/18)) = 1.364
//	ring 2 on an axis, W = 4, Σwx = 2: −18/19 / (S √(60/18)) = −0.538
//	ring 2 between axes, W = 5, Σwx = 4: 6/19 / (S √(70/18)) = 0.166
//
// The centre holds a permit (2020) and a zoning decision (2021), each
// neighbour a permit and a notification (2020). A local plan in force
// covers x < 520 (the two western neighbours, 4 decisions); an infill area
// (OUZ) of the general plan holds the south-eastern neighbour (2
// decisions). District W is x < 650 (10 decisions: 4 in the plan, 6
// outside, 1 WZ), E the rest (4, all outside plans, 2 of them in the OUZ).
// W's area without a plan is 650 × 1400 − 520 × 1400 m² = 18.2 ha, with 6
// decisions outside plans: 33.0 per km²; E's 77 ha hold 4: 5.2 per km².
const pressureFixture = `
INSERT INTO municipality (terc, name, geom)
SELECT '0264011', 'Test', ST_Multi(ST_Buffer(ST_Union(h.geom), -1)) FROM ST_HexagonGrid(100, ST_MakeEnvelope(0, 0, 1200, 1400, 2180)) h
WHERE ST_DWithin(ST_Centroid(h.geom), ST_SetSRID(ST_MakePoint(600, 400 * sqrt(3)), 2180), 2 * sqrt(3) * 100 + 1);
INSERT INTO district (terc, kind, name, geom) VALUES
 ('0264011', 'osiedle', 'W', ST_Multi(ST_MakeEnvelope(0, 0, 650, 1400, 2180))),
 ('0264011', 'osiedle', 'E', ST_Multi(ST_MakeEnvelope(650, 0, 1200, 1400, 2180)));
INSERT INTO plan (id, terc, kind, local_id, title, status, adopted_on, geom) VALUES
 (1, '0264011', 'mpzp', 'M', 'M', 'in_force', '2010-01-01', ST_Multi(ST_MakeEnvelope(0, 0, 520, 1400, 2180))),
 (2, '0264011', 'pog', 'POG', 'POG', 'in_force', '2019-01-01', ST_Multi(ST_MakeEnvelope(0, 0, 1200, 1400, 2180)));
INSERT INTO plan_zone (plan_id, terc, kind, designation, geom) VALUES
 (2, '0264011', 'ouz', 'OUZ-1', ST_Multi(ST_MakeEnvelope(700, 560, 800, 650, 2180)));
INSERT INTO permit (terc, kind, register, register_id, decided_on, geom)
SELECT '0264011', k.kind, 'test', c.n || k.kind, CASE WHEN k.kind = 'zoning_decision' THEN DATE '2021-03-01' ELSE DATE '2020-03-01' END,
       ST_SetSRID(ST_MakePoint(c.x, c.y), 2180)
FROM (VALUES (1, 600, 400 * sqrt(3)), (2, 600, 300 * sqrt(3)), (3, 600, 500 * sqrt(3)), (4, 450, 450 * sqrt(3)),
             (5, 450, 350 * sqrt(3)), (6, 750, 450 * sqrt(3)), (7, 750, 350 * sqrt(3))) AS c(n, x, y)
CROSS JOIN (VALUES ('permit'), ('notification'), ('zoning_decision')) AS k(kind)
WHERE k.kind = 'permit' OR (k.kind = 'notification' AND c.n <> 1) OR (k.kind = 'zoning_decision' AND c.n = 1);
`

func TestDevelopmentPressureKnownAnswers(t *testing.T) {
	a, d := newAnalyst(t, pressureFixture)
	ctx := context.Background()
	var n, cases int
	if err := d.Pool.QueryRow(ctx, `SELECT count(*), sum(cases) FROM lad_pressure_cells(cell_m => 100)`).Scan(&n, &cases); err != nil || n != 19 || cases != 14 {
		t.Fatalf("fixture: %d cells, %d decisions (%v)", n, cases, err)
	}
	tab, err := a.Run(ctx, "development-pressure", Params{TERC: "0264011", Date: "2024-12-31", FromYear: 2020, ToYear: 2021, CellM: 100})
	if err != nil {
		t.Fatal(err)
	}
	same(t, "districts", pick(t, tab, "rank", "district", "cases", "outside_plan", "outside_plan_ouz", "wz_outside_plan", "outside_plan_pct", "unplanned_ha", "outside_plan_per_km2"),
		[]string{"1|W|10|6|6|1|60|18.2|33", "2|E|4|4|2|0|100|77|5.2"})
	same(t, "hot spots", pick(t, sub(t, tab, "development-pressure-hot-spots"), "i", "j", "district", "cases", "neighbours", "gi_z", "hot_spot"),
		[]string{"4|4|W|2|6|4.243|hot"})
	same(t, "by year", pick(t, sub(t, tab, "development-pressure-by-year"), "year", "cases", "permits", "notifications", "zoning_decisions", "in_plan", "outside_plan", "outside_plan_ouz", "outside_plan_pct"),
		[]string{"2020|13|7|6|0|4|9|7|69.2", "2021|1|0|0|1|0|1|1|100"})
	cells := pick(t, sub(t, tab, "development-pressure-cells"), "i", "j", "year", "cases", "permits", "notifications", "zoning_decisions", "in_plan", "outside_plan_ouz")
	same(t, "cells by year", cells, []string{"3|3|2020|2|1|1|0|2|0", "3|4|2020|2|1|1|0|2|0", "4|3|2020|2|1|1|0|0|2",
		"4|4|2020|1|1|0|0|0|1", "4|4|2021|1|0|0|1|0|1", "4|5|2020|2|1|1|0|0|2", "5|3|2020|2|1|1|0|0|0", "5|4|2020|2|1|1|0|0|2"})

	// Every cell's statistic, by ring, as computed by hand above.
	rows, err := d.Pool.Query(ctx, `SELECT round(gi_z::numeric, 3)::text, neighbours, count(*) FROM lad_pressure_cells(cell_m => 100)
		GROUP BY 1, 2 ORDER BY min(gi_z) DESC`)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for rows.Next() {
		var z string
		var nb, k int
		if err := rows.Scan(&z, &nb, &k); err != nil {
			t.Fatal(err)
		}
		got = append(got, fmt.Sprintf("%s|%d|%d", z, nb, k))
	}
	same(t, "Gi* by ring", got, []string{"4.243|6|1", "1.364|6|6", "0.166|4|6", "-0.538|3|6"})

	for _, bad := range []Params{{TERC: "0264011", CellM: 99}, {TERC: "0264011", CellM: 6000}, {TERC: "0264011", FromYear: 2022, ToYear: 2020}} {
		if _, err := a.Run(ctx, "development-pressure", bad); err == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
}

// lad_hex_cell finds, by arithmetic alone, the cell of ST_HexagonGrid that
// holds a point: checked on 3000 scattered points, negative coordinates and
// odd columns included, for three sizes.
func TestHexCellMatchesHexagonGrid(t *testing.T) {
	d := dbtest.New(t)
	var wrong, total int
	if err := d.Pool.QueryRow(context.Background(), `
		WITH p AS (
		    SELECT s.size, ST_SetSRID(ST_MakePoint(((n * 7919.37) % 20000) - 10000, ((n * 104729.11) % 20000) - 10000), 2180) AS g
		    FROM generate_series(1, 1000) n, (VALUES (100.0), (250.0), (733.3)) s(size)
		)
		SELECT count(*) FILTER (WHERE (c.i, c.j) IS DISTINCT FROM (h.i, h.j)), count(*)
		FROM p CROSS JOIN LATERAL lad_hex_cell(p.g, p.size) c
		LEFT JOIN LATERAL (SELECT h.i, h.j FROM ST_HexagonGrid(p.size, ST_Expand(p.g, 1)) h WHERE ST_Intersects(h.geom, p.g)
		                   ORDER BY h.i, h.j LIMIT 1) h ON true`).Scan(&wrong, &total); err != nil {
		t.Fatal(err)
	}
	if wrong != 0 || total != 3000 {
		t.Errorf("%d of %d points in the wrong cell", wrong, total)
	}
}

// Realisation fixture. Plan R came into force on 2010-01-01 and was amended
// on 2020-01-01 (version 2, in force on the date): 1MW (100 × 100 m,
// intensity 2.0: capacity 20,000 m²), 2MN (100 × 50 m, 0.5: 2,500 m²), 3ZP
// (no intensity). Plan Q (2023): 1U, 50 × 50 m, 1.0: 2,500 m², nothing
// built. A repealed plan and a draft do not count.
//
//	1MW: permit 2012 with 3,000 m² floor area (and 12,000 m³): 3,000 m²
//	     permit 2021 of 9,000 m³, no floor area: 9,000 / 3.0 = 3,000 m²
//	     notification 2022 without size: counted, adds nothing
//	     not counted: WZ 2015, permit 2009 (before the plan), permit 2025
//	     (after the date), a refusal
//	     → 3 permits, 21,000 m³, 6,000 m²: 30 %, 14,000 m² remaining
//	2MN: permit 2019 of 3,900 m³ → 1,300 m²: 52 %, 1,200 m² remaining
//
// Plan R: 3 designations, 2 ha, capacity 22,500 m², 4 permits, 24,900 m³,
// 7,300 m² realised: 32.4 %, 15,200 m² remaining.
const realisationFixture = base + `
INSERT INTO plan (id, terc, kind, local_id, version_id, title, resolution_no, status, adopted_on, valid_to, geom) VALUES
 (1, '0264011', 'mpzp', 'R', '1', 'Plan R', 'R/1/10', 'in_force', '2010-01-01', NULL, ST_Multi(ST_MakeEnvelope(0, 0, 100, 200, 2180))),
 (2, '0264011', 'mpzp', 'R', '2', 'Plan R – zmiana', 'R/2/20', 'in_force', '2020-01-01', NULL, ST_Multi(ST_MakeEnvelope(0, 0, 100, 200, 2180))),
 (3, '0264011', 'mpzp', 'Q', '1', 'Plan Q', 'Q/1/23', 'in_force', '2023-01-01', NULL, ST_Multi(ST_MakeEnvelope(150, 0, 200, 50, 2180))),
 (4, '0264011', 'mpzp', 'S', '1', 'Plan S', 'S/1/05', 'repealed', '2005-01-01', '2015-01-01', ST_Multi(ST_MakeEnvelope(100, 50, 200, 100, 2180))),
 (5, '0264011', 'mpzp', 'D', '1', 'Projekt', '', 'draft', NULL, NULL, ST_Multi(ST_MakeEnvelope(100, 50, 200, 100, 2180)));
UPDATE plan SET superseded_by = 2 WHERE id = 1;
INSERT INTO plan_zone (plan_id, terc, kind, designation, symbol, intensity_max, geom) VALUES
 (1, '0264011', 'designation', '1MW', 'MW', 1.5, ST_Multi(ST_MakeEnvelope(0, 0, 100, 100, 2180))),
 (2, '0264011', 'designation', '1MW', 'MW', 2.0, ST_Multi(ST_MakeEnvelope(0, 0, 100, 100, 2180))),
 (2, '0264011', 'designation', '2MN', 'MN', 0.5, ST_Multi(ST_MakeEnvelope(0, 100, 100, 150, 2180))),
 (2, '0264011', 'designation', '3ZP', 'ZP', NULL, ST_Multi(ST_MakeEnvelope(0, 150, 100, 200, 2180))),
 (3, '0264011', 'designation', '1U', 'U', 1.0, ST_Multi(ST_MakeEnvelope(150, 0, 200, 50, 2180))),
 (4, '0264011', 'designation', '1U', 'U', 3.0, ST_Multi(ST_MakeEnvelope(100, 50, 200, 100, 2180))),
 (5, '0264011', 'designation', '1U', 'U', 3.0, ST_Multi(ST_MakeEnvelope(100, 50, 200, 100, 2180)));
INSERT INTO permit (terc, kind, register, register_id, decided_on, decision, volume_m3, floor_area_m2, geom)
SELECT '0264011', kind, 'test', id, on_date::date, decision, vol, area, ST_SetSRID(ST_MakePoint(x, y), 2180)
FROM (VALUES
 ('r1', 'permit', '2012-05-01', '', 12000, 3000, 50, 50),
 ('r2', 'permit', '2021-01-01', '', 9000, NULL, 20, 20),
 ('r3', 'notification', '2022-01-01', 'Brak sprzeciwu', NULL, NULL, 80, 80),
 ('r4', 'zoning_decision', '2015-01-01', '', 50000, NULL, 50, 50),
 ('r5', 'permit', '2009-06-01', '', 30000, NULL, 50, 50),
 ('r6', 'permit', '2025-06-01', '', 30000, NULL, 50, 50),
 ('r7', 'permit', '2016-01-01', 'odmowa pozwolenia', 30000, NULL, 50, 50),
 ('r8', 'permit', '2019-03-01', '', 3900, NULL, 50, 125),
 ('r9', 'permit', '2012-01-01', '', 99000, NULL, 150, 75)
) AS v(id, kind, on_date, decision, vol, area, x, y);
`

func TestPlanRealisationKnownAnswers(t *testing.T) {
	a, _ := newAnalyst(t, realisationFixture)
	tab, err := a.Run(context.Background(), "plan-realisation", Params{TERC: "0264011", Date: "2024-12-31"})
	if err != nil {
		t.Fatal(err)
	}
	same(t, "per plan", pick(t, tab, "plan", "since", "version_from", "designations", "area_ha", "capacity_m2", "permits", "volume_m3", "realised_m2", "realisation_pct", "remaining_m2"),
		[]string{"R/2/20|2010-01-01|2020-01-01|3|2|22500|4|24900|7300|32.4|15200", "Q/1/23|2023-01-01|2023-01-01|1|0.25|2500|0|0|0|0|2500"})
	same(t, "per designation", pick(t, sub(t, tab, "plan-realisation-designations"), "plan", "designation", "area_ha", "intensity_max", "capacity_m2", "permits", "volume_m3", "floor_area_m2", "realised_m2", "realisation_pct", "remaining_m2"),
		[]string{"Q/1/23|1U|0.25|1|2500|0|0|<nil>|0|0|2500", "R/2/20|2MN|0.5|0.5|2500|1|3900|<nil>|1300|52|1200", "R/2/20|1MW|1|2|20000|3|21000|3000|6000|30|14000"})
}

// Changes fixture, period 2024 (leap year: the period before is 2023).
// Plans: P1 (2010, x < 50) stays; P2 (2015, the south 20 m of E) is amended
// on 2024-05-01 to the south 40 m; P5 is adopted on 2024-09-01 (x 50–100);
// P3 (north-east quarter) is repealed on 2024-06-30; the general plan comes
// into force on 2024-02-01. Coverage on 2024-01-01: W 50 %, E (2,000 +
// 2,500) / 10,000 = 45 %, all 47.5 %; on 2024-12-31: W 100 %, E 40 %, all
// 70 %. Permits: W a permit and a notification (one permit in 2023), E a
// WZ and a permit on the last day (none in the 366 days before, from
// 2022-12-31); a refusal and a permit of 2022-12-30 do not count. Advertising: a carrier installed, one removed, a
// violation, a case opened, a penalty; a consultation opened with three
// comments on two days.
const changesFixture = base + `
INSERT INTO plan (id, terc, kind, local_id, version_id, title, resolution_no, status, adopted_on, valid_from, valid_to, geom) VALUES
 (1, '0264011', 'mpzp', 'P1', '1', 'P1', 'P1/10', 'in_force', '2010-01-01', NULL, NULL, ST_Multi(ST_MakeEnvelope(0, 0, 50, 100, 2180))),
 (2, '0264011', 'mpzp', 'P2', '1', 'P2', 'P2/15', 'in_force', '2015-03-01', NULL, NULL, ST_Multi(ST_MakeEnvelope(100, 0, 200, 20, 2180))),
 (3, '0264011', 'mpzp', 'P2', '2', 'P2 – zmiana', 'P2/24', 'in_force', '2024-04-10', '2024-05-01', NULL, ST_Multi(ST_MakeEnvelope(100, 0, 200, 40, 2180))),
 (4, '0264011', 'mpzp', 'P5', '1', 'P5', 'P5/24', 'in_force', '2024-09-01', NULL, NULL, ST_Multi(ST_MakeEnvelope(50, 0, 100, 100, 2180))),
 (5, '0264011', 'mpzp', 'P3', '1', 'P3', 'P3/05', 'repealed', '2005-01-01', NULL, '2024-06-30', ST_Multi(ST_MakeEnvelope(150, 50, 200, 100, 2180))),
 (6, '0264011', 'pog', 'POG', '1', 'POG', 'POG/24', 'in_force', '2024-01-15', '2024-02-01', NULL, ST_Multi(ST_MakeEnvelope(0, 0, 200, 100, 2180)));
UPDATE plan SET superseded_by = 3 WHERE id = 2;
INSERT INTO permit (terc, kind, register, register_id, decided_on, decision, geom)
SELECT '0264011', kind, 'test', id, on_date::date, decision, ST_SetSRID(ST_MakePoint(x, y), 2180)
FROM (VALUES
 ('c1', 'permit', '2024-03-01', '', 25, 50), ('c2', 'notification', '2024-07-01', 'Brak sprzeciwu', 30, 50),
 ('c3', 'permit', '2023-06-01', '', 25, 60), ('c4', 'zoning_decision', '2024-10-01', '', 150, 70),
 ('c5', 'permit', '2024-12-31', '', 150, 10), ('c6', 'permit', '2024-05-01', 'odmowa', 150, 10),
 ('c7', 'permit', '2022-12-30', '', 150, 10)
) AS v(id, kind, on_date, decision, x, y);
INSERT INTO ad_carrier (id, terc, inventory_no, kind, area_m2, status, installed_on, removed_on, geom) VALUES
 ('00000000-0000-4000-8000-000000000001', '0264011', 'C', 'billboard', 18, 'active', '2024-05-05', NULL, ST_SetSRID(ST_MakePoint(10, 10), 2180)),
 ('00000000-0000-4000-8000-000000000002', '0264011', 'D', 'board', 2, 'removed', '2020-01-01', '2024-08-01', ST_SetSRID(ST_MakePoint(20, 10), 2180));
INSERT INTO inspection (id, carrier_id, terc, inspector, inspected_at, result, violated_rules) VALUES
 ('10000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-000000000001', '0264011', 'k', '2024-06-01 10:00+02', 'violation', '{A-1}');
INSERT INTO enforcement_case (id, carrier_id, terc, case_no, found_on) VALUES (1, '00000000-0000-4000-8000-000000000001', '0264011', 'K/1', '2024-06-02');
INSERT INTO penalty (case_id, decided_on, daily_pln) VALUES (1, '2024-09-01', 100);
INSERT INTO consultation (id, terc, title, opens_on, closes_on, geom) VALUES
 (1, '0264011', 'Konsultacje P6', '2024-11-20', '2025-01-15', ST_Multi(ST_MakeEnvelope(0, 0, 100, 100, 2180)));
INSERT INTO consultation_comment (consultation_id, receipt_no, body, submitted_at) VALUES
 (1, 'U/1', 'a', '2024-11-21 10:00+01'), (1, 'U/2', 'b', '2024-11-21 12:00+01'), (1, 'U/3', 'c', '2024-11-25 10:00+01');
`

func TestChangesKnownAnswers(t *testing.T) {
	a, _ := newAnalyst(t, changesFixture)
	tab, err := a.Run(context.Background(), "changes", Params{TERC: "0264011", From: "2024-01-01", To: "2024-12-31"})
	if err != nil {
		t.Fatal(err)
	}
	same(t, "summary", pick(t, tab, "topic", "count"), []string{"plans_adopted|1", "plans_amended|1", "plans_ended|2",
		"general_plan_versions|1", "permits|2", "notifications|1", "zoning_decisions|1", "carriers_installed|1", "carriers_removed|1",
		"violations_found|1", "enforcement_opened|1", "penalty_decisions|1", "consultations_opened|1", "consultations_closed|0", "comments_received|3"})
	same(t, "plans", pick(t, sub(t, tab, "changes-plans"), "on_date", "event", "kind", "plan", "area_ha"),
		[]string{"2024-02-01|adopted|pog|POG/24|2", "2024-04-30|superseded|mpzp|P2/15|0.2", "2024-05-01|amended|mpzp|P2/24|0.4",
			"2024-06-30|ended|mpzp|P3/05|0.3", "2024-09-01|adopted|mpzp|P5/24|0.5"})
	same(t, "coverage", pick(t, sub(t, tab, "changes-coverage"), "name", "mpzp_pct_from", "mpzp_pct_to", "mpzp_change_pp", "pog_pct_from", "pog_pct_to"),
		[]string{"W|50|100|50|0|100", "E|45|40|-5|0|100", "Test|47.5|70|22.5|0|100"})
	same(t, "permits", pick(t, sub(t, tab, "changes-permits"), "district", "permits", "notifications", "zoning_decisions", "all_decisions", "previous_period", "change_pct"),
		[]string{"E|1|0|1|2|0|<nil>", "W|1|1|0|2|1|100", "Test|2|1|1|4|1|300"})
	same(t, "feed", pick(t, sub(t, tab, "changes-feed"), "on_date", "event", "item", "detail"),
		[]string{"2024-11-25|comments_received|Konsultacje P6|1 uwag", "2024-11-21|comments_received|Konsultacje P6|2 uwag",
			"2024-11-20|consultation_opened|Konsultacje P6|2024-11-20 – 2025-01-15", "2024-09-01|penalty_decision|C|K/1: 100.00 zł/dzień",
			"2024-08-01|carrier_removed|D|board", "2024-06-02|enforcement_opened|C|K/1", "2024-06-01|violation_found|C|A-1",
			"2024-05-05|carrier_installed|C|billboard, 18.0 m²"})
	if _, err := a.Run(context.Background(), "changes", Params{TERC: "0264011", From: "2024-12-31", To: "2024-01-01"}); err == nil {
		t.Error("from after to accepted")
	}
}

// The cache serves an unchanged dataset without recomputing; any change
// recomputes — committed before the request, or committed later by a
// transaction that was writing while the result was computed.
func TestResultsCachedUntilDataChange(t *testing.T) {
	a, d := newAnalyst(t, conformityFixture)
	ctx := context.Background()
	p := Params{TERC: "0264011", Date: "2024-12-31", FromYear: 2015, ToYear: 2024}
	conflicts := func() string {
		t.Helper()
		tab, err := a.Run(ctx, "permit-conformity", p)
		if err != nil {
			t.Fatal(err)
		}
		return pick(t, tab, "conflicts")[2]
	}
	for _, step := range []struct {
		do        func()
		conflicts string
		computed  int64
	}{
		{nil, "5", 1},
		{nil, "5", 1}, // unchanged: from the cache
		{func() {
			if _, err := d.Pool.Exec(ctx, `INSERT INTO permit (terc, kind, register, register_id, decided_on, category, geom)
				VALUES ('0264011', 'permit', 'test', 'n1', '2022-01-01', 'XVIII', ST_SetSRID(ST_MakePoint(25, 25), 2180))`); err != nil {
				t.Fatal(err)
			}
		}, "6", 2},
		{nil, "6", 2},
	} {
		if step.do != nil {
			step.do()
		}
		if got := conflicts(); got != step.conflicts || a.computed.Load() != step.computed {
			t.Fatalf("conflicts %s after %d computations, want %s after %d", got, a.computed.Load(), step.conflicts, step.computed)
		}
	}
	// A writer in progress while the result is computed.
	tx, err := d.Pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `INSERT INTO permit (terc, kind, register, register_id, decided_on, category, geom)
		VALUES ('0264011', 'permit', 'test', 'n2', '2022-01-01', 'XVIII', ST_SetSRID(ST_MakePoint(25, 25), 2180))`); err != nil {
		t.Fatal(err)
	}
	if got := conflicts(); got != "6" || a.computed.Load() != 3 {
		t.Fatalf("during the write: %s conflicts, %d computations", got, a.computed.Load())
	}
	if got := conflicts(); got != "6" || a.computed.Load() != 3 {
		t.Fatalf("still writing: %s conflicts, %d computations", got, a.computed.Load())
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if got := conflicts(); got != "7" || a.computed.Load() != 4 {
		t.Fatalf("after the commit: %s conflicts, %d computations", got, a.computed.Load())
	}
	// Other parameters are another result.
	p.ToYear = 2023
	if got := conflicts(); got != "5" || a.computed.Load() != 5 {
		t.Fatalf("other years: %s conflicts, %d computations", got, a.computed.Load())
	}
}

// as signs every request in as a test user of the role, working for the
// fixtures' municipalities.
func as(role access.Role) web.As {
	return web.As{Subject: access.Subject{Role: role, Login: "test", TERCs: []string{"0264011", "1465011"}}}
}

// The API reads every parameter from the query, echoes them with their
// defaults, refuses bad ones with 400 and anonymous callers altogether.
func TestAnalysisOverHTTP(t *testing.T) {
	a, _ := newAnalyst(t, pressureFixture)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	ready := func(context.Context) error { return nil }
	app := web.New(web.Config{}, log, ready, as(access.Planner), a).App()
	anon := web.New(web.Config{}, log, ready, as(access.Anonymous), a).App()
	get := func(app *fiber.App, path string) (int, []byte) {
		t.Helper()
		resp, err := app.Test(httptest.NewRequest("GET", path, nil), 30000)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	code, body := get(app, "/api/analysis/development-pressure?municipality=0264011&date=2024-12-31&cell_m=100&from_year=2020&to_year=2021")
	var tab Table
	if err := json.Unmarshal(body, &tab); code != 200 || err != nil {
		t.Fatalf("%d %v %s", code, err, body)
	}
	if tab.Params.CellM != 100 || tab.Params.FromYear != 2020 || tab.Params.DistrictKind != "osiedle" || tab.Params.From != "2023-12-31" ||
		len(tab.More) != 3 || len(tab.More[0].Rows) != 1 || tab.More[0].Rows[0][len(tab.More[0].Columns)-1] != "hot" {
		t.Errorf("result %+v", tab)
	}
	for _, bad := range []string{"development-pressure?municipality=0264011&cell_m=abc", "development-pressure?municipality=0264011&cell_m=20",
		"changes?municipality=0264011&from=2024-02-30", "nonsense?municipality=0264011", "plan-coverage?municipality=1"} {
		if code, body := get(app, "/api/analysis/"+bad); code != 400 {
			t.Errorf("%s: %d %s", bad, code, body)
		}
	}
	if code, _ := get(anon, "/api/analysis/plan-coverage?municipality=0264011"); code != 401 && code != 403 {
		t.Errorf("anonymous: %d", code)
	}
}

// The plan-realisation map layer's function gives, designation by
// designation, the figures of the analysis's table (same fixture).
func TestPlanRealisationLayerFunction(t *testing.T) {
	_, d := newAnalyst(t, realisationFixture)
	rows, err := d.Pool.Query(context.Background(), `SELECT plan, designation, capacity_m2, permits, realised_m2, coalesce(realisation_pct::text, 'null'), remaining_m2
		FROM lad_realisation_zones('0264011', '2024-12-31') WHERE coalesce(capacity_m2, 0) > 0 OR permits > 0 ORDER BY plan, designation`)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for rows.Next() {
		var plan, des, pct string
		var capacity, permits, realised, remaining int64
		if err := rows.Scan(&plan, &des, &capacity, &permits, &realised, &pct, &remaining); err != nil {
			t.Fatal(err)
		}
		got = append(got, fmt.Sprintf("%s|%s|%d|%d|%d|%s|%d", plan, des, capacity, permits, realised, pct, remaining))
	}
	rows.Close()
	want := []string{"Q/1/23|1U|2500|0|0|0|2500", "R/2/20|1MW|20000|3|6000|30|14000", "R/2/20|2MN|2500|1|1300|52|1200"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("layer function:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// The changes map layer's function places the year's events of the changes
// fixture: three plans came into force (P2's amendment, P5, the general
// plan), two ended (P2's first version, P3), four decisions were granted
// (the refusal and the permit of 2022 do not count), and the advertising
// and consultation events of the feed.
func TestChangeEventsLayerFunction(t *testing.T) {
	_, d := newAnalyst(t, changesFixture)
	rows, err := d.Pool.Query(context.Background(), `SELECT event, count(*) FROM lad_change_events('0264011', '2024-01-01', '2024-12-31')
		WHERE geom IS NOT NULL AND ST_SRID(geom_3857) = 3857 GROUP BY event ORDER BY event`)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for rows.Next() {
		var e string
		var n int
		if err := rows.Scan(&e, &n); err != nil {
			t.Fatal(err)
		}
		got[e] = n
	}
	rows.Close()
	for e, n := range map[string]int{"plan_in_force": 3, "plan_ended": 2, "permit": 2, "notification": 1, "zoning_decision": 1} {
		if got[e] != n {
			t.Errorf("%s: %d events, want %d (all: %v)", e, got[e], n, got)
		}
	}
	for _, e := range []string{"carrier_installed", "carrier_removed", "violation_found", "consultation_opened"} {
		if got[e] == 0 {
			t.Errorf("no %s event (all: %v)", e, got)
		}
	}
}
