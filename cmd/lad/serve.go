package main

import (
	"context"
	"fmt"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/ladgis/lad/db"
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
			srv := web.New(web.Config{Addr: addr, RequestTimeout: c.Duration("request-timeout")}, e.log,
				func(ctx2 context.Context) error { return db.CheckReady(ctx2, e.db.Pool) },
				modules(e)...)
			e.log.Info("ład is serving", "url", "http://"+addr+"/")
			fmt.Printf("ład: open http://%s/ (Ctrl-C stops)\n", addr)
			return srv.Serve(c.Context)
		},
	}
}

// modules lists the features mounted on the HTTP server, in order.
func modules(e *env) []web.Module {
	return nil
}
