package tiles

import (
	"container/list"
	"context"
	"sync"

	"github.com/paulmach/orb"
)

// Tile is a rendered vector tile as the cache keeps it.
type Tile struct {
	Data   []byte    // MVT bytes (uncompressed)
	Gzip   []byte    // gzip of Data, made once when first asked for
	ETag   string    // strong ETag: a hash of Data
	Layers []string  // catalogue layers in the tile
	Bounds orb.Bound // EPSG:3857 area the tile draws from (with its buffer)
}

func (t *Tile) size() int { return len(t.Data) + len(t.Gzip) + 128 }

// Cache keeps rendered tiles: an instance's MemoryCache, and optionally a
// RedisCache shared by every instance as the second level under it.
// Implementations must drop exactly the tiles an invalidation names: those
// holding one of the layers and drawing from an area that meets the bounds
// (all of the layers' tiles when bounds is nil). A cache that cannot be
// reached behaves as empty: it never fails a request.
type Cache interface {
	// Get returns the tile cached under key.
	Get(ctx context.Context, key string) (*Tile, bool)
	// Put stores a tile under key (its Layers and Bounds say when to drop it).
	Put(ctx context.Context, key string, t *Tile)
	// SetGzip records the gzip form of a cached tile, made after it was
	// stored (a cache may ignore it).
	SetGzip(key string, gz []byte)
	// Invalidate drops the affected tiles and reports how many it dropped.
	Invalidate(ctx context.Context, layers map[string]bool, bounds *orb.Bound) int
	// Len and Bytes report the cache's size (-1: not known here, as for a
	// shared cache).
	Len() int
	Bytes() int
}

// MemoryCache is a bounded in-memory LRU cache of tiles, by bytes.
type MemoryCache struct {
	mu    sync.Mutex
	max   int
	bytes int
	ll    *list.List
	items map[string]*list.Element
	// byLayer indexes entries by layer, so that an invalidation visits
	// only the tiles of the layers it names.
	byLayer map[string]map[string]*list.Element
}

type entry struct {
	key  string
	tile *Tile
}

// NewMemoryCache returns a cache holding at most maxBytes of tiles.
func NewMemoryCache(maxBytes int) *MemoryCache {
	return &MemoryCache{max: maxBytes, ll: list.New(), items: map[string]*list.Element{}, byLayer: map[string]map[string]*list.Element{}}
}

// Get returns a cached tile and marks it recently used.
func (c *MemoryCache) Get(_ context.Context, key string) (*Tile, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.items[key]
	if !ok {
		return nil, false
	}
	c.ll.MoveToFront(el)
	return el.Value.(*entry).tile, true
}

// Put stores a tile, evicting the least recently used ones beyond the bound.
func (c *MemoryCache) Put(_ context.Context, key string, t *Tile) {
	if t.size() > c.max {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[key]; ok {
		c.remove(el)
	}
	el := c.ll.PushFront(&entry{key: key, tile: t})
	c.items[key] = el
	c.bytes += t.size()
	for _, l := range t.Layers {
		m := c.byLayer[l]
		if m == nil {
			m = map[string]*list.Element{}
			c.byLayer[l] = m
		}
		m[key] = el
	}
	for c.bytes > c.max {
		c.remove(c.ll.Back())
	}
}

// SetGzip records the gzip form of a cached tile (made lazily).
func (c *MemoryCache) SetGzip(key string, gz []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[key]; ok {
		e := el.Value.(*entry)
		if e.tile.Gzip == nil {
			t := *e.tile
			t.Gzip = gz
			c.bytes += len(gz)
			e.tile = &t
		}
	}
}

func (c *MemoryCache) remove(el *list.Element) {
	e := el.Value.(*entry)
	c.ll.Remove(el)
	delete(c.items, e.key)
	c.bytes -= e.tile.size()
	for _, l := range e.tile.Layers {
		if m := c.byLayer[l]; m != nil {
			delete(m, e.key)
			if len(m) == 0 {
				delete(c.byLayer, l)
			}
		}
	}
}

// Invalidate drops the tiles of the given layers whose area meets bounds.
func (c *MemoryCache) Invalidate(_ context.Context, layers map[string]bool, bounds *orb.Bound) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	var doomed []*list.Element
	seen := map[*list.Element]bool{}
	for l := range layers {
		for _, el := range c.byLayer[l] {
			if seen[el] {
				continue
			}
			seen[el] = true
			if bounds == nil || el.Value.(*entry).tile.Bounds.Intersects(*bounds) {
				doomed = append(doomed, el)
			}
		}
	}
	for _, el := range doomed {
		c.remove(el)
	}
	return len(doomed)
}

// Len is the number of cached tiles.
func (c *MemoryCache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ll.Len()
}

// Bytes is the cache's size in bytes.
func (c *MemoryCache) Bytes() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.bytes
}

// NoCache caches nothing: every tile is rendered (for benchmarks of the
// database path, and for deployments that cache in front of ład).
type NoCache struct{}

// Get never finds a tile.
func (NoCache) Get(context.Context, string) (*Tile, bool) { return nil, false }

// Put drops the tile.
func (NoCache) Put(context.Context, string, *Tile) {}

// SetGzip has nothing to record.
func (NoCache) SetGzip(string, []byte) {}

// Invalidate has nothing to drop.
func (NoCache) Invalidate(context.Context, map[string]bool, *orb.Bound) int { return 0 }

// Len is zero.
func (NoCache) Len() int { return 0 }

// Bytes is zero.
func (NoCache) Bytes() int { return 0 }
