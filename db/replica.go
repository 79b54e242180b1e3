package db

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
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
	// skipped (0: 5 s): a replica is skipped when it has not yet replayed
	// WAL the primary had flushed more than MaxLag ago.
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
	// primaryWAL is where the primary's WAL stood at recent checks
	// (only the check loop touches it).
	primaryWAL walSamples
}

type readMetrics struct {
	usable  prometheus.GaugeFunc
	retried prometheus.CounterFunc
	lag     *prometheus.GaugeVec
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
		lag: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "lad_db_replica_lag_seconds", Help: "How long ago the primary had flushed WAL the replica has not replayed yet (-1: replica unreachable)."},
			[]string{"replica"}),
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
	pcfg.ConnConfig.Tracer = readTracer{}
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
	return []prometheus.Collector{rp.metrics.usable, rp.metrics.retried, rp.metrics.lag}
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
	// The primary first: a replica that has replayed this position holds
	// everything committed before the check began.
	if lsn, err := walPosition(ctx, rp.primary, `SELECT pg_is_in_recovery(), pg_wal_lsn_diff(pg_current_wal_flush_lsn(), '0/0')::bigint`, false); err != nil {
		// Measured against the last position seen: while the primary is
		// away nothing new is written, and the replicas stay usable.
		rp.log.Debug("primary WAL position unknown", "err", err)
	} else {
		rp.primaryWAL.add(time.Now(), lsn, rp.cfg.MaxLag+2*rp.cfg.Check)
	}
	var usable []int
	for i, h := range rp.hosts {
		replayed, err := walPosition(ctx, h, `SELECT pg_is_in_recovery(), coalesce(pg_wal_lsn_diff(pg_last_wal_replay_lsn(), '0/0'), 0)::bigint`, true)
		if err != nil {
			rp.metrics.lag.WithLabelValues(strconv.Itoa(i)).Set(-1)
			rp.log.Debug("replica unusable", "replica", i, "err", err)
			continue
		}
		lag := rp.primaryWAL.lag(replayed, time.Now())
		rp.metrics.lag.WithLabelValues(strconv.Itoa(i)).Set(lag.Seconds())
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

// walPosition connects to a server and reads a WAL position (in bytes) with
// query, which returns pg_is_in_recovery() and the position; replica says
// which recovery state is expected.
func walPosition(ctx context.Context, cc *pgx.ConnConfig, query string, replica bool) (uint64, error) {
	cctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
	defer cancel()
	conn, err := pgx.ConnectConfig(cctx, cc.Copy())
	if err != nil {
		return 0, err
	}
	defer conn.Close(context.Background())
	var inRecovery bool
	var lsn int64
	if err := conn.QueryRow(cctx, query).Scan(&inRecovery, &lsn); err != nil {
		return 0, err
	}
	if inRecovery != replica {
		if replica {
			return 0, fmt.Errorf("not a replica (not in recovery)")
		}
		return 0, fmt.Errorf("the primary is in recovery")
	}
	return uint64(lsn), nil
}

// walSample is where the primary's WAL stood at a moment.
type walSample struct {
	at  time.Time
	lsn uint64
}

// walSamples are the primary's WAL positions seen at checks, oldest first,
// each kept from the first check that saw it. A replica's lag is how long
// ago the primary had flushed WAL the replica has not replayed: measured
// on ład's own clock, so it grows while a replica's replay is paused or
// its WAL receiver is cut off, is zero for a replica that has replayed
// everything an idle primary wrote, and needs neither the primary's
// commit timestamps nor synchronised clocks.
type walSamples []walSample

// add records the primary's position lsn seen at now, and forgets samples
// older than keep, except the newest of them: a replica behind that one
// lags by more than keep. A position behind the last one means another
// primary (restored, replaced): what was seen of the old one is forgotten.
func (s *walSamples) add(now time.Time, lsn uint64, keep time.Duration) {
	if n := len(*s); n > 0 && lsn < (*s)[n-1].lsn {
		*s = (*s)[:0]
	}
	if n := len(*s); n == 0 || lsn > (*s)[n-1].lsn {
		*s = append(*s, walSample{at: now, lsn: lsn})
	}
	cut := 0
	for cut+1 < len(*s) && now.Sub((*s)[cut+1].at) > keep {
		cut++
	}
	*s = append((*s)[:0], (*s)[cut:]...)
}

// lag is how long before now the primary first stood beyond replayed
// (zero when the replica has replayed every position seen). It is exact to
// one check interval: the WAL may have been written up to one check earlier.
func (s walSamples) lag(replayed uint64, now time.Time) time.Duration {
	for _, x := range s {
		if x.lsn > replayed {
			return now.Sub(x.at)
		}
	}
	return 0
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
