package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/jackc/pgx/v5"

	ladsql "github.com/ladgis/lad/sql"
)

// queries are the statements of sql/audit/audit.sql, read once; the file is
// fixed at build time.
var queries = sync.OnceValue(func() map[string]string { return ladsql.MustNamed(ladsql.Audit(), "audit.sql") })

// Limits of one page of the log.
const (
	DefaultLimit = 50
	MaxLimit     = 1000
)

// Filter selects entries of the log; zero fields select everything.
type Filter struct {
	// Table is an audited table's name.
	Table string
	// Actor is "kind:" (every actor of a kind), "kind:name" (one actor;
	// token:anna is every token of anna) or a bare login under any kind.
	Actor string
	// Since and Until bound the time of the write: Since ≤ at < Until.
	Since, Until time.Time
	// BeforeID pages: only entries with a smaller id (the last id of the
	// previous page).
	BeforeID int64
	// Limit is the page size (0: DefaultLimit; at most MaxLimit).
	Limit int
}

var tableRe = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,62}$`)

// Check validates f and fills in the default limit.
func (f *Filter) Check() error {
	if f.Table != "" && !tableRe.MatchString(f.Table) {
		return fmt.Errorf("table must be a table name (a-z, 0-9, _)")
	}
	if len(f.Actor) > 200 || strings.IndexFunc(f.Actor, func(r rune) bool { return !unicode.IsPrint(r) }) >= 0 {
		return fmt.Errorf("actor must be kind:, kind:name or a login, printable, up to 200 bytes")
	}
	if !f.Since.IsZero() && !f.Until.IsZero() && !f.Until.After(f.Since) {
		return fmt.Errorf("until must be later than since")
	}
	if f.BeforeID < 0 {
		return fmt.Errorf("before_id must be a positive entry id")
	}
	if f.Limit == 0 {
		f.Limit = DefaultLimit
	}
	if f.Limit < 1 || f.Limit > MaxLimit {
		return fmt.Errorf("limit must be 1–%d", MaxLimit)
	}
	return nil
}

// ParseTime reads a date (2006-01-02, midnight in loc) or a date and time
// (RFC 3339, or 2006-01-02 15:04[:05] in loc).
func ParseTime(s string, loc *time.Location) (time.Time, error) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	for _, layout := range []string{"2006-01-02", "2006-01-02 15:04", "2006-01-02 15:04:05", "2006-01-02T15:04", "2006-01-02T15:04:05"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a date (2006-01-02) or time (2006-01-02T15:04:05Z07:00)", s)
}

// Entry is one logged write of one row.
type Entry struct {
	ID        int64     `json:"id"`
	At        time.Time `json:"at"`
	Actor     string    `json:"actor"`
	ActorKind string    `json:"actor_kind"`
	DBUser    string    `json:"db_user"`
	TxID      *int64    `json:"txid"`
	Table     string    `json:"table"`
	Op        string    `json:"op"` // INSERT, UPDATE, DELETE or TRUNCATE
	// Key is the row's primary key as a JSON object (null for TRUNCATE).
	Key json.RawMessage `json:"row_key"`
	// Before holds the old values (the whole row for DELETE, what changed
	// for UPDATE); After the new ones (the whole row for INSERT, what
	// changed for UPDATE). Geometries are digests, secrets "[redacted]".
	Before json.RawMessage `json:"before"`
	After  json.RawMessage `json:"after"`
}

// Querier runs queries: a *pgxpool.Pool, a *pgx.Conn or a pgx.Tx.
type Querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// List returns one page of the log matching f, newest first. The next page
// is Filter{…, BeforeID: last entry's ID}.
func List(ctx context.Context, q Querier, f Filter) ([]Entry, error) {
	if err := f.Check(); err != nil {
		return nil, err
	}
	null := func(s string) *string {
		if s == "" {
			return nil
		}
		return &s
	}
	var since, until *time.Time
	if !f.Since.IsZero() {
		since = &f.Since
	}
	if !f.Until.IsZero() {
		until = &f.Until
	}
	var before *int64
	if f.BeforeID > 0 {
		before = &f.BeforeID
	}
	rows, err := q.Query(ctx, queries()["list"], null(f.Table), null(f.Actor), since, until, before, f.Limit)
	if err != nil {
		return nil, fmt.Errorf("read audit log: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Entry, error) {
		var e Entry
		var key, before, after []byte
		err := r.Scan(&e.ID, &e.At, &e.Actor, &e.ActorKind, &e.DBUser, &e.TxID, &e.Table, &e.Op, &key, &before, &after)
		e.Key, e.Before, e.After = rawOrNull(key), rawOrNull(before), rawOrNull(after)
		return e, err
	})
	if err != nil {
		return nil, fmt.Errorf("read audit log: %w", err)
	}
	return out, nil
}

func rawOrNull(b []byte) json.RawMessage {
	if b == nil {
		return json.RawMessage("null")
	}
	return json.RawMessage(b)
}
