// Package pgembed runs ład's private PostgreSQL/PostGIS cluster: the default
// database when no DATABASE_URL is given. It sits below everything else in the
// flow (ingest → PostGIS → layers → tiles/queries/analyses → web): it finds the
// system's PostgreSQL server binaries, creates a cluster under the data
// directory on first use, starts it listening only on a unix socket inside that
// directory, and stops it when ład exits. A cluster already started by another
// ład process on the same data directory is reused and left running.
package pgembed

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// Config says where the cluster lives and how it is tuned.
type Config struct {
	// Dir is the cluster's home; the cluster itself is created in Dir/pg and
	// its socket lives there too.
	Dir string
	// Database is the database ład uses inside the cluster (default "lad").
	Database string
	// Fast disables durability (fsync, full page writes): for throwaway test
	// clusters only.
	Fast bool
	// Logger receives progress messages; nil means slog.Default().
	Logger *slog.Logger
	// ReplicaOf makes a new cluster a streaming replica of another private
	// cluster (pg_basebackup -R): for tests of read routing and failover.
	ReplicaOf *Cluster
}

// Cluster is a running private PostgreSQL server.
type Cluster struct {
	cfg     Config
	bindir  string
	pgdata  string
	cred    *syscall.Credential
	proc    *exec.Cmd
	exited  chan error
	owned   bool // we started it, so we stop it
	log     *slog.Logger
	version int
}

const port = 5432

// Start finds PostgreSQL, creates the cluster if it does not exist yet, and
// starts it unless another process already runs it. The returned cluster must
// be stopped with Stop.
func Start(ctx context.Context, cfg Config) (*Cluster, error) {
	if cfg.Database == "" {
		cfg.Database = "lad"
	}
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	dir, err := filepath.Abs(cfg.Dir)
	if err != nil {
		return nil, fmt.Errorf("data directory %q: %w", cfg.Dir, err)
	}
	cfg.Dir = dir
	bindir, version, err := FindBinaries()
	if err != nil {
		return nil, err
	}
	if err := checkPostGIS(bindir, version, "/usr/share/postgresql"); err != nil {
		return nil, err
	}
	c := &Cluster{cfg: cfg, bindir: bindir, pgdata: filepath.Join(dir, "pg"), log: log, version: version}
	if os.Geteuid() == 0 {
		// PostgreSQL refuses to run as root: run it as the system's
		// "postgres" user, which Debian's postgresql package creates.
		cred, err := postgresCredential()
		if err != nil {
			return nil, err
		}
		c.cred = cred
	}
	if len(c.SocketPath()) > 100 {
		return nil, fmt.Errorf("data directory %s: path too long for a unix socket (%d characters, at most 100): choose a shorter --data-dir", dir, len(c.SocketPath()))
	}
	if err := c.prepareDirs(); err != nil {
		return nil, err
	}
	if _, err := os.Stat(filepath.Join(c.pgdata, "PG_VERSION")); errors.Is(err, os.ErrNotExist) {
		if cfg.ReplicaOf != nil {
			err = c.basebackup(ctx, cfg.ReplicaOf)
		} else {
			err = c.initdb(ctx)
		}
		if err != nil {
			return nil, err
		}
	}
	if c.pingable(ctx) {
		log.Info("using the database cluster already running", "dir", c.pgdata)
	} else {
		if err := c.start(ctx); err != nil {
			return nil, err
		}
	}
	if cfg.ReplicaOf == nil {
		if err := c.ensureDatabase(ctx); err != nil {
			c.Stop()
			return nil, err
		}
	}
	return c, nil
}

// FindBinaries locates the PostgreSQL server binaries: pg_config --bindir
// first, then the newest /usr/lib/postgresql/*/bin. It returns the directory
// and the major version.
func FindBinaries() (string, int, error) {
	return findBinaries("pg_config", "/usr/lib/postgresql/*/bin")
}

func findBinaries(pgConfig, glob string) (string, int, error) {
	var candidates []string
	if out, err := exec.Command(pgConfig, "--bindir").Output(); err == nil {
		candidates = append(candidates, strings.TrimSpace(string(out)))
	}
	dirs, _ := filepath.Glob(glob)
	sort.Slice(dirs, func(i, j int) bool { return majorOf(dirs[i]) > majorOf(dirs[j]) })
	candidates = append(candidates, dirs...)
	for _, d := range candidates {
		if _, err := os.Stat(filepath.Join(d, "postgres")); err != nil {
			continue
		}
		if _, err := os.Stat(filepath.Join(d, "initdb")); err != nil {
			continue
		}
		out, err := exec.Command(filepath.Join(d, "postgres"), "--version").Output()
		if err != nil {
			continue
		}
		v := parseMajor(string(out))
		if v == 0 {
			continue
		}
		if v < 14 {
			return "", 0, fmt.Errorf("PostgreSQL %d found in %s, ład needs 14 or newer: apt-get install postgresql", v, d)
		}
		return d, v, nil
	}
	return "", 0, errors.New("PostgreSQL server not found (looked at pg_config --bindir and /usr/lib/postgresql/*/bin): install it with 'apt-get install postgresql postgresql-15-postgis-3', or set DATABASE_URL to an existing PostGIS database")
}

func majorOf(bindir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(bindir)))
	return n
}

// parseMajor reads "postgres (PostgreSQL) 15.18 (Debian ...)".
func parseMajor(s string) int {
	f := strings.Fields(s)
	for _, w := range f {
		if w != "" && w[0] >= '0' && w[0] <= '9' {
			n, _ := strconv.Atoi(strings.SplitN(w, ".", 2)[0])
			return n
		}
	}
	return 0
}

// checkPostGIS looks for postgis.control in the server's extension directory.
func checkPostGIS(bindir string, version int, shareRoot string) error {
	share := ""
	if out, err := exec.Command(filepath.Join(bindir, "pg_config"), "--sharedir").Output(); err == nil {
		share = strings.TrimSpace(string(out))
	}
	candidates := []string{
		filepath.Join(share, "extension", "postgis.control"),
		filepath.Join(shareRoot, strconv.Itoa(version), "extension", "postgis.control"),
	}
	for _, c := range candidates {
		if _, err := os.Stat(c); err == nil {
			return nil
		}
	}
	return fmt.Errorf("PostGIS is not installed for PostgreSQL %d: install it with 'apt-get install postgresql-%d-postgis-3'", version, version)
}

func postgresCredential() (*syscall.Credential, error) {
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, errors.New("running as root, and PostgreSQL refuses to run as root: the system user 'postgres' (created by 'apt-get install postgresql') is needed to run the private cluster, or run ład as an ordinary user")
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

// prepareDirs creates the data directory and hands the cluster directory to
// the user the server runs as, checking that this user can reach it.
func (c *Cluster) prepareDirs() error {
	if err := os.MkdirAll(c.cfg.Dir, 0o755); err != nil {
		return fmt.Errorf("create data directory: %w", err)
	}
	if err := os.MkdirAll(c.pgdata, 0o700); err != nil {
		return fmt.Errorf("create cluster directory: %w", err)
	}
	if c.cred == nil {
		return nil
	}
	if err := os.Chown(c.pgdata, int(c.cred.Uid), int(c.cred.Gid)); err != nil {
		return fmt.Errorf("hand %s to the postgres user: %w", c.pgdata, err)
	}
	// The postgres user must be able to traverse every parent directory.
	for d := c.cfg.Dir; ; d = filepath.Dir(d) {
		st, err := os.Stat(d)
		if err != nil {
			return fmt.Errorf("data directory %s: %w", d, err)
		}
		if st.Mode().Perm()&0o001 == 0 {
			if d == c.cfg.Dir {
				if err := os.Chmod(d, st.Mode().Perm()|0o711); err != nil {
					return fmt.Errorf("open %s to the postgres user: %w", d, err)
				}
			} else {
				return fmt.Errorf("the postgres system user cannot reach the data directory: %s is not searchable by others (mode %v); choose another --data-dir or chmod o+x it", d, st.Mode().Perm())
			}
		}
		if d == "/" {
			break
		}
	}
	return nil
}

func (c *Cluster) command(ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, filepath.Join(c.bindir, name), args...)
	cmd.Dir = c.cfg.Dir
	cmd.Env = append(os.Environ(), "LC_ALL=C.UTF-8", "TZ=UTC")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.cred, Setpgid: true}
	return cmd
}

func (c *Cluster) initdb(ctx context.Context) error {
	c.log.Info("creating database cluster", "dir", c.pgdata, "postgres", c.version)
	cmd := c.command(ctx, "initdb", "-D", c.pgdata, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-instructions")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("initdb %s: %w\n%s", c.pgdata, err, out)
	}
	conf := []string{
		"# written by ład: a private cluster reachable only through its unix socket",
		"listen_addresses = ''",
		fmt.Sprintf("unix_socket_directories = '%s'", c.pgdata),
		fmt.Sprintf("port = %d", port),
		"max_connections = 200",
		"shared_buffers = 256MB",
		"work_mem = 16MB",
		"maintenance_work_mem = 256MB",
		// Parallel query slows tile statements on small machines (bench/).
		"max_parallel_workers_per_gather = 0",
		"jit = off",
		"logging_collector = off",
		"log_min_messages = warning",
		"timezone = 'UTC'",
		"wal_level = replica",
		"max_wal_senders = 4",
	}
	if c.cfg.Fast {
		conf = append(conf, "fsync = off", "synchronous_commit = off", "full_page_writes = off", "shared_buffers = 64MB")
	}
	f, err := os.OpenFile(filepath.Join(c.pgdata, "postgresql.auto.conf"), os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("configure cluster: %w", err)
	}
	defer f.Close()
	if _, err := f.WriteString(strings.Join(conf, "\n") + "\n"); err != nil {
		return fmt.Errorf("configure cluster: %w", err)
	}
	return nil
}

// basebackup copies a running primary into this cluster's directory and
// configures streaming replication from it.
func (c *Cluster) basebackup(ctx context.Context, primary *Cluster) error {
	c.log.Info("creating streaming replica", "dir", c.pgdata, "primary", primary.pgdata)
	cmd := c.command(ctx, "pg_basebackup", "-D", c.pgdata, "-R", "-X", "stream", "-c", "fast",
		"-h", primary.pgdata, "-p", strconv.Itoa(port), "-U", "postgres")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("pg_basebackup from %s: %w\n%s", primary.pgdata, err, out)
	}
	// The copy carries the primary's socket lock (the socket lives in the
	// data directory) and its socket directory: drop one, repoint the other.
	locks, _ := filepath.Glob(filepath.Join(c.pgdata, ".s.PGSQL.*"))
	for _, l := range locks {
		_ = os.Remove(l)
	}
	f, err := os.OpenFile(filepath.Join(c.pgdata, "postgresql.auto.conf"), os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("configure replica: %w", err)
	}
	defer f.Close()
	_, err = fmt.Fprintf(f, "unix_socket_directories = '%s'\nhot_standby = on\n", c.pgdata)
	return err
}

// start runs postgres as a child process that dies with ład.
func (c *Cluster) start(ctx context.Context) error {
	// A stale postmaster.pid from a killed server blocks the start; postgres
	// removes it itself when the recorded process is gone, so leave it be.
	logPath := filepath.Join(c.cfg.Dir, "postgresql.log")
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("open server log: %w", err)
	}
	cmd := c.command(context.Background(), "postgres", "-D", c.pgdata)
	cmd.Stdout = logf
	cmd.Stderr = logf
	cmd.SysProcAttr.Pdeathsig = syscall.SIGINT // fast shutdown if ład dies
	if err := cmd.Start(); err != nil {
		logf.Close()
		return fmt.Errorf("start postgres: %w", err)
	}
	c.proc = cmd
	c.owned = true
	c.exited = make(chan error, 1)
	go func() { c.exited <- cmd.Wait(); logf.Close() }()

	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-c.exited:
			c.exited <- err
			return fmt.Errorf("postgres exited during start (%v): see %s\n%s", err, logPath, tail(logPath, 15))
		case <-ctx.Done():
			c.Stop()
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		if c.pingable(ctx) {
			c.log.Info("database cluster started", "dir", c.pgdata, "pid", cmd.Process.Pid)
			return nil
		}
	}
	c.Stop()
	return fmt.Errorf("postgres did not accept connections within 60 s: see %s", logPath)
}

func tail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func (c *Cluster) pingable(ctx context.Context) bool {
	if _, err := os.Stat(c.SocketPath()); err != nil {
		return false
	}
	cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	conn, err := pgx.Connect(cctx, c.URL("postgres"))
	if err != nil {
		return false
	}
	defer conn.Close(cctx)
	return conn.Ping(cctx) == nil
}

func (c *Cluster) ensureDatabase(ctx context.Context) error {
	conn, err := pgx.Connect(ctx, c.URL("postgres"))
	if err != nil {
		return fmt.Errorf("connect to private cluster: %w", err)
	}
	defer conn.Close(ctx)
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", c.cfg.Database).Scan(&exists); err != nil {
		return fmt.Errorf("look up database %s: %w", c.cfg.Database, err)
	}
	if !exists {
		if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{c.cfg.Database}.Sanitize()); err != nil {
			return fmt.Errorf("create database %s: %w", c.cfg.Database, err)
		}
	}
	return nil
}

// SocketPath is the unix socket the cluster listens on.
func (c *Cluster) SocketPath() string {
	return filepath.Join(c.pgdata, fmt.Sprintf(".s.PGSQL.%d", port))
}

// URL is a connection string for the given database of the cluster, as its
// superuser, over the private socket.
func (c *Cluster) URL(database string) string {
	return fmt.Sprintf("host=%s port=%d user=postgres dbname=%s sslmode=disable", c.pgdata, port, database)
}

// DatabaseURL is the connection string of ład's own database.
func (c *Cluster) DatabaseURL() string { return c.URL(c.cfg.Database) }

// BinDir is where the server binaries were found (pg_dump, pg_basebackup…).
func (c *Cluster) BinDir() string { return c.bindir }

// Owned reports whether this process started the server (and so stops it).
func (c *Cluster) Owned() bool { return c.owned }

// Stop shuts the server down (fast mode: open sessions are ended, committed
// data is safe) if this process started it, and waits for it to exit.
func (c *Cluster) Stop() error {
	if c == nil || !c.owned || c.proc == nil {
		return nil
	}
	c.owned = false
	_ = c.proc.Process.Signal(syscall.SIGINT)
	select {
	case <-c.exited:
	case <-time.After(30 * time.Second):
		_ = c.proc.Process.Signal(syscall.SIGQUIT)
		<-c.exited
	}
	c.log.Info("database cluster stopped", "dir", c.pgdata)
	return nil
}
