package ingest

import (
	"context"
	"strings"
	"testing"
)

const zonesDoc = `{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::2180"}},
"resolution":{"title":"Uchwała krajobrazowa Testowa","resolution_no":"LX/1000/18","adopted_on":"2018-06-21","transition_until":"2020-12-31","terc":"0264011"},
"features":[
{"type":"Feature","properties":{"code":"A","name":"Stare Miasto","rules":[
  {"code":"A-1","rule":"ban_kind","carrier_kind":"billboard","text_pl":"Zakaz billboardów"},
  {"code":"A-2","rule":"max_area","value":2,"text_pl":"Powierzchnia reklamy do 2 m²"},
  {"code":"A-3","rule":"no_illumination","text_pl":"Zakaz podświetlenia"}]},
 "geometry":{"type":"Polygon","coordinates":[[[360000,356000],[361000,356000],[361000,357000],[360000,357000],[360000,356000]]]}},
{"type":"Feature","properties":{"code":"B","name":"Śródmieście","rules":[{"code":"B-1","rule":"max_area","value":12,"text_pl":"Do 12 m²"},{"code":"B-x","rule":"nonsense","text_pl":"?"}]},
 "geometry":{"type":"Polygon","coordinates":[[[361000,356000],[362000,356000],[362000,357000],[361000,357000],[361000,356000]]]}}
]}`

func TestAdvertisingRecords(t *testing.T) {
	in, d := newIngester(t)
	ctx := context.Background()
	opts := Options{TERC: "0264011"}
	rep, err := in.Reader(ctx, KindAds, "strefy.geojson", strings.NewReader(zonesDoc), opts)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Inserted != 2 || rep.Rejected != 1 || count(t, d, `SELECT count(*) FROM landscape_rule`) != 4 {
		t.Fatalf("zones: %+v", rep)
	}
	carriers := "inventory_no;kind;width_m;height_m;area_m2;illuminated;double_sided;status;installed_on;address;owner_name;x;y\n" +
		"N-1;billboard;6;3;;tak;0;active;2015-04-01;Rynek 1;Jan Reklamowy;360500;356500\n" +
		"N-2;citylight;1,2;1,8;;1;1;active;;Świdnicka 2;;361500;356500\n" +
		"N-3;rocket;1;1;;;;;;;;361500;356600\n"
	rep, err = in.Reader(ctx, KindAds, "nosniki.csv", strings.NewReader(carriers), Options{TERC: "0264011", SRID: 2180})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Inserted != 2 || rep.Rejected != 1 || !strings.Contains(rep.Rejections[0].Reason, "rocket") {
		t.Fatalf("carriers: %+v", rep)
	}
	var area float64
	if err := d.Pool.QueryRow(ctx, `SELECT area_m2 FROM ad_carrier WHERE inventory_no = 'N-1'`).Scan(&area); err != nil || area != 18 {
		t.Errorf("area %v %v", area, err)
	}
	if count(t, d, `SELECT count(*) FROM ad_carrier_private WHERE owner_name = 'Jan Reklamowy'`) != 1 {
		t.Errorf("owner not kept privately")
	}
	insp := "id;inventory_no;inspector;inspected_at;result;violated_rules;notes;lon;lat;accuracy_m\n" +
		"5b0c6a4e-8f4e-4c1a-9a37-2f8d3c1b7e01;N-1;kontroler1;2024-05-06 10:15:00;violation;A-1,A-3;billboard podświetlany;;;\n" +
		"5b0c6a4e-8f4e-4c1a-9a37-2f8d3c1b7e02;N-9;kontroler1;2024-05-06 10:20:00;compliant;;;;;\n"
	rep, err = in.Reader(ctx, KindAds, "kontrole.csv", strings.NewReader(insp), opts)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Inserted != 1 || rep.Rejected != 1 {
		t.Fatalf("inspections: %+v", rep)
	}
	// The same inspection sent again as JSON is stored once.
	js := `[{"id":"5b0c6a4e-8f4e-4c1a-9a37-2f8d3c1b7e01","inventory_no":"N-1","inspector":"kontroler1","inspected_at":"2024-05-06T08:15:00Z","result":"violation","violated_rules":["A-1","A-3"]}]`
	rep, err = in.Reader(ctx, KindAds, "kontrole.json", strings.NewReader(js), opts)
	if err != nil || rep.Inserted != 0 || rep.Unchanged != 1 {
		t.Fatalf("json inspections: %+v %v", rep, err)
	}
	enf := "case_no;inventory_no;found_on;called_on;proceedings_on;decision_on;removed_on;violated_rules;notes\nWK/1/2024;N-1;2024-05-06;2024-05-20;2024-07-01;2024-09-01;;A-1;\n"
	if rep, err = in.Reader(ctx, KindAds, "sprawy.csv", strings.NewReader(enf), opts); err != nil || rep.Inserted != 1 {
		t.Fatalf("enforcement: %+v %v", rep, err)
	}
	pen := "case_no;decided_on;daily_pln;days;amount_pln;paid_pln\nWK/1/2024;2024-09-01;1040,00;62;64480;0\nWK/9/2024;2024-09-01;10;1;10;0\n"
	if rep, err = in.Reader(ctx, KindAds, "kary.csv", strings.NewReader(pen), opts); err != nil || rep.Inserted != 1 || rep.Rejected != 1 {
		t.Fatalf("penalties: %+v %v", rep, err)
	}
}
