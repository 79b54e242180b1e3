package ingest

import (
	"context"
	"strconv"
	"strings"
	"testing"
)

const planHead = `{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::2180"}},
"plan":{"kind":"mpzp","namespace":"PL.ZIPPZP.2401/026401-MPZP","local_id":"MPZP-1","version_id":"%s","title":"Miejscowy plan w rejonie ulic Testowej i Próbnej","resolution_no":"XLV/1234/17","status":"obowiązujący","adopted_on":"2017-03-16","terc":"0264011"},
"features":[`

func square(x, y, size int) string {
	return strings.NewReplacer("X0", itoa(x), "Y0", itoa(y), "X1", itoa(x+size), "Y1", itoa(y+size)).
		Replace(`{"type":"Polygon","coordinates":[[[X0,Y0],[X1,Y0],[X1,Y1],[X0,Y1],[X0,Y0]]]}`)
}

func itoa(i int) string { return strconv.Itoa(i) }

func planDoc(version string, features ...string) string {
	return strings.Replace(planHead, "%s", version, 1) + strings.Join(features, ",") + "]}"
}

func zone(designation, symbol string, geom string, extra string) string {
	return `{"type":"Feature","id":"` + designation + `","properties":{"designation":"` + designation + `","symbol":"` + symbol + `"` + extra + `},"geometry":` + geom + `}`
}

func TestPlanGeoJSONVersionsAndRules(t *testing.T) {
	in, d := newIngester(t)
	ctx := context.Background()
	v1 := planDoc("20170316",
		zone("1MN", "MN", square(360000, 356000, 100), `,"max_height_m":12,"intensity_max":0.6,"max_coverage_pct":30,"min_bio_pct":50`),
		zone("2U", "U", square(360100, 356000, 100), `,"max_height_m":"15,5"`))
	rep, err := in.Reader(ctx, KindPlan, "plan-v1.geojson", strings.NewReader(v1), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Status != "committed" || rep.Inserted != 3 || rep.Rejected != 0 {
		t.Fatalf("v1: %+v", rep)
	}
	var status, symbol string
	var height float64
	if err := d.Pool.QueryRow(ctx, `SELECT p.status, z.symbol, z.max_height_m FROM plan p JOIN plan_zone z ON z.plan_id = p.id
		WHERE z.designation = '2U'`).Scan(&status, &symbol, &height); err != nil {
		t.Fatal(err)
	}
	if status != "in_force" || symbol != "U" || height != 15.5 {
		t.Errorf("got %s %s %v", status, symbol, height)
	}
	if n := count(t, d, `SELECT count(*) FROM plan WHERE ST_Area(geom) BETWEEN 19999 AND 20001`); n != 1 {
		t.Errorf("boundary is not the union of the areas")
	}

	// A newer version supersedes the old one, which stays.
	v2 := planDoc("20200101",
		zone("1MN", "MN", square(360000, 356000, 100), `,"max_height_m":10`),
		zone("2U", "U", square(360100, 356000, 100), ``))
	if rep, err = in.Reader(ctx, KindPlan, "plan-v2.geojson", strings.NewReader(v2), Options{}); err != nil || rep.Status != "committed" {
		t.Fatalf("v2: %+v %v", rep, err)
	}
	if n := count(t, d, `SELECT count(*) FROM plan o JOIN plan n ON o.superseded_by = n.id WHERE o.version_id = '20170316' AND n.version_id = '20200101'`); n != 1 {
		t.Errorf("old version not superseded")
	}

	// Overlapping designations, a duplicate designation, a missing symbol and
	// a bad number: the act is rejected whole, each defect named.
	bad := planDoc("20210101",
		zone("1MN", "MN", square(360000, 356000, 100), ``),
		zone("2MW", "MW", square(360050, 356000, 100), ``),
		zone("1MN", "MN", square(360500, 356000, 100), ``),
		zone("3U", "", square(360700, 356000, 100), ``),
		zone("4U", "U", square(360900, 356000, 100), `,"intensity_max":"dużo"`))
	rep, err = in.Reader(ctx, KindPlan, "bad.geojson", strings.NewReader(bad), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Status != "failed" || rep.Rejected != 4 {
		t.Fatalf("bad plan: %+v", rep)
	}
	for _, want := range []string{"overlaps 1MN", "duplicate", "needs its symbol", "not a number"} {
		found := false
		for _, r := range rep.Rejections {
			found = found || strings.Contains(r.Reason, want)
		}
		if !found {
			t.Errorf("no rejection saying %q in %v", want, rep.Rejections)
		}
	}
	if n := count(t, d, `SELECT count(*) FROM plan WHERE version_id = '20210101'`); n != 0 {
		t.Errorf("rejected act was written")
	}
	if n := count(t, d, `SELECT count(*) FROM ingest_batch b JOIN ingest_rejection r ON r.batch_id = b.id WHERE b.status = 'failed'`); n != 4 {
		t.Errorf("failed batch recorded %d rejections", n)
	}
}

func TestWroclawArcGISPOGExport(t *testing.T) {
	in, d := newIngester(t)
	ctx := context.Background()
	rep, err := in.File(ctx, KindPlan, "testdata/wroclaw-pog/pog_obow_strefy_planistyczne_first_feature.geojson", Options{
		TERC: "0264011",
		Mapping: map[string]string{"plan.kind": "pog", "plan.local_id": "POG-WROCLAW", "plan.title": "Plan ogólny gminy Wrocław",
			"plan.status": "draft"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Status != "committed" || rep.Inserted != 2 {
		t.Fatalf("report %+v", rep)
	}
	var area float64
	var symbol string
	var profiles int
	if err := d.Pool.QueryRow(ctx, `SELECT ST_Area(geom), symbol, cardinality(profiles) FROM plan_zone`).Scan(&area, &symbol, &profiles); err != nil {
		t.Fatal(err)
	}
	// SHAPE_Area of the feature in EPSG:2177 is 329.45 m²; EPSG:2180 keeps it to 0.1 %.
	if area < 329.1 || area > 329.8 || symbol == "" || profiles == 0 {
		t.Errorf("area %f symbol %q profiles %d", area, symbol, profiles)
	}
}
