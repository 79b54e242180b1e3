// Command replica runs a streaming replica of a ład private cluster for the
// soak benchmark (bench/soak/run.sh with REPLICA=1), made the way the
// replica tests make theirs (pgembed: pg_basebackup -R, hot standby on a
// unix socket). It prints the replica's connection string once it accepts
// connections and stops it on SIGINT or SIGTERM.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/ladgis/lad/pgembed"
)

func main() {
	primaryDir := flag.String("primary", "", "data directory of the running primary (LAD_DATA of the lad serve that owns it)")
	dir := flag.String("dir", "", "data directory of the replica (created on first use)")
	flag.Parse()
	if *primaryDir == "" || *dir == "" {
		log.Fatal("replica: -primary and -dir are required")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	lg := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	// The primary is already running: Start finds it and leaves it be.
	primary, err := pgembed.Start(ctx, pgembed.Config{Dir: *primaryDir, Logger: lg})
	if err != nil {
		log.Fatalf("replica: primary: %v", err)
	}
	r, err := pgembed.Start(ctx, pgembed.Config{Dir: *dir, Logger: lg, ReplicaOf: primary})
	if err != nil {
		log.Fatalf("replica: %v", err)
	}
	fmt.Println(r.DatabaseURL())
	<-ctx.Done()
	if err := r.Stop(); err != nil {
		log.Fatalf("replica: stop: %v", err)
	}
}
