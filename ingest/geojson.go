package ingest

import (
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"

	// goccy/go-json is a drop-in encoding/json (same Number, RawMessage and
	// Delim types) that decodes GeoJSON about twice as fast: decoding is
	// most of the Go side of a large parcel load.
	json "github.com/goccy/go-json"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"
)

// Feature is one GeoJSON feature as the streaming reader yields it.
type Feature struct {
	Index      int            // 1-based position in the collection
	ID         string         // the feature's id, or its index
	Properties map[string]any // as decoded
	Geometry   orb.Geometry   // nil when absent
	GeomErr    error          // why the geometry could not be read
}

// GeoJSONReader streams the features of a FeatureCollection without
// loading the file: memory stays flat whatever the file's size.
type GeoJSONReader struct {
	dec     *json.Decoder
	srid    int
	started bool
	done    bool
	n       int
	members map[string]json.RawMessage
}

// NewGeoJSONReader reads a FeatureCollection from r. defaultSRID is used
// when the collection has no "crs" member (RFC 7946: CRS84).
func NewGeoJSONReader(r io.Reader, defaultSRID int) *GeoJSONReader {
	if defaultSRID == 0 {
		defaultSRID = crs84
	}
	dec := json.NewDecoder(r)
	dec.UseNumber()
	return &GeoJSONReader{dec: dec, srid: defaultSRID}
}

// Member returns a top-level member of the collection other than type, crs
// and features (such as ład's "plan" or "resolution"), when it came before
// the features; call it after the first Next.
func (g *GeoJSONReader) Member(name string) json.RawMessage { return g.members[name] }

// Start reads up to the first feature, so that the crs and other members
// that precede the features are known.
func (g *GeoJSONReader) Start() error {
	if g.started {
		return nil
	}
	if err := g.seekFeatures(); err != nil {
		return err
	}
	g.started = true
	return nil
}

// SRID is the collection's coordinate system: from its "crs" member when
// that came before the features, else the default.
func (g *GeoJSONReader) SRID() int { return g.srid }

type rawFeature struct {
	Type       string          `json:"type"`
	ID         json.RawMessage `json:"id"`
	Properties map[string]any  `json:"properties"`
	Geometry   json.RawMessage `json:"geometry"`
}

// rawGeometry is a GeoJSON geometry with its coordinates still undecoded:
// their nesting depends on the type.
type rawGeometry struct {
	Type        string          `json:"type"`
	Coordinates json.RawMessage `json:"coordinates"`
	Geometries  []*rawGeometry  `json:"geometries"`
}

// coordinates decodes a coordinates array into the orb type of its nesting.
func coordinates[T orb.Geometry](raw json.RawMessage) (orb.Geometry, error) {
	var g T
	err := json.Unmarshal(raw, &g)
	return g, err
}

// maxCollectionDepth bounds nested GeometryCollections.
const maxCollectionDepth = 8

// decode turns the raw geometry into an orb geometry.
func (r *rawGeometry) decode(depth int) (orb.Geometry, error) {
	if r.Type == "GeometryCollection" {
		if depth >= maxCollectionDepth {
			return nil, errors.New("geometry collections nested too deep")
		}
		c := orb.Collection{}
		for i, g := range r.Geometries {
			if g == nil {
				return nil, fmt.Errorf("geometries[%d] is null", i)
			}
			m, err := g.decode(depth + 1)
			if err != nil {
				return nil, fmt.Errorf("geometries[%d]: %w", i, err)
			}
			c = append(c, m)
		}
		return c, nil
	}
	if len(r.Coordinates) == 0 || string(r.Coordinates) == "null" {
		return nil, fmt.Errorf("%s without coordinates", r.Type)
	}
	var (
		g   orb.Geometry
		err error
	)
	switch r.Type {
	case "Point":
		var p []float64
		if err = json.Unmarshal(r.Coordinates, &p); err == nil {
			if len(p) < 2 {
				return nil, errors.New("a position needs two coordinates")
			}
			g = orb.Point{p[0], p[1]}
		}
	case "MultiPoint":
		g, err = coordinates[orb.MultiPoint](r.Coordinates)
	case "LineString":
		g, err = coordinates[orb.LineString](r.Coordinates)
	case "MultiLineString":
		g, err = coordinates[orb.MultiLineString](r.Coordinates)
	case "Polygon":
		g, err = coordinates[orb.Polygon](r.Coordinates)
	case "MultiPolygon":
		g, err = coordinates[orb.MultiPolygon](r.Coordinates)
	default:
		return nil, fmt.Errorf("unknown geometry type %q", r.Type)
	}
	if err != nil {
		return nil, fmt.Errorf("%s coordinates: %w", r.Type, err)
	}
	return g, nil
}

type crsMember struct {
	Type       string `json:"type"`
	Properties struct {
		Name string `json:"name"`
	} `json:"properties"`
}

// Next returns the next feature, or io.EOF after the last one. Errors in a
// feature's geometry are reported in Feature.GeomErr (the record can be
// rejected alone); errors in the JSON structure end the stream.
func (g *GeoJSONReader) Next() (*Feature, error) {
	if g.done {
		return nil, io.EOF
	}
	if err := g.Start(); err != nil {
		return nil, err
	}
	if !g.dec.More() {
		g.done = true
		// Consume the array's closing bracket; the rest of the object is
		// not needed.
		if _, err := g.dec.Token(); err != nil {
			return nil, fmt.Errorf("after feature %d: %w", g.n, err)
		}
		return nil, io.EOF
	}
	var rf rawFeature
	if err := g.dec.Decode(&rf); err != nil {
		return nil, fmt.Errorf("feature %d: %w", g.n+1, err)
	}
	g.n++
	f := &Feature{Index: g.n, Properties: rf.Properties, ID: strconv.Itoa(g.n)}
	if len(rf.ID) > 0 && string(rf.ID) != "null" {
		var s string
		if json.Unmarshal(rf.ID, &s) == nil {
			f.ID = s
		} else {
			f.ID = string(rf.ID)
		}
	}
	if rf.Type != "Feature" {
		f.GeomErr = fmt.Errorf("not a Feature (type %q)", rf.Type)
		return f, nil
	}
	if len(rf.Geometry) == 0 || string(rf.Geometry) == "null" {
		f.GeomErr = errors.New("no geometry")
		return f, nil
	}
	// Decoded apart from the feature, so that a bad geometry rejects this
	// feature alone.
	var rg rawGeometry
	err := json.Unmarshal(rf.Geometry, &rg)
	var geom orb.Geometry
	if err == nil {
		geom, err = rg.decode(0)
	}
	if err != nil {
		f.GeomErr = fmt.Errorf("unreadable geometry: %w", err)
		return f, nil
	}
	f.Geometry = geom
	return f, nil
}

// seekFeatures walks the top-level object up to the "features" array,
// reading a "crs" member met on the way.
func (g *GeoJSONReader) seekFeatures() error {
	tok, err := g.dec.Token()
	if err != nil {
		return fmt.Errorf("not GeoJSON: %w", err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return errors.New("not GeoJSON: a FeatureCollection object was expected")
	}
	for g.dec.More() {
		tok, err := g.dec.Token()
		if err != nil {
			return fmt.Errorf("not GeoJSON: %w", err)
		}
		key, _ := tok.(string)
		switch key {
		case "features":
			tok, err := g.dec.Token()
			if err != nil {
				return fmt.Errorf("features: %w", err)
			}
			if d, ok := tok.(json.Delim); !ok || d != '[' {
				return errors.New("features is not an array")
			}
			return nil
		case "crs":
			var c crsMember
			if err := g.dec.Decode(&c); err != nil {
				return fmt.Errorf("crs: %w", err)
			}
			srid, _, err := ParseCRS(c.Properties.Name)
			if err != nil {
				return fmt.Errorf("crs: %w", err)
			}
			g.srid = srid
		case "type":
			var t string
			if err := g.dec.Decode(&t); err != nil {
				return fmt.Errorf("type: %w", err)
			}
			if t != "FeatureCollection" {
				return fmt.Errorf("a FeatureCollection was expected, got %q", t)
			}
		default:
			var raw json.RawMessage
			if err := g.dec.Decode(&raw); err != nil {
				return fmt.Errorf("%s: %w", key, err)
			}
			if len(raw) < 1<<16 {
				if g.members == nil {
					g.members = map[string]json.RawMessage{}
				}
				g.members[key] = raw
			}
		}
	}
	return errors.New("no features array")
}

// encodeWKB returns the geometry as WKB for COPY into a staging table, or
// the defect for which PostGIS would refuse to read it at all.
func encodeWKB(g orb.Geometry) ([]byte, error) {
	if d := geometryDefect(g); d != "" {
		return nil, errors.New(d)
	}
	return wkb.Marshal(g)
}

// geometryDefect says why PostGIS could not read g at all: a ring not
// closed or with fewer than four points, a line of one point, a coordinate
// that is not a finite number. Such records are rejected one by one before
// they reach the database, which would otherwise fail the whole batch on
// them; subtler defects (self-intersections…) are found by ST_IsValid in
// the stage, with their place.
func geometryDefect(g orb.Geometry) string {
	switch g := g.(type) {
	case orb.Point:
		if !finite(g) {
			return fmt.Sprintf("coordinate %v is not a number", g)
		}
	case orb.MultiPoint:
		for _, p := range g {
			if d := geometryDefect(p); d != "" {
				return d
			}
		}
	case orb.LineString:
		if len(g) == 1 {
			return "a line needs at least two points"
		}
		return pointsDefect(g)
	case orb.MultiLineString:
		for _, l := range g {
			if d := geometryDefect(l); d != "" {
				return d
			}
		}
	case orb.Ring:
		return ringDefect(g, 0)
	case orb.Polygon:
		for i, r := range g {
			if d := ringDefect(r, i); d != "" {
				return d
			}
		}
	case orb.MultiPolygon:
		for k, p := range g {
			for i, r := range p {
				if d := ringDefect(r, i); d != "" {
					return fmt.Sprintf("polygon %d: %s", k+1, d)
				}
			}
		}
	case orb.Collection:
		for _, m := range g {
			if d := geometryDefect(m); d != "" {
				return d
			}
		}
	}
	return ""
}

func ringDefect(r orb.Ring, i int) string {
	name := "outer ring"
	if i > 0 {
		name = fmt.Sprintf("inner ring %d", i)
	}
	switch {
	case len(r) == 0:
		return ""
	case len(r) < 4:
		return fmt.Sprintf("%s has %d points (a ring needs at least 4, the last equal to the first)", name, len(r))
	case r[0] != r[len(r)-1]:
		return fmt.Sprintf("%s is not closed (starts at %v, ends at %v)", name, r[0], r[len(r)-1])
	}
	return pointsDefect(r)
}

func pointsDefect(ps []orb.Point) string {
	for _, p := range ps {
		if !finite(p) {
			return fmt.Sprintf("coordinate %v is not a number", p)
		}
	}
	return ""
}

func finite(p orb.Point) bool {
	return !math.IsNaN(p[0]) && !math.IsInf(p[0], 0) && !math.IsNaN(p[1]) && !math.IsInf(p[1], 0)
}

// prop reads a property as text, trying the mapped name first and then the
// candidates (case-sensitive first, then case-insensitive).
func prop(props map[string]any, mapping map[string]string, field string, candidates ...string) string {
	if name, ok := mapping[field]; ok {
		return propText(props[name])
	}
	for _, c := range candidates {
		if v, ok := props[c]; ok && v != nil {
			return propText(v)
		}
	}
	for k, v := range props {
		for _, c := range candidates {
			if equalFold(k, c) && v != nil {
				return propText(v)
			}
		}
	}
	return ""
}

func propText(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case json.Number:
		return x.String()
	case bool:
		return strconv.FormatBool(x)
	default:
		b, _ := json.Marshal(x)
		return string(b)
	}
}

func equalFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		ca, cb := a[i], b[i]
		if 'A' <= ca && ca <= 'Z' {
			ca += 'a' - 'A'
		}
		if 'A' <= cb && cb <= 'Z' {
			cb += 'a' - 'A'
		}
		if ca != cb {
			return false
		}
	}
	return true
}
