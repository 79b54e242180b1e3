// Package ogc serves the layer catalogue as OGC API – Features (Part 1
// Core with GeoJSON and OpenAPI 3.0, Part 2 CRS): planners open ład's
// layers in QGIS, open-data users download them. It reads the same
// catalogue and audience check as the tiles (layers, access) and sits
// beside them in the flow ingest → PostGIS → layers → tiles/queries → web.
// Keyset paging keeps pages stable under concurrent writes; values are
// always bound parameters, identifiers come from the catalogue only.
package ogc

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/jackc/pgx/v5"

	"github.com/ladgis/lad/access"
	"github.com/ladgis/lad/db"
	"github.com/ladgis/lad/layers"
	"github.com/ladgis/lad/ogc/cql2"
	"github.com/ladgis/lad/web"
)

// Server answers the OGC API under /ogc.
type Server struct {
	pool db.Reader
	cat  *layers.Catalogue
	log  *slog.Logger
}

// New returns the OGC API over pool and the catalogue.
func New(pool db.Reader, cat *layers.Catalogue, log *slog.Logger) *Server {
	return &Server{pool: pool, cat: cat, log: log}
}

const (
	crs84     = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
	epsgURI   = "http://www.opengis.net/def/crs/EPSG/0/"
	geojsonCT = "application/geo+json"
)

// supportedCRS maps CRS URIs to SRIDs; lat/northing-first ones are flipped
// on output, as Part 2 wants coordinates in the CRS's axis order.
var supportedCRS = map[string]struct {
	srid int
	flip bool
}{
	crs84:            {4326, false},
	epsgURI + "4326": {4326, true},
	epsgURI + "2180": {2180, true},
	epsgURI + "2176": {2176, true},
	epsgURI + "2177": {2177, true},
	epsgURI + "2178": {2178, true},
	epsgURI + "2179": {2179, true},
}

var crsList = []string{crs84, epsgURI + "4326", epsgURI + "2180", epsgURI + "2176", epsgURI + "2177", epsgURI + "2178", epsgURI + "2179"}

// Routes mounts the API.
func (s *Server) Routes(r fiber.Router) {
	r.Get("/ogc", s.landing)
	r.Get("/ogc/conformance", s.conformance)
	r.Get("/ogc/api", s.openAPI)
	r.Get("/ogc/collections", s.collections)
	r.Get("/ogc/collections/:id", s.collection)
	r.Get("/ogc/collections/:id/queryables", s.queryables)
	r.Get("/ogc/collections/:id/items", s.items)
	r.Get("/ogc/collections/:id/items/:fid", s.item)
	r.Get("/ogc/collections/:id/download", s.download)
}

func base(c *fiber.Ctx) string { return c.Protocol() + "://" + c.Hostname() + "/ogc" }

func wantsHTML(c *fiber.Ctx) bool {
	switch c.Query("f") {
	case "html":
		return true
	case "json", "geojson":
		return false
	}
	accept := c.Get("Accept")
	return strings.Contains(accept, "text/html") && !strings.Contains(accept, "json")
}

func bad(msg string) error { return fiber.NewError(fiber.StatusBadRequest, msg) }

type link struct {
	Href  string `json:"href"`
	Rel   string `json:"rel"`
	Type  string `json:"type,omitempty"`
	Title string `json:"title,omitempty"`
}

func (s *Server) landing(c *fiber.Ctx) error {
	b := base(c)
	doc := fiber.Map{
		"title":       "ład – OGC API Features",
		"description": "Plany, pozwolenia i reklama w gminie: warstwy ład jako OGC API – Features.",
		"links": []link{
			{b + "?f=json", "self", "application/json", "this document"},
			{b + "?f=html", "alternate", "text/html", "this document as HTML"},
			{b + "/api", "service-desc", "application/vnd.oai.openapi+json;version=3.0", "the API definition"},
			{b + "/conformance", "conformance", "application/json", "conformance classes"},
			{b + "/collections", "data", "application/json", "collections"},
		},
	}
	return s.respond(c, doc, "ład – OGC API Features", nil)
}

var conformsTo = []string{
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
	"http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
	"http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
	"http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters",
	"http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
	"http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
	"http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
	"http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
	"http://www.opengis.net/spec/cql2/1.0/conf/advanced-comparison-operators",
	"http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions",
	"http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions-plus",
	"http://www.opengis.net/spec/cql2/1.0/conf/spatial-functions",
	"http://www.opengis.net/spec/cql2/1.0/conf/temporal-functions",
	"http://www.opengis.net/spec/ogcapi-records-1/1.0/conf/sorting",
}

func (s *Server) conformance(c *fiber.Ctx) error {
	return s.respond(c, fiber.Map{"conformsTo": conformsTo}, "Conformance", nil)
}

func (s *Server) collectionDoc(c *fiber.Ctx, l *layers.Layer, ext [4]float64, withSources bool) fiber.Map {
	b := base(c) + "/collections/" + l.ID
	// Sources read the layer's tables: only for one collection, not the list.
	var sources []fiber.Map
	if withSources {
		sources = s.sources(c.UserContext(), l)
	}
	return fiber.Map{
		"id": l.ID, "title": l.Title.PL, "description": l.Title.EN,
		"extent":      fiber.Map{"spatial": fiber.Map{"bbox": [][4]float64{ext}, "crs": crs84}},
		"itemType":    "feature",
		"crs":         crsList,
		"storageCrs":  epsgURI + "2180",
		"attribution": l.Attribution,
		"license":     firstNonEmpty(l.Licence, "CC BY 4.0"),
		"links": []link{
			{b, "self", "application/json", l.Title.PL},
			{b + "/items", "items", geojsonCT, "features"},
			{b + "/items?f=html", "items", "text/html", "features as HTML"},
			{b + "/queryables", "http://www.opengis.net/def/rel/ogc/1.0/queryables", "application/schema+json", "queryables"},
			{b + "/download?f=geojson", "enclosure", geojsonCT, "the whole collection (GeoJSON)"},
			{b + "/download?f=csv", "enclosure", "text/csv", "the whole collection (CSV)"},
		},
		"sources": sources,
	}
}

// sources lists the ingest batches that brought the rows of the layer's
// tables: what a downloader needs to cite and to judge timeliness.
func (s *Server) sources(ctx context.Context, l *layers.Layer) []fiber.Map {
	out := []fiber.Map{}
	for _, t := range l.Source.Reads {
		// Table names come from the catalogue; the query is the same for
		// every table that has a batch_id column.
		var has bool
		if err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = $1 AND column_name = 'batch_id')`, t).Scan(&has); err != nil || !has {
			continue
		}
		rows, err := s.pool.Query(ctx, `SELECT b.id, b.source_name, b.kind, b.finished_at FROM ingest_batch b
			WHERE b.status = 'committed' AND b.id IN (SELECT DISTINCT batch_id FROM `+pgx.Identifier{t}.Sanitize()+`) ORDER BY b.id DESC LIMIT 50`)
		if err != nil {
			continue
		}
		for rows.Next() {
			var id int64
			var name, kind string
			var at *time.Time
			if rows.Scan(&id, &name, &kind, &at) == nil {
				out = append(out, fiber.Map{"batch": id, "source": name, "kind": kind, "loaded_at": at})
			}
		}
		rows.Close()
	}
	return out
}

func firstNonEmpty(a ...string) string {
	for _, s := range a {
		if s != "" {
			return s
		}
	}
	return ""
}

func (s *Server) extent(ctx context.Context) [4]float64 {
	var e [4]float64
	err := s.pool.QueryRow(ctx, `SELECT coalesce(ST_XMin(b), 14.07), coalesce(ST_YMin(b), 49.0), coalesce(ST_XMax(b), 24.15), coalesce(ST_YMax(b), 54.84)
		FROM (SELECT ST_Extent(ST_Transform(geom, 4326)) AS b FROM municipality) x`).Scan(&e[0], &e[1], &e[2], &e[3])
	if err != nil {
		return [4]float64{14.07, 49.0, 24.15, 54.84}
	}
	return e
}

func (s *Server) collections(c *fiber.Ctx) error {
	ext := s.extent(c.UserContext())
	var cols []fiber.Map
	for _, l := range s.cat.Visible(web.Subject(c)) {
		cols = append(cols, s.collectionDoc(c, l, ext, false))
	}
	b := base(c) + "/collections"
	return s.respond(c, fiber.Map{"collections": cols, "crs": crsList,
		"links": []link{{b, "self", "application/json", "collections"}}}, "Kolekcje", nil)
}

func (s *Server) layer(c *fiber.Ctx) (*layers.Layer, error) {
	l, err := s.cat.Lookup(web.Subject(c), c.Params("id"))
	if err != nil {
		return nil, fiber.NewError(fiber.StatusNotFound, err.Error())
	}
	return l, nil
}

func (s *Server) collection(c *fiber.Ctx) error {
	l, err := s.layer(c)
	if err != nil {
		return err
	}
	return s.respond(c, s.collectionDoc(c, l, s.extent(c.UserContext()), true), l.Title.PL, nil)
}

func (s *Server) queryables(c *fiber.Ctx) error {
	l, err := s.layer(c)
	if err != nil {
		return err
	}
	props := fiber.Map{}
	for _, a := range l.Attributes {
		if !a.Queryable {
			continue
		}
		t := map[string]string{"int": "integer", "float": "number", "bool": "boolean"}[a.Type]
		if t == "" {
			t = "string"
		}
		p := fiber.Map{"type": t, "title": a.Title.PL}
		if a.Type == "date" {
			p["format"] = "date"
		}
		props[a.Name] = p
	}
	props["geometry"] = fiber.Map{"$ref": "https://geojson.org/schema/Geometry.json"}
	c.Set("Content-Type", "application/schema+json")
	return c.JSON(fiber.Map{"$schema": "https://json-schema.org/draft/2019-09/schema", "$id": base(c) + "/collections/" + l.ID + "/queryables",
		"type": "object", "title": l.Title.PL, "properties": props})
}

// query is a parsed items request.
type query struct {
	limit      int
	after      string
	bbox       []float64
	bboxSRID   int
	bboxFlip   bool
	outSRID    int
	outFlip    bool
	outCRS     string
	datetime   [2]*time.Time
	props      []string
	filters    map[string]string
	hasFilters []string
	// filter is the CQL2 filter, its coordinates in filterSRID.
	filter     cql2.Expr
	filterSRID int
	// scope limits a non-public collection's rows to the caller's
	// municipalities (nil: every row).
	scope []string
	// sort is the sortby order; after then holds a cursor (sortCursor).
	sort   []sortKey
	cursor []*string
	// fnArgs are the arguments of a function collection (its layer's arg
	// parameters, as its tiles take them, checked by Param.Check); those
	// not given take the function's defaults.
	fnArgs map[string]string
}

// sortKey is one sortby term: an attribute and its direction.
type sortKey struct {
	attr *layers.Attribute
	desc bool
}

// sqlCast is the SQL type a sortable attribute's text form is read back as.
var sqlCast = map[string]string{"text": "text", "int": "bigint", "float": "float8", "bool": "boolean", "date": "date", "timestamp": "timestamptz"}

// cql2Types maps catalogue attribute types to CQL2 types.
var cql2Types = map[string]cql2.Type{"text": cql2.String, "int": cql2.Integer, "float": cql2.Number, "bool": cql2.Boolean,
	"date": cql2.Date, "timestamp": cql2.Timestamp}

// filterSchema is what a CQL2 filter may name: the layer's queryables and
// its geometry, as SQL over the items statement's alias t.
func filterSchema(l *layers.Layer) cql2.Columns {
	cols := cql2.Columns{"geometry": {SQL: "t." + pgx.Identifier{l.Source.Geom}.Sanitize(), Type: cql2.Geometry, SRID: 2180}}
	for _, a := range l.Attributes {
		if t, ok := cql2Types[a.Type]; ok && a.Queryable {
			cols[a.Name] = cql2.Column{SQL: "t." + pgx.Identifier{a.Name}.Sanitize(), Type: t}
		}
	}
	return cols
}

var reserved = map[string]bool{"f": true, "limit": true, "bbox": true, "bbox-crs": true, "crs": true, "datetime": true,
	"after": true, "properties": true, "sortby": true, "filter": true, "filter-lang": true, "filter-crs": true, "offset": true}

func parseQuery(c *fiber.Ctx, l *layers.Layer) (*query, error) {
	q := &query{limit: l.Limits.Default, outSRID: 4326, outCRS: crs84, bboxSRID: 4326, filters: map[string]string{}, fnArgs: map[string]string{}}
	if l.Audience != access.Public {
		q.scope = web.Subject(c).Scope()
	}
	if v := c.Query("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return nil, bad("limit must be a positive whole number")
		}
		q.limit = min(n, l.Limits.Max)
	}
	if v := c.Query("sortby"); v != "" {
		seen := map[string]bool{}
		for _, term := range strings.Split(v, ",") {
			// "+" arrives as a space when not percent-encoded.
			term = strings.TrimSpace(term)
			desc := strings.HasPrefix(term, "-")
			name := strings.TrimLeft(term, "+-")
			a := l.Attribute(name)
			if a == nil || sqlCast[a.Type] == "" {
				return nil, bad(fmt.Sprintf("sortby: %q is not a sortable property of this collection", name))
			}
			if seen[name] {
				return nil, bad(fmt.Sprintf("sortby: %q given twice", name))
			}
			seen[name] = true
			q.sort = append(q.sort, sortKey{attr: a, desc: desc})
		}
		if len(q.sort) > 4 {
			return nil, bad("sortby: at most 4 properties")
		}
	}
	q.after = c.Query("after")
	if q.after != "" && len(q.sort) > 0 {
		cur, err := decodeCursor(q.after, len(q.sort)+1)
		if err != nil {
			return nil, bad("after must be the cursor of a next link of the same sortby")
		}
		q.cursor, q.after = cur[:len(cur)-1], *cur[len(cur)-1]
	}
	if q.after != "" {
		switch l.Source.KeyType {
		case "int":
			if _, err := strconv.ParseInt(q.after, 10, 64); err != nil {
				return nil, bad("after must be a feature id from a next link")
			}
		case "uuid":
			if !uuidRe.MatchString(q.after) {
				return nil, bad("after must be a feature id from a next link")
			}
		default:
			if len(q.after) > 100 {
				return nil, bad("after is too long")
			}
		}
	}
	if v := c.Query("crs"); v != "" {
		crs, ok := supportedCRS[v]
		if !ok {
			return nil, bad("crs must be one of " + strings.Join(crsList, ", "))
		}
		q.outSRID, q.outFlip, q.outCRS = crs.srid, crs.flip, v
	}
	if v := c.Query("bbox-crs"); v != "" {
		crs, ok := supportedCRS[v]
		if !ok {
			return nil, bad("bbox-crs must be one of " + strings.Join(crsList, ", "))
		}
		q.bboxSRID, q.bboxFlip = crs.srid, crs.flip
	}
	if v := c.Query("bbox"); v != "" {
		parts := strings.Split(v, ",")
		if len(parts) != 4 {
			return nil, bad("bbox must be minx,miny,maxx,maxy")
		}
		for _, p := range parts {
			f, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
			if err != nil {
				return nil, bad("bbox values must be numbers")
			}
			q.bbox = append(q.bbox, f)
		}
		if q.bboxFlip {
			q.bbox = []float64{q.bbox[1], q.bbox[0], q.bbox[3], q.bbox[2]}
		}
		if q.bbox[0] > q.bbox[2] || q.bbox[1] > q.bbox[3] {
			return nil, bad("bbox minimum exceeds maximum")
		}
	}
	if v := c.Query("datetime"); v != "" {
		if l.TimeAttribute == "" {
			return nil, bad("this collection has no time attribute")
		}
		a, b, _ := strings.Cut(v, "/")
		if !strings.Contains(v, "/") {
			b = a
		}
		for i, s := range []string{a, b} {
			if s == ".." || s == "" {
				continue
			}
			t, err := parseTime(s)
			if err != nil {
				return nil, bad("datetime must be an RFC 3339 date or interval (start/end, .. for open)")
			}
			q.datetime[i] = &t
		}
	}
	if v := c.Query("properties"); v != "" {
		for _, p := range strings.Split(v, ",") {
			if l.Attribute(p) == nil {
				return nil, bad(fmt.Sprintf("property %q is not in this collection", p))
			}
			q.props = append(q.props, p)
		}
	}
	if f := c.Query("filter"); f != "" {
		lang := c.Query("filter-lang", "cql2-text")
		if lang != "cql2-text" && lang != "cql-text" {
			return nil, bad("filter-lang must be cql2-text (cql2-json is not supported)")
		}
		e, err := cql2.Parse(f)
		if err != nil {
			return nil, bad(err.Error())
		}
		if lang == "cql-text" {
			// The draft dialect GDAL before 3.7 sends: dates as strings.
			cql2.CoerceTemporalStrings(e, filterSchema(l))
		}
		q.filter, q.filterSRID = e, 4326
		if v := c.Query("filter-crs"); v != "" {
			crs, ok := supportedCRS[v]
			if !ok {
				return nil, bad("filter-crs must be one of " + strings.Join(crsList, ", "))
			}
			q.filterSRID = crs.srid
			if crs.flip {
				cql2.SwapAxes(e)
			}
		}
		// Translated once here so that an unknown property or a type
		// mismatch is a 400 before any query runs.
		if _, _, err := cql2.SQL(e, filterSchema(l), 1, q.filterSRID); err != nil {
			return nil, bad(err.Error())
		}
	} else if c.Query("filter-crs") != "" || c.Query("filter-lang") != "" {
		return nil, bad("filter-lang and filter-crs need a filter")
	}
	var bad2 error
	c.Context().QueryArgs().VisitAll(func(k, v []byte) {
		key := string(k)
		if reserved[key] || bad2 != nil {
			return
		}
		if p := argParam(l, key); p != nil {
			if err := p.Check(string(v)); err != nil {
				bad2 = bad(fmt.Sprintf("parameter %s: %v", key, err))
				return
			}
			q.fnArgs[key] = string(v)
			return
		}
		a := l.Attribute(key)
		if a == nil || !a.Queryable {
			bad2 = bad(fmt.Sprintf("%q is not a queryable property of this collection (see /queryables)", key))
			return
		}
		q.filters[key] = string(v)
		q.hasFilters = append(q.hasFilters, key)
	})
	return q, bad2
}

// argParam returns the function argument of l named name, or nil.
func argParam(l *layers.Layer, name string) *layers.Param {
	for i := range l.Params {
		if l.Params[i].Arg && l.Params[i].Name == name {
			return &l.Params[i]
		}
	}
	return nil
}

var uuidRe = regexp.MustCompile(`^[0-9a-fA-F-]{36}$`)

func parseTime(s string) (time.Time, error) {
	// GDAL writes a date bound as "2015-06-01T".
	s = strings.TrimSuffix(s, "T")
	for _, layout := range []string{time.RFC3339, "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, errors.New("bad time")
}

// sql builds the items statement from catalogue identifiers and bound values.
func (q *query) sql(l *layers.Layer, fid string) (string, []any, error) {
	ident := func(s string) string { return pgx.Identifier{s}.Sanitize() }
	key := "t." + ident(l.Source.Key)
	geom := "t." + ident(l.Source.Geom)
	var args []any
	arg := func(v any) string { args = append(args, v); return "$" + strconv.Itoa(len(args)) }
	cols := []string{key + "::text AS lad_fid"}
	attrs := l.Attributes
	if len(q.props) > 0 {
		attrs = nil
		for _, p := range q.props {
			attrs = append(attrs, *l.Attribute(p))
		}
	}
	for _, a := range attrs {
		cols = append(cols, "t."+ident(a.Name))
	}
	out := fmt.Sprintf("ST_Transform(%s, %s::int)", geom, arg(q.outSRID))
	if q.outFlip {
		out = "ST_FlipCoordinates(" + out + ")"
	}
	prec := "6"
	if q.outSRID != 4326 {
		prec = "2"
	}
	cols = append(cols, fmt.Sprintf("ST_AsGeoJSON(%s, %s)", out, prec))
	// The sort values travel (as text) after the geometry, for the cursor
	// of the next link.
	for _, k := range q.sort {
		cols = append(cols, "t."+ident(k.attr.Name)+"::text")
	}
	var where []string
	if l.Source.Filter != "" {
		where = append(where, "("+l.Source.Filter+")")
	}
	if fid != "" {
		where = append(where, key+"::text = "+arg(fid))
	}
	if q.scope != nil {
		where = append(where, "t."+ident(l.TERCColumn)+" = ANY("+arg(q.scope)+"::text[])")
	}
	if q.bbox != nil {
		env := fmt.Sprintf("ST_Transform(ST_MakeEnvelope(%s, %s, %s, %s, %s::int), 2180)", arg(q.bbox[0]), arg(q.bbox[1]), arg(q.bbox[2]), arg(q.bbox[3]), arg(q.bboxSRID))
		where = append(where, fmt.Sprintf("ST_Intersects(%s, %s)", geom, env))
	}
	if t := l.TimeAttribute; t != "" {
		if q.datetime[0] != nil {
			where = append(where, "t."+ident(t)+" >= "+arg(*q.datetime[0]))
		}
		if q.datetime[1] != nil {
			where = append(where, "t."+ident(t)+" <= "+arg(*q.datetime[1]))
		}
	}
	for _, k := range q.hasFilters {
		where = append(where, "t."+ident(k)+"::text = "+arg(q.filters[k]))
	}
	if q.filter != nil {
		f, fargs, err := cql2.SQL(q.filter, filterSchema(l), len(args)+1, q.filterSRID)
		if err != nil {
			return "", nil, err
		}
		args = append(args, fargs...)
		where = append(where, "("+f+")")
	}
	// Keyset paging over (sort values…, key): each sort term orders NULLs
	// last through an "is null" component; the row comes after the cursor
	// when it is equal on a prefix of the components and beyond on the
	// next one.
	type component struct{ expr, val, op string }
	var comps []component
	order := []string{}
	for i, k := range q.sort {
		col := "t." + ident(k.attr.Name)
		dir, op := "ASC", ">"
		if k.desc {
			dir, op = "DESC", "<"
		}
		order = append(order, "("+col+" IS NULL)", col+" "+dir)
		if q.after != "" {
			isNull := q.cursor[i] == nil
			comps = append(comps, component{"(" + col + " IS NULL)", arg(isNull) + "::boolean", ">"})
			if !isNull {
				comps = append(comps, component{col, arg(*q.cursor[i]) + "::" + sqlCast[k.attr.Type], op})
			} else {
				comps = append(comps, component{col, "NULL", op})
			}
		}
	}
	order = append(order, key)
	if q.after != "" {
		comps = append(comps, component{key, arg(q.after) + "::" + keyCast(l), ">"})
		var ors, eq []string
		for _, c := range comps {
			ors = append(ors, "("+strings.Join(append(append([]string{}, eq...), c.expr+" "+c.op+" "+c.val), " AND ")+")")
			eq = append(eq, c.expr+" IS NOT DISTINCT FROM "+c.val)
		}
		where = append(where, "("+strings.Join(ors, " OR ")+")")
	}
	// A function layer yields its rows for the arguments given, the
	// function's defaults standing for the others.
	sql := fmt.Sprintf("SELECT %s FROM %s t", strings.Join(cols, ", "), l.From(q.fnArgs, arg))
	if len(where) > 0 {
		sql += " WHERE " + strings.Join(where, " AND ")
	}
	sql += " ORDER BY " + strings.Join(order, ", ") + " LIMIT " + arg(q.limit+1)
	return sql, args, nil
}

// encodeCursor packs the last row's sort values and key into an opaque
// after= value.
func encodeCursor(vals []*string) string {
	b, _ := json.Marshal(vals)
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodeCursor unpacks a cursor of n values (the key last, never null).
func decodeCursor(s string, n int) ([]*string, error) {
	if len(s) > 4096 {
		return nil, errors.New("cursor too long")
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, err
	}
	var vals []*string
	if err := json.Unmarshal(b, &vals); err != nil {
		return nil, err
	}
	if len(vals) != n || vals[n-1] == nil {
		return nil, errors.New("cursor does not match sortby")
	}
	return vals, nil
}

func keyCast(l *layers.Layer) string {
	switch l.Source.KeyType {
	case "text":
		return "text"
	case "uuid":
		return "uuid"
	}
	return "bigint"
}

type feature struct {
	Type       string          `json:"type"`
	ID         string          `json:"id"`
	Geometry   json.RawMessage `json:"geometry"`
	Properties map[string]any  `json:"properties"`
	cursor     []*string       // sort values, for the next link
}

func (s *Server) fetch(ctx context.Context, l *layers.Layer, q *query, fid string) ([]feature, error) {
	sql, args, err := q.sql(l, fid)
	if err != nil {
		return nil, fiber.NewError(fiber.StatusBadRequest, err.Error())
	}
	feats, err := s.fetchRows(ctx, q, sql, args)
	if db.ConnLost(err) {
		// The connection (a replica's) went away after the first rows: a
		// page is small, so it is read again whole (the reader then takes
		// another server).
		feats, err = s.fetchRows(ctx, q, sql, args)
	}
	return feats, err
}

func (s *Server) fetchRows(ctx context.Context, q *query, sql string, args []any) ([]feature, error) {
	rows, err := s.pool.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []feature
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			return nil, err
		}
		f := feature{Type: "Feature", Properties: map[string]any{}}
		f.ID, _ = vals[0].(string)
		names := rows.FieldDescriptions()
		// id, properties…, geometry, sort values…
		geomAt := len(vals) - 1 - len(q.sort)
		for _, v := range vals[geomAt+1:] {
			if v == nil {
				f.cursor = append(f.cursor, nil)
				continue
			}
			sv, _ := v.(string)
			f.cursor = append(f.cursor, &sv)
		}
		for i := 1; i < geomAt; i++ {
			v := vals[i]
			if t, ok := v.(time.Time); ok {
				v = t.Format(time.RFC3339)
				if t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 {
					v = t.Format("2006-01-02")
				}
			}
			f.Properties[names[i].Name] = v
		}
		if g, ok := vals[geomAt].(string); ok {
			f.Geometry = json.RawMessage(g)
		} else {
			f.Geometry = json.RawMessage("null")
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

func (s *Server) items(c *fiber.Ctx) error {
	l, err := s.layer(c)
	if err != nil {
		return err
	}
	q, err := parseQuery(c, l)
	if err != nil {
		return err
	}
	feats, err := s.fetch(c.UserContext(), l, q, "")
	if err != nil {
		return err
	}
	self := base(c) + "/collections/" + l.ID + "/items"
	links := []link{{self + "?" + string(c.Context().QueryArgs().QueryString()), "self", geojsonCT, ""}}
	if len(feats) > q.limit {
		feats = feats[:q.limit]
		next := url.Values{}
		c.Context().QueryArgs().VisitAll(func(k, v []byte) {
			if string(k) != "after" {
				next.Set(string(k), string(v))
			}
		})
		last := feats[len(feats)-1]
		if len(q.sort) > 0 {
			id := last.ID
			next.Set("after", encodeCursor(append(last.cursor, &id)))
		} else {
			next.Set("after", last.ID)
		}
		links = append(links, link{self + "?" + next.Encode(), "next", geojsonCT, "next page"})
	}
	if feats == nil {
		feats = []feature{}
	}
	c.Set("Content-Crs", "<"+q.outCRS+">")
	doc := fiber.Map{"type": "FeatureCollection", "features": feats, "numberReturned": len(feats),
		"timeStamp": time.Now().UTC().Format(time.RFC3339), "links": links}
	return s.respondGeo(c, doc, l, feats)
}

func (s *Server) item(c *fiber.Ctx) error {
	l, err := s.layer(c)
	if err != nil {
		return err
	}
	q, err := parseQuery(c, l)
	if err != nil {
		return err
	}
	q.limit = 1
	feats, err := s.fetch(c.UserContext(), l, q, c.Params("fid"))
	if err != nil {
		return err
	}
	if len(feats) == 0 {
		return fiber.NewError(fiber.StatusNotFound, "no such feature")
	}
	c.Set("Content-Crs", "<"+q.outCRS+">")
	f := feats[0]
	doc := fiber.Map{"type": "Feature", "id": f.ID, "geometry": f.Geometry, "properties": f.Properties,
		"links": []link{{base(c) + "/collections/" + l.ID + "/items/" + url.PathEscape(f.ID), "self", geojsonCT, ""},
			{base(c) + "/collections/" + l.ID, "collection", "application/json", l.Title.PL}}}
	return s.respondGeo(c, doc, l, feats)
}

func (s *Server) respond(c *fiber.Ctx, doc fiber.Map, title string, rows []feature) error {
	if wantsHTML(c) {
		return s.html(c, title, doc, nil, rows)
	}
	return c.JSON(doc)
}

func (s *Server) respondGeo(c *fiber.Ctx, doc fiber.Map, l *layers.Layer, feats []feature) error {
	if wantsHTML(c) {
		return s.html(c, l.Title.PL, doc, l, feats)
	}
	b, err := json.Marshal(doc)
	if err != nil {
		return err
	}
	c.Set("Content-Type", geojsonCT)
	return c.Send(b)
}

var page = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="pl"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}} – ład</title>
<style>body{font:15px/1.45 system-ui,sans-serif;margin:24px;color:#1c2833}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 6px;text-align:left;font-size:14px}a{color:#0b5cad}pre{background:#f4f4f4;padding:8px;overflow:auto}</style>
</head><body><header><a href="/ogc?f=html">ład – OGC API</a></header><main><h1>{{.Title}}</h1>
{{if .Layer}}<table><thead><tr><th>id</th>{{range .Layer.Attributes}}<th>{{.Title.PL}}</th>{{end}}</tr></thead><tbody>
{{range .Rows}}{{$f := .}}<tr><td>{{.ID}}</td>{{range $.Layer.Attributes}}<td>{{index $f.Properties .Name}}</td>{{end}}</tr>{{end}}
</tbody></table>{{end}}
<h2>Odnośniki</h2><ul>{{range .Links}}<li><a href="{{.Href}}">{{or .Title .Rel}}</a> ({{.Rel}})</li>{{end}}</ul>
{{if not .Layer}}<pre>{{.JSON}}</pre>{{end}}
</main></body></html>`))

func (s *Server) html(c *fiber.Ctx, title string, doc fiber.Map, l *layers.Layer, rows []feature) error {
	links, _ := doc["links"].([]link)
	var cols []fiber.Map
	if cs, ok := doc["collections"].([]fiber.Map); ok {
		cols = cs
		for _, col := range cols {
			links = append(links, link{Href: base(c) + "/collections/" + col["id"].(string) + "?f=html", Rel: "collection", Title: col["title"].(string)})
		}
	}
	js, _ := json.MarshalIndent(doc, "", "  ")
	c.Type("html", "utf-8")
	return page.Execute(c.Response().BodyWriter(), map[string]any{"Title": title, "Links": links, "Layer": l, "Rows": rows, "JSON": string(js)})
}
