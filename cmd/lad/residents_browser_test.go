package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// Issue 7 in a real browser against `lad serve --demo`: a resident swipes
// between the plans in force and the draft under consultation (both maps
// render features) and reads an area's rules; a planner answers a comment
// (stored, audited under the planner's name), prints the consultation
// report and loads a fixture on the ingest page (progress, batch counts)
// and a file whose records are all rejected (their table). The test then
// closes the consultation in the database: residents read the answers, and
// no public endpoint returns any comment author's personal data.
// axe-core checks every new view; screenshots go to test-output/browser.
func TestResidentsAndIngestInBrowser(t *testing.T) {
	bin, s, data := browserServer(t)
	addUser(t, bin, data, "planner", "planista-test")
	upload, err := filepath.Abs("../../ingest/testdata/ozarow/parcels_uldk_slice_wgs84.geojson")
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("LAD_TEST_UPLOAD", upload)
	t.Setenv("LAD_TEST_PHASE", "open")
	out := runBrowserScript(t, "residents.mjs", s.addr, "planista-test")

	ctx := context.Background()
	conn, err := pgx.Connect(ctx, "host="+filepath.Join(data, "pg")+" port=5432 user=postgres dbname=lad")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)

	// The planner's answer is stored under the planner's name and audited.
	const reason = "Test: obniżono maksymalną wysokość do 12 m."
	receipt := out["answered_receipt"]
	var consultation int64
	var n int
	if err := conn.QueryRow(ctx, `SELECT consultation_id, count(*) OVER () FROM consultation_comment
		WHERE receipt_no = $1 AND answer = 'partly' AND answer_reason = $2 AND answered_by = 'planista-test' AND answered_at IS NOT NULL`,
		receipt, reason).Scan(&consultation, &n); err != nil || n != 1 {
		t.Fatalf("answer to %q in the database: %d rows (%v)", receipt, n, err)
	}
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE table_name = 'consultation_comment' AND op = 'UPDATE'
		AND actor = 'user:planista-test' AND after ->> 'answer' = 'partly'`).Scan(&n); err != nil || n != 1 {
		t.Errorf("audit log of the answer: %d rows (%v)", n, err)
	}
	// The two batches: one stored, one with every record rejected.
	for _, c := range []struct {
		key  string
		cond string
	}{
		{"batch_ok", "status = 'committed' AND records_inserted > 0 AND records_rejected = 0 AND created_by = 'planista-test'"},
		{"batch_bad", "records_rejected > 0 AND records_inserted = 0 AND terc = '0264011'"},
	} {
		id, err := strconv.ParseInt(out[c.key], 10, 64)
		if err != nil {
			t.Errorf("%s: no batch id from the browser (%q)", c.key, out[c.key])
			continue
		}
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM ingest_batch WHERE id = $1 AND `+c.cond, id).Scan(&n); err != nil || n != 1 {
			t.Errorf("%s %d: not as the page showed it (%v)", c.key, id, err)
		}
	}

	// Before the close, no public endpoint gives the answer away.
	get := func(path string) string {
		t.Helper()
		resp, err := http.Get("http://" + s.addr + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("%s: %d", path, resp.StatusCode)
		}
		return string(b)
	}
	commentsPath := fmt.Sprintf("/api/consultations/%d/comments", consultation)
	if strings.Contains(get(commentsPath), reason) {
		t.Errorf("%s publishes an answer before the consultation closed", commentsPath)
	}

	// The consultation closes.
	if _, err := conn.Exec(ctx, `UPDATE consultation SET opens_on = current_date - 40, closes_on = current_date - 2 WHERE id = $1`, consultation); err != nil {
		t.Fatal(err)
	}
	t.Setenv("LAD_TEST_PHASE", "closed")
	runBrowserScript(t, "residents.mjs", s.addr, "planista-test")

	// Residents read the answers; no public endpoint holds an author's
	// name, address or e-mail, nor who answered.
	if body := get(commentsPath); !strings.Contains(body, reason) || !strings.Contains(body, `"answers_published":true`) {
		t.Errorf("%s after the close lacks the answer: %.300s", commentsPath, body)
	}
	secrets := map[string]bool{"planista-test": true}
	rows, err := conn.Query(ctx, `SELECT full_name, address, email FROM consultation_comment_author`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var name, address, email string
		if err := rows.Scan(&name, &address, &email); err != nil {
			t.Fatal(err)
		}
		for _, v := range []string{name, address, email} {
			if v != "" {
				secrets[v] = true
			}
		}
	}
	rows.Close()
	if len(secrets) < 20 {
		t.Fatalf("only %d personal values to look for", len(secrets))
	}
	var lon, lat float64
	if err := conn.QueryRow(ctx, `SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_Transform(ST_PointOnSurface(geom), 4326) AS p FROM consultation WHERE id = $1) x`,
		consultation).Scan(&lon, &lat); err != nil {
		t.Fatal(err)
	}
	paths := []string{"/api/consultations", commentsPath, "/konsultacje", "/tiles", "/style.json",
		"/ogc/collections/comments/items?limit=1000", "/ogc/collections/comments/download?f=csv", "/ogc/collections/comments/download?f=geojson"}
	for z := 12; z <= 16; z++ {
		paths = append(paths, tilePath("comments,consultations,plans,designations", z, lon, lat))
	}
	for _, p := range paths {
		body := get(p)
		for v := range secrets {
			if strings.Contains(body, v) {
				t.Errorf("%s publishes personal data %q", p, v)
			}
		}
	}
	// Staff-only views stay staff-only.
	for _, p := range []string{fmt.Sprintf("/api/consultations/%d/review", consultation), fmt.Sprintf("/report/consultation/%d", consultation)} {
		resp, err := http.Get("http://" + s.addr + p)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 401 {
			t.Errorf("%s as a resident: %d, want 401", p, resp.StatusCode)
		}
	}
	s.interrupt(t)
}
