// Command lad is ład's single binary: the map server and its operator tools
// (ingest, analyses, migrations, accounts). With no DATABASE_URL it runs its
// own private PostGIS cluster under the data directory.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"

	"github.com/urfave/cli/v2"

	"github.com/ladgis/lad/audit"
	"github.com/ladgis/lad/db"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	// Whatever a command writes, the audit log names the system user who
	// ran it; the server's requests carry their own actors.
	ctx = audit.NewContext(ctx, audit.CLI())
	if err := newApp().RunContext(ctx, os.Args); err != nil {
		fmt.Fprintln(os.Stderr, "lad:", err)
		stop()
		os.Exit(exitCode(err))
	}
}

// exitError carries a specific exit status (e.g. 3 when an ingest rejected
// records) through urfave/cli.
type exitError struct {
	code int
	err  error
}

func (e exitError) Error() string { return e.err.Error() }
func (e exitError) Unwrap() error { return e.err }

func exitCode(err error) int {
	if e, ok := err.(exitError); ok {
		return e.code
	}
	return 1
}

// Global settings, shared by every subcommand and also read from the
// environment so that scripts need not care where a flag goes.
var globalFlags = []cli.Flag{
	&cli.StringFlag{Name: "data-dir", Value: "./var", EnvVars: []string{"LAD_DATA"},
		Usage: "directory of ład's private PostgreSQL cluster, photos and caches"},
	&cli.StringFlag{Name: "database-url", EnvVars: []string{"DATABASE_URL"},
		Usage: "PostgreSQL (≥ 14, PostGIS ≥ 3.1) to use instead of the private cluster, e.g. postgres://lad@db/lad"},
	&cli.StringFlag{Name: "db-max-conns", Value: "16", EnvVars: []string{"LAD_DB_MAX_CONNS"},
		Usage: "connections to the database (the pool of the primary; about 2–4 per core serves best)"},
	&cli.StringFlag{Name: "addr", Value: "127.0.0.1:8080", EnvVars: []string{"LAD_ADDR"},
		Usage: "address the HTTP server listens on"},
	&cli.StringFlag{Name: "log-level", Value: "info", EnvVars: []string{"LAD_LOG_LEVEL"},
		Usage: "debug, info, warn or error"},
	&cli.StringFlag{Name: "log-format", Value: "text", EnvVars: []string{"LAD_LOG_FORMAT"},
		Usage: "text or json"},
}

func newApp() *cli.App {
	return &cli.App{
		Name:  "lad",
		Usage: "spatial-planning decision support: plans, permits and advertising on one map",
		Description: `ład gathers a municipality's spatial plans (MPZP, studium, plan ogólny),
building permits and decisions, and outdoor-advertising enforcement records in one
PostGIS database, and serves them as vector tiles, OGC API – Features, analyses and
a web map for planners, inspectors and residents.

With no DATABASE_URL, ład runs a private PostgreSQL cluster under --data-dir,
reachable only through a unix socket there, and stops it when it exits.`,
		Flags:                globalFlags,
		EnableBashCompletion: true,
		Commands: []*cli.Command{
			withGlobals(serveCommand()),
			withGlobals(ingestCommand()),
			withGlobals(analyzeCommand()),
			withGlobals(migrateCommand()),
			withGlobals(userCommand()),
			withGlobals(auditCommand()),
			withGlobals(backupCommand()),
			withGlobals(restoreCommand()),
		},
	}
}

// env is what every subcommand builds from the global flags.
type env struct {
	log *slog.Logger
	db  *db.DB
}

// withGlobals adds the global flags to a subcommand too, so that
// "lad serve --addr …" works as well as "lad --addr … serve".
func withGlobals(cmd *cli.Command) *cli.Command {
	cmd.Flags = append(cmd.Flags, globalFlags...)
	for _, sub := range cmd.Subcommands {
		withGlobals(sub)
	}
	return cmd
}

// setting reads a global setting wherever it was given: on the command line
// of the innermost command that has it, or in the environment, or its default.
func setting(c *cli.Context, name string) string {
	for _, cc := range c.Lineage() {
		if cc.IsSet(name) {
			return cc.String(name)
		}
	}
	return c.String(name)
}

func newLogger(c *cli.Context) *slog.Logger {
	var level slog.Level
	if err := level.UnmarshalText([]byte(setting(c, "log-level"))); err != nil {
		level = slog.LevelInfo
	}
	opts := &slog.HandlerOptions{Level: level}
	if strings.EqualFold(setting(c, "log-format"), "json") {
		return slog.New(slog.NewJSONHandler(os.Stderr, opts))
	}
	return slog.New(slog.NewTextHandler(os.Stderr, opts))
}

// openEnv opens the database (starting the private cluster if needed) and
// applies migrations. Close it with closeEnv.
func openEnv(c *cli.Context) (*env, error) {
	log := newLogger(c)
	maxConns, err := strconv.Atoi(setting(c, "db-max-conns"))
	if err != nil || maxConns < 1 || maxConns > 1000 {
		return nil, fmt.Errorf("--db-max-conns must be a number of connections, 1–1000")
	}
	d, err := db.Open(c.Context, db.Config{URL: setting(c, "database-url"), DataDir: setting(c, "data-dir"), MaxConns: int32(maxConns)}, log)
	if err != nil {
		return nil, err
	}
	return &env{log: log, db: d}, nil
}

func (e *env) close() {
	if e != nil && e.db != nil {
		e.db.Close()
	}
}

func migrateCommand() *cli.Command {
	return &cli.Command{
		Name:  "migrate",
		Usage: "apply pending schema migrations and print the schema version",
		Description: `Applies the SQL migrations embedded in the binary (sql/migrations) to the
database. 'lad serve' does this on start as well; run it alone before upgrading a
shared server, or to check the version.`,
		Action: func(c *cli.Context) error {
			e, err := openEnv(c)
			if err != nil {
				return err
			}
			defer e.close()
			v, err := db.SchemaVersion(c.Context, e.db.Pool)
			if err != nil {
				return err
			}
			head, _ := db.HeadVersion()
			fmt.Printf("schema version %d (head %d)\n", v, head)
			return nil
		},
	}
}
