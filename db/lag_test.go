package db

import (
	"testing"
	"time"
)

// A replica's lag is how long ago the primary first stood beyond the
// position the replica has replayed, on ład's clock.
func TestReplicaLagFromPrimarySamples(t *testing.T) {
	t0 := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	at := func(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }
	type seen struct {
		at  float64
		lsn uint64
	}
	cases := []struct {
		name     string
		primary  []seen
		keep     time.Duration
		replayed uint64
		now      float64
		want     time.Duration
	}{
		{"caught up", []seen{{0, 100}, {1, 200}}, 10 * time.Second, 200, 1.2, 0},
		{"ahead of the last sample", []seen{{0, 100}, {1, 200}}, 10 * time.Second, 250, 1.2, 0},
		// An idle primary writes nothing: a replica that has everything
		// does not lag, however long ago the last commit was.
		{"idle primary", []seen{{0, 100}, {1, 100}, {2, 100}, {600, 100}}, 10 * time.Second, 100, 600.5, 0},
		// Replay paused (or WAL receiver cut off) after the primary moved
		// on: the lag grows with time from the first check that saw the
		// primary beyond the replica.
		{"paused after one write", []seen{{0, 100}, {1, 200}, {2, 200}, {3, 200}}, 10 * time.Second, 100, 3.5, 2500 * time.Millisecond},
		{"paused under steady writes", []seen{{0, 100}, {1, 200}, {2, 300}, {3, 400}}, 10 * time.Second, 250, 3.5, 1500 * time.Millisecond},
		// Old samples are forgotten, but the newest of them is kept: a
		// replica behind it lags by at least keep.
		{"behind forgotten samples", []seen{{0, 100}, {1, 200}, {60, 300}, {61, 300}}, 5 * time.Second, 150, 61, 60 * time.Second},
		{"no sample of the primary", nil, 5 * time.Second, 0, 1, 0},
		// Another primary, further back in the WAL: the old positions no
		// longer say anything.
		{"primary replaced", []seen{{0, 500}, {1, 600}, {2, 100}}, 10 * time.Second, 100, 2.5, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var s walSamples
			for _, p := range c.primary {
				s.add(at(p.at), p.lsn, c.keep)
			}
			if got := s.lag(c.replayed, at(c.now)); got != c.want {
				t.Errorf("lag = %v, want %v (samples %v)", got, c.want, s)
			}
			if len(s) > 4 {
				t.Errorf("%d samples kept", len(s))
			}
		})
	}
}
