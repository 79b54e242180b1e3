package ingest

import (
	"context"
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/paulmach/orb"
)

var permitsSQL = mustNamed("permits.sql")

var romanRe = regexp.MustCompile(`^(X{0,3})(IX|IV|V?I{0,3})$`)

// categoryCode normalises a building category (roman numeral I–XXX).
func categoryCode(s string) (string, bool) {
	s = strings.ToUpper(strings.TrimSpace(s))
	s = strings.TrimPrefix(s, "KATEGORIA ")
	if s == "" || !romanRe.MatchString(s) {
		return "", false
	}
	return s, true
}

// permitRow is one register row, before grouping rows of one case.
type permitRow struct {
	key    string // case id in its register
	attrs  map[string]any
	parcel string // TERYT parcel id, normalised
	wkb    []byte // point, when the register has coordinates
}

// loadPermitsRWDZ reads the GUNB register export (permits/applications or
// notifications): one row per case × parcel, grouped into cases by SQL.
func loadPermitsRWDZ(ctx context.Context, b *batch, r io.Reader) error {
	cr, err := NewCSVReader(r)
	if err != nil {
		return err
	}
	var kind, keyCol, unitCol, dateInCol string
	switch {
	case cr.Has("numer_gunb"):
		kind, keyCol, unitCol, dateInCol = "permit", "numer_gunb", "jednosta_numer_ew", "data_wplywu_wniosku"
	case cr.Has("numer_ewidencyjny_system"):
		kind, keyCol, unitCol, dateInCol = "notification", "numer_ewidencyjny_system", "jednostki_numer", "data_wplywu_wniosku_do_urzedu"
	default:
		return fmt.Errorf("not an RWDZ export: no numer_gunb or numer_ewidencyjny_system column")
	}
	return loadPermitRows(ctx, b, "rwdz", 0, func() (*permitRow, int, []Rejection, error) {
		rec, line, err := cr.Next()
		if err != nil {
			return nil, line, nil, err
		}
		var problems []Rejection
		bad := func(sev, field, reason string) {
			problems = append(problems, Rejection{Line: line, FeatureID: rec[keyCol], Field: field, Reason: reason, Severity: sev})
		}
		key := rec[keyCol]
		if key == "" {
			bad("error", keyCol, "case number missing")
			return nil, line, problems, nil
		}
		k := kind
		if v := strings.ToLower(rec["rodzaj_decyzji"] + rec["kind"]); v == "wz" || v == "zoning_decision" {
			k = "zoning_decision"
		}
		attrs := map[string]any{
			"kind":           k,
			"authority":      rec["nazwa_organu"],
			"application_no": firstNonEmpty(rec["numer_urzad"], rec["numer_ewidencyjny_urzad"]),
			"decision_no":    rec["numer_decyzji_urzedu"],
			"works":          firstNonEmpty(rec["nazwa_zamierzenia_bud"], rec["rodzaj_zam_budowlanego"]),
			"building_class": rec["rodzaj_inwestycji"],
			"description":    strings.TrimSpace(rec["nazwa_zam_budowlanego"]),
			"address":        joinNonEmpty(", ", rec["miasto"], joinNonEmpty(" ", rec["ulica"], rec["ulica_dalej"], rec["nr_domu"])),
			"investor":       strings.TrimSpace(rec["nazwa_inwestor"]),
		}
		if d, ok := dateOf(rec[dateInCol]); ok {
			attrs["applied_on"] = d
		} else if rec[dateInCol] != "" {
			bad("warning", dateInCol, fmt.Sprintf("date %q not understood", rec[dateInCol]))
		}
		if d, ok := dateOf(rec["data_wydania_decyzji"]); ok {
			attrs["decided_on"] = d
			attrs["decision"] = "decyzja wydana"
		}
		if kind == "notification" {
			attrs["decision"] = rec["stan"]
			if d, ok := attrs["applied_on"]; ok {
				attrs["decided_on"] = d
			}
		}
		if c, ok := categoryCode(rec["kategoria"]); ok {
			attrs["category"] = c
		} else if rec["kategoria"] != "" {
			bad("warning", "kategoria", fmt.Sprintf("building category %q is not a roman numeral I–XXX: kept in the description", rec["kategoria"]))
			attrs["description"] = strings.TrimSpace(attrs["description"].(string) + " [kategoria: " + rec["kategoria"] + "]")
		}
		if v := rec["kubatura"]; v != "" {
			if f, err := parseDecimal(v); err == nil && f >= 0 {
				attrs["volume_m3"] = f
				if attrs["category"] == "I" && f > 5000 {
					bad("warning", "kubatura", fmt.Sprintf("volume %.0f m³ is implausible for a single-family house", f))
				}
			} else {
				bad("warning", "kubatura", fmt.Sprintf("volume %q is not a number", v))
			}
		}
		terc := rec["terc"]
		row := &permitRow{key: key, attrs: attrs}
		if rec[unitCol] != "" || rec["numer_dzialki"] != "" {
			id, err := NewParcelID(rec[unitCol], rec["obreb_numer"], rec["numer_arkusza_dzialki"], rec["numer_dzialki"])
			if err != nil {
				bad("warning", "numer_dzialki", "parcel reference not usable: "+err.Error())
			} else {
				row.parcel = id.String()
				if len(terc) != 7 || !allDigits(terc) {
					terc = id.TERC()
				}
			}
		}
		if len(terc) != 7 || !allDigits(terc) {
			terc = b.opts.TERC
		}
		if terc == "" {
			bad("error", "terc", "municipality unknown: no TERC, no parcel reference (give --municipality)")
			return nil, line, problems, nil
		}
		attrs["terc"] = terc
		return row, line, problems, nil
	})
}

// loadPermitsCity reads a city's own register, such as Wrocław's geocoded
// list (Windows-1250, ';', decimal comma, lon/lat in WGS 84).
func loadPermitsCity(ctx context.Context, b *batch, r io.Reader) error {
	cr, err := NewCSVReader(r)
	if err != nil {
		return err
	}
	col := map[string]string{}
	for _, h := range cr.Header() {
		col[normaliseHeader(h)] = h
	}
	get := func(rec map[string]string, names ...string) string {
		for _, n := range names {
			if h, ok := col[n]; ok && rec[h] != "" {
				return rec[h]
			}
		}
		return ""
	}
	if col["numerwpisu"] == "" || col["lon"] == "" {
		return fmt.Errorf("not a city permit register: expected columns 'Numer wpisu', 'lon', 'lat' (found %s)", strings.Join(cr.Header(), ", "))
	}
	terc := b.opts.TERC
	if terc == "" {
		return fmt.Errorf("city register: give the municipality's TERC (--municipality)")
	}
	return loadPermitRows(ctx, b, "city:"+terc, 4326, func() (*permitRow, int, []Rejection, error) {
		rec, line, err := cr.Next()
		if err != nil {
			return nil, line, nil, err
		}
		var problems []Rejection
		num := get(rec, "numerwpisu")
		bad := func(sev, field, reason string) {
			problems = append(problems, Rejection{Line: line, FeatureID: num, Field: field, Reason: reason, Severity: sev})
		}
		if num == "" {
			bad("error", "Numer wpisu", "entry number missing")
			return nil, line, problems, nil
		}
		decided, okDecided := dateOf(get(rec, "datadecyzji"))
		applied, okApplied := dateOf(get(rec, "datawniosku"))
		year := ""
		switch {
		case okDecided:
			year = decided[:4]
		case okApplied:
			year = applied[:4]
		default:
			bad("error", "Data decyzji", "no decision or application date: the entry cannot be identified")
			return nil, line, problems, nil
		}
		works := strings.Trim(get(rec, "typ"), " ˙\u00a0")
		attrs := map[string]any{
			"terc":           terc,
			"kind":           "permit",
			"application_no": get(rec, "nrwniosku"),
			"decision_no":    get(rec, "nrdecyzji"),
			"works":          works,
			"building_class": get(rec, "rodzaj"),
			"description":    strings.TrimSpace(get(rec, "opis")),
			"address":        strings.TrimSpace(get(rec, "adres")),
			"investor":       get(rec, "imięinazwiskolubnazwainwestora", "inwestor"),
			"decision":       "pozwolenie wydane",
		}
		if okApplied {
			attrs["applied_on"] = applied
		}
		if okDecided {
			attrs["decided_on"] = decided
		}
		if c, ok := cityCategory[strings.ToLower(get(rec, "rodzaj"))]; ok {
			attrs["category"] = c
		}
		row := &permitRow{key: year + "/" + num, attrs: attrs}
		lonS, latS := get(rec, "lon"), get(rec, "lat")
		if lonS == "" || latS == "" {
			bad("warning", "lon", "no coordinates: the permit is kept without a location")
			return row, line, problems, nil
		}
		lon, err1 := parseDecimal(lonS)
		lat, err2 := parseDecimal(latS)
		switch {
		case err1 != nil || err2 != nil:
			bad("warning", "lon", fmt.Sprintf("coordinates %q %q are not numbers: kept without a location", lonS, latS))
		case lon < 14 || lon > 24.2 || lat < 49 || lat > 55:
			bad("warning", "lon", fmt.Sprintf("coordinates %s %s lie outside Poland: kept without a location", lonS, latS))
		default:
			w, err := encodeWKB(orb.Point{lon, lat})
			if err != nil {
				return nil, line, nil, err
			}
			row.wkb = w
		}
		return row, line, problems, nil
	})
}

// cityCategory maps the building classes of city registers (PKOB-like
// wording) to building categories where the match is unambiguous.
var cityCategory = map[string]string{
	"bud.mieszkalne jednorodzinne":            "I",
	"bud.o dwóch mieszkaniach":                "I",
	"bud.o trzech i więcej mieszkaniach":      "XIII",
	"bud.zbiorowego zamieszkania":             "XIII",
	"bud.handlowo-uslugowe":                   "XVII",
	"bud.handlowo-usługowe":                   "XVII",
	"bud.biurowe":                             "XVI",
	"bud.przemysłowe":                         "XVIII",
	"zbiorniki, silosy i bud.magazynowe":      "XVIII",
	"bud.szkół i instytucji badawczych":       "IX",
	"bud.szpitali i zakł.opieki med.":         "XI",
	"bud.hoteli":                              "XIV",
	"bud.kultury fizycznej":                   "XV",
	"bud.łączności, dworców i terminali":      "XIX",
	"bud.kultu religijnego":                   "X",
	"rurociągi gazu sieci rozdzielczej":       "XXVI",
	"linie elektroener.i telekom.rozdzielcz.": "XXVI",
}

func normaliseHeader(h string) string {
	h = strings.ToLower(h)
	var b strings.Builder
	for _, r := range h {
		if r != '.' && r != ' ' && r != '_' && r != '"' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// loadPermitRows stages rows from next, then groups them into cases and
// merges them into permit, permit_parcel and permit_private.
func loadPermitRows(ctx context.Context, b *batch, register string, srid int,
	next func() (*permitRow, int, []Rejection, error)) error {
	st, err := newStage(ctx, b)
	if err != nil {
		return err
	}
	st.allowRepeatedKeys = true
	for {
		row, line, problems, err := next()
		if err == io.EOF {
			break
		}
		if err != nil {
			if err := b.reject(ctx, Rejection{Line: line, Reason: "unreadable row: " + err.Error()}); err != nil {
				return err
			}
			continue
		}
		b.report.Read++
		for _, p := range problems {
			if err := b.reject(ctx, p); err != nil {
				return err
			}
		}
		if row == nil {
			continue
		}
		if row.parcel != "" {
			row.attrs["parcel"] = row.parcel
		}
		var w any
		if row.wkb != nil {
			w = row.wkb
		}
		if err := st.add(ctx, []any{line, row.key, row.key, w, row.attrs}); err != nil {
			return err
		}
	}
	if srid == 0 {
		srid = 2180
	}
	if err := st.finish(ctx, srid, 1); err != nil {
		return err
	}
	var ins, upd, cases int
	// A first load of the register unindexes permit and permit_parcel;
	// the latter's rows are built by joining permit and parcel, so its
	// foreign keys come back NOT VALID instead of being checked row by row.
	if err := st.bulk(ctx, []bulkTable{{"permit", unindexOptions{}}, {"permit_parcel", unindexOptions{fks: true}}}, func() error {
		if err := b.tx.QueryRow(ctx, permitsSQL["merge"], b.batchID, register).Scan(&ins, &upd, &cases); err != nil {
			return fmt.Errorf("merge permits: %w", err)
		}
		for _, q := range []string{"parcels", "private"} {
			if _, err := b.tx.Exec(ctx, permitsSQL[q], register); err != nil {
				return fmt.Errorf("merge permit %s: %w", q, err)
			}
		}
		return nil
	}); err != nil {
		return err
	}
	if _, err := b.tx.Exec(ctx, "SELECT lad_locate_permits()"); err != nil {
		return fmt.Errorf("locate permits on parcels: %w", err)
	}
	b.report.Inserted += ins
	b.report.Updated += upd
	b.report.Unchanged += cases - ins - upd
	return nil
}

func dateOf(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", false
	}
	if len(s) >= 10 {
		if d, err := parseDate(s[:10]); err == nil {
			return d, true
		}
	}
	d, err := parseDate(s)
	return d, err == nil
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if strings.TrimSpace(x) != "" {
			return strings.TrimSpace(x)
		}
	}
	return ""
}

func joinNonEmpty(sep string, s ...string) string {
	var out []string
	for _, x := range s {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return strings.Join(out, sep)
}
