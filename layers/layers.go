// Package layers is the catalogue of everything ład publishes: each layer's
// titles in Polish and English, its source (a table or view, with the
// tables it reads), the attributes it exposes, zoom range and
// generalisation, audience, MapLibre style and legend, attribution and time
// attribute. It sits between PostGIS and every output in the flow
// ingest → PostGIS → layers → tiles/queries/analyses → web: tiles, the OGC
// API and the web map read only what the catalogue names, and the catalogue
// asks package access who may see a layer.
package layers

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/ladgis/lad/access"
)

//go:embed catalogue.yaml
var defaultCatalogue []byte

// Text is a title or description in Polish and English.
type Text struct {
	PL string `yaml:"pl" json:"pl"`
	EN string `yaml:"en" json:"en"`
}

// Attribute is a column a layer exposes.
type Attribute struct {
	Name      string `yaml:"name" json:"name"`
	Type      string `yaml:"type" json:"type"` // text, int, float, bool, date, timestamp
	Title     Text   `yaml:"title" json:"title"`
	Queryable bool   `yaml:"queryable" json:"queryable"`
}

// Source says where a layer's rows come from: a table or view, or a
// set-returning SQL function whose arguments are the layer's parameters.
type Source struct {
	// Table or view (in the public schema) holding the rows.
	Table string `yaml:"table" json:"table"`
	// Function, instead of Table, is a set-returning SQL function (in the
	// public schema) called with the layer's arg parameters by name; the
	// function's own defaults stand for those a request does not give. Its
	// rows may depend on rows anywhere (a statistic over a whole city), so
	// a change to a table it reads drops all its cached tiles.
	Function string `yaml:"function" json:"function,omitempty"`
	// Key is the column identifying a feature (default id), of KeyType
	// int (default), text or uuid.
	Key     string `yaml:"key" json:"key"`
	KeyType string `yaml:"key_type" json:"key_type"`
	// Geom is the EPSG:2180 geometry column (default geom).
	Geom string `yaml:"geom" json:"geom"`
	// TileGeom is the indexed EPSG:3857 column tiles read (default geom_3857).
	TileGeom string `yaml:"tile_geom" json:"tile_geom"`
	// Filter is a fixed SQL condition on the rows (written by the
	// catalogue's authors, never taken from a request).
	Filter string `yaml:"filter" json:"-"`
	// Reads lists the tables whose changes change the layer (default: Table).
	Reads []string `yaml:"reads" json:"reads"`
}

// Zoom generalisation: below MaxZoom, simplify by Tolerance tile pixels
// and keep only rows matching Filter.
type Generalise struct {
	MaxZoom   int     `yaml:"max_zoom" json:"max_zoom"`
	Tolerance float64 `yaml:"tolerance" json:"tolerance"`
	Filter    string  `yaml:"filter" json:"-"`
}

// LegendItem is one entry of a layer's legend.
type LegendItem struct {
	Label Text   `yaml:"label" json:"label"`
	Color string `yaml:"color" json:"color"`
	Value string `yaml:"value" json:"value,omitempty"`
}

// Style is the layer's default MapLibre style: one or more MapLibre style
// layers (type, paint, layout, filter) drawn from the layer's source layer.
type Style struct {
	Layers []map[string]any `yaml:"layers" json:"layers"`
}

// Param is a typed request parameter of a layer (e.g. permits between two
// dates): its value is validated and bound, and compared with Column by Op
// — or, for an Arg of a function layer, passed to the function by name.
type Param struct {
	Name   string `yaml:"name" json:"name"`
	Type   string `yaml:"type" json:"type"` // date, int, text
	Column string `yaml:"column" json:"-"`
	Op     string `yaml:"op" json:"op,omitempty"` // =, >=, <=
	// Arg passes the value as the function argument of the same name.
	Arg bool `yaml:"arg" json:"arg,omitempty"`
	// Min and Max bound an int parameter.
	Min   *int64 `yaml:"min" json:"min,omitempty"`
	Max   *int64 `yaml:"max" json:"max,omitempty"`
	Title Text   `yaml:"title" json:"title"`
	// wholeDay is set for a date parameter compared by <= with a
	// timestamp attribute: the day given is included to its end.
	wholeDay bool
}

// Check validates a request's value of the parameter.
func (p Param) Check(v string) error {
	switch p.Type {
	case "date":
		if _, err := time.Parse("2006-01-02", v); err != nil {
			return fmt.Errorf("%q is not a date (YYYY-MM-DD)", v)
		}
	case "int":
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return fmt.Errorf("%q is not a whole number", v)
		}
		if (p.Min != nil && n < *p.Min) || (p.Max != nil && n > *p.Max) {
			return fmt.Errorf("%d is out of range %s–%s", n, bound(p.Min), bound(p.Max))
		}
	case "text":
		if len(v) > 200 {
			return errors.New("too long")
		}
	}
	return nil
}

func bound(b *int64) string {
	if b == nil {
		return "…"
	}
	return strconv.FormatInt(*b, 10)
}

// sqlType is the cast a parameter's bound value gets.
func (p Param) sqlType() string {
	return map[string]string{"date": "date", "int": "bigint", "text": "text"}[p.Type]
}

// Where is the row condition of a non-argument parameter, comparing its
// column with the value bound by bind (which returns the placeholder). A
// date compared by <= with a timestamp column includes the whole day.
func (p Param) Where(bind func(any) string, v string) string {
	if p.wholeDay {
		return fmt.Sprintf("%s < (%s::date + 1)", quoteIdent(p.Column), bind(v))
	}
	return fmt.Sprintf("%s %s %s::%s", quoteIdent(p.Column), p.Op, bind(v), p.sqlType())
}

// From is the FROM item of the layer's rows: its table, or its function
// called with the arg parameters present in params, by name, each value
// bound by bind (which returns the placeholder). Values must have passed
// Param.Check.
func (l *Layer) From(params map[string]string, bind func(any) string) string {
	if l.Source.Function == "" {
		return quoteIdent(l.Source.Table)
	}
	var args []string
	for _, p := range l.Params {
		if v, ok := params[p.Name]; ok && p.Arg {
			args = append(args, fmt.Sprintf("%s => %s::%s", quoteIdent(p.Name), bind(v), p.sqlType()))
		}
	}
	return quoteIdent(l.Source.Function) + "(" + strings.Join(args, ", ") + ")"
}

// quoteIdent quotes a name already checked to be a plain SQL name.
func quoteIdent(s string) string { return `"` + s + `"` }

// Limits bound OGC API item pages.
type Limits struct {
	Default int `yaml:"default" json:"default"`
	Max     int `yaml:"max" json:"max"`
}

// Layer is one published layer.
type Layer struct {
	ID            string          `yaml:"id" json:"id"`
	Title         Text            `yaml:"title" json:"title"`
	Description   Text            `yaml:"description" json:"description"`
	Group         Text            `yaml:"group" json:"group"`
	Source        Source          `yaml:"source" json:"-"`
	GeometryType  string          `yaml:"geometry_type" json:"geometry_type"` // polygon, line, point
	Attributes    []Attribute     `yaml:"attributes" json:"attributes"`
	MinZoom       int             `yaml:"min_zoom" json:"min_zoom"`
	MaxZoom       int             `yaml:"max_zoom" json:"max_zoom"`
	Generalise    []Generalise    `yaml:"generalise" json:"-"`
	Audience      access.Audience `yaml:"audience" json:"audience"`
	Style         Style           `yaml:"style" json:"style"`
	Legend        []LegendItem    `yaml:"legend" json:"legend"`
	Attribution   string          `yaml:"attribution" json:"attribution"`
	TimeAttribute string          `yaml:"time_attribute" json:"time_attribute,omitempty"`
	// TERCColumn holds each row's municipality (default terc): the rows of
	// a layer that is not public are limited to the municipalities the
	// caller works for (access.Subject.Scope), in tiles and features alike.
	TERCColumn  string  `yaml:"terc_column" json:"-"`
	CacheMaxAge int     `yaml:"cache_max_age" json:"cache_max_age"` // seconds
	Limits      Limits  `yaml:"limits" json:"limits"`
	Visible     bool    `yaml:"visible" json:"visible"` // shown when the map opens
	Licence     string  `yaml:"licence" json:"licence"`
	Params      []Param `yaml:"params" json:"params,omitempty"`
}

// Catalogue is the set of published layers, in display order.
type Catalogue struct {
	layers []*Layer
	byID   map[string]*Layer
}

// ErrNotFound is returned for a layer that does not exist — or that the
// caller may not see, which to them is the same.
var ErrNotFound = errors.New("no such layer")

// Default is the catalogue built into ład.
func Default() (*Catalogue, error) { return Parse(defaultCatalogue) }

// Load reads a catalogue file (YAML), replacing the built-in one.
func Load(path string) (*Catalogue, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("layer catalogue: %w", err)
	}
	c, err := Parse(b)
	if err != nil {
		return nil, fmt.Errorf("layer catalogue %s: %w", path, err)
	}
	return c, nil
}

// Parse reads and checks a catalogue.
func Parse(b []byte) (*Catalogue, error) {
	var doc struct {
		Layers []*Layer `yaml:"layers"`
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true) // a misspelt or misquoted key is an error, not silence
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("parse: %w", err)
	}
	c := &Catalogue{byID: map[string]*Layer{}}
	var errs []error
	for _, l := range doc.Layers {
		l.defaults()
		if err := l.check(); err != nil {
			errs = append(errs, fmt.Errorf("layer %q: %w", l.ID, err))
			continue
		}
		if _, dup := c.byID[l.ID]; dup {
			errs = append(errs, fmt.Errorf("layer %q defined twice", l.ID))
			continue
		}
		c.byID[l.ID] = l
		c.layers = append(c.layers, l)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return c, nil
}

func (l *Layer) defaults() {
	if l.Source.Key == "" {
		l.Source.Key = "id"
	}
	if l.Source.KeyType == "" {
		l.Source.KeyType = "int"
	}
	if l.Source.Geom == "" {
		l.Source.Geom = "geom"
	}
	if l.Source.TileGeom == "" {
		l.Source.TileGeom = "geom_3857"
	}
	if len(l.Source.Reads) == 0 && l.Source.Table != "" {
		l.Source.Reads = []string{l.Source.Table}
	}
	if l.MaxZoom == 0 {
		l.MaxZoom = 22
	}
	if l.Audience == "" {
		l.Audience = access.Public
	}
	if l.TERCColumn == "" {
		l.TERCColumn = "terc"
	}
	if l.CacheMaxAge == 0 {
		l.CacheMaxAge = 60
	}
	if l.Limits.Default == 0 {
		l.Limits.Default = 100
	}
	if l.Limits.Max == 0 {
		l.Limits.Max = 10000
	}
	sort.Slice(l.Generalise, func(i, j int) bool { return l.Generalise[i].MaxZoom < l.Generalise[j].MaxZoom })
}

var ident = regexp.MustCompile(`^[a-z_][a-z0-9_]*$`)

// personal names columns that must never be published, wherever they live.
var personal = regexp.MustCompile(`(?i)(author|investor|email|e_mail|owner|full_name|address_private|password|token)`)

func (l *Layer) check() error {
	var errs []string
	if !ident.MatchString(l.ID) {
		errs = append(errs, "id must match "+ident.String())
	}
	from := l.Source.Table
	switch {
	case l.Source.Table != "" && l.Source.Function != "":
		errs = append(errs, "source is a table or a function, not both")
	case l.Source.Function != "":
		from = l.Source.Function
		if len(l.Source.Reads) == 0 {
			errs = append(errs, "a function source must list the tables it reads")
		}
	}
	for _, n := range append([]string{from, l.Source.Key, l.Source.Geom, l.Source.TileGeom, l.TERCColumn}, l.Source.Reads...) {
		if !ident.MatchString(n) {
			errs = append(errs, fmt.Sprintf("identifier %q is not a plain SQL name", n))
		}
	}
	if strings.HasSuffix(l.Source.Table, "_private") || strings.HasSuffix(l.Source.Table, "_author") {
		errs = append(errs, "a table of personal data cannot be published")
	}
	for _, a := range l.Attributes {
		if !ident.MatchString(a.Name) {
			errs = append(errs, fmt.Sprintf("attribute %q is not a plain SQL name", a.Name))
		}
		if personal.MatchString(a.Name) {
			errs = append(errs, fmt.Sprintf("attribute %q looks like personal data and cannot be published", a.Name))
		}
		switch a.Type {
		case "text", "int", "float", "bool", "date", "timestamp", "text[]":
		default:
			errs = append(errs, fmt.Sprintf("attribute %q has unknown type %q", a.Name, a.Type))
		}
	}
	for _, p := range l.Params {
		switch {
		case p.Arg && l.Source.Function == "":
			errs = append(errs, fmt.Sprintf("parameter %q: only a function source takes arguments", p.Name))
		case p.Arg && !ident.MatchString(p.Name):
			errs = append(errs, fmt.Sprintf("parameter %q: name must be a plain SQL name", p.Name))
		case !p.Arg && (!ident.MatchString(p.Name) || !ident.MatchString(p.Column)):
			errs = append(errs, fmt.Sprintf("parameter %q: name and column must be plain SQL names", p.Name))
		case !p.Arg && p.Op != "=" && p.Op != ">=" && p.Op != "<=":
			errs = append(errs, fmt.Sprintf("parameter %q: op must be =, >= or <=", p.Name))
		}
		if (p.Min != nil || p.Max != nil) && p.Type != "int" {
			errs = append(errs, fmt.Sprintf("parameter %q: only int parameters have bounds", p.Name))
		}
		if p.Type != "date" && p.Type != "int" && p.Type != "text" {
			errs = append(errs, fmt.Sprintf("parameter %q: type must be date, int or text", p.Name))
		}
	}
	for i, p := range l.Params {
		if a := l.attribute(p.Column); a != nil && !p.Arg && p.Type == "date" && p.Op == "<=" && a.Type == "timestamp" {
			l.Params[i].wholeDay = true
		}
	}
	if l.TimeAttribute != "" && l.attribute(l.TimeAttribute) == nil {
		errs = append(errs, fmt.Sprintf("time attribute %q is not among the attributes", l.TimeAttribute))
	}
	if !access.ValidAudience(l.Audience) {
		errs = append(errs, fmt.Sprintf("unknown audience %q", l.Audience))
	}
	switch l.GeometryType {
	case "polygon", "line", "point", "geometry":
	default:
		errs = append(errs, fmt.Sprintf("geometry_type %q is not polygon, line, point or geometry", l.GeometryType))
	}
	if l.MinZoom < 0 || l.MaxZoom > 24 || l.MinZoom > l.MaxZoom {
		errs = append(errs, "zoom range out of order")
	}
	if l.Title.PL == "" || l.Title.EN == "" {
		errs = append(errs, "title needs pl and en")
	}
	if len(errs) > 0 {
		return errors.New(strings.Join(errs, "; "))
	}
	return nil
}

func (l *Layer) attribute(name string) *Attribute {
	for i := range l.Attributes {
		if l.Attributes[i].Name == name {
			return &l.Attributes[i]
		}
	}
	return nil
}

// Attribute returns the named attribute, or nil.
func (l *Layer) Attribute(name string) *Attribute { return l.attribute(name) }

// Reads reports whether a change to table changes the layer.
func (l *Layer) Reads(table string) bool {
	for _, t := range l.Source.Reads {
		if t == table {
			return true
		}
	}
	return false
}

// GeneraliseAt returns the generalisation for zoom z (nil above all bands).
func (l *Layer) GeneraliseAt(z int) *Generalise {
	for i := range l.Generalise {
		if z <= l.Generalise[i].MaxZoom {
			return &l.Generalise[i]
		}
	}
	return nil
}

// Get returns a layer by id, whoever asks (for internal use).
func (c *Catalogue) Get(id string) (*Layer, bool) {
	l, ok := c.byID[id]
	return l, ok
}

// All returns every layer in display order.
func (c *Catalogue) All() []*Layer { return c.layers }

// Visible returns the layers s may see, in display order: the one check
// point every layer access passes.
func (c *Catalogue) Visible(s access.Subject) []*Layer {
	var out []*Layer
	for _, l := range c.layers {
		if s.CanSee(l.Audience) {
			out = append(out, l)
		}
	}
	return out
}

// Lookup returns a layer s may see, or ErrNotFound: a layer hidden from the
// caller does not exist for them.
func (c *Catalogue) Lookup(s access.Subject, id string) (*Layer, error) {
	l, ok := c.byID[id]
	if !ok || !s.CanSee(l.Audience) {
		return nil, fmt.Errorf("%w: %q", ErrNotFound, id)
	}
	return l, nil
}

// Tables lists every table some layer reads.
func (c *Catalogue) Tables() []string {
	seen := map[string]bool{}
	var out []string
	for _, l := range c.layers {
		for _, t := range l.Source.Reads {
			if !seen[t] {
				seen[t] = true
				out = append(out, t)
			}
		}
	}
	sort.Strings(out)
	return out
}
