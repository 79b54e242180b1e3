package db

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
)

// ReadPoolConfig says where read-only work (tiles, features, analyses) may go.
type ReadPoolConfig struct {
	Primary  string   // the primary's URL: the fallback for reads
	Replicas []string // streaming replicas, tried in turn
	// MaxLag is how far behind the primary a replica may be before it is
	// skipped (0: 5 s).
	MaxLag time.Duration
	// Check is how often replicas are checked (0: 1 s).
	Check    time.Duration
	MaxConns int32
	// Fallback is where a read runs again when its replica connection is
	// lost mid-way (normally the primary's pool); nil: no second try.
	Fallback Reader
}

// ReadPool is a connection pool for reads that routes new connections to a
// healthy replica whose lag is within bounds, and to the primary when no
// replica is. Modules receive its Pool as a plain *pgxpool.Pool: routing
// happens when connections are made, and the pool is reset whenever the set
// of usable replicas changes, so reads move away from a failed replica at
// once and back when it recovers.
type ReadPool struct {
	Pool    *pgxpool.Pool
	cfg     ReadPoolConfig
	log     *slog.Logger
	hosts   []*pgx.ConnConfig // replicas, parsed
	primary *pgx.ConnConfig
	healthy atomic.Pointer[[]int] // indexes of usable replicas
	next    atomic.Uint64
	retried atomic.Int64
	recheck chan struct{}
	stop    context.CancelFunc
	done    sync.WaitGroup
	metrics readMetrics
}

type readMetrics struct {
	usable  prometheus.GaugeFunc
	retried prometheus.CounterFunc
}

// NewReadPool opens the read pool and starts checking replicas until Close.
func NewReadPool(ctx context.Context, cfg ReadPoolConfig, log *slog.Logger) (*ReadPool, error) {
	if cfg.MaxLag == 0 {
		cfg.MaxLag = 5 * time.Second
	}
	if cfg.Check == 0 {
		cfg.Check = time.Second
	}
	rp := &ReadPool{cfg: cfg, log: log, recheck: make(chan struct{}, 1)}
	rp.metrics = readMetrics{
		usable: prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "lad_db_usable_replicas", Help: "Replicas reads currently go to (0: reads go to the primary)."},
			func() float64 { return float64(len(*rp.healthy.Load())) }),
		retried: prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "lad_db_read_retries_total", Help: "Reads run again on the primary because their replica connection was lost."},
			func() float64 { return float64(rp.retried.Load()) }),
	}
	var err error
	if rp.primary, err = pgx.ParseConfig(cfg.Primary); err != nil {
		return nil, fmt.Errorf("parse primary URL: %w", err)
	}
	for _, u := range cfg.Replicas {
		c, err := pgx.ParseConfig(u)
		if err != nil {
			return nil, fmt.Errorf("parse replica URL: %w", err)
		}
		rp.hosts = append(rp.hosts, c)
	}
	empty := []int{}
	rp.healthy.Store(&empty)
	rp.checkOnce(ctx)

	pcfg, err := pgxpool.ParseConfig(cfg.Primary)
	if err != nil {
		return nil, fmt.Errorf("parse primary URL: %w", err)
	}
	if cfg.MaxConns > 0 {
		pcfg.MaxConns = cfg.MaxConns
	}
	pcfg.ConnConfig.RuntimeParams["application_name"] = "lad-read"
	pcfg.BeforeConnect = func(ctx context.Context, cc *pgx.ConnConfig) error {
		target := rp.choose()
		cc.Host, cc.Port, cc.User, cc.Password, cc.Database = target.Host, target.Port, target.User, target.Password, target.Database
		cc.Fallbacks = nil
		if target != rp.primary {
			// A replica that went away since the last check: connect to
			// the primary instead of failing (a physical replica has the
			// primary's users and databases).
			cc.Fallbacks = []*pgconn.FallbackConfig{{Host: rp.primary.Host, Port: rp.primary.Port, TLSConfig: rp.primary.TLSConfig}}
		}
		return nil
	}
	pcfg.AfterConnect = registerGeom
	rp.Pool, err = pgxpool.NewWithConfig(ctx, pcfg)
	if err != nil {
		return nil, fmt.Errorf("open read pool: %w", err)
	}
	cctx, cancel := context.WithCancel(context.Background())
	rp.stop = cancel
	rp.done.Add(1)
	go rp.loop(cctx)
	return rp, nil
}

// choose picks the next usable replica in turn, or the primary.
func (rp *ReadPool) choose() *pgx.ConnConfig {
	h := *rp.healthy.Load()
	if len(h) == 0 {
		return rp.primary
	}
	return rp.hosts[h[rp.next.Add(1)%uint64(len(h))]]
}

// Recheck asks for the replicas to be checked now (after a lost
// connection), without waiting for the next tick.
func (rp *ReadPool) Recheck() {
	select {
	case rp.recheck <- struct{}{}:
	default:
	}
}

// Collectors are the read routing's Prometheus metrics.
func (rp *ReadPool) Collectors() []prometheus.Collector {
	return []prometheus.Collector{rp.metrics.usable, rp.metrics.retried}
}

// Usable lists the replicas reads currently go to (by index in the config).
func (rp *ReadPool) Usable() []int { return append([]int(nil), *rp.healthy.Load()...) }

func (rp *ReadPool) loop(ctx context.Context) {
	defer rp.done.Done()
	t := time.NewTicker(rp.cfg.Check)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			rp.checkOnce(ctx)
		case <-rp.recheck:
			rp.checkOnce(ctx)
		}
	}
}

// checkOnce measures every replica and resets the pool if the usable set
// changed.
func (rp *ReadPool) checkOnce(ctx context.Context) {
	var usable []int
	for i, h := range rp.hosts {
		lag, err := replicaLag(ctx, h)
		if err != nil {
			rp.log.Debug("replica unusable", "replica", i, "err", err)
			continue
		}
		if lag > rp.cfg.MaxLag {
			rp.log.Warn("replica lags, reads go elsewhere", "replica", i, "lag", lag)
			continue
		}
		usable = append(usable, i)
	}
	old := *rp.healthy.Load()
	if !sameInts(old, usable) {
		rp.healthy.Store(&usable)
		rp.log.Info("read routing changed", "usable_replicas", usable)
		if rp.Pool != nil {
			rp.Pool.Reset()
		}
	}
}

// replicaLag connects to a replica and measures how far its replay is
// behind: zero when it has replayed everything it received.
func replicaLag(ctx context.Context, cc *pgx.ConnConfig) (time.Duration, error) {
	cctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
	defer cancel()
	conn, err := pgx.ConnectConfig(cctx, cc.Copy())
	if err != nil {
		return 0, err
	}
	defer conn.Close(context.Background())
	var inRecovery bool
	var lagSeconds float64
	err = conn.QueryRow(cctx, `SELECT pg_is_in_recovery(),
		CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
		     ELSE coalesce(extract(epoch FROM now() - pg_last_xact_replay_timestamp()), 0) END`).Scan(&inRecovery, &lagSeconds)
	if err != nil {
		return 0, err
	}
	if !inRecovery {
		return 0, fmt.Errorf("not a replica (not in recovery)")
	}
	return time.Duration(lagSeconds * float64(time.Second)), nil
}

func sameInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// Close stops checking and closes the pool.
func (rp *ReadPool) Close() {
	rp.stop()
	rp.done.Wait()
	rp.Pool.Close()
}
