package place

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"

	"github.com/ladgis/lad/db/dbtest"
	"github.com/ladgis/lad/web"
)

func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }

// A hand-built place: parcel P (30 × 30 m) lies 2/3 in designation 1MN and
// 1/3 in 2U of a plan in force since 2010, wholly in POG zone 1SJ and in an
// OUZ, in landscape zone A; one permit on it, one 50 m away, one 500 m away;
// a superseded version of the plan and a plan repealed in 2020 must not
// appear.
const fixture = `
INSERT INTO municipality (terc, name, geom) VALUES ('0264011', 'Wrocław', ST_Multi(ST_MakeEnvelope(359000, 359000, 365000, 365000, 2180)));
INSERT INTO parcel (teryt, terc, obreb, number, geom) VALUES
 ('026401_1.0001.12/3', '0264011', '0001', '12/3', ST_Multi(ST_MakeEnvelope(360000, 360000, 360030, 360030, 2180)));
INSERT INTO plan (id, terc, kind, namespace, local_id, version_id, title, resolution_no, status, adopted_on, valid_from, geom) VALUES
 (1, '0264011', 'mpzp', 'PL.ZIPPZP.2401/026401-MPZP', 'M1', '2010', 'Plan Testowy', 'X/100/10', 'in_force', '2010-05-01', '2010-06-01', ST_Multi(ST_MakeEnvelope(359900, 359900, 360100, 360100, 2180))),
 (2, '0264011', 'mpzp', 'PL.ZIPPZP.2401/026401-MPZP', 'M1', '2005', 'Plan Testowy (stary)', 'V/1/05', 'in_force', '2005-01-01', '2005-01-01', ST_Multi(ST_MakeEnvelope(359900, 359900, 360100, 360100, 2180))),
 (3, '0264011', 'mpzp', 'PL.ZIPPZP.2401/026401-MPZP', 'M2', '2000', 'Plan uchylony', 'I/1/00', 'in_force', '2000-01-01', '2000-01-01', ST_Multi(ST_MakeEnvelope(359900, 359900, 360100, 360100, 2180))),
 (4, '0264011', 'pog', 'PL.ZIPPZP.2401/026401-POG', 'POG', '2026', 'Plan ogólny', 'L/1/26', 'in_force', '2026-01-01', '2026-02-01', ST_Multi(ST_MakeEnvelope(359000, 359000, 365000, 365000, 2180)));
UPDATE plan SET superseded_by = 1 WHERE id = 2;
UPDATE plan SET valid_to = '2020-01-01' WHERE id = 3;
INSERT INTO plan_zone (plan_id, terc, kind, local_id, designation, symbol, max_height_m, intensity_max, max_coverage_pct, min_bio_pct, geom) VALUES
 (1, '0264011', 'designation', 'M1-1', '1MN', 'MN', 10, 0.6, 30, 50, ST_Multi(ST_MakeEnvelope(359900, 359900, 360100, 360020, 2180))),
 (1, '0264011', 'designation', 'M1-2', '2U', 'U', 15, 2.0, 60, 20, ST_Multi(ST_MakeEnvelope(359900, 360020, 360100, 360100, 2180))),
 (2, '0264011', 'designation', 'M1-old', '1R', 'R', NULL, NULL, NULL, 90, ST_Multi(ST_MakeEnvelope(359900, 359900, 360100, 360100, 2180))),
 (3, '0264011', 'designation', 'M2-1', '1P', 'P', 20, 1.5, 70, 10, ST_Multi(ST_MakeEnvelope(359900, 359900, 360100, 360100, 2180))),
 (4, '0264011', 'pog_zone', 'P-1', '1SJ', 'SJ', 12, 0.8, 35, 45, ST_Multi(ST_MakeEnvelope(359000, 359000, 365000, 365000, 2180))),
 (4, '0264011', 'ouz', 'O-1', 'OUZ-1', '', NULL, NULL, NULL, NULL, ST_Multi(ST_MakeEnvelope(359950, 359950, 360050, 360050, 2180)));
INSERT INTO landscape_resolution (id, terc, title, resolution_no) VALUES (1, '0264011', 'Uchwała krajobrazowa', 'LVI/1/18');
INSERT INTO landscape_zone (id, resolution_id, terc, code, name, geom) VALUES (1, 1, '0264011', 'A', 'Obszar A', ST_Multi(ST_MakeEnvelope(359000, 359000, 365000, 365000, 2180)));
INSERT INTO landscape_rule (zone_id, code, rule, carrier_kind, text_pl) VALUES (1, 'A-1', 'ban_kind', 'billboard', 'Zakaz billboardów');
INSERT INTO permit (terc, kind, register, register_id, decided_on, category, location_source, geom) VALUES
 ('0264011', 'permit', 'test', 'ON', '2021-01-01', 'I', 'coordinates', ST_SetSRID(ST_MakePoint(360015, 360015), 2180)),
 ('0264011', 'permit', 'test', 'NEAR', '2022-01-01', 'XIII', 'coordinates', ST_SetSRID(ST_MakePoint(360080, 360015), 2180)),
 ('0264011', 'permit', 'test', 'FAR', '2022-01-01', 'XIII', 'coordinates', ST_SetSRID(ST_MakePoint(360530, 360015), 2180));
INSERT INTO permit_private (permit_id, investor_name) SELECT id, 'Prywatny Inwestor' FROM permit;
`

func setup(t *testing.T) *fiber.App {
	d := dbtest.New(t)
	if _, err := d.Pool.Exec(context.Background(), fixture); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	return web.New(web.Config{}, log, func(context.Context) error { return nil }, New(d.Pool, log)).App()
}

func get(t *testing.T, app *fiber.App, path string) (int, string) {
	resp, err := app.Test(httptest.NewRequest("GET", path, nil), 20000)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestWhatAppliesToTheParcel(t *testing.T) {
	app := setup(t)
	code, body := get(t, app, "/api/parcels/"+url.PathEscape("026401_1.0001.12/3")+"?date=2024-06-01")
	if code != 200 {
		t.Fatalf("%d %s", code, body)
	}
	var rep struct {
		Parcel  map[string]any `json:"parcel"`
		Applies struct {
			Designations []struct {
				Designation string  `json:"designation"`
				Share       float64 `json:"share_pct"`
				Height      float64 `json:"max_height_m"`
				Plan        struct {
					Title string `json:"title"`
				} `json:"plan"`
			} `json:"designations"`
			POG struct {
				Designation string `json:"designation"`
			} `json:"pog_zone"`
			InOUZ     bool `json:"in_ouz"`
			Landscape struct {
				Code  string           `json:"code"`
				Rules []map[string]any `json:"rules"`
			} `json:"landscape_zone"`
			Permits []struct {
				ID       string  `json:"register_id"`
				Distance float64 `json:"distance_m"`
			} `json:"permits"`
		} `json:"applies"`
	}
	if err := json.Unmarshal([]byte(body), &rep); err != nil {
		t.Fatal(err)
	}
	a := rep.Applies
	if rep.Parcel["area_m2"].(float64) != 900 {
		t.Errorf("parcel %v", rep.Parcel)
	}
	// 2/3 of the parcel (y 360000–360020) in 1MN, 1/3 in 2U; not the
	// superseded 1R, not the plan repealed in 2020.
	if len(a.Designations) != 2 || a.Designations[0].Designation != "1MN" || a.Designations[0].Share != 66.7 ||
		a.Designations[1].Designation != "2U" || a.Designations[1].Share != 33.3 || a.Designations[0].Height != 10 || a.Designations[0].Plan.Title != "Plan Testowy" {
		t.Errorf("designations %+v", a.Designations)
	}
	if a.POG.Designation != "1SJ" || !a.InOUZ || a.Landscape.Code != "A" || len(a.Landscape.Rules) != 1 {
		t.Errorf("pog %+v ouz %v landscape %+v", a.POG, a.InOUZ, a.Landscape)
	}
	if len(a.Permits) != 2 || a.Permits[0].ID != "ON" || a.Permits[0].Distance != 0 || a.Permits[1].ID != "NEAR" || a.Permits[1].Distance != 50 {
		t.Errorf("permits %+v", a.Permits)
	}
	if strings.Contains(body, "Prywatny") {
		t.Error("investor name in the report")
	}
	// In 2015 the plan repealed in 2020 still applied.
	_, body = get(t, app, "/api/parcels/"+url.PathEscape("026401_1.0001.12/3")+"?date=2015-01-01")
	if !strings.Contains(body, `"1P"`) {
		t.Error("the plan in force in 2015 is missing")
	}
}

func TestPlaceByPointAndReport(t *testing.T) {
	app := setup(t)
	code, body := get(t, app, "/api/place?x=360010&y=360010&crs=EPSG:2180")
	if code != 200 || !strings.Contains(body, `"teryt":"026401_1.0001.12/3"`) {
		t.Fatalf("%d %s", code, body)
	}
	code, body = get(t, app, "/report/parcel/"+url.PathEscape("026401_1.0001.12/3"))
	if code != 200 || !strings.Contains(body, "<svg") || !strings.Contains(body, "1MN") || !strings.Contains(body, "Plan Testowy") || strings.Contains(body, "Prywatny") {
		t.Errorf("report: %d", code)
	}
	for _, bad := range []string{"/api/place?lon=200&lat=1", "/api/place?x=1", "/api/parcels/DROP%20TABLE", "/api/parcels/" + url.PathEscape("026401_1.0001.12/3") + "?date=jutro",
		"/api/place?lon=17&lat=51&radius=-5"} {
		if code, _ := get(t, app, bad); code != 400 {
			t.Errorf("%s: %d", bad, code)
		}
	}
	if code, _ := get(t, app, "/api/parcels/"+url.PathEscape("026401_1.0001.99")); code != 404 {
		t.Errorf("unknown parcel: %d", code)
	}
}
