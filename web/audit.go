package web

import (
	"net/url"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/ladgis/lad/access"
	"github.com/ladgis/lad/audit"
)

// Audit serves the audit log to admins: GET /api/audit.
type Audit struct {
	pool *pgxpool.Pool
}

// NewAudit returns the audit log endpoint over pool.
func NewAudit(pool *pgxpool.Pool) *Audit { return &Audit{pool: pool} }

// Routes mounts the endpoint.
func (a *Audit) Routes(r fiber.Router) {
	r.Get("/api/audit", Require(access.AudienceAdmin, a.list))
}

// list answers one page of the log, newest first, filtered by table, actor,
// since and until (dates or RFC 3339 times), with limit and before_id (the
// previous page's last id); "next" is the URL of the following page.
func (a *Audit) list(c *fiber.Ctx) error {
	f := audit.Filter{Table: c.Query("table"), Actor: c.Query("actor")}
	var err error
	if f.Since, err = queryTime(c, "since"); err != nil {
		return err
	}
	if f.Until, err = queryTime(c, "until"); err != nil {
		return err
	}
	limit, err := queryID(c, "limit")
	if err != nil {
		return err
	}
	f.Limit = int(min(limit, audit.MaxLimit+1))
	if f.BeforeID, err = queryID(c, "before_id"); err != nil {
		return err
	}
	if err := f.Check(); err != nil {
		return bad(err.Error())
	}
	entries, err := audit.List(c.UserContext(), a.pool, f)
	if err != nil {
		return err
	}
	if entries == nil {
		entries = []audit.Entry{}
	}
	c.Set("Cache-Control", "no-store")
	out := fiber.Map{"entries": entries, "next": nil}
	if len(entries) == f.Limit {
		q := url.Values{}
		for _, k := range []string{"table", "actor", "since", "until", "limit"} {
			if v := c.Query(k); v != "" {
				q.Set(k, v)
			}
		}
		q.Set("before_id", strconv.FormatInt(entries[len(entries)-1].ID, 10))
		out["next"] = "/api/audit?" + q.Encode()
	}
	return c.JSON(out)
}

// queryTime reads a date or time parameter (zero when absent).
func queryTime(c *fiber.Ctx, name string) (time.Time, error) {
	v := c.Query(name)
	if v == "" {
		return time.Time{}, nil
	}
	t, err := audit.ParseTime(v, time.Local)
	if err != nil {
		return t, bad(name + ": " + err.Error())
	}
	return t, nil
}

// queryID reads a positive integer parameter (zero when absent).
func queryID(c *fiber.Ctx, name string) (int64, error) {
	v := c.Query(name)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 {
		return 0, bad(name + " must be a positive number")
	}
	return n, nil
}
