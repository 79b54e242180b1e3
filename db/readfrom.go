package db

import (
	"context"
	"sync/atomic"

	"github.com/jackc/pgx/v5"
)

// ReadFrom records where the reads made under one context ran — on a
// replica, on the primary, or both — for a response header (X-Read-From)
// that says where a request's data came from.
type ReadFrom struct{ where atomic.Uint32 }

const (
	fromReplica uint32 = 1 << iota
	fromPrimary
)

type readFromKey struct{}

// TrackReads returns a context under which reads through a ReadPool (and
// reads sent to the primary with NotePrimaryRead) are recorded in the
// returned ReadFrom.
func TrackReads(ctx context.Context) (context.Context, *ReadFrom) {
	rf := &ReadFrom{}
	return context.WithValue(ctx, readFromKey{}, rf), rf
}

// NotePrimaryRead records, for a context made by TrackReads, that a read
// went to the primary outside the ReadPool (a tile the replica has not
// caught up with, a read run again after a lost replica connection).
func NotePrimaryRead(ctx context.Context) {
	if rf, ok := ctx.Value(readFromKey{}).(*ReadFrom); ok {
		rf.where.Or(fromPrimary)
	}
}

// String is "replica", "primary", "replica, primary", or "" when no read
// was recorded.
func (rf *ReadFrom) String() string {
	switch rf.where.Load() {
	case fromReplica:
		return "replica"
	case fromPrimary:
		return "primary"
	case fromReplica | fromPrimary:
		return "replica, primary"
	}
	return ""
}

// readTracer records in the query's context whether the read pool's
// connection is to a replica, from the in_hot_standby status every server
// since PostgreSQL 14 reports at connection time: no extra round trip.
type readTracer struct{}

func (readTracer) TraceQueryStart(ctx context.Context, conn *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	if rf, ok := ctx.Value(readFromKey{}).(*ReadFrom); ok {
		if conn.PgConn().ParameterStatus("in_hot_standby") == "on" {
			rf.where.Or(fromReplica)
		} else {
			rf.where.Or(fromPrimary)
		}
	}
	return ctx
}

func (readTracer) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}
