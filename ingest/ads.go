package ingest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/paulmach/orb"
)

var adsSQL = mustNamed("ads.sql")

// Advertising records come in several files, told apart by their content:
// landscape zones (GeoJSON polygons with a "resolution" member), carriers
// (CSV with inventory_no and kind, or GeoJSON points), inspections (CSV or
// JSON with inspected_at) and enforcement cases (CSV with case_no).

var (
	carrierKinds = map[string]bool{"billboard": true, "board": true, "citylight": true, "pylon": true, "banner": true,
		"mural": true, "led_screen": true, "sign": true, "other": true}
	uuidRe     = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	ruleKinds  = map[string]bool{"ban_all": true, "ban_kind": true, "max_area": true, "no_illumination": true, "min_spacing": true}
	inspResult = map[string]bool{"compliant": true, "violation": true, "removed": true, "not_found": true}
)

// loadAdsGeoJSON reads landscape zones (polygons) or carriers (points).
func loadAdsGeoJSON(ctx context.Context, b *batch, r io.Reader) error {
	gr := NewGeoJSONReader(r, b.opts.SRID)
	if err := gr.Start(); err != nil {
		return fmt.Errorf("read GeoJSON: %w", err)
	}
	if res := gr.Member("resolution"); res != nil {
		return loadLandscapeZones(ctx, b, gr, res)
	}
	return loadCarrierFeatures(ctx, b, gr)
}

// Resolution is a landscape resolution (uchwała krajobrazowa).
type Resolution struct {
	Title           string `json:"title"`
	ResolutionNo    string `json:"resolution_no"`
	AdoptedOn       string `json:"adopted_on"`
	ValidFrom       string `json:"valid_from"`
	TransitionUntil string `json:"transition_until"`
	DocURL          string `json:"doc_url"`
	TERC            string `json:"terc"`
}

func loadLandscapeZones(ctx context.Context, b *batch, gr *GeoJSONReader, raw json.RawMessage) error {
	var res Resolution
	if err := json.Unmarshal(raw, &res); err != nil {
		return fmt.Errorf("resolution member: %w", err)
	}
	if res.TERC == "" {
		res.TERC = b.opts.TERC
	}
	var errs []string
	if len(res.TERC) != 7 || !allDigits(res.TERC) {
		errs = append(errs, "resolution: municipality TERC missing (terc or --municipality)")
	}
	if res.Title == "" || res.ResolutionNo == "" {
		errs = append(errs, "resolution: title and resolution_no are required")
	}
	dates := map[string]*string{"adopted_on": &res.AdoptedOn, "valid_from": &res.ValidFrom, "transition_until": &res.TransitionUntil}
	for name, p := range dates {
		if *p == "" {
			continue
		}
		d, err := parseDate(*p)
		if err != nil {
			errs = append(errs, fmt.Sprintf("resolution %s: %v", name, err))
		}
		*p = d
	}
	if len(errs) > 0 {
		if err := b.reject(ctx, Rejection{Field: "resolution", Reason: strings.Join(errs, "; ")}); err != nil {
			return err
		}
		b.fatal = &rejectedError{n: 1}
		return nil
	}
	st, err := newStage(ctx, b)
	if err != nil {
		return err
	}
	if err := b.eachFeature(gr, func(f *Feature) error {
		code := strings.TrimSpace(prop(f.Properties, b.opts.Mapping, "code", "code", "kod", "strefa"))
		name := strings.TrimSpace(prop(f.Properties, b.opts.Mapping, "name", "name", "nazwa"))
		if code == "" || name == "" {
			if err := b.reject(ctx, Rejection{FeatureID: f.ID, Line: f.Index, Field: "code", Reason: "a zone needs its code and name"}); err != nil {
				return err
			}
			return nil
		}
		var rules []map[string]any
		if rr, ok := f.Properties["rules"].([]any); ok {
			for i, x := range rr {
				m, _ := x.(map[string]any)
				rule := propText(m["rule"])
				if !ruleKinds[rule] || propText(m["code"]) == "" || propText(m["text_pl"]) == "" {
					if err := b.reject(ctx, Rejection{FeatureID: f.ID, Line: f.Index, Field: fmt.Sprintf("rules[%d]", i),
						Reason: fmt.Sprintf("rule needs code, text_pl and a rule among ban_all, ban_kind, max_area, no_illumination, min_spacing (got %q)", rule)}); err != nil {
						return err
					}
					continue
				}
				out := map[string]any{"code": propText(m["code"]), "rule": rule, "text_pl": propText(m["text_pl"])}
				if k := propText(m["carrier_kind"]); k != "" {
					out["carrier_kind"] = k
				}
				if v := propText(m["value"]); v != "" {
					if fv, err := strconv.ParseFloat(v, 64); err == nil {
						out["value"] = fv
					}
				}
				rules = append(rules, out)
			}
		}
		attrs := map[string]any{"name": name, "description": prop(f.Properties, b.opts.Mapping, "description", "description", "opis"), "rules": rules}
		return st.addPolygon(ctx, f, code, attrs)
	}); err != nil {
		return err
	}
	if err := st.finish(ctx, gr.SRID(), 3); err != nil {
		return err
	}
	var resID int64
	if err := b.tx.QueryRow(ctx, adsSQL["resolution"], res.TERC, res.Title, res.ResolutionNo, nullDate(res.AdoptedOn),
		nullDate(res.ValidFrom), nullDate(res.TransitionUntil), res.DocURL, b.batchID).Scan(&resID); err != nil {
		return fmt.Errorf("write resolution: %w", err)
	}
	var ins, upd int
	if err := b.tx.QueryRow(ctx, adsSQL["zones"], resID, res.TERC, b.batchID).Scan(&ins, &upd); err != nil {
		return fmt.Errorf("write landscape zones: %w", err)
	}
	if _, err := b.tx.Exec(ctx, adsSQL["rules"], resID); err != nil {
		return fmt.Errorf("write zone rules: %w", err)
	}
	return st.settle(ctx, ins, upd)
}

// carrier reads one carrier's attributes from a record (CSV row or GeoJSON
// properties as text).
func carrierAttrs(get func(string) string, terc string) (map[string]any, string, []string) {
	var problems []string
	inv := strings.TrimSpace(get("inventory_no"))
	if inv == "" {
		problems = append(problems, "inventory_no missing")
	}
	kind := strings.ToLower(strings.TrimSpace(get("kind")))
	if !carrierKinds[kind] {
		problems = append(problems, fmt.Sprintf("kind %q is not one of billboard, board, citylight, pylon, banner, mural, led_screen, sign, other", kind))
	}
	attrs := map[string]any{"terc": terc, "kind": kind, "address": get("address"), "owner_name": get("owner_name"),
		"illuminated": truthy(get("illuminated")), "double_sided": truthy(get("double_sided"))}
	for _, f := range []string{"width_m", "height_m", "area_m2"} {
		if v := get(f); v != "" {
			x, err := parseDecimal(v)
			if err != nil || x < 0 || x > 2000 {
				problems = append(problems, fmt.Sprintf("%s %q is not a size in metres", f, v))
				continue
			}
			attrs[f] = x
		}
	}
	if _, ok := attrs["area_m2"]; !ok {
		if w, ok := attrs["width_m"].(float64); ok {
			if h, ok := attrs["height_m"].(float64); ok {
				attrs["area_m2"] = w * h
			}
		}
	}
	status := strings.ToLower(get("status"))
	if status == "" {
		status = "active"
	}
	if status != "active" && status != "removed" && status != "unknown" {
		problems = append(problems, fmt.Sprintf("status %q is not active, removed or unknown", status))
	}
	attrs["status"] = status
	for _, f := range []string{"installed_on", "removed_on"} {
		if v := get(f); v != "" {
			d, err := parseDate(v)
			if err != nil {
				problems = append(problems, fmt.Sprintf("%s: %v", f, err))
				continue
			}
			attrs[f] = d
		}
	}
	return attrs, inv, problems
}

func truthy(s string) bool {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "1", "t", "true", "tak", "yes", "y":
		return true
	}
	return false
}

func loadCarrierFeatures(ctx context.Context, b *batch, gr *GeoJSONReader) error {
	if b.opts.TERC == "" {
		return fmt.Errorf("carriers: give the municipality's TERC (--municipality)")
	}
	st, err := newStage(ctx, b)
	if err != nil {
		return err
	}
	if err := b.eachFeature(gr, func(f *Feature) error {
		attrs, inv, problems := carrierAttrs(func(k string) string { return prop(f.Properties, b.opts.Mapping, k, k) }, b.opts.TERC)
		if f.GeomErr == nil {
			if _, ok := f.Geometry.(orb.Point); !ok {
				problems = append(problems, "a carrier is a point")
			}
		} else {
			problems = append(problems, f.GeomErr.Error())
		}
		if len(problems) > 0 {
			if err := b.reject(ctx, Rejection{FeatureID: f.ID, Line: f.Index, Reason: strings.Join(problems, "; ")}); err != nil {
				return err
			}
			return nil
		}
		w, err := encodeWKB(f.Geometry)
		if err != nil {
			return b.reject(ctx, Rejection{FeatureID: f.ID, Line: f.Index, Field: "geometry", Reason: err.Error()})
		}
		if err := st.add(ctx, []any{f.Index, f.ID, inv, w, attrs}); err != nil {
			return err
		}
		return nil
	}); err != nil {
		return err
	}
	return mergeCarriers(ctx, b, st, gr.SRID())
}

func mergeCarriers(ctx context.Context, b *batch, st *stage, srid int) error {
	if err := st.finish(ctx, srid, 1); err != nil {
		return err
	}
	var ins, upd int
	if err := b.tx.QueryRow(ctx, adsSQL["carriers"], b.batchID).Scan(&ins, &upd); err != nil {
		return fmt.Errorf("write carriers: %w", err)
	}
	if _, err := b.tx.Exec(ctx, adsSQL["carrier_owners"]); err != nil {
		return fmt.Errorf("write carrier owners: %w", err)
	}
	return st.settle(ctx, ins, upd)
}

// loadAdsCSV reads carriers, inspections, enforcement cases or penalties,
// told apart by their header.
func loadAdsCSV(ctx context.Context, b *batch, r io.Reader) error {
	cr, err := NewCSVReader(r)
	if err != nil {
		return err
	}
	switch {
	case cr.Has("inspected_at"):
		return loadInspections(ctx, b, func() (map[string]string, int, error) { return cr.Next() })
	case cr.Has("case_no") && cr.Has("daily_pln"):
		return loadPenalties(ctx, b, cr)
	case cr.Has("case_no"):
		return loadEnforcement(ctx, b, cr)
	case cr.Has("inventory_no") && cr.Has("kind"):
		return loadCarrierCSV(ctx, b, cr)
	}
	return fmt.Errorf("advertising CSV not recognised from its header (%s): expected carriers (inventory_no, kind, lon, lat), inspections (inspected_at), enforcement (case_no) or penalties (case_no, daily_pln)", strings.Join(cr.Header(), ", "))
}

// loadAdsJSON reads inspections given as a JSON array of objects.
func loadAdsJSON(ctx context.Context, b *batch, r io.Reader) error {
	dec := json.NewDecoder(r)
	dec.UseNumber()
	if t, err := dec.Token(); err != nil || t != json.Delim('[') {
		return fmt.Errorf("inspections JSON: an array of records was expected")
	}
	n := 0
	return loadInspections(ctx, b, func() (map[string]string, int, error) {
		if !dec.More() {
			return nil, 0, io.EOF
		}
		n++
		var m map[string]any
		if err := dec.Decode(&m); err != nil {
			return nil, n, fmt.Errorf("record %d: %w", n, err)
		}
		out := map[string]string{}
		for k, v := range m {
			if arr, ok := v.([]any); ok {
				var parts []string
				for _, x := range arr {
					parts = append(parts, propText(x))
				}
				out[k] = strings.Join(parts, ",")
				continue
			}
			out[k] = propText(v)
		}
		return out, n, nil
	})
}

func pointFrom(rec map[string]string, srid int) ([]byte, int, string) {
	xs, ys := rec["lon"], rec["lat"]
	if xs == "" && ys == "" {
		xs, ys = rec["x"], rec["y"]
		if srid == 0 || srid == 4326 {
			srid = 2180
		}
	} else {
		srid = 4326
	}
	if xs == "" || ys == "" {
		return nil, srid, "coordinates missing (lon/lat or x/y)"
	}
	x, err1 := parseDecimal(xs)
	y, err2 := parseDecimal(ys)
	if err1 != nil || err2 != nil {
		return nil, srid, fmt.Sprintf("coordinates %q %q are not numbers", xs, ys)
	}
	if srid == 4326 && (x < 14 || x > 24.2 || y < 49 || y > 55) {
		return nil, srid, fmt.Sprintf("coordinates %s %s lie outside Poland", xs, ys)
	}
	w, err := encodeWKB(orb.Point{x, y})
	if err != nil {
		return nil, srid, err.Error()
	}
	return w, srid, ""
}

func loadCarrierCSV(ctx context.Context, b *batch, cr *CSVReader) error {
	if b.opts.TERC == "" {
		return fmt.Errorf("carriers: give the municipality's TERC (--municipality)")
	}
	st, err := newStage(ctx, b)
	if err != nil {
		return err
	}
	srid := 0
	if err := b.eachRow(ctx, cr.Next, func(rec map[string]string, line int) error {
		attrs, inv, problems := carrierAttrs(func(k string) string { return rec[k] }, b.opts.TERC)
		w, s, reason := pointFrom(rec, b.opts.SRID)
		if reason != "" {
			problems = append(problems, reason)
		}
		if srid != 0 && s != srid {
			problems = append(problems, "mixed coordinate systems in one file")
		}
		if len(problems) > 0 {
			if err := b.reject(ctx, Rejection{Line: line, FeatureID: inv, Reason: strings.Join(problems, "; ")}); err != nil {
				return err
			}
			return nil
		}
		srid = s
		if err := st.add(ctx, []any{line, inv, inv, w, attrs}); err != nil {
			return err
		}
		return nil
	}); err != nil {
		return err
	}
	if srid == 0 {
		srid = 4326
	}
	return mergeCarriers(ctx, b, st, srid)
}

func loadInspections(ctx context.Context, b *batch, next func() (map[string]string, int, error)) error {
	st, err := newStage(ctx, b)
	if err != nil {
		return err
	}
	if err := b.eachRow(ctx, next, func(rec map[string]string, line int) error {
		var problems []string
		id := strings.ToLower(rec["id"])
		if !uuidRe.MatchString(id) {
			problems = append(problems, fmt.Sprintf("id %q is not a UUID", rec["id"]))
		}
		result := strings.ToLower(rec["result"])
		if !inspResult[result] {
			problems = append(problems, fmt.Sprintf("result %q is not compliant, violation, removed or not_found", rec["result"]))
		}
		at, err := parseTimestamp(rec["inspected_at"])
		if err != nil {
			problems = append(problems, err.Error())
		}
		if rec["inventory_no"] == "" || rec["inspector"] == "" {
			problems = append(problems, "inventory_no and inspector are required")
		}
		var rules []string
		for _, r := range strings.Split(rec["violated_rules"], ",") {
			if r = strings.TrimSpace(r); r != "" {
				rules = append(rules, r)
			}
		}
		attrs := map[string]any{"inventory_no": rec["inventory_no"], "inspector": rec["inspector"], "inspected_at": at,
			"result": result, "violated_rules": rules, "notes": rec["notes"], "terc": b.opts.TERC}
		if rules == nil {
			attrs["violated_rules"] = []string{}
		}
		if v := rec["accuracy_m"]; v != "" {
			if a, err := parseDecimal(v); err == nil {
				attrs["accuracy_m"] = a
			}
		}
		var w any
		if rec["lon"] != "" || rec["x"] != "" {
			pw, _, reason := pointFrom(rec, 0)
			if reason != "" {
				problems = append(problems, reason)
			} else {
				w = pw
			}
		}
		return st.keep(ctx, line, rec["id"], problems, []any{line, id, id, w, attrs})
	}); err != nil {
		return err
	}
	if err := st.finish(ctx, 4326, 1); err != nil {
		return err
	}
	if _, err := b.collectRejections(ctx, adsSQL["unknown_carriers"]); err != nil {
		return err
	}
	if _, err := b.tx.Exec(ctx, adsSQL["drop_unknown_carriers"]); err != nil {
		return err
	}
	var ins int
	if err := b.tx.QueryRow(ctx, adsSQL["inspections"], b.batchID).Scan(&ins); err != nil {
		return fmt.Errorf("write inspections: %w", err)
	}
	return st.settle(ctx, ins, 0)
}

func parseTimestamp(s string) (string, error) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{"2006-01-02T15:04:05Z07:00", "2006-01-02 15:04:05", "2006-01-02T15:04:05", "2006-01-02 15:04", "2006-01-02"} {
		if t, err := parseTime(layout, s); err == nil {
			return t, nil
		}
	}
	return "", fmt.Errorf("inspected_at %q is not a date and time", s)
}

func loadEnforcement(ctx context.Context, b *batch, cr *CSVReader) error {
	if b.opts.TERC == "" {
		return fmt.Errorf("enforcement cases: give the municipality's TERC (--municipality)")
	}
	st, err := newStage(ctx, b)
	if err != nil {
		return err
	}
	if err := b.eachRow(ctx, cr.Next, func(rec map[string]string, line int) error {
		var problems []string
		attrs := map[string]any{"inventory_no": rec["inventory_no"], "notes": rec["notes"], "terc": b.opts.TERC}
		var rules []string
		for _, r := range strings.Split(rec["violated_rules"], ",") {
			if r = strings.TrimSpace(r); r != "" {
				rules = append(rules, r)
			}
		}
		if rules == nil {
			rules = []string{}
		}
		attrs["violated_rules"] = rules
		for _, f := range []string{"found_on", "called_on", "proceedings_on", "decision_on", "removed_on"} {
			if v := rec[f]; v != "" {
				d, err := parseDate(v)
				if err != nil {
					problems = append(problems, fmt.Sprintf("%s: %v", f, err))
					continue
				}
				attrs[f] = d
			}
		}
		if rec["case_no"] == "" || attrs["found_on"] == nil {
			problems = append(problems, "case_no and found_on are required")
		}
		return st.keep(ctx, line, rec["case_no"], problems, []any{line, rec["case_no"], rec["case_no"], nil, attrs})
	}); err != nil {
		return err
	}
	if err := st.finish(ctx, 2180, 1); err != nil {
		return err
	}
	if _, err := b.collectRejections(ctx, adsSQL["unknown_carriers"]); err != nil {
		return err
	}
	if _, err := b.tx.Exec(ctx, adsSQL["drop_unknown_carriers"]); err != nil {
		return err
	}
	var ins, upd int
	if err := b.tx.QueryRow(ctx, adsSQL["enforcement"], b.opts.TERC).Scan(&ins, &upd); err != nil {
		return fmt.Errorf("write enforcement cases: %w", err)
	}
	return st.settle(ctx, ins, upd)
}

func loadPenalties(ctx context.Context, b *batch, cr *CSVReader) error {
	if b.opts.TERC == "" {
		return fmt.Errorf("penalties: give the municipality's TERC (--municipality)")
	}
	st, err := newStage(ctx, b)
	if err != nil {
		return err
	}
	st.allowRepeatedKeys = true
	if err := b.eachRow(ctx, cr.Next, func(rec map[string]string, line int) error {
		var problems []string
		attrs := map[string]any{}
		d, err := parseDate(rec["decided_on"])
		if err != nil {
			problems = append(problems, "decided_on: "+err.Error())
		}
		attrs["decided_on"] = d
		for _, f := range []string{"daily_pln", "amount_pln", "paid_pln", "days"} {
			if v := rec[f]; v != "" {
				x, err := parseDecimal(v)
				if err != nil || x < 0 {
					problems = append(problems, fmt.Sprintf("%s %q is not an amount", f, v))
					continue
				}
				attrs[f] = x
			}
		}
		if attrs["daily_pln"] == nil {
			problems = append(problems, "daily_pln is required")
		}
		return st.keep(ctx, line, rec["case_no"], problems, []any{line, rec["case_no"], rec["case_no"], nil, attrs})
	}); err != nil {
		return err
	}
	if err := st.finish(ctx, 2180, 1); err != nil {
		return err
	}
	if _, err := b.collectRejections(ctx, adsSQL["unknown_cases"], b.opts.TERC); err != nil {
		return err
	}
	if _, err := b.tx.Exec(ctx, adsSQL["drop_unknown_cases"], b.opts.TERC); err != nil {
		return err
	}
	var ins int
	if err := b.tx.QueryRow(ctx, adsSQL["penalties"], b.opts.TERC).Scan(&ins); err != nil {
		return fmt.Errorf("write penalties: %w", err)
	}
	return st.settle(ctx, ins, 0)
}

// warsaw is the zone of times written without one (inspectors' local time).
func warsaw() *time.Location {
	if loc, err := time.LoadLocation("Europe/Warsaw"); err == nil {
		return loc
	}
	return time.UTC
}

func parseTime(layout, s string) (string, error) {
	t, err := time.ParseInLocation(layout, s, warsaw())
	if err != nil {
		return "", err
	}
	return t.UTC().Format(time.RFC3339), nil
}
