// Package dbtest gives tests a real PostGIS database: one throwaway private
// cluster per test binary (started with the same pgembed code ład runs on)
// and a fresh database per test, cloned from a migrated template. No mocks.
package dbtest

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/ladgis/lad/db"
	"github.com/ladgis/lad/pgembed"
)

const template = "lad_template"

var (
	cluster *pgembed.Cluster
	seq     atomic.Int64
)

// Main starts the cluster, migrates the template database, runs the tests
// and stops the cluster. Use it from TestMain: os.Exit(dbtest.Main(m)).
func Main(m *testing.M) int {
	// Fuzzing runs the test binary again as worker processes that only
	// fuzz: they need no database, and starting a cluster in each would
	// leave the fuzzer almost no time.
	flag.Parse()
	if f := flag.Lookup("test.fuzzworker"); f != nil && f.Value.String() == "true" {
		return m.Run()
	}
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "ladtest")
	if err != nil {
		fmt.Fprintln(os.Stderr, "dbtest:", err)
		return 2
	}
	defer os.RemoveAll(dir)
	_ = os.Chmod(dir, 0o755) // the server may run as the postgres user
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	c, err := pgembed.Start(ctx, pgembed.Config{Dir: dir, Database: template, Fast: true, Logger: log})
	if err != nil {
		fmt.Fprintln(os.Stderr, "dbtest: start cluster:", err)
		return 2
	}
	defer c.Stop()
	cluster = c
	if err := db.Migrate(ctx, c.URL(template), log); err != nil {
		fmt.Fprintln(os.Stderr, "dbtest: migrate template:", err)
		return 2
	}
	return m.Run()
}

// DB is a fresh database for one test.
type DB struct {
	Pool *pgxpool.Pool
	URL  string
	Name string
}

// New creates a database cloned from the migrated template, dropped when the
// test ends.
func New(t testing.TB) *DB {
	t.Helper()
	if cluster == nil {
		t.Fatal("dbtest: call dbtest.Main from TestMain")
	}
	ctx := context.Background()
	name := fmt.Sprintf("t%d_%s", seq.Add(1), sanitize(t.Name()))
	admin, err := pgx.Connect(ctx, cluster.URL("postgres"))
	if err != nil {
		t.Fatalf("dbtest: connect: %v", err)
	}
	defer admin.Close(ctx)
	if _, err := admin.Exec(ctx, fmt.Sprintf("CREATE DATABASE %s TEMPLATE %s", pgx.Identifier{name}.Sanitize(), template)); err != nil {
		t.Fatalf("dbtest: create database: %v", err)
	}
	url := cluster.URL(name)
	pool, err := db.NewPool(ctx, url, 16)
	if err != nil {
		t.Fatalf("dbtest: %v", err)
	}
	t.Cleanup(func() {
		pool.Close()
		c, err := pgx.Connect(ctx, cluster.URL("postgres"))
		if err != nil {
			return
		}
		defer c.Close(ctx)
		_, _ = c.Exec(ctx, fmt.Sprintf("DROP DATABASE IF EXISTS %s WITH (FORCE)", pgx.Identifier{name}.Sanitize()))
	})
	return &DB{Pool: pool, URL: url, Name: name}
}

// Cluster is the test binary's cluster (for tests that need its binaries).
func Cluster() *pgembed.Cluster { return cluster }

func sanitize(s string) string {
	s = strings.ToLower(s)
	var b strings.Builder
	for _, r := range s {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	out := b.String()
	if len(out) > 40 {
		out = out[:40]
	}
	return out
}
