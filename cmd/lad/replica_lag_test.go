package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb/encoding/mvt"

	"github.com/ladgis/lad/db"
)

// readResp is what a read through lad serve returned: status, where it was
// read (X-Read-From) and how many parcels it held.
type readResp struct {
	code    int
	from    string
	parcels int
}

// readParcels GETs a parcels tile (.mvt) or a page of OGC parcel items and
// counts the parcels in it.
func readParcels(t *testing.T, url string) readResp {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	r := readResp{code: resp.StatusCode, from: resp.Header.Get("X-Read-From")}
	if r.code != 200 {
		return r
	}
	if strings.HasSuffix(url, ".mvt") {
		ls, err := mvt.Unmarshal(b)
		if err != nil {
			t.Fatalf("%s: %v", url, err)
		}
		for _, l := range ls {
			if l.Name == "parcels" {
				r.parcels = len(l.Features)
			}
		}
		return r
	}
	var fc struct {
		Features []json.RawMessage `json:"features"`
	}
	if err := json.Unmarshal(b, &fc); err != nil {
		t.Fatalf("%s: %v", url, err)
	}
	r.parcels = len(fc.Features)
	return r
}

// lad serve --replica-max-lag 1s: a replica that falls behind — its replay
// paused, or its WAL receiver cut off from the primary (which an idle
// primary's replay timestamp cannot show) — is skipped within the bound
// plus a check: tiles and OGC items show a parcel written on the primary
// while the replica still lacks it (X-Read-From: primary), and go on doing
// so; once the replica catches up, reads go back to it (X-Read-From:
// replica). The write sends no change notification, so only the lag check
// can move the reads: without it they stay stale and the test fails.
func TestServeSkipsLaggingReplica(t *testing.T) {
	bin := buildLad(t)
	ctx := context.Background()
	primary := startCluster(t, nil)
	if err := db.Migrate(ctx, primary.DatabaseURL(), slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		t.Fatal(err)
	}
	conn := connect(t, primary.DatabaseURL())
	if _, err := conn.Exec(ctx, cityFixture); err != nil {
		t.Fatal(err)
	}
	replica := startCluster(t, primary)
	rconn := connect(t, replica.DatabaseURL())
	var conninfo string
	if err := rconn.QueryRow(ctx, `SHOW primary_conninfo`).Scan(&conninfo); err != nil || conninfo == "" {
		t.Fatalf("primary_conninfo of the replica: %q, %v", conninfo, err)
	}
	const maxLag = time.Second
	// No tile cache: every tile is rendered, so it shows where it is read.
	s := startLad(t, bin, primary.DatabaseURL(), "--replica-url", replica.DatabaseURL(),
		"--replica-max-lag", maxLag.String(), "--tile-cache-mb", "0")
	s.waitReady(t, 60*time.Second)
	base := "http://" + s.addr
	usable := func(t *testing.T) float64 { return metric(t, base, "lad_db_usable_replicas") }
	waitUntil := func(t *testing.T, within time.Duration, what string, ok func() bool) time.Duration {
		t.Helper()
		start := time.Now()
		for !ok() {
			if time.Since(start) > within {
				t.Fatalf("%s: not within %v\n%s", what, within, s.out.String())
			}
			time.Sleep(50 * time.Millisecond)
		}
		return time.Since(start)
	}
	waitUntil(t, 10*time.Second, "the replica is used", func() bool { return usable(t) == 1 })

	exec := func(t *testing.T, stmts ...string) {
		t.Helper()
		for _, q := range stmts {
			if _, err := rconn.Exec(ctx, q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
	}
	cases := []struct {
		name    string
		behind  []string // makes the replica fall behind
		stalled string   // true once it has
		catchUp []string // lets it catch up
	}{
		{
			name:    "replay paused",
			behind:  []string{`SELECT pg_wal_replay_pause()`},
			stalled: `SELECT pg_get_wal_replay_pause_state() = 'paused'`,
			catchUp: []string{`SELECT pg_wal_replay_resume()`},
		},
		{
			name: "WAL receiver cut off",
			behind: []string{`ALTER SYSTEM SET wal_retrieve_retry_interval = '100ms'`,
				`ALTER SYSTEM SET primary_conninfo = ''`, `SELECT pg_reload_conf()`},
			stalled: `SELECT NOT EXISTS (SELECT FROM pg_stat_wal_receiver)`,
			catchUp: []string{fmt.Sprintf(`ALTER SYSTEM SET primary_conninfo = '%s'`, strings.ReplaceAll(conninfo, "'", "''")),
				`SELECT pg_reload_conf()`},
		},
	}
	parcels := 400 // cityFixture
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// A parcel of its own, in a tile of its own east of the grid.
			x := 363000.0 + float64(i)*300
			teryt := fmt.Sprintf("026401_1.0001.lag%d", i)
			tile := base + tileOf(t, conn, "parcels", x+10, 363010)
			items := base + "/ogc/collections/parcels/items?limit=1000"
			if r := readParcels(t, tile); r.code != 200 || r.from != "replica" || r.parcels != 0 {
				t.Fatalf("tile before the write: %+v, want 0 parcels read from the replica", r)
			}
			if r := readParcels(t, items); r.code != 200 || r.from != "replica" || r.parcels != parcels {
				t.Fatalf("items before the write: %+v, want %d read from the replica", r, parcels)
			}

			exec(t, c.behind...)
			// Whatever happens, the next case starts from a replica that
			// keeps up (catching up twice is harmless).
			t.Cleanup(func() {
				for _, q := range c.catchUp {
					_, _ = rconn.Exec(ctx, q)
				}
			})
			waitUntil(t, 10*time.Second, "the replica stalls", func() bool {
				var ok bool
				return rconn.QueryRow(ctx, c.stalled).Scan(&ok) == nil && ok
			})
			// Written without a change notification (session_replication_role
			// turns the triggers off): no tile is rendered on the primary
			// for being newer than the replica, only the lag check acts.
			if _, err := conn.Exec(ctx, fmt.Sprintf(`BEGIN;
				SET LOCAL session_replication_role = replica;
				INSERT INTO parcel (teryt, terc, obreb, number, geom) VALUES ('%s', '0264011', '0001', 'lag%d',
				  ST_Multi(ST_MakeEnvelope(%f, 363000, %f, 363029, 2180)));
				COMMIT`, teryt, i, x, x+29)); err != nil {
				t.Fatal(err)
			}
			parcels++
			fresh := func(url string, want int) bool {
				r := readParcels(t, url)
				return r.code == 200 && r.parcels == want && r.from == "primary"
			}
			// The bound is the lag plus two checks (1 s each: the lag is
			// measured from the first check that saw the primary ahead);
			// the rest is slack for a busy machine.
			took := waitUntil(t, maxLag+7*time.Second, "reads see the write on the primary", func() bool {
				return fresh(tile, 1) && fresh(items, parcels)
			})
			t.Logf("reads moved to the primary %v after the write", took.Round(time.Millisecond))
			// The replica still lacks the parcel, and reads stay on the
			// primary while it does: no flapping back to stale data.
			for end := time.Now().Add(maxLag + time.Second); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
				if !fresh(tile, 1) || !fresh(items, parcels) {
					t.Fatalf("a read went back to the lagging replica: tile %+v, items %+v", readParcels(t, tile), readParcels(t, items))
				}
			}
			var onReplica int
			if err := rconn.QueryRow(ctx, `SELECT count(*) FROM parcel WHERE teryt = $1`, teryt).Scan(&onReplica); err != nil || onReplica != 0 {
				t.Fatalf("the replica holds the parcel (%d, %v): it did not lag", onReplica, err)
			}
			if u, lag := usable(t), metric(t, base, `lad_db_replica_lag_seconds{replica="0"}`); u != 0 || lag <= maxLag.Seconds() {
				t.Errorf("usable replicas %v, lag %v s", u, lag)
			}

			exec(t, c.catchUp...)
			took = waitUntil(t, 15*time.Second, "reads go back to the caught-up replica", func() bool {
				tr, ir := readParcels(t, tile), readParcels(t, items)
				return tr.from == "replica" && tr.parcels == 1 && ir.from == "replica" && ir.parcels == parcels
			})
			t.Logf("reads back on the replica %v after it resumed", took.Round(time.Millisecond))
			if u := usable(t); u != 1 {
				t.Errorf("usable replicas %v after catching up", u)
			}
		})
	}
	exec(t, `ALTER SYSTEM RESET wal_retrieve_retry_interval`, `SELECT pg_reload_conf()`)
	s.interrupt(t)
}
