package tiles

import (
	"context"
	"encoding/json"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"
)

// Channel is where PostgreSQL announces data changes (sql/migrations/003).
const Channel = "lad_changes"

// Change is one announced change: a table, the EPSG:3857 extent of the
// rows touched (nil: anywhere) and the committing transaction (xid8).
type Change struct {
	Table string    `json:"table"`
	BBox  []float64 `json:"bbox"`
	Xid   string    `json:"xid,omitempty"`
}

// Apply drops the cached tiles a change touches, from the local cache and
// from the shared one, and reports how many. Every instance applies every
// change to both: dropping twice is harmless, and it guarantees that a
// tile an instance rendered before the change and stored after another
// instance's purge is dropped too.
func (s *Server) Apply(ctx context.Context, ch Change) int {
	if xid, err := strconv.ParseUint(ch.Xid, 10, 64); err == nil {
		s.lastXid.Store(xid)
	}
	affected, everywhere := map[string]bool{}, map[string]bool{}
	for _, l := range s.cat.All() {
		switch {
		case !l.Reads(ch.Table):
		case l.Source.Function != "":
			everywhere[l.ID] = true
		default:
			affected[l.ID] = true
		}
	}
	if len(affected) == 0 && len(everywhere) == 0 {
		return 0
	}
	var b *orb.Bound
	if len(ch.BBox) == 4 {
		b = &orb.Bound{Min: orb.Point{ch.BBox[0], ch.BBox[1]}, Max: orb.Point{ch.BBox[2], ch.BBox[3]}}
	}
	return s.invalidate(ctx, affected, b) + s.invalidate(ctx, everywhere, nil)
}

// invalidate drops tiles from both caches while no tile is being stored.
func (s *Server) invalidate(ctx context.Context, affected map[string]bool, b *orb.Bound) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.epoch.Add(1)
	n := s.cache.Invalidate(ctx, affected, b)
	if s.shared != nil {
		n += s.shared.Invalidate(ctx, affected, b)
	}
	s.metrics.invalidated.Add(float64(n))
	return n
}

// Listen follows change notifications until ctx ends, reconnecting when the
// database goes away (and then dropping the whole cache, since changes may
// have been missed meanwhile). ready, if not nil, is closed once listening.
func (s *Server) Listen(ctx context.Context, url string, ready chan<- struct{}) {
	backoff := 200 * time.Millisecond
	first := true
	for ctx.Err() == nil {
		err := s.listenOnce(ctx, url, func() {
			if first && ready != nil {
				close(ready)
			}
			if !first {
				// We may have missed changes while away.
				n := s.invalidate(ctx, s.allLayers(), nil)
				s.log.Info("tile cache cleared after reconnecting", "tiles", n)
			}
			first = false
			backoff = 200 * time.Millisecond
		})
		if ctx.Err() != nil {
			return
		}
		s.log.Warn("change notifications interrupted, reconnecting", "err", err, "in", backoff)
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		if backoff < 5*time.Second {
			backoff *= 2
		}
	}
}

func (s *Server) allLayers() map[string]bool {
	m := map[string]bool{}
	for _, l := range s.cat.All() {
		m[l.ID] = true
	}
	return m
}

func (s *Server) listenOnce(ctx context.Context, url string, listening func()) error {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "LISTEN "+Channel); err != nil {
		return err
	}
	listening()
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		var ch Change
		if err := json.Unmarshal([]byte(n.Payload), &ch); err != nil {
			s.log.Warn("unreadable change notification", "payload", n.Payload)
			continue
		}
		dropped := s.Apply(ctx, ch)
		s.log.Debug("data changed", "table", ch.Table, "bbox", ch.BBox, "tiles_dropped", dropped)
	}
}
