package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb/encoding/mvt"

	"github.com/ladgis/lad/pgembed"
	"github.com/ladgis/lad/tiles/redistest"
)

// startLad runs "lad serve" on an external database with extra flags.
func startLad(t *testing.T, bin, databaseURL string, args ...string) *server {
	t.Helper()
	addr := freeAddr(t)
	cmd := exec.Command(bin, append([]string{"serve"}, args...)...)
	cmd.Env = append(os.Environ(), "LAD_DATA="+dataDir(t), "LAD_ADDR="+addr, "DATABASE_URL="+databaseURL, "LAD_LOG_LEVEL=info")
	var out bytes.Buffer
	sb := &syncBuffer{b: &out}
	cmd.Stdout, cmd.Stderr = sb, sb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	return &server{cmd: cmd, out: &out, addr: addr}
}

type syncBuffer struct {
	mu sync.Mutex
	b  *bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func startCluster(t *testing.T, replicaOf *pgembed.Cluster) *pgembed.Cluster {
	t.Helper()
	c, err := pgembed.Start(context.Background(), pgembed.Config{Dir: dataDir(t), Fast: true, ReplicaOf: replicaOf})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Stop() })
	return c
}

func connect(t *testing.T, url string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// cityFixture: a municipality and a 20 × 20 grid of 30 m parcels in Wrocław.
const cityFixture = `
INSERT INTO municipality (terc, name, geom) VALUES ('0264011', 'Wrocław',
  ST_Multi(ST_MakeEnvelope(360000, 360000, 364000, 364000, 2180)));
INSERT INTO parcel (teryt, terc, obreb, number, geom)
SELECT format('026401_1.0001.%s', i * 100 + j), '0264011', '0001', (i * 100 + j)::text,
       ST_Multi(ST_MakeEnvelope(362000 + i * 30, 362000 + j * 30, 362000 + i * 30 + 29, 362000 + j * 30 + 29, 2180))
FROM generate_series(0, 19) i, generate_series(0, 19) j;`

// tileOf is the path of the z16 tile of layers holding an EPSG:2180 point.
func tileOf(t *testing.T, conn *pgx.Conn, layers string, x, y float64) string {
	t.Helper()
	var lon, lat float64
	if err := conn.QueryRow(context.Background(), `SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_Transform(ST_SetSRID(ST_MakePoint($1, $2), 2180), 4326) p) x`, x, y).Scan(&lon, &lat); err != nil {
		t.Fatal(err)
	}
	return tilePath(layers, 16, lon, lat)
}

type tileResp struct {
	code          int
	etag, source  string
	parcels, body int
}

func getTile(t *testing.T, base, path string) tileResp {
	t.Helper()
	resp, err := http.Get(base + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	r := tileResp{code: resp.StatusCode, etag: resp.Header.Get("ETag"), source: resp.Header.Get("X-Cache"), body: len(b)}
	if resp.StatusCode == 200 {
		ls, err := mvt.Unmarshal(b)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		for _, l := range ls {
			if l.Name == "parcels" {
				r.parcels = len(l.Features)
			}
		}
	}
	return r
}

// metric reads one sample of a Prometheus metric from /metrics.
func metric(t *testing.T, base, name string) float64 {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) == 2 && f[0] == name {
			v, _ := strconv.ParseFloat(f[1], 64)
			return v
		}
	}
	t.Fatalf("no metric %s", name)
	return 0
}

// Two lad serve instances on one database and one Redis: a tile warmed on
// both, a plain SQL UPDATE, and both serve the new tile (new ETag) within
// 1 s, while an unrelated tile stays cached in both.
func TestClusterTwoInstancesShareRedis(t *testing.T) {
	bin := buildLad(t)
	primary := startCluster(t, nil)
	r := redistest.Start(t)
	a := startLad(t, bin, primary.DatabaseURL(), "--redis-url", r.URL)
	a.waitReady(t, 60*time.Second)
	conn := connect(t, primary.DatabaseURL())
	if _, err := conn.Exec(context.Background(), cityFixture); err != nil {
		t.Fatal(err)
	}
	b := startLad(t, bin, primary.DatabaseURL(), "--redis-url", r.URL)
	b.waitReady(t, 60*time.Second)
	A, B := "http://"+a.addr, "http://"+b.addr
	near := tileOf(t, conn, "parcels", 362015, 362015)
	far := tileOf(t, conn, "parcels", 362580, 362580)
	if near == far {
		t.Fatal("fixture tiles coincide")
	}
	want := func(base, path, source string) tileResp {
		t.Helper()
		tr := getTile(t, base, path)
		if tr.code != 200 || tr.source != source {
			t.Fatalf("%s%s: %d from %q, want %q", base, path, tr.code, tr.source, source)
		}
		return tr
	}
	n0 := want(A, near, "miss")
	f0 := want(A, far, "miss")
	if want(B, near, "shared").etag != n0.etag || want(B, far, "shared").etag != f0.etag {
		t.Fatal("instance B got another tile from Redis")
	}
	want(A, near, "hit")
	want(B, near, "hit")

	start := time.Now()
	if _, err := conn.Exec(context.Background(), `UPDATE parcel SET geom = ST_Multi(ST_Translate(geom, 3, 0)) WHERE teryt = '026401_1.0001.0'`); err != nil {
		t.Fatal(err)
	}
	var took [2]time.Duration
	for i, base := range []string{A, B} {
		for {
			tr := getTile(t, base, near)
			if tr.code != 200 {
				t.Fatalf("%s: %d", base, tr.code)
			}
			if tr.etag != n0.etag {
				took[i] = time.Since(start)
				break
			}
			if time.Since(start) > time.Second {
				t.Fatalf("%s still serves the old tile after 1 s", base)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	t.Logf("new tile served by A after %v, by B after %v", took[0], took[1])
	if want(A, far, "hit").etag != f0.etag || want(B, far, "hit").etag != f0.etag {
		t.Error("the unrelated tile changed")
	}
	if metric(t, B, "lad_tile_shared_cache_hits_total") < 2 || metric(t, A, "lad_tile_shared_cache_errors_total") != 0 {
		t.Error("shared cache metrics do not add up")
	}
	a.interrupt(t)
	b.interrupt(t)
}

// lad serve --replica-url: tiles and OGC features are read from the
// replica (seen while its replay is paused: rows deleted on the primary
// without a notification are still drawn); a tile whose change the
// replica has not replayed is rendered on the primary; stopping the
// replica keeps every read working.
func TestServeReadsFromReplica(t *testing.T) {
	bin := buildLad(t)
	ctx := context.Background()
	primary := startCluster(t, nil)
	a := startLad(t, bin, primary.DatabaseURL())
	a.waitReady(t, 60*time.Second)
	a.interrupt(t) // the schema is in place
	conn := connect(t, primary.DatabaseURL())
	if _, err := conn.Exec(ctx, cityFixture); err != nil {
		t.Fatal(err)
	}
	replica := startCluster(t, primary)
	rconn := connect(t, replica.DatabaseURL())
	s := startLad(t, bin, primary.DatabaseURL(), "--replica-url", replica.DatabaseURL(), "--replica-max-lag", "60s")
	s.waitReady(t, 60*time.Second)
	base := "http://" + s.addr
	deadline := time.Now().Add(10 * time.Second)
	for metric(t, base, "lad_db_usable_replicas") != 1 {
		if time.Now().After(deadline) {
			t.Fatalf("the replica is not used\n%s", s.out.String())
		}
		time.Sleep(100 * time.Millisecond)
	}

	// Replay paused, parcels of one tile deleted on the primary without a
	// notification: lad still draws them, so it reads the replica.
	if _, err := rconn.Exec(ctx, `SELECT pg_wal_replay_pause()`); err != nil {
		t.Fatal(err)
	}
	hidden := tileOf(t, conn, "parcels", 362100, 362100)
	if _, err := conn.Exec(ctx, `BEGIN;
		ALTER TABLE parcel DISABLE TRIGGER parcel_changed_del;
		DELETE FROM parcel WHERE ST_Intersects(geom, ST_MakeEnvelope(362090, 362090, 362110, 362110, 2180));
		ALTER TABLE parcel ENABLE TRIGGER parcel_changed_del;
		COMMIT`); err != nil {
		t.Fatal(err)
	}
	if tr := getTile(t, base, hidden); tr.code != 200 || tr.parcels == 0 {
		t.Fatalf("tile %s: %d with %d parcels: not read from the replica", hidden, tr.code, tr.parcels)
	}
	resp, err := http.Get(base + "/ogc/collections/parcels/items?limit=1000")
	if err != nil {
		t.Fatal(err)
	}
	var fc struct {
		Features []json.RawMessage `json:"features"`
	}
	json.NewDecoder(resp.Body).Decode(&fc)
	resp.Body.Close()
	var onPrimary int
	conn.QueryRow(ctx, `SELECT count(*) FROM parcel`).Scan(&onPrimary)
	if resp.StatusCode != 200 || len(fc.Features) != 400 || onPrimary == 400 {
		t.Fatalf("OGC items: %d, %d features (primary holds %d): not read from the replica", resp.StatusCode, len(fc.Features), onPrimary)
	}

	// A notified change the replica has not replayed: its tile is
	// rendered on the primary, not cached stale from the replica.
	changed := tileOf(t, conn, "parcels", 362400, 362400)
	before := getTile(t, base, changed)
	if _, err := conn.Exec(ctx, `DELETE FROM parcel WHERE ST_Intersects(geom, ST_MakeEnvelope(362390, 362390, 362410, 362410, 2180))`); err != nil {
		t.Fatal(err)
	}
	deadline = time.Now().Add(time.Second)
	for {
		tr := getTile(t, base, changed)
		if tr.code == 200 && tr.parcels < before.parcels {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the changed tile still has %d parcels (before %d)", tr.parcels, before.parcels)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if metric(t, base, "lad_tile_renders_on_primary_total") < 1 {
		t.Error("no render on the primary counted")
	}
	if _, err := rconn.Exec(ctx, `SELECT pg_wal_replay_resume()`); err != nil {
		t.Fatal(err)
	}

	// The replica stops under load: no request fails.
	var failures, done atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				var path string
				if w%2 == 0 {
					// New tiles each time: rendered, not cached.
					path = fmt.Sprintf("/tiles/parcels/%d/%d/%d.mvt", 18, 143000+w*1000+i, 87000)
				} else {
					path = "/ogc/collections/parcels/items?limit=5"
				}
				resp, err := http.Get(base + path)
				if err != nil {
					failures.Add(1)
					t.Logf("%s: %v", path, err)
					continue
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					failures.Add(1)
					t.Logf("%s: %d %s", path, resp.StatusCode, b)
				}
				done.Add(1)
			}
		}(w)
	}
	time.Sleep(500 * time.Millisecond)
	replica.Stop()
	deadline = time.Now().Add(10 * time.Second)
	for metric(t, base, "lad_db_usable_replicas") != 0 {
		if time.Now().After(deadline) {
			t.Fatal("the stopped replica is still used")
		}
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(500 * time.Millisecond)
	close(stop)
	wg.Wait()
	if failures.Load() != 0 || done.Load() < 20 {
		t.Errorf("%d of %d requests failed while the replica stopped", failures.Load(), done.Load())
	}
	t.Logf("%d requests while the replica stopped, %d retried on the primary", done.Load(), int(metric(t, base, "lad_db_read_retries_total")))
	s.interrupt(t)
}
