package ingest

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/paulmach/orb/encoding/wkt"
)

func TestOzarowPermitsLandOnTheirParcels(t *testing.T) {
	in, d := newIngester(t)
	ctx := context.Background()
	// Permits first: their parcels are unknown, so they wait with a reason.
	rep, err := in.File(ctx, KindPermits, "testdata/ozarow/pozwolenia_wnioski_reserialised.csv", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Format != FormatRWDZ || rep.Read != 10 || rep.Errors() != nil {
		t.Fatalf("report %+v", rep)
	}
	cases := rep.Inserted
	if n := count(t, d, `SELECT count(*) FROM permit WHERE location_source = 'none' AND location_note LIKE 'parcel not known:%'`); n != cases {
		t.Errorf("%d of %d permits wait for parcels with a reason", n, cases)
	}
	// The ULDK slice holds other parcels of the gmina: none of these
	// permits is located by it.
	if _, err := in.File(ctx, KindParcels, "testdata/ozarow/parcels_uldk_slice_epsg2180.geojson", Options{}); err != nil {
		t.Fatal(err)
	}
	if n := count(t, d, `SELECT count(*) FROM permit WHERE location_source = 'parcel'`); n != 0 {
		t.Errorf("%d permits located on unrelated parcels", n)
	}
	// Their own parcels arrive (squares standing in for the cadastre's
	// polygons, under the register's parcel ids): every permit lands on its
	// parcels.
	var feats []string
	rows, err := d.Pool.Query(ctx, `SELECT DISTINCT parcel_teryt FROM permit_parcel ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	x := 630000
	for rows.Next() {
		var id string
		rows.Scan(&id)
		feats = append(feats, `{"type":"Feature","properties":{"teryt":"`+id+`"},"geometry":`+square(x, 480000, 30)+`}`)
		x += 100
	}
	rows.Close()
	src := `{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::2180"}},"features":[` + strings.Join(feats, ",") + `]}`
	if rep, err := in.Reader(ctx, KindParcels, "ozarow-permit-parcels.geojson", strings.NewReader(src), Options{}); err != nil || rep.Inserted != len(feats) {
		t.Fatalf("parcels: %+v %v", rep, err)
	}
	located := count(t, d, `SELECT count(*) FROM permit p WHERE location_source = 'parcel' AND location_note = ''
		AND EXISTS (SELECT 1 FROM permit_parcel pp JOIN parcel x ON x.id = pp.parcel_id WHERE pp.permit_id = p.id AND ST_Intersects(x.geom, p.geom))`)
	if located != cases {
		t.Errorf("%d of %d permit cases landed on their parcels", located, cases)
	}
	// Notifications (the other layout) go in too, grouped by case.
	rep, err = in.File(ctx, KindPermits, "testdata/ozarow/zgloszenia_reserialised.csv", Options{})
	if err != nil || rep.Errors() != nil || rep.Read != 14 {
		t.Fatalf("notifications: %+v %v", rep, err)
	}
	if n := count(t, d, `SELECT count(*) FROM permit WHERE kind = 'notification'`); n != rep.Inserted || n >= 14 {
		t.Errorf("%d notification cases from 14 rows (inserted %d)", n, rep.Inserted)
	}
	if n := count(t, d, `SELECT count(*) FROM permit WHERE category IS NULL`); n != 0 {
		t.Errorf("%d permits without category", n)
	}
}

func TestWroclawCityRegisterEveryRowAccountedFor(t *testing.T) {
	in, d := newIngester(t)
	ctx := context.Background()
	for _, f := range []struct {
		file string
		rows int
	}{
		{"testdata/wroclaw-permits/pozwolenia_wroclaw_2008-2009_cz01_cp1250.csv", 2000},
		{"testdata/wroclaw-permits/pozwolenia_wroclaw_2015_cz14_cp1250.csv", 2001},
	} {
		rep, err := in.File(ctx, KindPermits, f.file, Options{TERC: "0264011"})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Format != FormatCityCSV || rep.Read != f.rows || rep.Inserted+rep.Rejected != f.rows {
			t.Errorf("%s: %+v", f.file, rep)
		}
		for _, r := range rep.Errors() {
			t.Logf("rejected: %s", r)
		}
	}
	// Polish letters decoded from CP1250, coordinates in Wrocław.
	if n := count(t, d, `SELECT count(*) FROM permit WHERE building_class = 'bud.o trzech i więcej mieszkaniach'`); n < 900 {
		t.Errorf("CP1250 not decoded: %d", n)
	}
	if n := count(t, d, `SELECT count(*) FROM permit WHERE location_source = 'coordinates'
		AND NOT ST_DWithin(geom, ST_Transform(ST_SetSRID(ST_MakePoint(17.03, 51.11), 4326), 2180), 30000)`); n > 0 {
		t.Errorf("%d permits placed far from Wrocław", n)
	}
	if n := count(t, d, `SELECT count(*) FROM permit_private`); n != 0 {
		t.Logf("%d investor names kept privately", n)
	}
}

func TestCSVReaderQuirks(t *testing.T) {
	src := "\ufeffa;cecha;cecha;b\n1;x;y;\"q;uoted\"\n"
	cr, err := NewCSVReader(strings.NewReader(src))
	if err != nil {
		t.Fatal(err)
	}
	rec, line, err := cr.Next()
	if err != nil || line != 2 || rec["a"] != "1" || rec["cecha"] != "x" || rec["cecha_2"] != "y" || rec["b"] != "q;uoted" {
		t.Fatalf("%v %d %v", rec, line, err)
	}
	cr, _ = NewCSVReader(strings.NewReader("a#b\n1#2\n"))
	if rec, _, _ := cr.Next(); rec["b"] != "2" {
		t.Errorf("# separator: %v", rec)
	}
}

func FuzzCSVReader(f *testing.F) {
	f.Add([]byte("numer_gunb;kategoria\nX;XIII\n"))
	f.Add([]byte("\xef\xbb\xbfa;b\n\"1;2\n"))
	f.Add([]byte("a\xb9b;c\n\xea;1\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		cr, err := NewCSVReader(strings.NewReader(string(data)))
		if err != nil {
			return
		}
		for i := 0; i < 1000; i++ {
			if _, _, err := cr.Next(); err != nil && err.Error() == "EOF" {
				return
			}
		}
	})
}

func TestULDKResponses(t *testing.T) {
	in, d := newIngester(t)
	ctx := context.Background()
	rep, err := in.File(ctx, KindParcels, "testdata/ozarow/uldk_responses_slice.json", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Format != FormatULDK || rep.Inserted != 21 || rep.Rejected != 0 {
		t.Fatalf("report %+v", rep)
	}
	// The same parcels as the GeoJSON slice made from these responses.
	rep, err = in.File(ctx, KindParcels, "testdata/ozarow/parcels_uldk_slice_wgs84.geojson", Options{})
	if err != nil || rep.Inserted != 0 {
		t.Fatalf("geojson after uldk: %+v %v", rep, err)
	}
	// A raw response, and the service's error answer.
	raw := "0\nSRID=2180;POLYGON((621000 484000,621020 484000,621020 484020,621000 484000))|143206_4.0009.1\n"
	if rep, err := in.Reader(ctx, KindParcels, "odp.uldk", strings.NewReader(raw), Options{}); err != nil || rep.Inserted != 1 {
		t.Errorf("raw: %+v %v", rep, err)
	}
	if _, err := in.Reader(ctx, KindParcels, "blad.uldk", strings.NewReader("-1\nbrak wyników\n"), Options{}); err == nil || !strings.Contains(err.Error(), "brak wyników") {
		t.Errorf("error answer: %v", err)
	}
	if n := count(t, d, `SELECT count(*) FROM parcel`); n != 22 {
		t.Errorf("%d parcels", n)
	}
}

func FuzzULDK(f *testing.F) {
	f.Add("0\nSRID=2180;POLYGON((1 1,2 1,2 2,1 1))|143206_4.0001.1\n")
	f.Add("-1\nerror\n")
	f.Fuzz(func(t *testing.T, s string) {
		ps, err := parseULDKText(s, 1)
		if err != nil {
			return
		}
		for _, p := range ps {
			_, _ = wkt.Unmarshal(p.wkt)
		}
	})
}

// A first load of a register into empty permit tables takes the bulk path
// (indexes built afterwards, permit_parcel's foreign keys back NOT VALID):
// every case and parcel link is in, the indexes and keys are back and keep
// their actions, permits on known parcels are placed, and the same file
// again changes nothing.
func TestPermitsBulkFirstLoad(t *testing.T) {
	in, d := newIngester(t)
	ctx := context.Background()
	if rep, err := in.Reader(ctx, KindParcels, "parcels.geojson", bytes.NewReader(benchCollection(100)), Options{}); err != nil || rep.Inserted != 100 {
		t.Fatalf("parcels: %v %+v", err, rep)
	}
	indexes := func() int {
		return count(t, d, `SELECT count(*) FROM pg_indexes WHERE tablename IN ('permit', 'permit_parcel')`)
	}
	before := indexes()
	// Rows shaped like bench/ingest/gen's: two parcels per case, half of
	// them known.
	var csv bytes.Buffer
	csv.WriteString("\ufeffnumer_urzad;numer_gunb;nazwa_organu;adres_organu;data_wplywu_wniosku;numer_decyzji_urzedu;data_wydania_decyzji;nazwa_inwestor;wojewodztwo;miasto;terc;cecha;cecha;ulica;ulica_dalej;nr_domu;rodzaj_inwestycji;kategoria;nazwa_zamierzenia_bud;nazwa_zam_budowlanego;kubatura;projektant_nazwisko;projektant_imie;projektant_numer_uprawnien;jednosta_numer_ew;obreb_numer;numer_dzialki;numer_arkusza_dzialki;jednostka_stara_numeracja_z_wniosku;stara_numeracja_obreb_z_wnioskiu;stara_numeracja_dzialka_z_wniosku\n")
	const rows = bulkRows + 100
	known := 0 // cases whose two parcels are among the 100 loaded
	for k := 0; k < rows; k++ {
		c := k / 2
		if k%2 == 0 && k%200 < 100 {
			known++
		}
		fmt.Fprintf(&csv, "AB/%d/2024;WRO-AB/WNIOSEK/%d/2024;Prezydent Wrocławia;pl. Nowy Targ 1-8, 50-141 Wrocław;2024-%02d-%02d 00:00:00;%d/2024;2024-%02d-%02d 00:00:00;;dolnośląskie;Wrocław;0264011;;;;;;Obiekt budowlany;XIII;budowa nowego/nowych obiektów budowlanych;budowa budynku;%d;[REDACTED];[REDACTED];[REDACTED];026401_1;0000;%d;;;;\n",
			c, c, 1+c%12, 1+c%28, c, 1+c%12, 1+(c+5)%28, 500+c%5000, k%200)
	}
	rep, err := in.Reader(ctx, KindPermits, "rwdz.csv", bytes.NewReader(csv.Bytes()), Options{})
	if err != nil || rep.Status != "committed" || rep.Inserted != rows/2 {
		t.Fatalf("permits: %v inserted %d (%s)", err, rep.Inserted, rep.Message)
	}
	if n := count(t, d, `SELECT count(*) FROM permit_parcel`); n != rows {
		t.Errorf("%d parcel links, want %d", n, rows)
	}
	if n := indexes(); n != before {
		t.Errorf("%d indexes on the permit tables after the bulk load, %d before", n, before)
	}
	if n := count(t, d, `SELECT count(*) FROM pg_constraint WHERE conrelid = 'permit_parcel'::regclass AND contype = 'f' AND NOT convalidated`); n != 2 {
		t.Errorf("permit_parcel has %d foreign keys added back NOT VALID, want 2", n)
	}
	// Cases with a known parcel stand on it; the others wait for theirs.
	if n := count(t, d, `SELECT count(*) FROM permit WHERE location_source = 'parcel' AND geom IS NOT NULL`); n != known {
		t.Errorf("%d permits placed on their parcels, want %d", n, known)
	}
	if n := count(t, d, `SELECT count(*) FROM permit WHERE location_source = 'none' AND location_note LIKE 'parcel not known%'`); n != rows/2-known {
		t.Errorf("%d permits waiting for their parcels, want %d", n, rows/2-known)
	}
	if again, err := in.Reader(ctx, KindPermits, "rwdz.csv", bytes.NewReader(csv.Bytes()), Options{}); err != nil || again.Status != "unchanged" {
		t.Errorf("the same file again: %v %+v", err, again.Status)
	}
	// The keys keep their actions: a permit deleted takes its links along.
	if _, err := d.Pool.Exec(ctx, `DELETE FROM permit WHERE register_id = (SELECT min(register_id) FROM permit)`); err != nil {
		t.Fatal(err)
	}
	if n := count(t, d, `SELECT count(*) FROM permit_parcel pp WHERE NOT EXISTS (SELECT 1 FROM permit p WHERE p.id = pp.permit_id)`); n != 0 {
		t.Errorf("%d links left without their permit", n)
	}
	if _, err := d.Pool.Exec(ctx, `INSERT INTO permit_parcel (permit_id, parcel_teryt) VALUES (-1, '026401_1.0000.1')`); err == nil {
		t.Error("a link to no permit was accepted after the bulk load")
	}
}
