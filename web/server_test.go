package web

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/ladgis/lad/access"
	"github.com/ladgis/lad/db"
	"github.com/ladgis/lad/pgembed"
)

type countModule struct{ pool *pgxpool.Pool }

func (m countModule) Routes(r fiber.Router) {
	r.Get("/api/test/count", func(c *fiber.Ctx) error {
		var n int
		if err := m.pool.QueryRow(c.UserContext(), "SELECT count(*) FROM municipality").Scan(&n); err != nil {
			return err
		}
		return c.JSON(fiber.Map{"n": n})
	})
	r.Get("/api/test/panic", func(c *fiber.Ctx) error { panic("secret internals") })
}

// testPolicy is the route policy plus the test module's routes.
func testPolicy(t *testing.T) *access.Policy {
	p, err := access.NewPolicy(append(access.Routes(),
		access.Rule{Method: "GET", Path: "/api/test/count", Audience: access.Public},
		access.Rule{Method: "GET", Path: "/api/test/panic", Audience: access.Public}))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func get(t *testing.T, app *fiber.App, path string) (int, string, *httptestResp) {
	t.Helper()
	resp, err := app.Test(httptest.NewRequest("GET", path, nil), 10000)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), &httptestResp{retryAfter: resp.Header.Get("Retry-After"), requestID: resp.Header.Get("X-Request-Id")}
}

type httptestResp struct{ retryAfter, requestID string }

// The database goes away and comes back: requests answer 503 with
// Retry-After meanwhile (not 500, not a hang), /readyz turns 503, and all
// recovers by itself.
func TestDatabaseOutageAnswers503AndRecovers(t *testing.T) {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "ladweb")
	defer os.RemoveAll(dir)
	os.Chmod(dir, 0o755)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	cl, err := pgembed.Start(ctx, pgembed.Config{Dir: dir, Fast: true, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { cl.Stop() }()
	if err := db.Migrate(ctx, cl.DatabaseURL(), log); err != nil {
		t.Fatal(err)
	}
	pool, err := db.NewPool(ctx, cl.DatabaseURL(), 4)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	srv := New(Config{RequestTimeout: 5 * time.Second, Policy: testPolicy(t)}, log, func(ctx context.Context) error { return db.CheckReady(ctx, pool) }, countModule{pool})
	app := srv.App()

	if code, body, _ := get(t, app, "/api/test/count"); code != 200 {
		t.Fatalf("before outage: %d %s", code, body)
	}
	if code, _, _ := get(t, app, "/readyz"); code != 200 {
		t.Fatalf("readyz before outage: %d", code)
	}
	cl.Stop()
	start := time.Now()
	code, body, h := get(t, app, "/api/test/count")
	if code != 503 || h.retryAfter == "" || !strings.Contains(body, "request_id") {
		t.Fatalf("during outage: %d %q retry-after %q", code, body, h.retryAfter)
	}
	if time.Since(start) > 4*time.Second {
		t.Errorf("outage answer took %v", time.Since(start))
	}
	if code, _, _ := get(t, app, "/readyz"); code != 503 {
		t.Errorf("readyz during outage: %d", code)
	}

	cl, err = pgembed.Start(ctx, pgembed.Config{Dir: dir, Fast: true, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		code, body, _ = get(t, app, "/api/test/count")
		if code == 200 || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if code != 200 {
		t.Fatalf("after outage: %d %s", code, body)
	}
	if code, _, _ := get(t, app, "/readyz"); code != 200 {
		t.Errorf("readyz after outage: %d", code)
	}
}

func TestPanicsDoNotLeakInternals(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	srv := New(Config{Policy: testPolicy(t)}, log, func(context.Context) error { return nil }, countModule{})
	code, body, h := get(t, srv.App(), "/api/test/panic")
	if code != 500 || strings.Contains(body, "secret") || h.requestID == "" || !strings.Contains(body, h.requestID) {
		t.Fatalf("panic answer: %d %q request id %q", code, body, h.requestID)
	}
	code, _, _ = get(t, srv.App(), "/healthz")
	if code != 200 {
		t.Fatalf("healthz %d", code)
	}
}
