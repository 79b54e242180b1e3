package main

import (
	"context"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/urfave/cli/v2"

	"github.com/ladgis/lad/analysis"
	"github.com/ladgis/lad/auth"
	"github.com/ladgis/lad/db"
	"github.com/ladgis/lad/layers"
	"github.com/ladgis/lad/ogc"
	"github.com/ladgis/lad/place"
	"github.com/ladgis/lad/tiles"
	"github.com/ladgis/lad/web"
)

func serveCommand() *cli.Command {
	return &cli.Command{
		Name:  "serve",
		Usage: "serve the map, tiles, OGC API and analyses over HTTP",
		Description: `Starts the HTTP server on --addr (LAD_ADDR). With --demo, an empty database
is first filled with the demo city (Wrocław: real districts and permits, generated
parcels, plans, advertising and a consultation). Stops cleanly on Ctrl-C or SIGTERM,
with the private database cluster.

Several instances may serve one database behind any load balancer: each keeps
its own tile cache, with --redis-url as a shared second level, and every data
change reaches every instance (LISTEN/NOTIFY). --replica-url sends tile, feature
and place reads to streaming replicas within --replica-max-lag (analyses and
writes stay on the primary); X-Read-From says where a response was read.`,
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "demo", EnvVars: []string{"LAD_DEMO"}, Usage: "load the demo city into an empty database"},
			&cli.DurationFlag{Name: "request-timeout", Value: 30 * time.Second, Usage: "time limit of one request"},
			&cli.StringFlag{Name: "catalogue", EnvVars: []string{"LAD_CATALOGUE"}, Usage: "layer catalogue file (YAML) replacing the built-in one"},
			&cli.IntFlag{Name: "place-max-conns", Value: 4, EnvVars: []string{"LAD_PLACE_MAX_CONNS"}, Usage: "database connections kept for \"what applies here\" (its own pool, for low tail latency)"},
			&cli.IntFlag{Name: "tile-cache-mb", Value: 256, EnvVars: []string{"LAD_TILE_CACHE_MB"}, Usage: "size of the in-memory tile cache (0: no cache)"},
			&cli.StringFlag{Name: "basemap-url", EnvVars: []string{"LAD_BASEMAP_URL"}, Usage: "optional raster base map tile URL ({z}/{x}/{y}) under ład's layers"},
			&cli.StringFlag{Name: "basemap-attribution", EnvVars: []string{"LAD_BASEMAP_ATTRIBUTION"}, Usage: "attribution of the base map"},
			&cli.StringFlag{Name: "redis-url", EnvVars: []string{"LAD_REDIS_URL"}, Usage: "Redis shared by every instance as second-level tile cache (redis://host:6379/0, unix:///run/redis.sock)"},
			&cli.StringFlag{Name: "redis-prefix", Value: "lad", EnvVars: []string{"LAD_REDIS_PREFIX"}, Usage: "namespace of ład's keys in Redis (the same for instances serving the same database)"},
			&cli.StringSliceFlag{Name: "replica-url", EnvVars: []string{"LAD_REPLICA_URLS"}, Usage: "streaming replica for tile, feature and place reads (repeatable; writes and analyses stay on the primary)"},
			&cli.DurationFlag{Name: "replica-max-lag", Value: 5 * time.Second, EnvVars: []string{"LAD_REPLICA_MAX_LAG"}, Usage: "a replica that has not replayed WAL the primary flushed longer ago than this is skipped (reads go to other replicas or the primary)"},
		},
		Action: func(c *cli.Context) error {
			e, err := openEnv(c)
			if err != nil {
				return err
			}
			defer e.close()
			if c.Bool("demo") {
				if err := loadDemo(c.Context, e); err != nil {
					return fmt.Errorf("load demo city: %w", err)
				}
			}
			addr := setting(c, "addr")
			cat, err := layers.Default()
			if path := c.String("catalogue"); path != "" {
				cat, err = layers.Load(path)
			}
			if err != nil {
				return err
			}
			var cache tiles.Cache
			if c.Int("tile-cache-mb") == 0 {
				cache = tiles.NoCache{}
			}
			var collectors []prometheus.Collector
			tcfg := tiles.Config{CacheBytes: c.Int("tile-cache-mb") << 20, BaseMapURL: c.String("basemap-url"), BaseMapAttribution: c.String("basemap-attribution")}
			if u := c.String("redis-url"); u != "" {
				rc, err := tiles.NewRedisCache(c.Context, tiles.RedisConfig{URL: u, Prefix: c.String("redis-prefix")}, e.log)
				if err != nil {
					return err
				}
				defer rc.Close()
				tcfg.Shared = rc
				collectors = append(collectors, rc.Collectors()...)
			}
			// Reads that need not see the caller's own writes may go to
			// replicas; writes and read-your-writes paths use the primary.
			var read db.Reader = e.db.Pool
			if urls := c.StringSlice("replica-url"); len(urls) > 0 {
				rp, err := db.NewReadPool(c.Context, db.ReadPoolConfig{Primary: e.db.URL, Replicas: urls,
					MaxLag: c.Duration("replica-max-lag"), Fallback: e.db.Pool, MaxConns: 16}, e.log)
				if err != nil {
					return err
				}
				defer rp.Close()
				read = rp
				tcfg.Primary = e.db.Pool
				collectors = append(collectors, rp.Collectors()...)
				e.log.Info("reads go to replicas when they keep up", "replicas", len(urls), "max_lag", c.Duration("replica-max-lag"))
			}
			// "What applies here" gets a small pool of its own (a bulkhead): on
			// a small machine, a few connections keep its tail latency low
			// (p99 8 ms against 150 ms when it shares the tiles' 16
			// connections at concurrency 8 on two cores, bench/place), while
			// uncached tiles want more connections for throughput.
			placeRead := read
			if len(c.StringSlice("replica-url")) == 0 {
				pp, err := db.NewPool(c.Context, e.db.URL, int32(c.Int("place-max-conns")))
				if err != nil {
					return err
				}
				defer pp.Close()
				placeRead = pp
			}
			ts := tiles.New(read, cat, cache, tcfg, e.log)
			go ts.Listen(c.Context, e.db.URL, nil)
			srv := web.New(web.Config{Addr: addr, RequestTimeout: c.Duration("request-timeout")}, e.log,
				func(ctx2 context.Context) error { return db.CheckReady(ctx2, e.db.Pool) },
				httpModules(e, cat, ts, read, placeRead)...)
			srv.Registry().MustRegister(append(collectors, ts.Collectors()...)...)
			e.log.Info("ład is serving", "url", "http://"+addr+"/")
			fmt.Printf("ład: open http://%s/ (Ctrl-C stops)\n", addr)
			return srv.Serve(c.Context)
		},
	}
}

// httpModules is everything the HTTP server mounts, in order: sign-in
// first, then tiles, the OGC API and the features (the authorisation
// matrix test builds the same list).
func httpModules(e *env, cat *layers.Catalogue, ts *tiles.Server, read, placeRead db.Reader) []web.Module {
	return append([]web.Module{auth.NewStore(e.db.Pool, e.log), ts, ogc.New(read, cat, e.log)}, modules(e, read, placeRead)...)
}

// modules lists the features mounted on the HTTP server after the tiles,
// in order: place queries read through read (replicas when given); the
// field and consultation API, ingest and the audit log write, and read
// their own writes, on the primary; analyses too, since their cache follows
// the primary's transactions (pg_locks) to know when a result is stale.
func modules(e *env, read, placeRead db.Reader) []web.Module {
	return []web.Module{analysis.New(e.db.Pool, e.log), place.New(placeRead, e.log), web.NewAPI(e.db.Pool, e.log), web.NewConsult(e.db.Pool, e.log), web.NewField(e.db.Pool, e.log), web.NewIngest(e.db.Pool, e.log), web.NewAudit(e.db.Pool), web.App{}}
}
