package db_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/ladgis/lad/db"
	"github.com/ladgis/lad/pgembed"
)

func tempDir(t *testing.T) string {
	d, err := os.MkdirTemp("", "ladrepl")
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(d, 0o755)
	t.Cleanup(func() { os.RemoveAll(d) })
	return d
}

// A streaming replica takes the reads; when it stops, reads go to the
// primary; when it is back, to the replica again.
func TestReadPoolFollowsReplicaHealth(t *testing.T) {
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	primary, err := pgembed.Start(ctx, pgembed.Config{Dir: tempDir(t), Fast: true, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	defer primary.Stop()
	if err := db.Migrate(ctx, primary.DatabaseURL(), log); err != nil {
		t.Fatal(err)
	}
	replDir := tempDir(t)
	replica, err := pgembed.Start(ctx, pgembed.Config{Dir: replDir, Fast: true, Logger: log, ReplicaOf: primary})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { replica.Stop() }()

	fallback, err := db.NewPool(ctx, primary.DatabaseURL(), 4)
	if err != nil {
		t.Fatal(err)
	}
	defer fallback.Close()
	rp, err := db.NewReadPool(ctx, db.ReadPoolConfig{Primary: primary.DatabaseURL(), Replicas: []string{replica.DatabaseURL()},
		Check: 200 * time.Millisecond, Fallback: fallback}, log)
	if err != nil {
		t.Fatal(err)
	}
	defer rp.Close()
	inRecovery := func() (bool, error) {
		var r bool
		err := rp.Pool.QueryRow(ctx, "SELECT pg_is_in_recovery()").Scan(&r)
		return r, err
	}
	waitFor := func(want bool) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for time.Now().Before(deadline) {
			if r, err := inRecovery(); err == nil && r == want {
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
		t.Fatalf("reads did not move (want in recovery = %v); usable %v", want, rp.Usable())
	}
	waitFor(true)

	// Writes on the primary reach the replica, which serves them.
	wp, err := db.NewPool(ctx, primary.DatabaseURL(), 2)
	if err != nil {
		t.Fatal(err)
	}
	defer wp.Close()
	if _, err := wp.Exec(ctx, `INSERT INTO municipality (terc, name) VALUES ('0264011', 'Wrocław')`); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	var n int
	for time.Now().Before(deadline) {
		if err := rp.Pool.QueryRow(ctx, "SELECT count(*) FROM municipality").Scan(&n); err == nil && n == 1 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if n != 1 {
		t.Fatalf("replica did not receive the write")
	}
	// Readers keep going while the replica stops: not one read fails
	// (lost replica connections are read again on the primary).
	stopReaders := make(chan struct{})
	readErrs := make(chan error, 8)
	var reads [4]int
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for {
				select {
				case <-stopReaders:
					return
				default:
				}
				var n int
				var err error
				if w%2 == 0 {
					err = rp.QueryRow(ctx, "SELECT count(*) FROM municipality").Scan(&n)
				} else {
					// Query reads again by itself when the connection is lost
					// before the first row; a loss after it (the server's
					// shutdown racing the end of the result) is the caller's to
					// retry, as ogc's fetch does: once, on the pool.
					read := func() (int, error) {
						rows, err := rp.Query(ctx, "SELECT terc FROM municipality")
						if err != nil {
							return 0, err
						}
						k := 0
						for rows.Next() {
							k++
						}
						rows.Close()
						return k, rows.Err()
					}
					if n, err = read(); db.ConnLost(err) {
						n, err = read()
					}
				}
				if err == nil && n != 1 {
					err = fmt.Errorf("read %d rows", n)
				}
				if err != nil {
					readErrs <- err
					return
				}
				reads[w]++
			}
		}(w)
	}
	time.Sleep(200 * time.Millisecond)
	replica.Stop()
	waitFor(false)
	time.Sleep(300 * time.Millisecond)
	close(stopReaders)
	wg.Wait()
	close(readErrs)
	for err := range readErrs {
		t.Errorf("read failed while the replica stopped: %v", err)
	}
	t.Logf("reads during the stop: %v", reads)

	replica, err = pgembed.Start(ctx, pgembed.Config{Dir: replDir, Fast: true, Logger: log, ReplicaOf: primary})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(true)
}
