package db

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Reader is the read side of a pool: all that modules which only read
// (tiles, OGC API features, analyses, place queries) need. Both
// *pgxpool.Pool and *ReadPool are Readers.
type Reader interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// ConnLost reports whether err means the connection a statement ran on was
// lost or refused (server shut down, restarting, network gone), as opposed
// to an error of the statement itself or the caller's deadline: such a read
// may be run again elsewhere.
func ConnLost(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) {
		return true
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		// Class 08: connection exception; 57P01–57P03: admin shutdown,
		// crash shutdown, cannot connect now; 40001 on a standby: the
		// statement was cancelled by a conflict with recovery.
		return strings.HasPrefix(pe.Code, "08") || pe.Code == "57P01" || pe.Code == "57P02" || pe.Code == "57P03" || pe.Code == "40001"
	}
	if pgconn.SafeToRetry(err) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) && !ne.Timeout() {
		return true
	}
	msg := err.Error()
	return strings.Contains(msg, "conn closed") || strings.Contains(msg, "connection refused") ||
		strings.Contains(msg, "unexpected EOF") || strings.Contains(msg, "failed to connect") ||
		strings.Contains(msg, "broken pipe") || strings.Contains(msg, "connection reset")
}

// Query runs a read on a replica (or the primary when none is usable). When
// the replica's connection is lost before the first row arrives, the read
// runs again on the fallback pool, so a replica that stops costs no failed
// request.
func (rp *ReadPool) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	rows, err := firstRow(rp.Pool.Query(ctx, sql, args...))
	if rp.cfg.Fallback != nil && ConnLost(err) {
		rp.retried.Add(1)
		rp.Recheck()
		NotePrimaryRead(ctx)
		return firstRow(rp.cfg.Fallback.Query(ctx, sql, args...))
	}
	return rows, err
}

// QueryRow runs a one-row read like Query, with the same fallback.
func (rp *ReadPool) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	return &retryRow{rp: rp, ctx: ctx, sql: sql, args: args}
}

type retryRow struct {
	rp   *ReadPool
	ctx  context.Context
	sql  string
	args []any
}

func (r *retryRow) Scan(dest ...any) error {
	err := r.rp.Pool.QueryRow(r.ctx, r.sql, r.args...).Scan(dest...)
	if r.rp.cfg.Fallback != nil && ConnLost(err) {
		r.rp.retried.Add(1)
		r.rp.Recheck()
		NotePrimaryRead(r.ctx)
		return r.rp.cfg.Fallback.QueryRow(r.ctx, r.sql, r.args...).Scan(dest...)
	}
	return err
}

// firstRow reads the first row of a result eagerly, so that a lost
// connection shows as an error before the caller has seen anything, and
// the read can be run again.
func firstRow(rows pgx.Rows, err error) (pgx.Rows, error) {
	if err != nil {
		return nil, err
	}
	has := rows.Next()
	if !has {
		if err := rows.Err(); err != nil {
			rows.Close()
			return nil, err
		}
	}
	return &peekedRows{Rows: rows, pending: true, has: has}, nil
}

// peekedRows replays the first Next already made.
type peekedRows struct {
	pgx.Rows
	pending, has bool
}

func (p *peekedRows) Next() bool {
	if p.pending {
		p.pending = false
		return p.has
	}
	return p.Rows.Next()
}
