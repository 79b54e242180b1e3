package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// The web map in a real browser (Debian's Chromium driven by
// playwright-core) against a real `lad serve --demo`: planners toggle a
// layer and see it rendered, residents leave a comment and get a receipt,
// inspectors list carriers near them, axe-core finds no serious WCAG
// violation on any mode; the comment's personal data then reach the
// database and no public endpoint. Screenshots go to test-output/.
func TestWebMapInBrowser(t *testing.T) {
	bin, s, data := browserServer(t)
	addUser(t, bin, data, "planner", "planista-test")
	addUser(t, bin, data, "admin", "admin-test")
	t.Setenv("LAD_TEST_ADMIN", "admin-test")
	out := runBrowserScript(t, "browser.mjs", s.addr, "planista-test")
	receipt := out["receipt"]

	// The comment is in the database once, its author kept apart.
	dbctx := context.Background()
	conn, err := pgx.Connect(dbctx, "host="+filepath.Join(data, "pg")+" port=5432 user=postgres dbname=lad")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(dbctx)
	var n int
	if err := conn.QueryRow(dbctx, `SELECT count(*) FROM consultation_comment c JOIN consultation_comment_author a ON a.comment_id = c.id
		WHERE c.receipt_no = $1 AND a.full_name = 'Zofia Testowa-Prywatna' AND a.email = 'zofia.prywatna@example.pl' AND c.geom IS NOT NULL`, receipt).Scan(&n); err != nil || n != 1 {
		t.Fatalf("comment %q in the database %d times (%v)", receipt, n, err)
	}
	// No public endpoint returns the personal fields.
	var lon, lat float64
	conn.QueryRow(dbctx, `SELECT ST_X(ST_Transform(geom, 4326)), ST_Y(ST_Transform(geom, 4326)) FROM consultation_comment WHERE receipt_no = $1`, receipt).Scan(&lon, &lat)
	paths := []string{"/api/consultations", "/tiles", "/style.json", "/api/search?q=Wroc", "/konsultacje"}
	for z := 12; z <= 16; z++ {
		paths = append(paths, tilePath("comments,consultations,plans", z, lon, lat))
	}
	for _, p := range paths {
		resp, err := http.Get("http://" + s.addr + p)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		for _, secret := range []string{"Zofia", "Testowa-Prywatna", "Sekretna", "zofia.prywatna"} {
			if strings.Contains(string(body), secret) {
				t.Errorf("%s returns personal data %q", p, secret)
			}
		}
	}
	s.interrupt(t)
}

// The inspectors' field app in a real browser on a phone whose GPS stands
// in the demo city: an inspector signs in, lists carriers near, opens one,
// records an inspection with a photo (it appears in the history), goes
// offline and records another (the outbox shows 1, the app survives an
// offline reload), comes back online (the outbox drains) and the same
// record is sent once more; then, offline again, adds a carrier found in
// the field and inspects it; axe-core checks each screen. The database
// then holds each record exactly once, with its photo, position and
// inspector.
func TestFieldAppInBrowser(t *testing.T) {
	bin, s, data := browserServer(t)
	addUser(t, bin, data, "inspector", "inspektor-test")
	out := runBrowserScript(t, "field.mjs", s.addr, "inspektor-test")
	online, offline := out["online_inspection"], out["offline_inspection"]
	if online == "" || offline == "" {
		t.Fatalf("the browser reported no inspection ids: %v", out)
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, "host="+filepath.Join(data, "pg")+" port=5432 user=postgres dbname=lad")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, c := range []struct {
		id, result string
	}{{online, "violation"}, {offline, "compliant"}} {
		var n, photos int
		var inspector, result string
		var accuracy float64
		err := conn.QueryRow(ctx, `SELECT count(*) OVER (), i.inspector, i.result, coalesce(i.accuracy_m, -1),
				(SELECT count(*) FROM inspection_photo p WHERE p.inspection_id = i.id)
			FROM inspection i WHERE i.id = $1 AND i.carrier_id = $2 AND i.geom IS NOT NULL`, c.id, out["carrier"]).Scan(&n, &inspector, &result, &accuracy, &photos)
		if err != nil || n != 1 || inspector != "inspektor-test" || result != c.result || photos != 1 || accuracy != 12 {
			t.Errorf("inspection %s: %d rows, by %q, %s, accuracy %v, %d photos (%v)", c.id, n, inspector, result, accuracy, photos, err)
		}
	}
	// The carrier found offline is stored once, numbered, with the
	// inspection made of it on the spot.
	var n int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM ad_carrier c JOIN inspection i ON i.carrier_id = c.id
		WHERE c.id = $1 AND c.created_by = 'inspektor-test' AND c.inventory_no LIKE 'TEREN/%' AND c.kind = 'banner' AND c.area_m2 = 32`,
		out["new_carrier"]).Scan(&n); err != nil || n != 1 {
		t.Errorf("new carrier %q with its inspection: %d rows (%v)", out["new_carrier"], n, err)
	}
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM inspection WHERE inspector = 'inspektor-test'`).Scan(&n); err != nil || n != 3 {
		t.Errorf("%d inspections by the test inspector (%v)", n, err)
	}
	s.interrupt(t)
}

// browserServer starts `lad serve --demo` for a browser test.
func browserServer(t *testing.T) (string, *server, string) {
	t.Helper()
	if _, err := os.Stat("../../web/app/node_modules/playwright-core"); err != nil {
		t.Fatal("web/app/node_modules is missing: run 'make web' (make test does) to install playwright-core and axe-core from npm")
	}
	bin := buildLad(t)
	data := dataDir(t)
	s := startServe(t, bin, data, "--demo")
	s.waitReady(t, 120*time.Second)
	return bin, s, data
}

// browserPassword is the password of the accounts browser tests make.
const browserPassword = "haslo-testowe-123"

// addUser makes a staff account of Wrocław with `lad user add`.
func addUser(t *testing.T, bin, data, role, login string) {
	t.Helper()
	add := exec.Command(bin, "user", "add", "--role", role, "-m", "0264011", "--password-stdin", login)
	add.Env = append(os.Environ(), "LAD_DATA="+data, "DATABASE_URL=")
	add.Stdin = strings.NewReader(browserPassword + "\n")
	if o, err := add.CombinedOutput(); err != nil {
		t.Fatalf("user add: %v\n%s", err, o)
	}
}

// runBrowserScript runs web/app/tests/NAME against the server at addr,
// signed in as login; screenshots go to test-output/browser. Each JSON line
// the script prints is logged, a failed check fails the test, and the
// string values of the other lines are returned by key.
func runBrowserScript(t *testing.T, name, addr, login string) map[string]string {
	t.Helper()
	script, _ := filepath.Abs("../../web/app/tests/" + name)
	out, _ := filepath.Abs("../../test-output/browser")
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", script, "http://"+addr, out)
	cmd.Dir = filepath.Dir(script)
	cmd.Env = append(os.Environ(), "LAD_TEST_LOGIN="+login, "LAD_TEST_PASSWORD="+browserPassword)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	values := map[string]string{}
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		line := sc.Text()
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) == nil {
			if ok, has := m["ok"].(bool); has {
				if !ok {
					t.Errorf("browser check failed: %s", line)
					continue
				}
			} else {
				for k, v := range m {
					if s, ok := v.(string); ok {
						values[k] = s
					}
				}
			}
		}
		t.Log(line)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("%s: %v\n%s", name, err, stderr.String())
	}
	return values
}
