package ingest

import (
	"context"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
)

// APP GML (akt planowania przestrzennego), schemas 1.0 and 2.0: elements are
// matched by local name, so both namespaces are read alike.

// appActProps are the properties an AktPlanowaniaPrzestrzennego may have
// (APP 1.0 and 2.0 XSD) besides GML's own.
var appActProps = setOf("idIIP", "poczatekWersjiObiektu", "koniecWersjiObiektu", "tytul", "tytulAlternatywny", "typPlanu",
	"poziomHierarchii", "obowiazujeOd", "obowiazujeDo", "status", "zmiana", "mapaPodkladowa", "zasiegPrzestrzenny", "dokument",
	"dokumentPrzystepujacy", "dokumentUchwalajacy", "dokumentZmieniajacy", "dokumentUchylajacy", "dokumentUniewazniajacy",
	"rysunek", "modyfikacja", "wydzielenie", "regulacja", "identifier", "name", "description", "boundedBy", "metaDataProperty",
	"descriptionReference")

// appZoneKinds maps APP area feature types to ład's zone kinds.
var appZoneKinds = map[string]string{
	"StrefaPlanistyczna":                                  "pog_zone",
	"ObszarUzupelnieniaZabudowy":                          "ouz",
	"ObszarZabudowySrodmiejskiej":                         "downtown",
	"ObszarStandardowDostepnosciInfrastrukturySpolecznej": "other",
}

var appDocs = setOf("RysunekAktuPlanowaniaPrzestrzennego", "DokumentFormalny")

// pogZoneTypes maps the code list RodzajStrefyPlanistycznejKod to the zone
// symbols fixed by the 2023 regulation.
var pogZoneTypes = map[string]string{
	"strefaWielofunkcyjnaZZabudowaMieszkaniowaWielorodzinna": "SW",
	"strefaWielofunkcyjnaZZabudowaMieszkaniowaJednorodzinna": "SJ",
	"strefaWielofunkcyjnaZZabudowaZagrodowa":                 "SZ",
	"strefaUslugowa":                                         "SU",
	"strefaHandluWielkopowierzchniowego":                     "SH",
	"strefaGospodarcza":                                      "SP",
	"strefaProdukcjiRolniczej":                               "SR",
	"strefaInfrastrukturalna":                                "SI",
	"strefaZieleniIRekreacji":                                "SN",
	"strefaCmentarzy":                                        "SC",
	"strefaGornictwa":                                        "SG",
	"strefaOtwarta":                                          "SO",
	"strefaKomunikacyjna":                                    "SK",
}

// appParams: the four POG parameters and their source elements. The 2023
// regulation's technical rules allow one decimal place for each.
var appParams = []struct{ field, element string }{
	{"intensity_max", "maksNadziemnaIntensywnoscZabudowy"},
	{"max_coverage_pct", "maksUdzialPowierzchniZabudowy"},
	{"max_height_m", "maksWysokoscZabudowy"},
	{"min_bio_pct", "minUdzialPowierzchniBiologicznieCzynnej"},
}

// nsCode finds the 6-digit municipality code in an APP namespace such as
// PL.ZIPPZP.1234/121201-POG.
var nsCode = regexp.MustCompile(`/(\d{6})-`)

var pogSymbols = setOf("SW", "SJ", "SZ", "SU", "SH", "SP", "SR", "SI", "SN", "SC", "SG", "SO", "SK")

var oznaczenieRe = regexp.MustCompile(`^([0-9]+)([A-Z]{1,4}(?:/[A-Z]{1,4})?)$`)

func setOf(s ...string) map[string]bool {
	m := map[string]bool{}
	for _, x := range s {
		m[x] = true
	}
	return m
}

// appIdentifier reads idIIP/Identyfikator.
func appIdentifier(n *node) (ns, local, version string) {
	if id := n.find("Identyfikator"); id != nil {
		return id.text("przestrzenNazw"), id.text("lokalnyId"), id.text("wersjaId")
	}
	return "", "", ""
}

// codeOf is the last path segment of a code-list link.
func codeOf(n *node) string {
	if n == nil {
		return ""
	}
	h := n.attr("href")
	if i := strings.LastIndexAny(h, "/#"); i >= 0 {
		return h[i+1:]
	}
	return h
}

var appPlanKinds = map[string]string{
	"planOgolnyGminy": "pog", "miejscowyPlanZagospodarowaniaPrzestrzennego": "mpzp",
	"miejscowyPlanRewitalizacji": "mpzp", "miejscowyPlanZagospodarowaniaPrzestrzennegoDlaMorskichWodWewnetrznych": "mpzp",
	"studiumUwarunkowanIKierunkowZagospodarowaniaPrzestrzennegoGminy": "studium",
}

var appStatuses = map[string]string{
	"elaboration": "in_preparation", "adoption": "draft", "legalForce": "in_force", "obsolete": "repealed",
}

// loadPlanAPP reads an APP GML file: an act with its boundary and
// documents, its planning zones and other areas, or both. A zones file
// without its act attaches to the act already loaded (same przestrzenNazw,
// zone lokalnyId starting with the act's). Any defect rejects the file whole.
func loadPlanAPP(ctx context.Context, b *batch, r io.Reader) error {
	st, err := newStage(ctx, b)
	if err != nil {
		return err
	}
	var acts []PlanMeta
	var docs []map[string]any
	var srid int
	zones := 0
	bad := func(line int, fid, field, reason string) error {
		return b.reject(ctx, Rejection{Line: line, FeatureID: fid, Field: field, Reason: reason})
	}
	err = gmlFeatures(r, func(n *node, line int) error {
		b.report.Read++
		typ := n.XMLName.Local
		gid := n.attr("id")
		ns, local, version := appIdentifier(n)
		switch {
		case typ == "AktPlanowaniaPrzestrzennego":
			for _, c := range n.Children {
				if !appActProps[c.XMLName.Local] {
					if err := bad(line, gid, c.XMLName.Local, fmt.Sprintf("element %s is not part of the APP schema (1.0/2.0) for AktPlanowaniaPrzestrzennego", c.XMLName.Local)); err != nil {
						return err
					}
				}
			}
			kind := appPlanKinds[codeOf(n.child("typPlanu"))]
			if kind == "" {
				kind = "other"
				if strings.HasSuffix(ns, "-POG") {
					kind = "pog"
				} else if strings.HasSuffix(ns, "-MPZP") {
					kind = "mpzp"
				}
			}
			status := appStatuses[codeOf(n.child("status"))]
			if status == "" {
				status = "in_force"
			}
			terc := b.opts.TERC
			if m := nsCode.FindStringSubmatch(ns); m != nil && terc == "" {
				terc, _ = tercOf6(m[1])
			}
			if terc == "" {
				return bad(line, gid, "przestrzenNazw", fmt.Sprintf("the municipality of %s is not in the TERYT gazetteer: give --municipality", ns))
			}
			meta := PlanMeta{Kind: kind, Namespace: ns, LocalID: local, VersionID: version, Title: n.text("tytul"),
				Status: status, ValidFrom: n.text("obowiazujeOd"), ValidTo: n.text("obowiazujeDo"), TERC: terc}
			if ns == "" || local == "" {
				return bad(line, gid, "idIIP", "the act has no identifier (przestrzenNazw, lokalnyId)")
			}
			acts = append(acts, meta)
			mp, s, err := gmlGeometry(n.child("zasiegPrzestrzenny"), "")
			if err != nil {
				return bad(line, gid, "zasiegPrzestrzenny", "boundary: "+err.Error())
			}
			srid = s
			w, err := encodeWKB(mp)
			if err != nil {
				return bad(line, gid, "zasiegPrzestrzenny", "boundary: "+err.Error())
			}
			return st.add(ctx, []any{line, gid, "boundary-" + local, w, map[string]any{"kind": "boundary", "act": local}})
		case appZoneKinds[typ] != "":
			zones++
			attrs, problems := appZone(n, typ)
			for _, p := range problems {
				if err := bad(line, gid, p[0], p[1]); err != nil {
					return err
				}
			}
			if len(problems) > 0 {
				return nil
			}
			attrs["namespace"] = ns
			mp, s, err := gmlGeometry(n.child("geometria"), "")
			if err != nil {
				return bad(line, gid, "geometria", err.Error())
			}
			if srid != 0 && s != srid {
				return bad(line, gid, "geometria", fmt.Sprintf("EPSG:%d differs from the file's EPSG:%d", s, srid))
			}
			srid = s
			w, err := encodeWKB(mp)
			if err != nil {
				return bad(line, gid, "geometria", err.Error())
			}
			if local == "" {
				return bad(line, gid, "idIIP", "the area has no lokalnyId")
			}
			return st.add(ctx, []any{line, gid, local, w, attrs})
		case appDocs[typ]:
			doc := map[string]any{"kind": map[string]string{"RysunekAktuPlanowaniaPrzestrzennego": "rysunek", "DokumentFormalny": "dokument formalny"}[typ],
				"local_id": local, "title": n.text("tytul"), "url": n.text("lacze")}
			docs = append(docs, doc)
			return nil
		default:
			return bad(line, gid, typ, fmt.Sprintf("feature type %s is not part of the APP schema (1.0/2.0)", typ))
		}
	})
	if err != nil {
		if err := b.reject(ctx, Rejection{Field: "file", Reason: err.Error()}); err != nil {
			return err
		}
		b.fatal = &rejectedError{n: b.report.Rejected}
		return nil
	}
	if b.report.Rejected > 0 {
		b.fatal = &rejectedError{n: b.report.Rejected}
		return nil
	}
	if len(acts) > 1 {
		b.fatal = &rejectedError{n: 1}
		return b.reject(ctx, Rejection{Field: "AktPlanowaniaPrzestrzennego", Reason: "a file holds one act; this one holds several"})
	}
	if srid == 0 {
		srid = 2180
	}
	var meta PlanMeta
	if len(acts) == 1 {
		meta = acts[0]
	} else {
		// Zones alone: attach to the act in the database.
		if err := st.flush(ctx); err != nil {
			return err
		}
		var ns, local string
		if err := b.tx.QueryRow(ctx, `SELECT attrs->>'namespace', key FROM stage ORDER BY line LIMIT 1`).Scan(&ns, &local); err != nil {
			return fmt.Errorf("read staged zones: %w", err)
		}
		found, err := findActFor(ctx, b, ns, local)
		if err != nil {
			return err
		}
		if found == nil {
			b.fatal = &rejectedError{n: 1}
			return b.reject(ctx, Rejection{Field: "plan", Reason: fmt.Sprintf("the act these areas belong to (%s, lokalnyId prefix of %s) is not loaded: ingest its AktPlanowaniaPrzestrzennego first", ns, local)})
		}
		meta = *found
		// Its boundary joins the staged areas, for the coverage checks.
		if _, err := b.tx.Exec(ctx, plansSQL["stage_act_boundary"], meta.Namespace, meta.LocalID, meta.VersionID, srid); err != nil {
			return fmt.Errorf("stage the act's boundary: %w", err)
		}
	}
	if err := st.finish(ctx, srid, 3); err != nil {
		return err
	}
	checks := []string{"overlaps", "outside", "duplicate_designations"}
	if b.report.Rejected == 0 && zones > 0 && meta.Kind == "pog" {
		checks = append(checks, "gaps")
	}
	for _, q := range checks {
		if b.report.Rejected > 0 && q == "gaps" {
			continue
		}
		if _, err := b.collectRejections(ctx, plansSQL[q]); err != nil {
			return err
		}
	}
	if b.report.Rejected > 0 {
		b.fatal = &rejectedError{n: b.report.Rejected}
		return nil
	}
	if err := mergePlanParts(ctx, b, meta, len(acts) == 1, zones > 0); err != nil {
		return err
	}
	if len(docs) > 0 {
		if _, err := b.tx.Exec(ctx, plansSQL["documents"], meta.Namespace, meta.LocalID, meta.VersionID, docs); err != nil {
			return fmt.Errorf("write documents: %w", err)
		}
	}
	return nil
}

// appZone reads an area's attributes and checks the APP rules that concern
// one feature: designation syntax, symbol consistent with the zone type,
// decimals of the parameters.
func appZone(n *node, typ string) (map[string]any, [][2]string) {
	var problems [][2]string
	kind := appZoneKinds[typ]
	oz, sym := n.text("oznaczenie"), n.text("symbol")
	attrs := map[string]any{"kind": kind, "designation": oz, "symbol": sym, "name": strings.TrimSpace(n.child("nazwa").attrOr("title", n.text("nazwa")))}
	if kind == "pog_zone" {
		if sym == "" {
			problems = append(problems, [2]string{"symbol", "a planning zone needs its symbol"})
		}
		if typeSym, ok := pogZoneTypes[codeOf(n.child("nazwa"))]; ok && sym != "" && typeSym != sym {
			problems = append(problems, [2]string{"symbol", fmt.Sprintf("symbol %s does not match the zone type %s (symbol %s)", sym, codeOf(n.child("nazwa")), typeSym)})
		}
		if m := oznaczenieRe.FindStringSubmatch(oz); m == nil || !pogSymbols[m[2]] {
			problems = append(problems, [2]string{"oznaczenie", fmt.Sprintf("designation %q must be a number followed by a planning-zone symbol (SW, SJ, SZ, SU, SH, SP, SR, SI, SN, SC, SG, SO, SK)", oz)})
		}
	}
	var profiles []string
	for _, p := range append(n.all("profilPodstawowy"), n.all("profilDodatkowy")...) {
		code := codeOf(p)
		if code == "" {
			code = strings.TrimSpace(p.Text)
		}
		if code != "" {
			profiles = append(profiles, code)
		}
	}
	if profiles == nil {
		profiles = []string{}
	}
	attrs["profiles"] = profiles
	for _, p := range appParams {
		s := n.text(p.element)
		if s == "" {
			continue
		}
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			problems = append(problems, [2]string{p.element, fmt.Sprintf("%s %q is not a number", p.element, s)})
			continue
		}
		if i := strings.IndexByte(s, '.'); i >= 0 && len(strings.TrimRight(s[i+1:], "0")) > 1 {
			problems = append(problems, [2]string{p.element, fmt.Sprintf("%s %s has more than the one decimal place allowed", p.element, s)})
			continue
		}
		attrs[p.field] = v
	}
	return attrs, problems
}

func (n *node) attrOr(local, def string) string {
	if n == nil {
		return def
	}
	if v := n.attr(local); v != "" {
		return v
	}
	return def
}

// findActFor finds the loaded act an area belongs to.
func findActFor(ctx context.Context, b *batch, ns, zoneLocal string) (*PlanMeta, error) {
	rows, err := b.tx.Query(ctx, plansSQL["acts_in_namespace"], ns)
	if err != nil {
		return nil, fmt.Errorf("find act: %w", err)
	}
	defer rows.Close()
	var found []PlanMeta
	for rows.Next() {
		var m PlanMeta
		if err := rows.Scan(&m.Kind, &m.Namespace, &m.LocalID, &m.VersionID, &m.Title, &m.ResolutionNo, &m.Status,
			&m.AdoptedOn, &m.ValidFrom, &m.ValidTo, &m.DocURL, &m.TERC); err != nil {
			return nil, err
		}
		if strings.HasPrefix(zoneLocal, m.LocalID+"-") || strings.HasPrefix(zoneLocal, m.LocalID) {
			return &m, nil
		}
		found = append(found, m)
	}
	if len(found) == 1 {
		return &found[0], rows.Err()
	}
	return nil, rows.Err()
}
