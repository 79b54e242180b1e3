// Package db opens ład's PostGIS database — an external server named by
// DATABASE_URL, or the private cluster of package pgembed — and keeps its
// schema at the head of the migrations embedded from sql/. Every other
// package receives the *pgxpool.Pool it opens; nothing else dials PostgreSQL.
package db

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/tern/v2/migrate"
	pgxgeom "github.com/twpayne/pgx-geom"

	"github.com/ladgis/lad/pgembed"
	ladsql "github.com/ladgis/lad/sql"
)

// VersionTable is where tern records the applied migration.
const VersionTable = "lad_schema_version"

// Config says which database to open.
type Config struct {
	// URL of an external PostgreSQL with PostGIS; empty means the private
	// cluster under DataDir.
	URL string
	// DataDir holds the private cluster (ignored when URL is set).
	DataDir string
	// Fast makes a private cluster non-durable (tests only).
	Fast bool
	// MaxConns bounds the pool (0: pgx default).
	MaxConns int32
}

// DB is an open database: its pool, and the private cluster if ład runs it.
type DB struct {
	Pool    *pgxpool.Pool
	Cluster *pgembed.Cluster // nil with an external server
	URL     string
	log     *slog.Logger
}

// Open connects (starting the private cluster if needed), checks PostGIS and
// applies pending migrations.
func Open(ctx context.Context, cfg Config, log *slog.Logger) (*DB, error) {
	d := &DB{URL: cfg.URL, log: log}
	if d.URL == "" {
		c, err := pgembed.Start(ctx, pgembed.Config{Dir: cfg.DataDir, Fast: cfg.Fast, Logger: log})
		if err != nil {
			return nil, err
		}
		d.Cluster = c
		d.URL = c.DatabaseURL()
	}
	// Migrate first: the pool registers PostGIS types on connect.
	if err := Migrate(ctx, d.URL, log); err != nil {
		d.Close()
		return nil, err
	}
	pool, err := NewPool(ctx, d.URL, cfg.MaxConns)
	if err != nil {
		d.Close()
		return nil, err
	}
	d.Pool = pool
	return d, nil
}

// NewPool opens a pool whose connections know PostGIS geometry types.
func NewPool(ctx context.Context, url string, maxConns int32) (*pgxpool.Pool, error) {
	pcfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("parse database URL: %w", err)
	}
	if maxConns > 0 {
		pcfg.MaxConns = maxConns
	} else if pcfg.MaxConns < 16 && !strings.Contains(url, "pool_max_conns") {
		// pgx's default (4 on small machines) starves concurrent tile
		// requests; PostgreSQL is the bottleneck, give it enough work.
		pcfg.MaxConns = 16
	}
	pcfg.ConnConfig.RuntimeParams["application_name"] = "lad"
	pcfg.AfterConnect = registerGeom
	pool, err := pgxpool.NewWithConfig(ctx, pcfg)
	if err != nil {
		return nil, fmt.Errorf("open database pool: %w", err)
	}
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := pool.Ping(pctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect to database: %w", err)
	}
	return pool, nil
}

// registerGeom teaches a new connection PostGIS's geometry types, when
// PostGIS is there (it is not yet on a brand-new database before the first
// migration).
func registerGeom(ctx context.Context, conn *pgx.Conn) error {
	var ok bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'geometry')").Scan(&ok); err != nil || !ok {
		return err
	}
	return pgxgeom.Register(ctx, conn)
}

var postgisVersion = regexp.MustCompile(`^(\d+)\.(\d+)`)

// Migrate applies all pending migrations, after checking the server's
// PostgreSQL and PostGIS versions.
func Migrate(ctx context.Context, url string, log *slog.Logger) error {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return fmt.Errorf("connect for migrations: %w", err)
	}
	defer conn.Close(ctx)
	if err := checkServer(ctx, conn); err != nil {
		return err
	}
	m, err := newMigrator(ctx, conn)
	if err != nil {
		return err
	}
	before, err := m.GetCurrentVersion(ctx)
	if err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if err := m.Migrate(ctx); err != nil {
		return fmt.Errorf("migrate schema: %w", err)
	}
	after, _ := m.GetCurrentVersion(ctx)
	if after != before {
		log.Info("schema migrated", "from", before, "to", after)
	}
	return nil
}

func newMigrator(ctx context.Context, conn *pgx.Conn) (*migrate.Migrator, error) {
	m, err := migrate.NewMigrator(ctx, conn, VersionTable)
	if err != nil {
		return nil, fmt.Errorf("prepare migrations: %w", err)
	}
	if err := m.LoadMigrations(ladsql.Migrations()); err != nil {
		return nil, fmt.Errorf("load migrations: %w", err)
	}
	return m, nil
}

func checkServer(ctx context.Context, conn *pgx.Conn) error {
	var num string
	if err := conn.QueryRow(ctx, "SHOW server_version_num").Scan(&num); err != nil {
		return fmt.Errorf("read server version: %w", err)
	}
	if n, _ := strconv.Atoi(num); n < 140000 {
		return fmt.Errorf("PostgreSQL %s is too old: ład needs 14 or newer", num)
	}
	var avail *string
	if err := conn.QueryRow(ctx, "SELECT default_version FROM pg_available_extensions WHERE name = 'postgis'").Scan(&avail); err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("look up PostGIS: %w", err)
	}
	if avail == nil {
		return errors.New("PostGIS is not available on the database server: install it (Debian: apt-get install postgresql-15-postgis-3, matching the server's version)")
	}
	if mm := postgisVersion.FindStringSubmatch(*avail); mm != nil {
		major, _ := strconv.Atoi(mm[1])
		minor, _ := strconv.Atoi(mm[2])
		if major < 3 || (major == 3 && minor < 1) {
			return fmt.Errorf("PostGIS %s is too old: ład needs 3.1 or newer", *avail)
		}
	}
	return nil
}

// HeadVersion is the number of the newest embedded migration.
func HeadVersion() (int32, error) {
	names, err := migrate.FindMigrations(ladsql.Migrations())
	if err != nil {
		return 0, err
	}
	return int32(len(names)), nil
}

// SchemaVersion reads the applied migration number (0 if none).
func SchemaVersion(ctx context.Context, q interface {
	QueryRow(context.Context, string, ...any) pgx.Row
}) (int32, error) {
	var v int32
	err := q.QueryRow(ctx, "SELECT version FROM "+VersionTable).Scan(&v)
	if err != nil {
		return 0, err
	}
	return v, nil
}

// Ready reports nil when the database answers and its schema is at head.
func (d *DB) Ready(ctx context.Context) error {
	return CheckReady(ctx, d.Pool)
}

// CheckReady reports nil when the pool's database answers and its schema is
// at the head migration.
func CheckReady(ctx context.Context, pool *pgxpool.Pool) error {
	v, err := SchemaVersion(ctx, pool)
	if err != nil {
		return fmt.Errorf("database not reachable: %w", err)
	}
	head, err := HeadVersion()
	if err != nil {
		return err
	}
	if v != head {
		return fmt.Errorf("schema at version %d, head is %d", v, head)
	}
	return nil
}

// Close closes the pool and stops the private cluster if this process
// started it.
func (d *DB) Close() {
	if d.Pool != nil {
		d.Pool.Close()
	}
	if d.Cluster != nil {
		_ = d.Cluster.Stop()
	}
}
