package ingest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

var plansSQL = mustNamed("plans.sql")

// PlanMeta describes a planning act as a whole.
type PlanMeta struct {
	Kind         string `json:"kind"` // mpzp, studium, pog, other
	Namespace    string `json:"namespace"`
	LocalID      string `json:"local_id"`
	VersionID    string `json:"version_id"`
	Title        string `json:"title"`
	ResolutionNo string `json:"resolution_no"`
	Status       string `json:"status"`
	AdoptedOn    string `json:"adopted_on"`
	ValidFrom    string `json:"valid_from"`
	ValidTo      string `json:"valid_to"`
	DocURL       string `json:"doc_url"`
	TERC         string `json:"terc"`
}

// planStatuses maps status words (ład's and the APP code list's Polish
// ones) to ład's status.
var planStatuses = map[string]string{
	"in_preparation": "in_preparation", "w opracowaniu": "in_preparation", "wopracowaniu": "in_preparation",
	"draft": "draft", "projekt": "draft",
	"in_force": "in_force", "obowiązujący": "in_force", "obowiazujacy": "in_force", "prawnie wiążący": "in_force",
	"partly_repealed": "partly_repealed", "częściowo uchylony": "partly_repealed",
	"repealed": "repealed", "uchylony": "repealed", "nieobowiązujący": "repealed",
	"expired": "expired", "wygaszony": "expired",
}

var zoneKinds = map[string]bool{"designation": true, "pog_zone": true, "ouz": true, "downtown": true, "other": true, "boundary": true}

// planMeta reads the act from the collection's "plan" member, overridden by
// Options.Mapping entries "plan.<field>", and checks it.
func planMeta(raw json.RawMessage, opts Options) (PlanMeta, error) {
	var m PlanMeta
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &m); err != nil {
			return m, fmt.Errorf("plan member: %w", err)
		}
	}
	set := map[string]*string{"kind": &m.Kind, "namespace": &m.Namespace, "local_id": &m.LocalID, "version_id": &m.VersionID,
		"title": &m.Title, "resolution_no": &m.ResolutionNo, "status": &m.Status, "adopted_on": &m.AdoptedOn,
		"valid_from": &m.ValidFrom, "valid_to": &m.ValidTo, "doc_url": &m.DocURL, "terc": &m.TERC}
	for k, v := range opts.Mapping {
		if f, ok := strings.CutPrefix(k, "plan."); ok {
			if p, ok := set[f]; ok {
				*p = v
			}
		}
	}
	if m.TERC == "" {
		m.TERC = opts.TERC
	}
	var errs []string
	if len(m.TERC) != 7 || !allDigits(m.TERC) {
		errs = append(errs, fmt.Sprintf("municipality TERC %q is not 7 digits (give it in the plan member or --municipality)", m.TERC))
	}
	switch m.Kind {
	case "mpzp", "studium", "pog", "other":
	case "":
		errs = append(errs, "plan kind missing (mpzp, studium, pog)")
	default:
		errs = append(errs, fmt.Sprintf("plan kind %q is not mpzp, studium, pog or other", m.Kind))
	}
	if strings.TrimSpace(m.Title) == "" {
		errs = append(errs, "plan title missing")
	}
	if m.LocalID == "" {
		errs = append(errs, "plan local_id (lokalnyId) missing")
	}
	if m.Namespace == "" {
		m.Namespace = fmt.Sprintf("PL.ZIPPZP.%s-%s", m.TERC, strings.ToUpper(m.Kind))
	}
	if m.Status == "" {
		m.Status = "in_force"
	}
	if s, ok := planStatuses[strings.ToLower(strings.TrimSpace(m.Status))]; ok {
		m.Status = s
	} else {
		errs = append(errs, fmt.Sprintf("plan status %q unknown", m.Status))
	}
	for name, p := range map[string]*string{"adopted_on": &m.AdoptedOn, "valid_from": &m.ValidFrom, "valid_to": &m.ValidTo} {
		if *p == "" {
			continue
		}
		d, err := parseDate(*p)
		if err != nil {
			errs = append(errs, fmt.Sprintf("%s: %v", name, err))
			continue
		}
		*p = d
	}
	if len(errs) > 0 {
		return m, errors.New(strings.Join(errs, "; "))
	}
	return m, nil
}

// parseDate accepts ISO dates (with an optional time) and epoch
// milliseconds (ArcGIS exports), returning YYYY-MM-DD.
func parseDate(s string) (string, error) {
	s = strings.TrimSpace(s)
	if ms, err := strconv.ParseInt(s, 10, 64); err == nil && len(s) >= 10 {
		return time.UnixMilli(ms).UTC().Format("2006-01-02"), nil
	}
	for _, layout := range []string{"2006-01-02", "2006-01-02 15:04:05", time.RFC3339, "2006-01-02T15:04:05", "02.01.2006"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.Format("2006-01-02"), nil
		}
	}
	return "", fmt.Errorf("date %q not understood (YYYY-MM-DD expected)", s)
}

// zoneParams lists each numeric parameter with its source names and range.
var zoneParams = []struct {
	field    string
	names    []string
	min, max float64
}{
	{"max_height_m", []string{"max_height_m", "maksWysokoscZabudowy", "MAKSWYSOKO"}, 0, 300},
	{"intensity_min", []string{"intensity_min", "minIntensywnoscZabudowy", "MININTENSY"}, 0, 30},
	{"intensity_max", []string{"intensity_max", "maksNadziemnaIntensywnoscZabudowy", "MAKSNADZIE"}, 0, 30},
	{"max_coverage_pct", []string{"max_coverage_pct", "maksUdzialPowierzchniZabudowy", "MAKSUDZIAL"}, 0, 100},
	{"min_bio_pct", []string{"min_bio_pct", "minUdzialPowierzchniBiologicznieCzynnej", "MINUDZIALP"}, 0, 100},
}

// loadPlanGeoJSON reads one planning act: the act from the "plan" member
// and its areas from the features. An act with any defect is rejected whole.
func loadPlanGeoJSON(ctx context.Context, b *batch, r io.Reader) error {
	gr := NewGeoJSONReader(r, b.opts.SRID)
	if err := gr.Start(); err != nil {
		return fmt.Errorf("read GeoJSON: %w", err)
	}
	meta, err := planMeta(gr.Member("plan"), b.opts)
	if err != nil {
		if err := b.reject(ctx, Rejection{Field: "plan", Reason: err.Error()}); err != nil {
			return err
		}
		b.fatal = &rejectedError{n: 1}
		return nil
	}
	defaultKind := "designation"
	if meta.Kind == "pog" {
		defaultKind = "pog_zone"
	}
	st, err := newStage(ctx, b)
	if err != nil {
		return err
	}
	if err := b.eachFeature(gr, func(f *Feature) error {
		attrs, key, problems := zoneAttrs(f, b.opts.Mapping, defaultKind)
		for _, p := range problems {
			if err := b.reject(ctx, p); err != nil {
				return err
			}
		}
		if len(problems) > 0 {
			return nil
		}
		return st.addPolygon(ctx, f, key, attrs)
	}); err != nil {
		return err
	}
	if err := st.finish(ctx, gr.SRID(), 3); err != nil {
		return err
	}
	for _, q := range []string{"overlaps", "outside", "duplicate_designations"} {
		if _, err := b.collectRejections(ctx, plansSQL[q]); err != nil {
			return err
		}
	}
	if b.report.Rejected > 0 {
		b.fatal = &rejectedError{n: b.report.Rejected}
		return nil
	}
	return mergePlanParts(ctx, b, meta, true, true)
}

// mergePlanParts writes the act (when the file holds it) and its staged
// areas (when it holds them), and supersedes older versions of the act.
func mergePlanParts(ctx context.Context, b *batch, meta PlanMeta, act, areas bool) error {
	var planID int64
	var isNew bool
	err := pgx.ErrNoRows
	if act {
		err = b.tx.QueryRow(ctx, plansSQL["upsert_plan"], meta.TERC, meta.Kind, meta.Namespace, meta.LocalID, meta.VersionID,
			meta.Title, meta.ResolutionNo, meta.Status, nullDate(meta.AdoptedOn), nullDate(meta.ValidFrom), nullDate(meta.ValidTo),
			meta.DocURL, b.batchID).Scan(&planID, &isNew)
	}
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		if err := b.tx.QueryRow(ctx, plansSQL["find_plan"], meta.Namespace, meta.LocalID, meta.VersionID).Scan(&planID); err != nil {
			return fmt.Errorf("find plan: %w", err)
		}
		if act {
			b.report.Unchanged++
		}
	case err != nil:
		return fmt.Errorf("write plan %s: %w", meta.Title, err)
	case isNew:
		b.report.Inserted++
	default:
		b.report.Updated++
	}
	if !areas {
		_, err := b.tx.Exec(ctx, plansSQL["supersede"], planID)
		return err
	}
	var ins, upd, del int
	if err := b.tx.QueryRow(ctx, plansSQL["merge_zones"], planID, meta.TERC, b.batchID).Scan(&ins, &upd, &del); err != nil {
		return fmt.Errorf("write plan areas: %w", err)
	}
	if _, err := b.tx.Exec(ctx, plansSQL["supersede"], planID); err != nil {
		return fmt.Errorf("supersede older versions: %w", err)
	}
	var nAreas int
	if err := b.tx.QueryRow(ctx, plansSQL["count_areas"]).Scan(&nAreas); err != nil {
		return fmt.Errorf("count areas: %w", err)
	}
	b.report.Inserted += ins
	b.report.Updated += upd
	b.report.Unchanged += nAreas - ins - upd
	if del > 0 {
		b.report.Message = fmt.Sprintf("%d area(s) no longer in the act were removed", del)
	}
	return nil
}

func nullDate(s string) *string { return nullIfEmpty(s) }

// zoneAttrs reads one area's attributes, its key (local id, else
// designation, else feature id) and the problems found.
func zoneAttrs(f *Feature, mapping map[string]string, defaultKind string) (map[string]any, string, []Rejection) {
	var problems []Rejection
	bad := func(field, reason string) {
		problems = append(problems, Rejection{FeatureID: f.ID, Line: f.Index, Field: field, Reason: reason})
	}
	kind := prop(f.Properties, mapping, "kind", "kind", "rodzaj")
	if kind == "" {
		kind = defaultKind
	}
	if !zoneKinds[kind] {
		bad("kind", fmt.Sprintf("area kind %q is not designation, pog_zone, ouz, downtown, other or boundary", kind))
	}
	designation := strings.TrimSpace(prop(f.Properties, mapping, "designation", "designation", "oznaczenie", "OZNACZENIE"))
	symbol := strings.TrimSpace(prop(f.Properties, mapping, "symbol", "symbol", "SYMBOL"))
	if (kind == "designation" || kind == "pog_zone") && symbol == "" {
		bad("symbol", "a designation or planning zone needs its symbol")
	}
	attrs := map[string]any{
		"kind":        kind,
		"designation": designation,
		"symbol":      symbol,
		"name":        strings.TrimSpace(prop(f.Properties, mapping, "name", "name", "nazwa", "NAZWA")),
		"rules":       prop(f.Properties, mapping, "rules", "rules", "ustalenia"),
	}
	profiles := []string{}
	if v, ok := f.Properties["profiles"].([]any); ok {
		for _, p := range v {
			profiles = append(profiles, propText(p))
		}
	} else {
		for _, field := range []string{"profiles", "PROFILPODS", "PROFILDODA"} {
			for _, p := range strings.Split(prop(f.Properties, mapping, field, field), ",") {
				if p = strings.TrimSpace(p); p != "" {
					profiles = append(profiles, p)
				}
			}
		}
	}
	attrs["profiles"] = profiles
	for _, p := range zoneParams {
		s := prop(f.Properties, mapping, p.field, p.names...)
		if s == "" {
			continue
		}
		v, err := strconv.ParseFloat(strings.Replace(s, ",", ".", 1), 64)
		if err != nil {
			bad(p.field, fmt.Sprintf("%s %q is not a number", p.field, s))
			continue
		}
		if v < p.min || v > p.max {
			bad(p.field, fmt.Sprintf("%s %g outside %g–%g", p.field, v, p.min, p.max))
			continue
		}
		attrs[p.field] = v
	}
	key := prop(f.Properties, mapping, "local_id", "local_id", "lokalnyId")
	if key == "" {
		key = designation
	}
	if key == "" {
		key = "feature-" + f.ID
	}
	if kind == "boundary" {
		key = "boundary-" + f.ID
	}
	return attrs, key, problems
}
