// Command gen writes the ingest benchmark's inputs: N parcel polygons as
// GeoJSON (EPSG:2180, 9-vertex rings on a 30 m grid, TERYT ids) and N rows
// of an RWDZ permit export (one row per case × parcel, 2 parcels a case).
package main

import (
	"bufio"
	"flag"
	"fmt"
	"log"
	"os"
)

func main() {
	n := flag.Int("n", 1000000, "records")
	geojson := flag.String("geojson", "parcels.geojson", "parcel GeoJSON to write")
	csv := flag.String("csv", "rwdz.csv", "RWDZ CSV to write")
	flag.Parse()
	side := 1
	for side*side < *n {
		side++
	}
	f, err := os.Create(*geojson)
	if err != nil {
		log.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	fmt.Fprint(w, `{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::2180"}},"features":[`)
	for k := 0; k < *n; k++ {
		i, j := k/side, k%side
		x, y := 345000+float64(i)*30, 345000+float64(j)*30
		if k > 0 {
			w.WriteByte(',')
		}
		fmt.Fprintf(w, `{"type":"Feature","properties":{"teryt":"026401_1.%04d.%d","obreb":"%04d"},"geometry":{"type":"Polygon","coordinates":[[[%.2f,%.2f],[%.2f,%.2f],[%.2f,%.2f],[%.2f,%.2f],[%.2f,%.2f],[%.2f,%.2f],[%.2f,%.2f],[%.2f,%.2f],[%.2f,%.2f]]]}}`+"\n",
			i/100+1, k, i/100+1, x, y, x+14, y-1, x+28, y, x+29, y+14, x+28, y+28, x+14, y+29, x, y+28, x-1, y+14, x, y)
	}
	fmt.Fprint(w, "]}\n")
	if err := w.Flush(); err != nil {
		log.Fatal(err)
	}
	f.Close()

	f, err = os.Create(*csv)
	if err != nil {
		log.Fatal(err)
	}
	w = bufio.NewWriterSize(f, 1<<20)
	fmt.Fprint(w, "\ufeffnumer_urzad;numer_gunb;nazwa_organu;adres_organu;data_wplywu_wniosku;numer_decyzji_urzedu;data_wydania_decyzji;nazwa_inwestor;wojewodztwo;miasto;terc;cecha;cecha;ulica;ulica_dalej;nr_domu;rodzaj_inwestycji;kategoria;nazwa_zamierzenia_bud;nazwa_zam_budowlanego;kubatura;projektant_nazwisko;projektant_imie;projektant_numer_uprawnien;jednosta_numer_ew;obreb_numer;numer_dzialki;numer_arkusza_dzialki;jednostka_stara_numeracja_z_wniosku;stara_numeracja_obreb_z_wnioskiu;stara_numeracja_dzialka_z_wniosku\n")
	cats := []string{"I", "XIII", "XVII", "XVIII", "XXVI"}
	for k := 0; k < *n; k++ {
		c := k / 2
		i := k / side
		fmt.Fprintf(w, "AB/%d/2024;WRO-AB/WNIOSEK/%d/2024;Prezydent Wrocławia;pl. Nowy Targ 1-8, 50-141 Wrocław;2024-%02d-%02d 00:00:00;%d/2024;2024-%02d-%02d 00:00:00;;dolnośląskie;Wrocław;0264011;;;;;;Obiekt budowlany;%s;budowa nowego/nowych obiektów budowlanych;budowa budynku;%d;[REDACTED];[REDACTED];[REDACTED];026401_1;%04d;%d;;;;\n",
			c, c, 1+c%12, 1+c%28, c, 1+c%12, 1+(c+5)%28, cats[c%len(cats)], 500+c%5000, i/100+1, k)
	}
	if err := w.Flush(); err != nil {
		log.Fatal(err)
	}
	f.Close()
}
