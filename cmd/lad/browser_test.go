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
	script, _ := filepath.Abs("../../web/app/tests/browser.mjs")
	if _, err := os.Stat("../../web/app/node_modules/playwright-core"); err != nil {
		t.Fatal("web/app/node_modules is missing: run 'make web' (make test does) to install playwright-core and axe-core from npm")
	}
	bin := buildLad(t)
	data := dataDir(t)
	s := startServe(t, bin, data, "--demo")
	s.waitReady(t, 120*time.Second)
	add := exec.Command(bin, "user", "add", "--role", "planner", "-m", "0264011", "--password-stdin", "planista-test")
	add.Env = append(os.Environ(), "LAD_DATA="+data, "DATABASE_URL=")
	add.Stdin = strings.NewReader("haslo-testowe-123\n")
	if o, err := add.CombinedOutput(); err != nil {
		t.Fatalf("user add: %v\n%s", err, o)
	}
	out, _ := filepath.Abs("../../test-output/browser")
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", script, "http://"+s.addr, out)
	cmd.Dir = filepath.Dir(script)
	cmd.Env = append(os.Environ(), "LAD_TEST_LOGIN=planista-test", "LAD_TEST_PASSWORD=haslo-testowe-123")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	receipt := ""
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		line := sc.Text()
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) == nil {
			if r, ok := m["receipt"].(string); ok {
				receipt = r
			}
			if ok, has := m["ok"].(bool); has && !ok {
				t.Errorf("browser check failed: %s", line)
				continue
			}
		}
		t.Log(line)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("browser tests: %v\n%s", err, stderr.String())
	}

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
