// Package tiles serves the catalogue's layers as Mapbox vector tiles made by
// PostGIS (one ST_AsMVT statement per tile, over indexed EPSG:3857
// geometry, generalised at low zoom), with TileJSON, a MapLibre style and a
// bounded cache that drops exactly the tiles a data change touches — also
// changes made outside ład, which PostgreSQL announces by NOTIFY. It reads
// the catalogue (layers) and serves the web map (web) in the flow
// ingest → PostGIS → layers → tiles → web.
package tiles

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cespare/xxhash/v2"
	"github.com/gofiber/fiber/v2"
	"github.com/jackc/pgx/v5"
	"github.com/klauspost/compress/gzip"
	"github.com/paulmach/orb"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/ladgis/lad/access"
	"github.com/ladgis/lad/db"
	"github.com/ladgis/lad/layers"
	"github.com/ladgis/lad/web"
)

const (
	extent = 4096
	buffer = 64 // tile units
	// world is the width of the EPSG:3857 world in metres.
	world = 2 * 20037508.342789244
)

// Config of the tile server.
type Config struct {
	// CacheBytes bounds the in-memory cache (0: 256 MiB).
	CacheBytes int
	// BaseMapURL, if set, is a raster tile URL template ({z}/{x}/{y})
	// drawn under ład's layers (e.g. a national WMTS in XYZ form).
	BaseMapURL         string
	BaseMapAttribution string
	// Shared, if set, is a second-level cache shared by every instance
	// (a RedisCache): looked up after the local cache, and written with
	// every tile rendered.
	Shared Cache
	// Primary, if set, is the primary database when the server reads
	// through replicas: a tile of data changed since a replica's snapshot
	// is rendered here instead, so that no stale tile is cached.
	Primary db.Reader
}

// Server renders, caches and serves tiles.
type Server struct {
	gzw    sync.Pool // *gzip.Writer, reused across tiles
	read   db.Reader
	cat    *layers.Catalogue
	cache  Cache
	shared Cache
	log    *slog.Logger
	cfg    Config
	// mu orders storing tiles (read side) against invalidations (write
	// side), and epoch counts invalidations: a tile rendered or fetched
	// across one is served but not cached, so no stale tile is stored.
	mu    sync.RWMutex
	epoch atomic.Uint64
	// lastXid is the transaction of the last change announced (0: none
	// yet): a replica renders a tile only when its snapshot holds it.
	lastXid atomic.Uint64
	metrics metrics
}

type metrics struct {
	hits, misses, invalidated, onPrimary prometheus.Counter
	render                               prometheus.Histogram
	bytes                                prometheus.GaugeFunc
}

// New returns a tile server reading through read (a pool, or a ReadPool
// over replicas). cache may be nil for a default in-memory cache.
func New(read db.Reader, cat *layers.Catalogue, cache Cache, cfg Config, log *slog.Logger) *Server {
	if cfg.CacheBytes == 0 {
		cfg.CacheBytes = 256 << 20
	}
	if cache == nil {
		cache = NewMemoryCache(cfg.CacheBytes)
	}
	s := &Server{read: read, cat: cat, cache: cache, shared: cfg.Shared, log: log, cfg: cfg, metrics: metrics{
		hits:        prometheus.NewCounter(prometheus.CounterOpts{Name: "lad_tile_cache_hits_total", Help: "Tiles served from the local cache."}),
		misses:      prometheus.NewCounter(prometheus.CounterOpts{Name: "lad_tile_cache_misses_total", Help: "Tiles rendered by PostGIS."}),
		invalidated: prometheus.NewCounter(prometheus.CounterOpts{Name: "lad_tile_cache_invalidated_total", Help: "Cached tiles dropped because their data changed."}),
		onPrimary:   prometheus.NewCounter(prometheus.CounterOpts{Name: "lad_tile_renders_on_primary_total", Help: "Tiles rendered on the primary because the replica had not yet replayed the last change."}),
		render:      prometheus.NewHistogram(prometheus.HistogramOpts{Name: "lad_tile_render_seconds", Help: "Time PostGIS takes to render a tile.", Buckets: prometheus.ExponentialBuckets(0.001, 2, 14)}),
	}}
	s.metrics.bytes = prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "lad_tile_cache_bytes", Help: "Size of the local tile cache."},
		func() float64 { return float64(cache.Bytes()) })
	return s
}

// Collectors are the server's Prometheus metrics.
func (s *Server) Collectors() []prometheus.Collector {
	return []prometheus.Collector{s.metrics.hits, s.metrics.misses, s.metrics.invalidated, s.metrics.onPrimary, s.metrics.render, s.metrics.bytes}
}

// Cache is the server's local tile cache.
func (s *Server) Cache() Cache { return s.cache }

// bufferedBounds is the EPSG:3857 area tile z/x/y draws from: its bounds
// grown by the tile buffer.
func bufferedBounds(z, x, y int) orb.Bound {
	b := TileBounds(z, x, y)
	pad := (b.Max[0] - b.Min[0]) * buffer / extent
	return orb.Bound{Min: orb.Point{b.Min[0] - pad, b.Min[1] - pad}, Max: orb.Point{b.Max[0] + pad, b.Max[1] + pad}}
}

// Routes mounts the tile endpoints.
func (s *Server) Routes(r fiber.Router) {
	r.Get("/tiles", s.catalogue)
	r.Get("/tiles/:layer.json", s.tileJSON)
	r.Get("/tiles/:layers/:z/:x/:y.mvt", s.tile)
	r.Get("/style.json", s.style)
}

// TileBounds is the EPSG:3857 area of tile z/x/y.
func TileBounds(z, x, y int) orb.Bound {
	size := world / math.Exp2(float64(z))
	minX := -world/2 + float64(x)*size
	maxY := world/2 - float64(y)*size
	return orb.Bound{Min: orb.Point{minX, maxY - size}, Max: orb.Point{minX + size, maxY}}
}

// request is a parsed tile request.
type request struct {
	layers  []*layers.Layer
	z, x, y int
	params  map[string]string
	// scope limits the rows of non-public layers to these municipalities
	// (nil: no limit).
	scope []string
	key   string
}

func badRequest(format string, args ...any) error {
	return fiber.NewError(fiber.StatusBadRequest, fmt.Sprintf(format, args...))
}

func (s *Server) parse(c *fiber.Ctx) (*request, error) {
	subject := web.Subject(c)
	z, err1 := strconv.Atoi(c.Params("z"))
	x, err2 := strconv.Atoi(c.Params("x"))
	y, err3 := strconv.Atoi(c.Params("y"))
	if err1 != nil || err2 != nil || err3 != nil || z < 0 || z > 24 {
		return nil, badRequest("tile address must be /z/x/y with 0 ≤ z ≤ 24")
	}
	if n := 1 << z; x < 0 || y < 0 || x >= n || y >= n {
		return nil, badRequest("tile %d/%d/%d is outside the world", z, x, y)
	}
	req := &request{z: z, x: x, y: y, params: map[string]string{}}
	ids := strings.Split(c.Params("layers"), ",")
	if len(ids) > 32 {
		return nil, badRequest("at most 32 layers in one tile")
	}
	seen := map[string]bool{}
	for _, id := range ids {
		l, err := s.cat.Lookup(subject, id)
		if err != nil {
			return nil, fiber.NewError(fiber.StatusNotFound, err.Error())
		}
		if !seen[id] {
			seen[id] = true
			req.layers = append(req.layers, l)
		}
	}
	// Typed layer parameters: validated here, bound in SQL.
	var keys []string
	for _, l := range req.layers {
		for _, p := range l.Params {
			v := c.Query(p.Name)
			if v == "" {
				continue
			}
			if err := p.Check(v); err != nil {
				return nil, badRequest("parameter %s: %v", p.Name, err)
			}
			if _, ok := req.params[p.Name]; !ok {
				keys = append(keys, p.Name)
			}
			req.params[p.Name] = v
		}
	}
	sort.Strings(keys)
	var q []string
	for _, k := range keys {
		q = append(q, k+"="+req.params[k])
	}
	names := make([]string, len(req.layers))
	for i, l := range req.layers {
		names[i] = l.ID
		if l.Audience != access.Public && req.scope == nil {
			req.scope = subject.Scope()
		}
	}
	req.key = fmt.Sprintf("%s/%d/%d/%d?%s", strings.Join(names, ","), z, x, y, strings.Join(q, "&"))
	if req.scope != nil {
		// Staff of different municipalities see different rows: their
		// tiles are cached apart.
		req.key += "#" + strings.Join(req.scope, ",")
	}
	return req, nil
}

func (s *Server) tile(c *fiber.Ctx) error {
	req, err := s.parse(c)
	if err != nil {
		return err
	}
	t, source, err := s.lookup(c.UserContext(), req, strings.Contains(c.Get("Accept-Encoding"), "gzip"))
	if err != nil {
		return err
	}
	c.Set("X-Cache", source)
	c.Set("ETag", t.ETag)
	c.Set("Cache-Control", cacheControl(req.layers))
	c.Set("Vary", "Accept-Encoding")
	c.Set("Content-Type", "application/vnd.mapbox-vector-tile")
	if match := c.Get("If-None-Match"); match != "" && etagMatches(match, t.ETag) {
		return c.SendStatus(fiber.StatusNotModified)
	}
	if strings.Contains(c.Get("Accept-Encoding"), "gzip") && len(t.Data) > 0 {
		gz := t.Gzip
		if gz == nil {
			gz = s.gzip(t.Data)
			s.cache.SetGzip(req.key, gz)
		}
		c.Set("Content-Encoding", "gzip")
		return c.Send(gz)
	}
	return c.Send(t.Data)
}

// lookup finds a tile in the local cache, then the shared one, and renders
// it when neither has it. It says where the tile came from: "hit" (local),
// "shared" or "miss" (rendered).
func (s *Server) lookup(ctx context.Context, req *request, gzipped bool) (*Tile, string, error) {
	epoch := s.epoch.Load()
	if t, ok := s.cache.Get(ctx, req.key); ok {
		s.metrics.hits.Inc()
		return t, "hit", nil
	}
	names := make([]string, len(req.layers))
	for i, l := range req.layers {
		names[i] = l.ID
	}
	if s.shared != nil {
		if t, ok := s.shared.Get(ctx, req.key); ok {
			s.store(ctx, epoch, req.key, t, false)
			return t, "shared", nil
		}
	}
	s.metrics.misses.Inc()
	start := time.Now()
	data, err := s.Render(ctx, req.layers, req.z, req.x, req.y, req.params, req.scope)
	if err != nil {
		return nil, "", err
	}
	s.metrics.render.Observe(time.Since(start).Seconds())
	// The ETag only has to change with the bytes: a 64-bit xxhash does
	// that at memory speed (render misses are the hot path).
	sum := xxhash.Sum64(data)
	t := &Tile{Data: data, ETag: `"` + strconv.FormatUint(sum, 36) + "-" + strconv.Itoa(len(data)) + `"`, Layers: names,
		Bounds: bufferedBounds(req.z, req.x, req.y)}
	if s.shared != nil && gzipped && len(data) > 0 {
		// Other instances will want it too: ship the gzip form with it.
		t.Gzip = s.gzip(data)
	}
	s.store(ctx, epoch, req.key, t, true)
	return t, "miss", nil
}

// store caches a tile unless an invalidation happened since epoch was
// read: locally, and in the shared cache too when toShared.
func (s *Server) store(ctx context.Context, epoch uint64, key string, t *Tile, toShared bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.epoch.Load() != epoch {
		return
	}
	s.cache.Put(ctx, key, t)
	if toShared && s.shared != nil {
		s.shared.Put(ctx, key, t)
	}
}

func etagMatches(header, etag string) bool {
	for _, part := range strings.Split(header, ",") {
		p := strings.TrimSpace(part)
		if p == etag || p == "*" || strings.TrimPrefix(p, "W/") == etag {
			return true
		}
	}
	return false
}

func cacheControl(ls []*layers.Layer) string {
	age := math.MaxInt
	public := true
	for _, l := range ls {
		if l.CacheMaxAge < age {
			age = l.CacheMaxAge
		}
		if l.Audience != access.Public {
			public = false
		}
	}
	scope := "public"
	if !public {
		scope = "private"
	}
	// Caches must revalidate: the ETag makes that cheap, and data change.
	return fmt.Sprintf("%s, max-age=%d, must-revalidate", scope, age)
}

// gzip compresses a tile with a pooled writer: a new deflate writer
// allocates and clears about a megabyte of state, which cost more than the
// compression itself (z16 uncached: 770 tiles/s with a writer per tile,
// about 1,070 without compression).
func (s *Server) gzip(b []byte) []byte {
	var buf bytes.Buffer
	buf.Grow(len(b)/2 + 64)
	zw, _ := s.gzw.Get().(*gzip.Writer)
	if zw == nil {
		zw, _ = gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	} else {
		zw.Reset(&buf)
	}
	_, _ = zw.Write(b)
	_ = zw.Close()
	s.gzw.Put(zw)
	return buf.Bytes()
}

// Render makes one tile of the given layers with one SQL statement.
// scope limits the rows of non-public layers to those municipalities (nil:
// every row).
func (s *Server) Render(ctx context.Context, ls []*layers.Layer, z, x, y int, params map[string]string, scope []string) ([]byte, error) {
	sql, args := TileSQL(ls, z, x, y, params, scope)
	if sql == "" {
		return []byte{}, nil // no layer is drawn at this zoom
	}
	var data []byte
	xid := s.lastXid.Load()
	if s.cfg.Primary != nil && xid != 0 {
		// On a replica: render only if its snapshot holds the last change
		// announced (changes are announced in commit order), else on the
		// primary.
		var ok bool
		args = append(args, strconv.FormatUint(xid, 10))
		gated := fmt.Sprintf(`SELECT v.ok, CASE WHEN v.ok THEN (%s) END FROM (SELECT pg_visible_in_snapshot($%d::text::xid8, pg_current_snapshot()) AS ok) v`, sql, len(args))
		if err := s.read.QueryRow(ctx, gated, args...).Scan(&ok, &data); err != nil {
			return nil, fmt.Errorf("render tile %d/%d/%d: %w", z, x, y, err)
		}
		if ok {
			return data, nil
		}
		s.metrics.onPrimary.Inc()
		db.NotePrimaryRead(ctx)
		args = args[:len(args)-1]
		if err := s.cfg.Primary.QueryRow(ctx, sql, args...).Scan(&data); err != nil {
			return nil, fmt.Errorf("render tile %d/%d/%d on the primary: %w", z, x, y, err)
		}
		return data, nil
	}
	if err := s.read.QueryRow(ctx, sql, args...).Scan(&data); err != nil {
		return nil, fmt.Errorf("render tile %d/%d/%d: %w", z, x, y, err)
	}
	return data, nil
}

// TileSQL builds the tile statement: the envelope computed once, then per
// layer ST_AsMVT over rows whose indexed EPSG:3857 geometry meets the
// buffered envelope, simplified at low zoom; layer MVTs are concatenated.
// Identifiers come only from the catalogue; values are bound parameters.
func TileSQL(ls []*layers.Layer, z, x, y int, params map[string]string, scope []string) (string, []any) {
	args := []any{z, x, y}
	var parts []string
	tileUnit := world / math.Exp2(float64(z)) / extent // metres per tile unit
	for _, l := range ls {
		if z < l.MinZoom || z > l.MaxZoom {
			continue // outside the layer's zoom range: drawn by nothing
		}
		geom := pgx.Identifier{l.Source.TileGeom}.Sanitize()
		g := l.GeneraliseAt(z)
		geomExpr := geom
		distinct, order := "", ""
		var where []string
		where = append(where, geom+" && b.benv")
		if l.Source.Filter != "" {
			where = append(where, "("+l.Source.Filter+")")
		}
		if g != nil {
			switch {
			case g.Tolerance > 0 && l.GeometryType == "point":
				// Thin points: one per grid cell of the tolerance.
				args = append(args, g.Tolerance*tileUnit)
				cell := fmt.Sprintf("ST_SnapToGrid(%s, $%d)", geom, len(args))
				distinct = "DISTINCT ON (" + cell + ") "
				order = " ORDER BY " + cell + ", " + pgx.Identifier{l.Source.Key}.Sanitize()
			case g.Tolerance > 0:
				args = append(args, g.Tolerance*tileUnit)
				geomExpr = fmt.Sprintf("ST_Simplify(%s, $%d, true)", geom, len(args))
			}
			if g.Filter != "" {
				where = append(where, "("+g.Filter+")")
			}
		}
		bind := func(v any) string {
			args = append(args, v)
			return fmt.Sprintf("$%d", len(args))
		}
		if l.Audience != access.Public && scope != nil {
			where = append(where, fmt.Sprintf("%s = ANY(%s::text[])", pgx.Identifier{l.TERCColumn}.Sanitize(), bind(scope)))
		}
		for _, p := range l.Params {
			if v, ok := params[p.Name]; ok && !p.Arg {
				where = append(where, p.Where(bind, v))
			}
		}
		cols := []string{pgx.Identifier{l.Source.Key}.Sanitize() + " AS fid"}
		for _, a := range l.Attributes {
			col := pgx.Identifier{a.Name}.Sanitize()
			switch a.Type {
			case "date", "timestamp", "text[]":
				col += "::text AS " + pgx.Identifier{a.Name}.Sanitize()
			}
			cols = append(cols, col)
		}
		fid := "'fid'"
		if l.Source.KeyType != "int" {
			fid = "NULL" // MVT feature ids are integers; others travel as the fid attribute
		}
		parts = append(parts, fmt.Sprintf(
			`(SELECT coalesce(ST_AsMVT(t, %s, %d, 'geom', %s), '') FROM (SELECT %s%s, ST_AsMVTGeom(%s, b.env, %d, %d, true) AS geom FROM %s, b WHERE %s%s) t WHERE t.geom IS NOT NULL)`,
			quoteLiteral(l.ID), extent, fid, distinct, strings.Join(cols, ", "), geomExpr, extent, buffer,
			l.From(params, bind), strings.Join(where, " AND "), order))
	}
	if len(parts) == 0 {
		return "", nil
	}
	sql := fmt.Sprintf(`WITH b AS (SELECT ST_TileEnvelope($1, $2, $3) AS env, ST_TileEnvelope($1, $2, $3, margin => %g) AS benv) SELECT %s FROM b`,
		float64(buffer)/extent, strings.Join(parts, " || "))
	return sql, args
}

// quoteLiteral quotes a catalogue identifier (already checked to be a plain
// name) as an SQL string literal.
func quoteLiteral(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// catalogue lists the layers the caller may see, for the web map's layer
// tree.
func (s *Server) catalogue(c *fiber.Ctx) error {
	visible := s.cat.Visible(web.Subject(c))
	out := make([]map[string]any, 0, len(visible))
	for _, l := range visible {
		out = append(out, map[string]any{
			"id": l.ID, "title": l.Title, "description": l.Description, "group": l.Group, "geometry_type": l.GeometryType,
			"attributes": l.Attributes, "min_zoom": l.MinZoom, "max_zoom": l.MaxZoom, "audience": l.Audience,
			"legend": l.Legend, "attribution": l.Attribution, "time_attribute": l.TimeAttribute, "visible": l.Visible,
			"params": l.Params, "tilejson": baseURL(c) + "/tiles/" + l.ID + ".json",
		})
	}
	return c.JSON(fiber.Map{"layers": out})
}

func baseURL(c *fiber.Ctx) string { return c.Protocol() + "://" + c.Hostname() }

func (s *Server) tileJSON(c *fiber.Ctx) error {
	l, err := s.cat.Lookup(web.Subject(c), c.Params("layer"))
	if err != nil {
		return fiber.NewError(fiber.StatusNotFound, err.Error())
	}
	bounds, centre, err := s.extent(c.UserContext())
	if err != nil {
		return err
	}
	fields := map[string]string{}
	for _, a := range l.Attributes {
		switch a.Type {
		case "int", "float":
			fields[a.Name] = "Number"
		case "bool":
			fields[a.Name] = "Boolean"
		default:
			fields[a.Name] = "String"
		}
	}
	c.Set("Cache-Control", "public, max-age=60")
	return c.JSON(fiber.Map{
		"tilejson": "3.0.0", "name": l.Title.PL, "description": l.Description.PL,
		"tiles":   []string{baseURL(c) + "/tiles/" + l.ID + "/{z}/{x}/{y}.mvt"},
		"minzoom": l.MinZoom, "maxzoom": min(l.MaxZoom, 22), "bounds": bounds, "center": centre,
		"attribution": l.Attribution, "scheme": "xyz",
		"vector_layers": []fiber.Map{{"id": l.ID, "fields": fields, "minzoom": l.MinZoom, "maxzoom": min(l.MaxZoom, 22), "description": l.Title.EN}},
	})
}

// extent is the WGS 84 bounds and a centre of the data (the
// municipalities), for TileJSON and the style.
func (s *Server) extent(ctx context.Context) ([4]float64, [3]float64, error) {
	var b [4]float64
	err := s.read.QueryRow(ctx, `SELECT coalesce(ST_XMin(e), 14.07), coalesce(ST_YMin(e), 49.0), coalesce(ST_XMax(e), 24.15), coalesce(ST_YMax(e), 54.84)
		FROM (SELECT ST_Extent(ST_Transform(geom, 4326)) AS e FROM municipality) x`).Scan(&b[0], &b[1], &b[2], &b[3])
	if err != nil {
		return b, [3]float64{}, fmt.Errorf("data extent: %w", err)
	}
	return b, [3]float64{(b[0] + b[2]) / 2, (b[1] + b[3]) / 2, 12}, nil
}

// style is a MapLibre style with every layer the caller may see: one vector
// source per layer (so that a hidden layer costs nothing), its default
// style layers, and an optional raster base map.
func (s *Server) style(c *fiber.Ctx) error {
	_, centre, err := s.extent(c.UserContext())
	if err != nil {
		return err
	}
	sources := map[string]any{}
	styleLayers := []any{map[string]any{"id": "background", "type": "background", "paint": map[string]any{"background-color": "#f4f1ea"}}}
	if s.cfg.BaseMapURL != "" {
		sources["basemap"] = map[string]any{"type": "raster", "tiles": []string{s.cfg.BaseMapURL}, "tileSize": 256, "attribution": s.cfg.BaseMapAttribution}
		styleLayers = append(styleLayers, map[string]any{"id": "basemap", "type": "raster", "source": "basemap"})
	}
	for _, l := range s.cat.Visible(web.Subject(c)) {
		sources[l.ID] = map[string]any{"type": "vector", "tiles": []string{baseURL(c) + "/tiles/" + l.ID + "/{z}/{x}/{y}.mvt"},
			"minzoom": l.MinZoom, "maxzoom": min(l.MaxZoom, 22), "attribution": l.Attribution}
		visibility := "none"
		if l.Visible {
			visibility = "visible"
		}
		for i, sl := range l.Style.Layers {
			m := map[string]any{}
			for k, v := range sl {
				m[k] = v
			}
			m["id"] = fmt.Sprintf("%s-%d", l.ID, i)
			m["source"] = l.ID
			m["source-layer"] = l.ID
			m["minzoom"] = l.MinZoom
			layout, _ := m["layout"].(map[string]any)
			if layout == nil {
				layout = map[string]any{}
			}
			layout["visibility"] = visibility
			m["layout"] = layout
			m["metadata"] = map[string]any{"lad:layer": l.ID, "lad:group": l.Group.PL}
			styleLayers = append(styleLayers, m)
		}
	}
	c.Set("Cache-Control", "no-cache")
	body, err := json.Marshal(map[string]any{
		"version": 8, "name": "ład", "center": []float64{centre[0], centre[1]}, "zoom": 11.5,
		"sources": sources, "layers": styleLayers,
	})
	if err != nil {
		return err
	}
	c.Set("Content-Type", "application/json")
	return c.Send(body)
}
