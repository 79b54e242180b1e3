// Package auth signs staff in: accounts with argon2id passwords, browser
// sessions (HTTP-only SameSite cookies with a CSRF token for every unsafe
// request) and personal API tokens for scripts (hashed at rest). Its
// middleware puts the caller's access.Subject on every request before any
// other module runs; what the subject may do is decided by package access.
// Residents stay anonymous.
package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/limiter"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"golang.org/x/crypto/argon2"

	"github.com/ladgis/lad/access"
	"github.com/ladgis/lad/audit"
	"github.com/ladgis/lad/web"
)

// Argon2id parameters (OWASP's recommended minimum: 19 MiB, 2 passes).
const (
	argonTime    = 2
	argonMemory  = 19 * 1024
	argonThreads = 1
	argonKeyLen  = 32
	cookieName   = "lad_session"
	sessionTTL   = 12 * time.Hour
)

// HashPassword returns a PHC-format argon2id hash of pw.
func HashPassword(pw string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(pw), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=19$m=%d,t=%d,p=%d$%s$%s", argonMemory, argonTime, argonThreads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

// VerifyPassword checks pw against a PHC argon2id hash in constant time.
func VerifyPassword(hash, pw string) bool {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return false
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[4])
	want, err2 := base64.RawStdEncoding.DecodeString(parts[5])
	if err1 != nil || err2 != nil {
		return false
	}
	got := argon2.IDKey([]byte(pw), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

func randomToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

func sha(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// Store keeps accounts, sessions and tokens in the database. Changes to
// accounts and tokens are logged in the audit log as the actor their
// context carries (audit.NewContext): the operator's command, or an admin.
type Store struct {
	pool *pgxpool.Pool
	log  *slog.Logger
	// Secure marks cookies Secure (behind TLS or a TLS-terminating proxy).
	Secure bool
}

// NewStore returns the account store over pool.
func NewStore(pool *pgxpool.Pool, log *slog.Logger) *Store { return &Store{pool: pool, log: log} }

var loginRe = regexp.MustCompile(`^[a-z0-9._-]{2,64}$`)

// ErrBadLogin is what a wrong login or password gets: the same for both.
var ErrBadLogin = errors.New("wrong login or password")

// AddUser creates an account.
func (s *Store) AddUser(ctx context.Context, login, name string, role access.Role, tercs []string, password string) error {
	if !loginRe.MatchString(login) {
		return fmt.Errorf("login must be 2–64 of a-z 0-9 . _ -")
	}
	if role != access.Admin && role != access.Planner && role != access.Inspector {
		return fmt.Errorf("role must be admin, planner or inspector")
	}
	if len(password) < 10 {
		return fmt.Errorf("password must have at least 10 characters")
	}
	hash, err := HashPassword(password)
	if err != nil {
		return err
	}
	if tercs == nil {
		tercs = []string{}
	}
	err = audit.Begin(ctx, s.pool, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO app_user (login, display_name, role, tercs, password_hash) VALUES ($1, $2, $3, $4, $5)`,
			login, name, string(role), tercs, hash)
		return err
	})
	if err != nil {
		return fmt.Errorf("add user %s: %w", login, err)
	}
	return nil
}

// SetPassword changes a password and ends the user's sessions.
func (s *Store) SetPassword(ctx context.Context, login, password string) error {
	if len(password) < 10 {
		return fmt.Errorf("password must have at least 10 characters")
	}
	hash, err := HashPassword(password)
	if err != nil {
		return err
	}
	return audit.Begin(ctx, s.pool, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `WITH u AS (UPDATE app_user SET password_hash = $2 WHERE login = $1 RETURNING id)
			DELETE FROM user_session WHERE user_id IN (SELECT id FROM u)`, login, hash)
		return err
	})
}

// Disable locks an account out and ends its sessions and tokens.
func (s *Store) Disable(ctx context.Context, login string) error {
	return audit.Begin(ctx, s.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE app_user SET disabled = true WHERE login = $1`, login)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return fmt.Errorf("no user %s", login)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM user_session WHERE user_id = (SELECT id FROM app_user WHERE login = $1)`, login); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE api_token SET revoked_at = now() WHERE revoked_at IS NULL AND user_id = (SELECT id FROM app_user WHERE login = $1)`, login)
		return err
	})
}

// User is an account as listed.
type User struct {
	Login    string    `json:"login"`
	Name     string    `json:"display_name"`
	Role     string    `json:"role"`
	TERCs    []string  `json:"tercs"`
	Disabled bool      `json:"disabled"`
	Created  time.Time `json:"created_at"`
}

// List returns every account.
func (s *Store) List(ctx context.Context) ([]User, error) {
	rows, err := s.pool.Query(ctx, `SELECT login, display_name, role, tercs, disabled, created_at FROM app_user ORDER BY login`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []User
	for rows.Next() {
		var u User
		if err := rows.Scan(&u.Login, &u.Name, &u.Role, &u.TERCs, &u.Disabled, &u.Created); err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// AddToken creates a personal API token and returns it (shown once).
func (s *Store) AddToken(ctx context.Context, login, name string) (string, error) {
	tok, err := randomToken()
	if err != nil {
		return "", err
	}
	err = audit.Begin(ctx, s.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `INSERT INTO api_token (user_id, name, token_hash)
			SELECT id, $2, $3 FROM app_user WHERE login = $1 AND NOT disabled`, login, name, sha(tok))
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return fmt.Errorf("no active user %s", login)
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	return "lad_" + tok, nil
}

func (s *Store) subject(ctx context.Context, where string, arg string) (access.Subject, int64, string, error) {
	var sub access.Subject
	var role string
	var id int64
	var extra string
	q := `SELECT u.id, u.login, u.role, u.tercs, ` + where
	err := s.pool.QueryRow(ctx, q, arg).Scan(&id, &sub.Login, &role, &sub.TERCs, &extra)
	sub.Role = access.Role(role)
	return sub, id, extra, err
}

// Authenticate checks a login and password.
func (s *Store) Authenticate(ctx context.Context, login, password string) (access.Subject, int64, error) {
	var hash string
	sub, id, hash, err := s.subject(ctx, `u.password_hash FROM app_user u WHERE u.login = $1 AND NOT u.disabled`, login)
	if errors.Is(err, pgx.ErrNoRows) {
		VerifyPassword("$argon2id$v=19$m=19456,t=2,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", password) // same time either way
		return sub, 0, ErrBadLogin
	}
	if err != nil {
		return sub, 0, err
	}
	if !VerifyPassword(hash, password) {
		return sub, 0, ErrBadLogin
	}
	return sub, id, nil
}

// NewSession starts a browser session: the cookie value and its CSRF token.
func (s *Store) NewSession(ctx context.Context, userID int64) (string, string, error) {
	tok, err := randomToken()
	if err != nil {
		return "", "", err
	}
	csrf, err := randomToken()
	if err != nil {
		return "", "", err
	}
	_, err = s.pool.Exec(ctx, `INSERT INTO user_session (id_hash, user_id, csrf_token, expires_at) VALUES ($1, $2, $3, now() + $4::interval)`,
		sha(tok), userID, csrf, fmt.Sprintf("%d seconds", int(sessionTTL.Seconds())))
	return tok, csrf, err
}

// Middleware authenticates every request (session cookie or bearer token)
// and enforces CSRF on unsafe methods made with a session cookie.
func (s *Store) Middleware(c *fiber.Ctx) error {
	ctx := c.UserContext()
	if h := c.Get("Authorization"); strings.HasPrefix(h, "Bearer ") {
		tok := strings.TrimPrefix(strings.TrimPrefix(h, "Bearer "), "lad_")
		sub, _, tokenID, err := s.subject(ctx, `t.id::text FROM api_token t JOIN app_user u ON u.id = t.user_id
			WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND NOT u.disabled`, sha(tok))
		if err != nil {
			if errors.Is(err, pgx.ErrNoRows) {
				return fiber.NewError(fiber.StatusUnauthorized, "invalid or revoked token")
			}
			return err
		}
		id, _ := strconv.ParseInt(tokenID, 10, 64)
		c.Locals(web.SubjectKey, sub)
		c.Locals(web.ActorKey, audit.Token(sub.Login, id))
		return c.Next()
	}
	if cookie := c.Cookies(cookieName); cookie != "" {
		sub, _, csrf, err := s.subject(ctx, `s.csrf_token FROM user_session s JOIN app_user u ON u.id = s.user_id
			WHERE s.id_hash = $1 AND s.expires_at > now() AND NOT u.disabled`, sha(cookie))
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			// An expired session is no session: the caller is anonymous.
		case err != nil:
			return err
		default:
			if m := c.Method(); m != fiber.MethodGet && m != fiber.MethodHead && m != fiber.MethodOptions {
				if subtle.ConstantTimeCompare([]byte(c.Get("X-CSRF-Token")), []byte(csrf)) != 1 {
					return fiber.NewError(fiber.StatusForbidden, "missing or wrong CSRF token (X-CSRF-Token from /api/session)")
				}
			}
			c.Locals(web.SubjectKey, sub)
			c.Locals("lad.csrf", csrf)
		}
	}
	return c.Next()
}

// Identify is the sign-in middleware: the server runs it before the route
// policy and every route (web.Identifier).
func (s *Store) Identify(c *fiber.Ctx) error { return s.Middleware(c) }

// Routes mounts the sign-in endpoints.
func (s *Store) Routes(r fiber.Router) {
	login := limiter.New(limiter.Config{Max: 10, Expiration: time.Minute, LimitReached: func(c *fiber.Ctx) error {
		return fiber.NewError(fiber.StatusTooManyRequests, "too many attempts: wait a minute")
	}})
	r.Post("/api/login", login, s.login)
	r.Post("/api/logout", s.logout)
	r.Get("/api/session", s.session)
}

func (s *Store) login(c *fiber.Ctx) error {
	var req struct {
		Login    string `json:"login"`
		Password string `json:"password"`
	}
	if err := c.BodyParser(&req); err != nil || req.Login == "" || req.Password == "" || len(req.Password) > 1000 {
		return fiber.NewError(fiber.StatusBadRequest, "send login and password")
	}
	sub, id, err := s.Authenticate(c.UserContext(), strings.ToLower(strings.TrimSpace(req.Login)), req.Password)
	if errors.Is(err, ErrBadLogin) {
		time.Sleep(400 * time.Millisecond) // slows guessing
		return fiber.NewError(fiber.StatusUnauthorized, ErrBadLogin.Error())
	}
	if err != nil {
		return err
	}
	tok, csrf, err := s.NewSession(c.UserContext(), id)
	if err != nil {
		return err
	}
	c.Cookie(&fiber.Cookie{Name: cookieName, Value: tok, Path: "/", HTTPOnly: true, SameSite: "Lax", Secure: s.Secure,
		Expires: time.Now().Add(sessionTTL)})
	return c.JSON(fiber.Map{"login": sub.Login, "role": sub.Role, "tercs": sub.TERCs, "csrf_token": csrf})
}

func (s *Store) logout(c *fiber.Ctx) error {
	if cookie := c.Cookies(cookieName); cookie != "" {
		if _, err := s.pool.Exec(c.UserContext(), `DELETE FROM user_session WHERE id_hash = $1`, sha(cookie)); err != nil {
			return err
		}
	}
	c.Cookie(&fiber.Cookie{Name: cookieName, Value: "", Path: "/", HTTPOnly: true, SameSite: "Lax", Secure: s.Secure, Expires: time.Unix(0, 0)})
	return c.JSON(fiber.Map{"signed_out": true})
}

func (s *Store) session(c *fiber.Ctx) error {
	sub := web.Subject(c)
	csrf, _ := c.Locals("lad.csrf").(string)
	c.Set("Cache-Control", "no-store")
	return c.JSON(fiber.Map{"login": sub.Login, "role": sub.Role, "tercs": sub.TERCs, "csrf_token": csrf})
}
