package ingest

import (
	"context"
	"fmt"
	"io"
	"strings"
)

// INSPIRE Planned Land Use (PLU 4.0): SpatialPlan → an act (kind other),
// ZoningElement → designations (HILUCS land use as symbol),
// SupplementaryRegulation → regulations of any geometry (points, lines,
// surfaces), OfficialDocumentation → documents. The municipality comes from
// Options.TERC, since PLU carries no TERC.

// inspireID reads inspireId/Identifier (localId, namespace, versionId).
func inspireID(n *node) (ns, local, version string) {
	if id := n.find("Identifier"); id != nil {
		return id.text("namespace"), id.text("localId"), id.text("versionId")
	}
	return "", "", ""
}

// hilucs turns a HILUCS or specific land-use link into a short symbol and
// a readable name: ".../HILUCSValue/4_1_5_OtherTransportNetwork" →
// "4_1_5", "Other Transport Network".
func hilucs(n *node) (string, string) {
	code := codeOf(n)
	if code == "" {
		return "", ""
	}
	parts := strings.Split(code, "_")
	var num, words []string
	for _, p := range parts {
		if p != "" && p[0] >= '0' && p[0] <= '9' {
			num = append(num, p)
		} else {
			words = append(words, p)
		}
	}
	sym := strings.Join(num, "_")
	if sym == "" {
		sym = code
	}
	if len(sym) > 20 {
		sym = sym[:20]
	}
	return sym, strings.Join(words, " ")
}

func loadPlanINSPIRE(ctx context.Context, b *batch, r io.Reader) error {
	if b.opts.TERC == "" {
		return fmt.Errorf("INSPIRE PLU carries no TERC: give the municipality (--municipality)")
	}
	st, err := newStage(ctx, b)
	if err != nil {
		return err
	}
	var acts []PlanMeta
	var docs []map[string]any
	srid, areas := 0, 0
	bad := func(line int, fid, field, reason string) error {
		return b.reject(ctx, Rejection{Line: line, FeatureID: fid, Field: field, Reason: reason})
	}
	sameCRS := func(line int, gid string, s int) bool {
		if srid != 0 && s != srid {
			_ = bad(line, gid, "geometry", fmt.Sprintf("EPSG:%d differs from the file's EPSG:%d", s, srid))
			return false
		}
		srid = s
		return true
	}
	err = gmlFeatures(r, func(n *node, line int) error {
		b.report.Read++
		gid := n.attr("id")
		ns, local, version := inspireID(n)
		if local == "" {
			local = gid
		}
		switch n.XMLName.Local {
		case "SpatialPlan":
			status := appStatuses[codeOf(n.child("processStepGeneral"))]
			if status == "" {
				status = "in_force"
			}
			title := n.text("officialTitle")
			if title == "" {
				title = local
			}
			acts = append(acts, PlanMeta{Kind: "other", Namespace: ns, LocalID: local, VersionID: version, Title: title,
				Status: status, ValidFrom: n.text("validFrom"), ValidTo: n.text("validTo"), TERC: b.opts.TERC})
			mp, s, err := gmlGeometry(n.child("extent"), "")
			if err != nil {
				return bad(line, gid, "extent", err.Error())
			}
			if !sameCRS(line, gid, s) {
				return nil
			}
			w, err := encodeWKB(mp)
			if err != nil {
				return bad(line, gid, "extent", err.Error())
			}
			return st.add(ctx, []any{line, gid, "boundary-" + local, w, map[string]any{"kind": "boundary"}})
		case "ZoningElement":
			areas++
			sym, name := hilucs(n.child("hilucsLandUse"))
			if _, specific := hilucs(n.child("specificLandUse")); specific != "" {
				name = specific
			}
			mp, s, err := gmlGeometry(n.child("geometry"), "")
			if err != nil {
				return bad(line, gid, "geometry", err.Error())
			}
			if !sameCRS(line, gid, s) {
				return nil
			}
			w, err := encodeWKB(mp)
			if err != nil {
				return bad(line, gid, "geometry", err.Error())
			}
			if sym == "" {
				sym = "?"
			}
			return st.add(ctx, []any{line, gid, local, w, map[string]any{"kind": "designation", "symbol": sym, "name": name,
				"profiles": []string{}, "nature": codeOf(n.child("regulationNature"))}})
		case "SupplementaryRegulation":
			areas++
			g, s, err := gmlAnyGeometry(n.child("geometry"), "")
			if err != nil {
				return bad(line, gid, "geometry", err.Error())
			}
			if !sameCRS(line, gid, s) {
				return nil
			}
			w, err := encodeWKB(g)
			if err != nil {
				return bad(line, gid, "geometry", err.Error())
			}
			code := codeOf(n.child("supplementaryRegulation"))
			_, specific := hilucs(n.child("specificSupplementaryRegulation"))
			return st.add(ctx, []any{line, gid, local, w, map[string]any{"kind": "regulation", "code": code,
				"name": firstNonEmpty(n.text("name"), specific), "nature": codeOf(n.child("regulationNature"))}})
		case "OfficialDocumentation":
			docs = append(docs, map[string]any{"kind": "dokument", "local_id": local,
				"title": firstNonEmpty(strings.TrimSpace(n.find("legislationCitation").textOrEmpty()), local),
				"url":   codeOf(n.find("regulationText"))})
			return nil
		default:
			return bad(line, gid, n.XMLName.Local, fmt.Sprintf("feature type %s is not part of INSPIRE Planned Land Use", n.XMLName.Local))
		}
	})
	if err != nil {
		if err := b.reject(ctx, Rejection{Field: "file", Reason: err.Error()}); err != nil {
			return err
		}
	}
	if len(acts) != 1 && b.report.Rejected == 0 {
		if err := b.reject(ctx, Rejection{Field: "SpatialPlan", Reason: fmt.Sprintf("an INSPIRE PLU file must hold one SpatialPlan, it holds %d", len(acts))}); err != nil {
			return err
		}
	}
	if b.report.Rejected > 0 {
		b.fatal = &rejectedError{n: b.report.Rejected}
		return nil
	}
	if err := st.finish(ctx, srid, 0); err != nil {
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
	meta := acts[0]
	if err := mergePlanParts(ctx, b, meta, true, areas > 0); err != nil {
		return err
	}
	var ins, upd int
	if err := b.tx.QueryRow(ctx, plansSQL["merge_regulations"], meta.Namespace, meta.LocalID, meta.VersionID, meta.TERC, b.batchID).Scan(&ins, &upd); err != nil {
		return fmt.Errorf("write supplementary regulations: %w", err)
	}
	b.report.Inserted += ins
	b.report.Updated += upd
	if len(docs) > 0 {
		if _, err := b.tx.Exec(ctx, plansSQL["documents"], meta.Namespace, meta.LocalID, meta.VersionID, docs); err != nil {
			return fmt.Errorf("write documents: %w", err)
		}
	}
	return nil
}

func (n *node) textOrEmpty() string {
	if n == nil {
		return ""
	}
	var b strings.Builder
	var walk func(*node)
	walk = func(x *node) {
		if t := strings.TrimSpace(x.Text); t != "" {
			if b.Len() > 0 {
				b.WriteString(" ")
			}
			b.WriteString(t)
		}
		for i := range x.Children {
			walk(&x.Children[i])
		}
	}
	walk(n)
	return b.String()
}
