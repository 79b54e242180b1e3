package tiles

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/paulmach/orb"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
)

// RedisConfig says where the shared tile cache lives and how it behaves.
type RedisConfig struct {
	// URL of the Redis server: redis://host:port/db, rediss://… or
	// unix:///path/to/redis.sock.
	URL string
	// Prefix namespaces ład's keys (default "lad"): instances that share a
	// cache use the same prefix, different deployments different ones.
	Prefix string
	// TTL bounds how long a tile stays cached (default 24 h).
	TTL time.Duration
	// MaxColumns bounds the work of one exact invalidation: the tile
	// columns it visits, summed over the cached zooms of a layer (default
	// 4096). A change whose extent covers more drops the layer's whole
	// generation instead.
	MaxColumns int
	// Timeout of one Redis operation (default 250 ms); after a failure
	// Redis is left alone for RetryAfter (default 1 s) and the tiles come
	// from the local cache and the database.
	Timeout, RetryAfter time.Duration
}

// RedisCache is a tile cache shared by every ład instance through Redis,
// used as the second level under each instance's MemoryCache.
//
// Keys are namespaced by a prefix and by generations: a global one and one
// per layer, both part of every tile's key, so that dropping a layer (or,
// after an outage, everything) is one INCR. A tile is also indexed, for
// each of its layers, in a sorted set per zoom scored by x·2²⁴+y, so that
// an invalidation finds the tiles whose buffered area meets a change's
// extent with one range query per tile column, inside one Lua script.
//
// Redis being down never fails a request: errors are counted, logged once
// per interval, and Redis is skipped for a moment. An invalidation missed
// meanwhile drops the whole shared cache (the global generation) when
// Redis is reached again.
type RedisCache struct {
	rdb       *redis.Client
	cfg       RedisConfig
	log       *slog.Logger
	downUntil atomic.Int64 // unix ns: Redis is not tried before
	dirty     atomic.Bool  // an invalidation was missed
	lastLog   atomic.Int64 // unix ns of the last error logged
	failures  atomic.Int64 // errors since the last log
	metrics   redisMetrics
}

type redisMetrics struct {
	hits, misses, errors, dropped, generations prometheus.Counter
}

// logEvery is how often Redis errors are logged (each is counted).
const logEvery = 10 * time.Second

// NewRedisCache connects to Redis. An unreachable Redis is not an error:
// it is logged and retried, and ład serves tiles without it meanwhile.
func NewRedisCache(ctx context.Context, cfg RedisConfig, log *slog.Logger) (*RedisCache, error) {
	if cfg.Prefix == "" {
		cfg.Prefix = "lad"
	}
	if cfg.TTL == 0 {
		cfg.TTL = 24 * time.Hour
	}
	if cfg.MaxColumns == 0 {
		cfg.MaxColumns = 4096
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 250 * time.Millisecond
	}
	if cfg.RetryAfter == 0 {
		cfg.RetryAfter = time.Second
	}
	opt, err := redis.ParseURL(cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("parse Redis URL: %w", err)
	}
	opt.DialTimeout, opt.ReadTimeout, opt.WriteTimeout = cfg.Timeout, cfg.Timeout, cfg.Timeout
	opt.MaxRetries = 1
	opt.DisableIdentity = true
	c := &RedisCache{rdb: redis.NewClient(opt), cfg: cfg, log: log, metrics: redisMetrics{
		hits:        prometheus.NewCounter(prometheus.CounterOpts{Name: "lad_tile_shared_cache_hits_total", Help: "Tiles found in the shared (Redis) cache."}),
		misses:      prometheus.NewCounter(prometheus.CounterOpts{Name: "lad_tile_shared_cache_misses_total", Help: "Tiles looked for in the shared (Redis) cache and not found."}),
		errors:      prometheus.NewCounter(prometheus.CounterOpts{Name: "lad_tile_shared_cache_errors_total", Help: "Failed operations on the shared (Redis) cache."}),
		dropped:     prometheus.NewCounter(prometheus.CounterOpts{Name: "lad_tile_shared_cache_invalidated_total", Help: "Tiles dropped from the shared cache because their data changed."}),
		generations: prometheus.NewCounter(prometheus.CounterOpts{Name: "lad_tile_shared_cache_generations_total", Help: "Whole layers (or the whole shared cache) dropped at once."}),
	}}
	if err := c.rdb.Ping(ctx).Err(); err != nil {
		c.fail(err)
		c.dirty.Store(true)
	}
	return c, nil
}

// Collectors are the shared cache's Prometheus metrics.
func (c *RedisCache) Collectors() []prometheus.Collector {
	m := c.metrics
	return []prometheus.Collector{m.hits, m.misses, m.errors, m.dropped, m.generations}
}

// Close closes the connections to Redis.
func (c *RedisCache) Close() error { return c.rdb.Close() }

// fail counts an error, leaves Redis alone for a moment and logs at most
// once per interval.
func (c *RedisCache) fail(err error) {
	c.metrics.errors.Inc()
	c.failures.Add(1)
	now := time.Now()
	c.downUntil.Store(now.Add(c.cfg.RetryAfter).UnixNano())
	last := c.lastLog.Load()
	if now.UnixNano()-last >= int64(logEvery) && c.lastLog.CompareAndSwap(last, now.UnixNano()) {
		c.log.Warn("shared tile cache unavailable: tiles come from the local cache and the database", "err", err, "failures", c.failures.Swap(0))
	}
}

// ready reports whether Redis may be used now. After a missed
// invalidation it first drops everything the shared cache holds.
func (c *RedisCache) ready(ctx context.Context) bool {
	if time.Now().UnixNano() < c.downUntil.Load() {
		return false
	}
	if c.dirty.Load() {
		if err := c.rdb.Incr(ctx, c.cfg.Prefix+":G").Err(); err != nil {
			c.fail(err)
			return false
		}
		c.dirty.Store(false)
		c.metrics.generations.Inc()
		c.log.Info("shared tile cache reachable: dropped what it held, since changes may have been missed")
	}
	return true
}

// keyParts splits a tile key (layers/z/x/y?params) into its layers and
// address.
func keyParts(key string) (layers []string, z, x, y int, err error) {
	path, _, _ := strings.Cut(key, "?")
	f := strings.Split(path, "/")
	if len(f) != 4 {
		return nil, 0, 0, 0, fmt.Errorf("tile key %q", key)
	}
	z, err1 := strconv.Atoi(f[1])
	x, err2 := strconv.Atoi(f[2])
	y, err3 := strconv.Atoi(f[3])
	if err := errors.Join(err1, err2, err3); err != nil {
		return nil, 0, 0, 0, fmt.Errorf("tile key %q: %w", key, err)
	}
	return strings.Split(f[0], ","), z, x, y, nil
}

// Tile keys: PREFIX:t:KEY@G.g1.g2… (global generation, then one per layer
// in the key's order).
var getScript = redis.NewScript(`
local p = ARGV[1]
local gens = {redis.call('GET', p .. ':G') or '0'}
for i = 3, #ARGV do gens[#gens + 1] = redis.call('GET', p .. ':g:' .. ARGV[i]) or '0' end
return redis.call('GET', p .. ':t:' .. ARGV[2] .. '@' .. table.concat(gens, '.'))
`)

// Index keys, per layer: PREFIX:i:G:LAYER:GEN:Z (sorted set of tile keys
// scored x·2²⁴+y) and PREFIX:i:G:LAYER:GEN:zooms (the zooms cached).
var putScript = redis.NewScript(`
local p, key, ttl, z, score, value = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4], ARGV[5], ARGV[6]
local G = redis.call('GET', p .. ':G') or '0'
local gens, lg = {G}, {}
for i = 7, #ARGV do
  lg[i] = redis.call('GET', p .. ':g:' .. ARGV[i]) or '0'
  gens[#gens + 1] = lg[i]
end
local tk = p .. ':t:' .. key .. '@' .. table.concat(gens, '.')
redis.call('SET', tk, value, 'PX', ttl)
for i = 7, #ARGV do
  local base = p .. ':i:' .. G .. ':' .. ARGV[i] .. ':' .. lg[i]
  redis.call('ZADD', base .. ':' .. z, score, tk)
  redis.call('PEXPIRE', base .. ':' .. z, ttl + 3600000)
  redis.call('SADD', base .. ':zooms', z)
  redis.call('PEXPIRE', base .. ':zooms', ttl + 3600000)
end
return 1
`)

// invalidateScript drops, for each layer, the tiles whose buffered area
// meets the box: for every cached zoom, the columns x0…x1 and rows y0…y1
// covering the box grown by the tile buffer, one ZRANGEBYSCORE per column.
// Without a box, or when the columns exceed the bound, it bumps the
// layer's generation instead. It returns {tiles dropped, layers bumped}.
var invalidateScript = redis.NewScript(`
local p, maxcols, box = ARGV[1], tonumber(ARGV[2]), ARGV[3] == '1'
local minx, miny, maxx, maxy = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])
local W = 2 * 20037508.342789244
local G = redis.call('GET', p .. ':G') or '0'
local dropped, bumped = 0, 0
for i = 8, #ARGV do
  local gkey = p .. ':g:' .. ARGV[i]
  local base = p .. ':i:' .. G .. ':' .. ARGV[i] .. ':' .. (redis.call('GET', gkey) or '0')
  local zooms = redis.call('SMEMBERS', base .. ':zooms')
  local ranges, cols = {}, 0
  if box then
    for _, zs in ipairs(zooms) do
      local n = 2 ^ tonumber(zs)
      local size = W / n
      local pad = size * 64 / 4096
      local function clamp(v) if v < 0 then return 0 elseif v > n - 1 then return n - 1 end return v end
      local x0, x1 = clamp(math.floor((minx - pad + W / 2) / size)), clamp(math.floor((maxx + pad + W / 2) / size))
      local y0, y1 = clamp(math.floor((W / 2 - maxy - pad) / size)), clamp(math.floor((W / 2 - miny + pad) / size))
      ranges[#ranges + 1] = {zs, x0, x1, y0, y1}
      cols = cols + x1 - x0 + 1
    end
  end
  if not box or cols > maxcols then
    redis.call('INCR', gkey)
    for _, zs in ipairs(zooms) do redis.call('UNLINK', base .. ':' .. zs) end
    redis.call('UNLINK', base .. ':zooms')
    bumped = bumped + 1
  else
    for _, r in ipairs(ranges) do
      local idx = base .. ':' .. r[1]
      for x = r[2], r[3] do
        local lo, hi = string.format('%.0f', x * 16777216 + r[4]), string.format('%.0f', x * 16777216 + r[5])
        local keys = redis.call('ZRANGEBYSCORE', idx, lo, hi)
        if #keys > 0 then
          for j = 1, #keys, 512 do
            dropped = dropped + redis.call('UNLINK', unpack(keys, j, math.min(j + 511, #keys)))
          end
          redis.call('ZREMRANGEBYSCORE', idx, lo, hi)
        end
      end
    end
  end
end
return {dropped, bumped}
`)

// Get returns the tile cached under key in Redis. Its Layers and Bounds are
// those the key says.
func (c *RedisCache) Get(ctx context.Context, key string) (*Tile, bool) {
	ls, z, x, y, err := keyParts(key)
	if err != nil || !c.ready(ctx) {
		return nil, false
	}
	args := append([]any{c.cfg.Prefix, key}, anys(ls)...)
	v, err := getScript.Run(ctx, c.rdb, nil, args...).Text()
	if errors.Is(err, redis.Nil) {
		c.metrics.misses.Inc()
		return nil, false
	}
	if err != nil {
		c.fail(err)
		return nil, false
	}
	t, err := decodeTile(v)
	if err != nil {
		c.fail(err)
		return nil, false
	}
	c.metrics.hits.Inc()
	t.Layers = ls
	t.Bounds = bufferedBounds(z, x, y)
	return t, true
}

// Put stores a tile in Redis and indexes it under each of its layers.
func (c *RedisCache) Put(ctx context.Context, key string, t *Tile) {
	ls, z, x, y, err := keyParts(key)
	if err != nil || !c.ready(ctx) {
		return
	}
	args := append([]any{c.cfg.Prefix, key, c.cfg.TTL.Milliseconds(), z, int64(x)<<24 | int64(y), encodeTile(t)}, anys(ls)...)
	if err := putScript.Run(ctx, c.rdb, nil, args...).Err(); err != nil {
		c.fail(err)
	}
}

// SetGzip is ignored: tiles go to Redis with their gzip form when they
// have one.
func (c *RedisCache) SetGzip(string, []byte) {}

// Invalidate drops the tiles of the layers whose area meets bounds (every
// tile of the layers when bounds is nil). When Redis cannot be reached the
// whole shared cache is dropped as soon as it can.
func (c *RedisCache) Invalidate(ctx context.Context, layers map[string]bool, bounds *orb.Bound) int {
	if len(layers) == 0 {
		return 0
	}
	if !c.ready(ctx) {
		c.dirty.Store(true)
		return 0
	}
	args := []any{c.cfg.Prefix, c.cfg.MaxColumns, "0", 0, 0, 0, 0}
	if bounds != nil {
		args[2], args[3], args[4], args[5], args[6] = "1", bounds.Min[0], bounds.Min[1], bounds.Max[0], bounds.Max[1]
	}
	for l := range layers {
		args = append(args, l)
	}
	res, err := invalidateScript.Run(ctx, c.rdb, nil, args...).Int64Slice()
	if err != nil || len(res) != 2 {
		c.dirty.Store(true)
		c.fail(fmt.Errorf("invalidate: %w", err))
		return 0
	}
	c.metrics.dropped.Add(float64(res[0]))
	c.metrics.generations.Add(float64(res[1]))
	return int(res[0])
}

// Len is not known for a shared cache.
func (c *RedisCache) Len() int { return -1 }

// Bytes is not known for a shared cache.
func (c *RedisCache) Bytes() int { return -1 }

func anys(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// encodeTile packs a tile for Redis: version byte, ETag, data, gzip form.
func encodeTile(t *Tile) []byte {
	b := make([]byte, 0, 1+2+len(t.ETag)+4+len(t.Data)+len(t.Gzip))
	b = append(b, 1)
	b = binary.BigEndian.AppendUint16(b, uint16(len(t.ETag)))
	b = append(b, t.ETag...)
	b = binary.BigEndian.AppendUint32(b, uint32(len(t.Data)))
	b = append(b, t.Data...)
	return append(b, t.Gzip...)
}

func decodeTile(s string) (*Tile, error) {
	b := []byte(s)
	if len(b) < 3 || b[0] != 1 {
		return nil, errors.New("unreadable cached tile")
	}
	n := int(binary.BigEndian.Uint16(b[1:]))
	b = b[3:]
	if len(b) < n+4 {
		return nil, errors.New("unreadable cached tile")
	}
	t := &Tile{ETag: string(b[:n])}
	b = b[n:]
	m := int(binary.BigEndian.Uint32(b))
	b = b[4:]
	if len(b) < m {
		return nil, errors.New("unreadable cached tile")
	}
	t.Data = b[:m:m]
	if len(b) > m {
		t.Gzip = b[m:]
	}
	return t, nil
}
