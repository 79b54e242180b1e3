// Package audit names who writes, and reads the audit log back.
//
// The log itself lives in the database (sql/migrations/012_audit.sql): a
// statement-level trigger appends one row per written row of every audited
// table — plans, permits, advertising and enforcement records,
// consultations, accounts — with the values before and after, so writes
// made outside ład (psql, scripts) are logged too, and nobody, the server's
// own role included, can change or delete what was logged.
//
// Who wrote is the transaction-local setting lad.actor. Every write
// transaction names its actor first, with WithActor (or Begin, which takes
// the actor from the context: NewContext). An actor is kind:name — user:anna
// (signed in), token:anna#3 (API token 3 of anna), cli:jan (an operator's
// command run by the system user jan), anonymous:<request id> (a resident),
// system:<job>. A write with no actor is logged as db:<database role>.
package audit

import (
	"context"
	"fmt"
	"os"
	"os/user"
	"strings"
	"unicode"

	"github.com/jackc/pgx/v5"
)

// Kinds of actor, the part of an actor before the colon.
const (
	KindUser      = "user"      // a signed-in staff member (browser session)
	KindToken     = "token"     // a staff member's personal API token
	KindCLI       = "cli"       // a command run on the server by a system user
	KindAnonymous = "anonymous" // a resident (no account), named by request id
	KindSystem    = "system"    // ład itself: the demo loader, jobs
	KindDB        = "db"        // no actor was set: the database role wrote
)

// User is the actor of a signed-in staff member.
func User(login string) string { return KindUser + ":" + login }

// Token is the actor of a request authenticated by API token id of login.
func Token(login string, id int64) string { return fmt.Sprintf("%s:%s#%d", KindToken, login, id) }

// Anonymous is the actor of a resident's request, known by its request id.
func Anonymous(requestID string) string {
	if requestID == "" {
		requestID = "unknown"
	}
	return KindAnonymous + ":" + requestID
}

// System is the actor of ład's own work (the demo loader, jobs).
func System(job string) string { return KindSystem + ":" + job }

// CLI is the actor of a command run now: cli:<system user>.
func CLI() string {
	name := ""
	if u, err := user.Current(); err == nil {
		name = u.Username
	}
	if name == "" {
		name = os.Getenv("USER")
	}
	if name == "" {
		name = fmt.Sprintf("uid%d", os.Getuid())
	}
	return KindCLI + ":" + name
}

// Check reports whether actor is kind:name with a kind ład sets (db is the
// database's own, for writes without an actor) and a printable name of at
// most 200 bytes.
func Check(actor string) error {
	kind, name, ok := strings.Cut(actor, ":")
	switch {
	case !ok || name == "":
		return fmt.Errorf("audit actor %q: want kind:name", actor)
	case kind != KindUser && kind != KindToken && kind != KindCLI && kind != KindAnonymous && kind != KindSystem:
		return fmt.Errorf("audit actor %q: kind must be user, token, cli, anonymous or system", actor)
	case len(actor) > 200:
		return fmt.Errorf("audit actor %.40q…: longer than 200 bytes", actor)
	case strings.IndexFunc(name, func(r rune) bool { return !unicode.IsPrint(r) }) >= 0:
		return fmt.Errorf("audit actor %q: unprintable characters", actor)
	}
	return nil
}

// WithActor names the actor of the rest of transaction tx's writes in the
// audit log. Call it first in every write transaction: the setting is local
// to the transaction, so it never leaks to the next user of a pooled
// connection.
func WithActor(ctx context.Context, tx pgx.Tx, actor string) error {
	if err := Check(actor); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, queries()["set_actor"], actor); err != nil {
		return fmt.Errorf("set audit actor: %w", err)
	}
	return nil
}

type ctxKey struct{}

// NewContext returns ctx carrying actor, for Begin and for code that opens
// its own transactions further down (ingest).
func NewContext(ctx context.Context, actor string) context.Context {
	return context.WithValue(ctx, ctxKey{}, actor)
}

// FromContext returns the actor ctx carries, if any.
func FromContext(ctx context.Context) (string, bool) {
	a, ok := ctx.Value(ctxKey{}).(string)
	return a, ok && a != ""
}

// Beginner starts transactions: a *pgxpool.Pool, a *pgx.Conn or a pgx.Tx.
type Beginner interface {
	Begin(ctx context.Context) (pgx.Tx, error)
}

// Begin runs fn in a transaction whose writes are logged as the actor ctx
// carries (NewContext), and commits when fn returns nil. Without an actor
// in ctx the writes are logged as the database role (db:<role>), as a
// psql session's are.
func Begin(ctx context.Context, db Beginner, fn func(tx pgx.Tx) error) error {
	return pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error {
		if actor, ok := FromContext(ctx); ok {
			if err := WithActor(ctx, tx, actor); err != nil {
				return err
			}
		}
		return fn(tx)
	})
}
