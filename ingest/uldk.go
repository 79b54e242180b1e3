package ingest

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/paulmach/orb/encoding/wkt"
)

// ULDK (the national parcel service, uldk.gugik.gov.pl) answers
// GetParcelById with a status line and "SRID=n;WKT|parcel id" lines. ład
// reads such responses as text, or a JSON cache of them
// ({"responses":[{"url":…, "text":…}]}), as parcels.

type uldkParcel struct {
	line int
	id   string
	srid int
	wkt  string
}

// parseULDKText reads one response's text: status "0" then result lines;
// "-1" and other statuses are errors naming the service's message.
func parseULDKText(text string, line0 int) ([]uldkParcel, error) {
	sc := bufio.NewScanner(strings.NewReader(text))
	sc.Buffer(make([]byte, 64<<10), 64<<20)
	if !sc.Scan() {
		return nil, fmt.Errorf("empty response")
	}
	status := strings.TrimSpace(sc.Text())
	if status != "0" {
		msg := status
		if sc.Scan() {
			msg += " " + sc.Text()
		}
		return nil, fmt.Errorf("ULDK answered with an error: %s", strings.TrimSpace(msg))
	}
	var out []uldkParcel
	n := line0
	for sc.Scan() {
		n++
		s := strings.TrimSpace(sc.Text())
		if s == "" {
			continue
		}
		geomPart, id, ok := strings.Cut(s, "|")
		if !ok || !strings.HasPrefix(strings.ToUpper(geomPart), "SRID=") {
			continue // not a GetParcelById line (e.g. GetRegionById): ignored
		}
		sridS, w, _ := strings.Cut(geomPart[5:], ";")
		srid, err := strconv.Atoi(sridS)
		if err != nil {
			return nil, fmt.Errorf("line %d: SRID %q", n, sridS)
		}
		out = append(out, uldkParcel{line: n, id: strings.TrimSpace(strings.SplitN(id, "|", 2)[0]), srid: srid, wkt: w})
	}
	return out, sc.Err()
}

// loadParcelsULDK reads ULDK GetParcelById responses.
func loadParcelsULDK(ctx context.Context, b *batch, r io.Reader) error {
	data, err := io.ReadAll(io.LimitReader(r, 1<<30))
	if err != nil {
		return err
	}
	var parcels []uldkParcel
	trimmed := strings.TrimSpace(strings.TrimPrefix(string(data), "\ufeff"))
	if strings.HasPrefix(trimmed, "{") {
		var cache struct {
			Responses []struct {
				URL  string `json:"url"`
				Text string `json:"text"`
			} `json:"responses"`
		}
		if err := json.Unmarshal([]byte(trimmed), &cache); err != nil {
			return fmt.Errorf("ULDK response cache: %w", err)
		}
		for i, resp := range cache.Responses {
			if !strings.Contains(resp.URL, "GetParcelById") {
				continue
			}
			ps, err := parseULDKText(resp.Text, 0)
			if err != nil {
				if err := b.reject(ctx, Rejection{Line: i + 1, FeatureID: resp.URL, Reason: err.Error()}); err != nil {
					return err
				}
				continue
			}
			for j := range ps {
				ps[j].line = i + 1
			}
			parcels = append(parcels, ps...)
		}
	} else {
		ps, err := parseULDKText(trimmed, 1)
		if err != nil {
			return err
		}
		parcels = ps
	}
	st, err := newStage(ctx, b)
	if err != nil {
		return err
	}
	srid := 0
	for _, p := range parcels {
		b.report.Read++
		id, err := ParseParcelID(p.id)
		if err != nil {
			if err := b.reject(ctx, Rejection{Line: p.line, FeatureID: p.id, Field: "id", Reason: err.Error()}); err != nil {
				return err
			}
			continue
		}
		g, err := wkt.Unmarshal(p.wkt)
		if err != nil {
			if err := b.reject(ctx, Rejection{Line: p.line, FeatureID: p.id, Field: "geometry", Reason: "WKT not readable: " + err.Error()}); err != nil {
				return err
			}
			continue
		}
		if srid != 0 && p.srid != srid {
			if err := b.reject(ctx, Rejection{Line: p.line, FeatureID: p.id, Field: "geometry", Reason: fmt.Sprintf("EPSG:%d differs from the file's EPSG:%d", p.srid, srid)}); err != nil {
				return err
			}
			continue
		}
		srid = p.srid
		w, reason := polygonWKB(&Feature{Geometry: g})
		if reason != "" {
			if err := b.reject(ctx, Rejection{Line: p.line, FeatureID: p.id, Field: "geometry", Reason: reason}); err != nil {
				return err
			}
			continue
		}
		if err := st.add(ctx, []any{p.line, p.id, id.String(), w, nil}); err != nil {
			return err
		}
	}
	if srid == 0 {
		srid = 2180
	}
	return mergeParcels(ctx, b, st, srid)
}
