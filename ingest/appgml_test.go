package ingest

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"strings"
	"testing"
)

const fixture121201 = "testdata/app/fixture-121201-epsg2178/"

// Each single-defect file yields exactly its own defect; _OK none.
func TestAPPDefectFixtures(t *testing.T) {
	in, d := newIngester(t)
	ctx := context.Background()
	rep, err := in.File(ctx, KindPlan, fixture121201+"AktPlanowaniaPrzestrzennego.gml", Options{})
	if err != nil || rep.Status != "committed" {
		t.Fatalf("act: %+v %v", rep, err)
	}
	var terc, kind, status string
	if err := d.Pool.QueryRow(ctx, `SELECT terc, kind, status FROM plan`).Scan(&terc, &kind, &status); err != nil {
		t.Fatal(err)
	}
	if terc != "1212011" || kind != "pog" || status != "in_preparation" {
		t.Errorf("act read as %s %s %s", terc, kind, status)
	}
	for _, c := range []struct{ file, field, reason string }{
		{"OK", "", ""},
		{"BLEDNE-OZNACZENIE", "oznaczenie", "must be a number followed by a planning-zone symbol"},
		{"BLEDNY-SYMBOL", "symbol", "does not match the zone type"},
		{"DUPLIKAT-LOKALNYID", "key", "duplicate"},
		{"DUPLIKAT-OZNACZENIE", "designation", "used twice"},
		{"DWA-MIEJSCA-INTENSYWNOSC", "maksNadziemnaIntensywnoscZabudowy", "one decimal place"},
		{"DWA-MIEJSCA-UDZIAL-BIO", "minUdzialPowierzchniBiologicznieCzynnej", "one decimal place"},
		{"DWA-MIEJSCA-UDZIAL-ZABUDOWY", "maksUdzialPowierzchniZabudowy", "one decimal place"},
		{"DWA-MIEJSCA-WYS-ZABUDOWY", "maksWysokoscZabudowy", "one decimal place"},
		{"LUKA", "geometry", "uncovered"},
		{"NAKLADANIE", "geometry", "overlaps"},
		{"SAMOPRZECIECIE-PIERSCIENIA", "geometry", "invalid geometry"},
	} {
		t.Run(c.file, func(t *testing.T) {
			rep, err := in.File(ctx, KindPlan, fixture121201+"StrefaPlanistyczna_"+c.file+".gml", Options{DryRun: true})
			if err != nil {
				t.Fatal(err)
			}
			errs := rep.Errors()
			if c.field == "" {
				if len(errs) != 0 || rep.Read != 4 {
					t.Errorf("OK file: %+v", rep)
				}
				return
			}
			if len(errs) != 1 || errs[0].Field != c.field || !strings.Contains(errs[0].Reason, c.reason) || errs[0].FeatureID == "" && c.field != "geometry" {
				t.Errorf("want exactly one defect in %s containing %q, got %v", c.field, c.reason, errs)
			}
		})
	}
	// The OK zones go in for real, attached to the act.
	rep, err = in.File(ctx, KindPlan, fixture121201+"StrefaPlanistyczna_OK.gml", Options{})
	if err != nil || rep.Status != "committed" || rep.Inserted != 4 {
		t.Fatalf("zones: %+v %v", rep, err)
	}
	if n := count(t, d, `SELECT count(*) FROM plan_zone z JOIN plan p ON p.id = z.plan_id WHERE p.local_id = '1POG' AND z.kind = 'pog_zone' AND z.intensity_max IS NOT NULL`); n != 4 {
		t.Errorf("%d zones attached", n)
	}
}

func TestAPPRealActsAndZones(t *testing.T) {
	in, d := newIngester(t)
	ctx := context.Background()
	dir := "testdata/app/fixture-321202-epsg2176/"
	for _, f := range []string{dir + "AktPlanowaniaPrzestrzennego.gml", dir + "StrefaPlanistyczna.gml",
		"testdata/app/gdansk-226101-boundary/AktPlanowaniaPrzestrzennego.gml", "testdata/app/poznan-306401-boundary/AktPlanowaniaPrzestrzennego.gml"} {
		rep, err := in.File(ctx, KindPlan, f, Options{})
		if err != nil || rep.Status != "committed" {
			t.Fatalf("%s: %+v %v", f, rep, err)
		}
	}
	if n := count(t, d, `SELECT count(*) FROM plan_zone WHERE kind = 'pog_zone'`); n != 28 {
		t.Errorf("%d zones of 321202", n)
	}
	rep, err := in.File(ctx, KindPlan, dir+"StrefaPlanistyczna_bledna.gml", Options{})
	if err != nil || rep.Status != "failed" || len(rep.Errors()) == 0 || rep.Errors()[0].Field != "geometry" {
		t.Errorf("broken zones: %+v %v", rep, err)
	}
	// Poznań's POG boundary (EPSG:2177, northing first) in WGS 84 has the
	// bounding box of Poznań's PRG polygon to 6 decimals.
	var got [4]float64
	if err := d.Pool.QueryRow(ctx, `SELECT ST_XMin(b), ST_YMin(b), ST_XMax(b), ST_YMax(b) FROM
		(SELECT ST_Extent(ST_Transform(geom, 4326)) AS b FROM plan WHERE namespace = 'PL.ZIPPZP.10724/306401-POG') x`).Scan(&got[0], &got[1], &got[2], &got[3]); err != nil {
		t.Fatal(err)
	}
	want := prgBBox(t, "3064011")
	for i := range got {
		if math.Abs(got[i]-want[i]) > 0.0000005 {
			t.Errorf("Poznań bbox %v, PRG %v", got, want)
			break
		}
	}
	if got[0] < 16.7 || got[0] > 16.8 {
		t.Errorf("axis order: bbox %v", got)
	}
}

func prgBBox(t *testing.T, terc string) [4]float64 {
	b, err := os.ReadFile("testdata/prg/metropolia_poznan_gminy_wgs84.geojson")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Features []struct {
			Properties map[string]any `json:"properties"`
			Geometry   struct {
				Coordinates json.RawMessage `json:"coordinates"`
			} `json:"geometry"`
		} `json:"features"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	bb := [4]float64{180, 90, -180, -90}
	for _, f := range doc.Features {
		if fmt.Sprint(f.Properties["teryt"]) != terc {
			continue
		}
		var walk func(v any)
		walk = func(v any) {
			arr, ok := v.([]any)
			if !ok {
				return
			}
			if len(arr) >= 2 {
				if x, ok := arr[0].(float64); ok {
					y := arr[1].(float64)
					bb[0], bb[1], bb[2], bb[3] = math.Min(bb[0], x), math.Min(bb[1], y), math.Max(bb[2], x), math.Max(bb[3], y)
					return
				}
			}
			for _, e := range arr {
				walk(e)
			}
		}
		var v any
		json.Unmarshal(f.Geometry.Coordinates, &v)
		walk(v)
	}
	return bb
}

func TestLegacyDraftRejectedWithReasons(t *testing.T) {
	in, _ := newIngester(t)
	rep, err := in.File(context.Background(), KindPlan, "testdata/app/legacy-draft-pzpw/appExample_pzpw_v001.xml", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Status != "failed" {
		t.Fatalf("legacy draft: %+v", rep)
	}
	var all []string
	for _, r := range rep.Errors() {
		all = append(all, r.String())
	}
	joined := strings.Join(all, "\n")
	for _, want := range []string{"aktNormatywnyUchwalajacy", "RysunekAktuPlanowniaPrzestrzenego"} {
		if !strings.Contains(joined, want) {
			t.Errorf("no reason naming %s in:\n%s", want, joined)
		}
	}
}

func FuzzAPPGML(f *testing.F) {
	ok, _ := os.ReadFile(fixture121201 + "StrefaPlanistyczna_OK.gml")
	f.Add(ok[:len(ok)/2])
	f.Add([]byte(`<wfs:FeatureCollection xmlns:wfs="w" xmlns:gml="g"><wfs:member><x gml:id="a"><geometria><gml:Polygon srsName="EPSG:2180"><gml:exterior><gml:LinearRing><gml:posList>1 2 3</gml:posList></gml:LinearRing></gml:exterior></gml:Polygon></geometria></x></wfs:member></wfs:FeatureCollection>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		_ = gmlFeatures(strings.NewReader(string(data)), func(n *node, line int) error {
			_, _, _ = gmlGeometry(n, "")
			_, _ = appZone(n, "StrefaPlanistyczna")
			return nil
		})
	})
}

func TestINSPIREPlannedLandUse(t *testing.T) {
	in, d := newIngester(t)
	ctx := context.Background()
	rep, err := in.File(ctx, KindPlan, "testdata/inspire/PlannedLandUse_Hamburg_HafenCity1.gml", Options{TERC: "0264011"})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Format != FormatINSPIRE || rep.Status != "committed" {
		for _, r := range rep.Errors() {
			t.Log(r)
		}
		t.Fatalf("report %+v", rep)
	}
	if n := count(t, d, `SELECT count(*) FROM plan_zone WHERE kind = 'designation'`); n != 76 {
		t.Errorf("%d zoning elements", n)
	}
	var points, lines, surfaces int
	if err := d.Pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE ST_Dimension(geom) = 0), count(*) FILTER (WHERE ST_Dimension(geom) = 1),
		count(*) FILTER (WHERE ST_Dimension(geom) = 2) FROM plan_regulation`).Scan(&points, &lines, &surfaces); err != nil {
		t.Fatal(err)
	}
	if points+lines+surfaces != 232 || points == 0 || lines == 0 || surfaces == 0 {
		t.Errorf("regulations: %d points, %d lines, %d surfaces", points, lines, surfaces)
	}
	// Hamburg, lat/lon first in the file, lands at 53.54 N 9.99 E.
	var lon, lat float64
	d.Pool.QueryRow(ctx, `SELECT ST_X(c), ST_Y(c) FROM (SELECT ST_Transform(ST_Centroid(geom), 4326) c FROM plan) x`).Scan(&lon, &lat)
	if math.Abs(lon-9.99) > 0.05 || math.Abs(lat-53.54) > 0.05 {
		t.Errorf("plan centroid at %f %f", lon, lat)
	}
}
