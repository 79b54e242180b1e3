package main

import (
	"context"
	"fmt"
	"time"

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
with the private database cluster.`,
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "demo", EnvVars: []string{"LAD_DEMO"}, Usage: "load the demo city into an empty database"},
			&cli.DurationFlag{Name: "request-timeout", Value: 30 * time.Second, Usage: "time limit of one request"},
			&cli.StringFlag{Name: "catalogue", EnvVars: []string{"LAD_CATALOGUE"}, Usage: "layer catalogue file (YAML) replacing the built-in one"},
			&cli.IntFlag{Name: "tile-cache-mb", Value: 256, EnvVars: []string{"LAD_TILE_CACHE_MB"}, Usage: "size of the in-memory tile cache (0: no cache)"},
			&cli.StringFlag{Name: "basemap-url", EnvVars: []string{"LAD_BASEMAP_URL"}, Usage: "optional raster base map tile URL ({z}/{x}/{y}) under ład's layers"},
			&cli.StringFlag{Name: "basemap-attribution", EnvVars: []string{"LAD_BASEMAP_ATTRIBUTION"}, Usage: "attribution of the base map"},
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
			ts := tiles.New(e.db.Pool, cat, cache, tiles.Config{
				CacheBytes: c.Int("tile-cache-mb") << 20, BaseMapURL: c.String("basemap-url"), BaseMapAttribution: c.String("basemap-attribution"),
			}, e.log)
			go ts.Listen(c.Context, e.db.URL, nil)
			srv := web.New(web.Config{Addr: addr, RequestTimeout: c.Duration("request-timeout")}, e.log,
				func(ctx2 context.Context) error { return db.CheckReady(ctx2, e.db.Pool) },
				httpModules(e, cat, ts)...)
			srv.Registry().MustRegister(ts.Collectors()...)
			e.log.Info("ład is serving", "url", "http://"+addr+"/")
			fmt.Printf("ład: open http://%s/ (Ctrl-C stops)\n", addr)
			return srv.Serve(c.Context)
		},
	}
}

// httpModules is everything the HTTP server mounts, in order: sign-in
// first, then tiles, the OGC API and the features (the authorisation
// matrix test builds the same list).
func httpModules(e *env, cat *layers.Catalogue, ts *tiles.Server) []web.Module {
	return append([]web.Module{auth.NewStore(e.db.Pool, e.log), ts, ogc.New(e.db.Pool, cat, e.log)}, modules(e)...)
}

// modules lists the features mounted on the HTTP server after the tiles,
// in order.
func modules(e *env) []web.Module {
	return []web.Module{analysis.New(e.db.Pool, e.log), place.New(e.db.Pool, e.log), web.NewAPI(e.db.Pool, e.log), web.NewField(e.db.Pool, e.log), web.NewIngest(e.db.Pool, e.log), web.NewAudit(e.db.Pool), web.App{}}
}
