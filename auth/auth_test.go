package auth

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"

	"github.com/ladgis/lad/access"
	"github.com/ladgis/lad/db/dbtest"
	"github.com/ladgis/lad/web"
)

func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }

func TestPasswordHashes(t *testing.T) {
	h, err := HashPassword("correct horse battery")
	if err != nil || !strings.HasPrefix(h, "$argon2id$v=19$") {
		t.Fatal(h, err)
	}
	if !VerifyPassword(h, "correct horse battery") || VerifyPassword(h, "correct horse batterY") || VerifyPassword("garbage", "x") {
		t.Error("verify")
	}
	h2, _ := HashPassword("correct horse battery")
	if h == h2 {
		t.Error("no salt")
	}
}

type probe struct{}

func (probe) Routes(r fiber.Router) {
	r.Get("/api/whoami", func(c *fiber.Ctx) error { return c.JSON(web.Subject(c)) })
	r.Post("/api/planner-write", web.Require(access.AudiencePlanner, func(c *fiber.Ctx) error { return c.SendString("written") }))
}

func req(t *testing.T, app *fiber.App, method, path, body string, hdr ...string) (int, string, string) {
	r := httptest.NewRequest(method, path, strings.NewReader(body))
	if body != "" {
		r.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := app.Test(r, 20000)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header.Get("Set-Cookie")
}

func TestSignInSessionsCSRFAndTokens(t *testing.T) {
	d := dbtest.New(t)
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	st := NewStore(d.Pool, log)
	if err := st.AddUser(ctx, "anna", "Anna Planistka", access.Planner, []string{"0264011"}, "dobre-haslo-123"); err != nil {
		t.Fatal(err)
	}
	if err := st.AddUser(ctx, "x", "", access.Planner, nil, "short"); err == nil {
		t.Error("short password and login accepted")
	}
	policy, err := access.NewPolicy(append(access.Routes(),
		access.Rule{Method: "GET", Path: "/api/whoami", Audience: access.Public},
		access.Rule{Method: "POST", Path: "/api/planner-write", Audience: access.AudiencePlanner}))
	if err != nil {
		t.Fatal(err)
	}
	app := web.New(web.Config{Policy: policy}, log, func(context.Context) error { return nil }, st, probe{}).App()

	if code, _, _ := req(t, app, "POST", "/api/login", `{"login":"anna","password":"złe"}`); code != 401 {
		t.Errorf("wrong password: %d", code)
	}
	if code, _, _ := req(t, app, "POST", "/api/login", `{"login":"nikt","password":"dobre-haslo-123"}`); code != 401 {
		t.Errorf("unknown user: %d", code)
	}
	code, body, cookie := req(t, app, "POST", "/api/login", `{"login":"anna","password":"dobre-haslo-123"}`)
	if code != 200 || !strings.Contains(cookie, "HttpOnly") || !strings.Contains(strings.ToLower(cookie), "samesite=lax") {
		t.Fatalf("login: %d %s %s", code, body, cookie)
	}
	session := strings.SplitN(cookie, ";", 2)[0]
	csrf := between(body, `"csrf_token":"`, `"`)
	if _, body, _ := req(t, app, "GET", "/api/whoami", "", "Cookie", session); !strings.Contains(body, `"Role":"planner"`) {
		t.Errorf("whoami: %s", body)
	}
	if code, _, _ := req(t, app, "POST", "/api/planner-write", "", "Cookie", session); code != 403 {
		t.Errorf("write without CSRF: %d", code)
	}
	if code, body, _ := req(t, app, "POST", "/api/planner-write", "", "Cookie", session, "X-CSRF-Token", csrf); code != 200 || body != "written" {
		t.Errorf("write with CSRF: %d %s", code, body)
	}
	if code, _, _ := req(t, app, "POST", "/api/planner-write", ""); code != 401 {
		t.Errorf("anonymous write: %d", code)
	}
	// Tokens for scripts: no cookie, no CSRF; revoked on disable.
	tok, err := st.AddToken(ctx, "anna", "skrypt")
	if err != nil {
		t.Fatal(err)
	}
	if code, _, _ := req(t, app, "POST", "/api/planner-write", "", "Authorization", "Bearer "+tok); code != 200 {
		t.Errorf("token write: %d", code)
	}
	if code, _, _ := req(t, app, "GET", "/api/whoami", "", "Authorization", "Bearer lad_nonsense"); code != 401 {
		t.Errorf("bad token: %d", code)
	}
	if err := st.Disable(ctx, "anna"); err != nil {
		t.Fatal(err)
	}
	if code, _, _ := req(t, app, "POST", "/api/planner-write", "", "Authorization", "Bearer "+tok); code != 401 {
		t.Errorf("token of a disabled user: %d", code)
	}
	if _, body, _ := req(t, app, "GET", "/api/whoami", "", "Cookie", session); !strings.Contains(body, `"Role":"anonymous"`) && !strings.Contains(body, `"Role":""`) {
		t.Errorf("session of a disabled user still works: %s", body)
	}
	var hash string
	d.Pool.QueryRow(ctx, `SELECT token_hash FROM api_token`).Scan(&hash)
	if strings.Contains(tok, hash) || len(hash) != 64 {
		t.Error("token not hashed at rest")
	}
}

func between(s, a, b string) string {
	i := strings.Index(s, a)
	if i < 0 {
		return ""
	}
	s = s[i+len(a):]
	return s[:strings.Index(s, b)]
}
