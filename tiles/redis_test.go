package tiles

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/paulmach/orb"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/redis/go-redis/v9"

	"github.com/ladgis/lad/db"
	"github.com/ladgis/lad/tiles/redistest"
	"github.com/ladgis/lad/web"
)

func newRedisCache(t *testing.T, cfg RedisConfig, log *slog.Logger) *RedisCache {
	t.Helper()
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	c, err := NewRedisCache(context.Background(), cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// Exact invalidation in Redis: of tiles cached at three zooms for layer a
// and for layers a+b, a change of layer a drops exactly those whose
// buffered area meets its extent (checked against every tile's bounds);
// a change of b without extent drops every tile holding b and no other.
func TestRedisCacheDropsExactlyTheTilesAChangeTouches(t *testing.T) {
	r := redistest.Start(t)
	ctx := context.Background()
	c := newRedisCache(t, RedisConfig{URL: r.URL, Prefix: "t1"}, nil)
	type addr struct{ z, x, y int }
	var keys []string
	at := map[string]addr{}
	for _, z := range []int{14, 15, 16} {
		x0, y0 := 35700>>(16-z), 21700>>(16-z)
		for x := x0; x < x0+8; x++ {
			for y := y0; y < y0+8; y++ {
				for _, ls := range []string{"a", "a,b"} {
					k := fmt.Sprintf("%s/%d/%d/%d?", ls, z, x, y)
					c.Put(ctx, k, &Tile{Data: []byte(k), ETag: `"` + k + `"`})
					keys = append(keys, k)
					at[k] = addr{z, x, y}
				}
			}
		}
	}
	for _, k := range keys {
		tl, ok := c.Get(ctx, k)
		if !ok || string(tl.Data) != k || tl.ETag != `"`+k+`"` {
			t.Fatalf("tile %s not cached (%v)", k, ok)
		}
	}
	// A change of a few metres inside tile 16/35702/21703.
	tb := TileBounds(16, 35702, 21703)
	change := orb.Bound{Min: orb.Point{tb.Min[0] + 100, tb.Min[1] + 100}, Max: orb.Point{tb.Min[0] + 110, tb.Min[1] + 120}}
	n := c.Invalidate(ctx, map[string]bool{"a": true}, &change)
	want := 0
	for _, k := range keys {
		a := at[k]
		hit := bufferedBounds(a.z, a.x, a.y).Intersects(change)
		if hit {
			want++
		}
		if _, ok := c.Get(ctx, k); ok == hit {
			t.Errorf("tile %s: cached %v after a change that touches it: %v", k, ok, hit)
		}
	}
	if n != want || want < 6 {
		t.Errorf("dropped %d tiles, want %d", n, want)
	}
	// Layer b changes anywhere: every a+b tile goes, every a tile stays.
	c.Invalidate(ctx, map[string]bool{"b": true}, nil)
	for _, k := range keys {
		a := at[k]
		_, ok := c.Get(ctx, k)
		wantOK := strings.HasPrefix(k, "a/") && !bufferedBounds(a.z, a.x, a.y).Intersects(change)
		if ok != wantOK {
			t.Errorf("tile %s: cached %v, want %v", k, ok, wantOK)
		}
	}
	if got := testutil.ToFloat64(c.metrics.generations); got != 1 {
		t.Errorf("generations bumped %v times, want 1", got)
	}
	// A change too large to enumerate drops the layer's generation.
	small := newRedisCache(t, RedisConfig{URL: r.URL, Prefix: "t1", MaxColumns: 4}, nil)
	wide := orb.Bound{Min: TileBounds(14, x14(), 21700>>2).Min, Max: TileBounds(14, x14()+1, 21700>>2).Max}
	small.Invalidate(ctx, map[string]bool{"a": true}, &wide)
	for _, k := range keys {
		if _, ok := c.Get(ctx, k); ok {
			t.Errorf("tile %s survived its layer's generation", k)
		}
	}
}

func x14() int { return 35700 >> 2 }

type instance struct {
	ts  *Server
	app *fiber.App
	rc  *RedisCache
}

func (e *env) instance(t *testing.T, redisURL string, log *slog.Logger) *instance {
	t.Helper()
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	rc := newRedisCache(t, RedisConfig{URL: redisURL, Prefix: "lad", RetryAfter: 300 * time.Millisecond}, log)
	ts := New(e.d.Pool, e.cat, nil, Config{Shared: rc}, log)
	srv := web.New(web.Config{}, log, func(ctx context.Context) error { return db.CheckReady(ctx, e.d.Pool) }, ts)
	return &instance{ts: ts, app: srv.App(), rc: rc}
}

func (in *instance) get(t *testing.T, path string) (int, string, string) {
	t.Helper()
	e := &env{app: in.app}
	code, _, h := e.get(t, path, "Accept-Encoding", "gzip")
	return code, h["Etag"], h["X-Cache"]
}

// Two instances share Redis: a tile one renders the other finds there; a
// plain SQL change reaches both (each LISTENs) and both serve the new tile
// within a second, while an unrelated tile stays cached in both levels.
func TestSharedCacheAcrossInstances(t *testing.T) {
	e := setup(t)
	r := redistest.Start(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a, b := e.instance(t, r.URL, nil), e.instance(t, r.URL, nil)
	for _, in := range []*instance{a, b} {
		ready := make(chan struct{})
		go in.ts.Listen(ctx, e.d.URL, ready)
		<-ready
	}
	near := e.tileAt(t, 16, 362015, 362015)
	far := e.tileAt(t, 16, 362580, 362580)
	nearPath := fmt.Sprintf("/tiles/parcels/%d/%d/%d.mvt", near.Z, near.X, near.Y)
	farPath := fmt.Sprintf("/tiles/parcels,permits/%d/%d/%d.mvt", far.Z, far.X, far.Y)
	check := func(in *instance, path, wantSource string) string {
		t.Helper()
		code, etag, src := in.get(t, path)
		if code != 200 || src != wantSource {
			t.Fatalf("%s: %d from %q, want %q", path, code, src, wantSource)
		}
		return etag
	}
	nearTag := check(a, nearPath, "miss")
	farTag := check(a, farPath, "miss")
	if check(b, nearPath, "shared") != nearTag || check(b, farPath, "shared") != farTag {
		t.Fatal("the shared cache gave another tile")
	}
	check(b, nearPath, "hit")

	start := time.Now()
	if _, err := e.d.Pool.Exec(ctx, `UPDATE parcel SET number = number || 'a', geom = ST_Multi(ST_Translate(geom, 2, 0)) WHERE teryt = '026401_1.0001.0'`); err != nil {
		t.Fatal(err)
	}
	for _, in := range []*instance{a, b} {
		for {
			_, tag, _ := in.get(t, nearPath)
			if tag != nearTag {
				break
			}
			if time.Since(start) > time.Second {
				t.Fatalf("an instance still serves the old tile after %v", time.Since(start))
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	t.Logf("both instances serve the changed tile after %v", time.Since(start))
	if check(a, farPath, "hit") != farTag || check(b, farPath, "hit") != farTag {
		t.Error("the unrelated tile changed")
	}
	// A third instance, cold, finds the unrelated tile in Redis and the
	// changed one in its new form.
	c := e.instance(t, r.URL, nil)
	if check(c, farPath, "shared") != farTag {
		t.Error("the unrelated tile changed in Redis")
	}
	if _, tag, _ := c.get(t, nearPath); tag == nearTag {
		t.Error("Redis still holds the old tile")
	}
}

// Redis going away costs no request: tiles come from the local cache and
// the database, errors are counted and logged once, not per request; an
// invalidation missed meanwhile drops the whole shared cache when Redis is
// back, so nothing stale is served from it.
func TestRedisOutageIsHarmless(t *testing.T) {
	e := setup(t)
	r := redistest.Start(t)
	ctx := context.Background()
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&syncWriter{w: &logs}, nil))
	a := e.instance(t, r.URL, log)
	tl := e.tileAt(t, 16, 362015, 362015)
	path := func(x int) string { return fmt.Sprintf("/tiles/parcels/%d/%d/%d.mvt", tl.Z, int(tl.X)+x, tl.Y) }
	if code, _, src := a.get(t, path(0)); code != 200 || src != "miss" {
		t.Fatalf("%d %s", code, src)
	}

	r.Stop()
	for i := 0; i < 50; i++ {
		code, _, src := a.get(t, path(i%3))
		if code != 200 || (i%3 == 0 && src != "hit") {
			t.Fatalf("request %d without Redis: %d %s", i, code, src)
		}
	}
	if n := testutil.ToFloat64(a.rc.metrics.errors); n < 1 {
		t.Error("no Redis error counted")
	}
	if n := strings.Count(logs.String(), "shared tile cache unavailable"); n != 1 {
		t.Errorf("Redis errors logged %d times in 50 requests, want once:\n%s", n, logs.String())
	}

	// Back, empty: the shared cache fills again.
	r.Restart(t)
	time.Sleep(400 * time.Millisecond)
	if _, _, src := a.get(t, path(5)); src != "miss" {
		t.Fatalf("after restart: %s", src)
	}
	b := e.instance(t, r.URL, nil)
	if _, _, src := b.get(t, path(5)); src != "shared" {
		t.Fatalf("after restart, another instance: %s", src)
	}

	// Redis unreachable (paused) while a change is applied: the purge is
	// missed, so the next use of Redis drops everything it holds.
	pause := redis.NewClient(&redis.Options{Network: "unix", Addr: r.Socket})
	defer pause.Close()
	if err := pause.ClientPause(ctx, 1200*time.Millisecond).Err(); err != nil {
		t.Fatal(err)
	}
	a.ts.Apply(ctx, Change{Table: "parcel", BBox: []float64{-1e7, 0, 1e7, 1e7}})
	time.Sleep(1500 * time.Millisecond)
	if _, _, src := a.get(t, path(5)); src != "miss" {
		t.Errorf("after a missed purge: %s, want a fresh render", src)
	}
	if testutil.ToFloat64(a.rc.metrics.generations) < 1 {
		t.Error("the shared cache was not dropped after the missed purge")
	}
	c := e.instance(t, r.URL, nil)
	if _, _, src := c.get(t, path(5)); src != "shared" {
		t.Errorf("the shared cache does not fill again: %s", src)
	}
}

// syncWriter lets concurrent handlers log into one buffer.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}
