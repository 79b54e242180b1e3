package main

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ladgis/lad/pgembed"
)

// buildLad compiles the binary once per test run.
func buildLad(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "lad")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func dataDir(t *testing.T) string {
	t.Helper()
	d, err := os.MkdirTemp("", "ladserve")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(d) })
	_ = os.Chmod(d, 0o755)
	return d
}

type server struct {
	cmd  *exec.Cmd
	out  *bytes.Buffer
	addr string
}

func startServe(t *testing.T, bin, data string, args ...string) *server {
	t.Helper()
	addr := freeAddr(t)
	cmd := exec.Command(bin, append([]string{"serve"}, args...)...)
	cmd.Env = append(os.Environ(), "LAD_DATA="+data, "LAD_ADDR="+addr, "DATABASE_URL=")
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &server{cmd: cmd, out: &out, addr: addr}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	return s
}

func (s *server) waitReady(t *testing.T, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		resp, err := http.Get("http://" + s.addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("not ready within %v\n%s", within, s.out.String())
}

func (s *server) interrupt(t *testing.T) {
	t.Helper()
	_ = s.cmd.Process.Signal(syscall.SIGINT)
	done := make(chan error, 1)
	go func() { done <- s.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("lad exited with %v\n%s", err, s.out.String())
		}
	case <-time.After(60 * time.Second):
		t.Fatalf("lad did not stop\n%s", s.out.String())
	}
}

// postgresRunning reports whether a postgres process serves the cluster in dir.
func postgresRunning(dir string) bool {
	procs, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, p := range procs {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		cmdline := strings.ReplaceAll(string(b), "\x00", " ")
		if strings.Contains(cmdline, "postgres") && strings.Contains(cmdline, dir) {
			return true
		}
	}
	return false
}

func TestServeStartsStopsAndRestarts(t *testing.T) {
	bin := buildLad(t)
	data := dataDir(t)

	s := startServe(t, bin, data, "--demo")
	s.waitReady(t, 120*time.Second)
	// The database holds the demo city.
	out, err := exec.Command("psql", "-XAtq", "-h", filepath.Join(data, "pg"), "-U", "postgres", "-d", "lad", "-c",
		`SELECT (SELECT count(*) FROM district) > 40 AND (SELECT count(*) FROM parcel) > 20000
		    AND (SELECT count(*) FROM plan) > 20 AND (SELECT count(*) FROM permit) > 5000
		    AND (SELECT count(*) FROM ad_carrier) > 200 AND (SELECT count(*) FROM consultation) = 1`).CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "t" {
		t.Fatalf("demo city not in the database: %v %s", err, out)
	}
	for _, path := range []string{"/healthz", "/metrics"} {
		resp, err := http.Get("http://" + s.addr + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("%s: %d", path, resp.StatusCode)
		}
	}
	if !postgresRunning(data) {
		t.Fatal("no postgres process for the data directory while serving")
	}
	s.interrupt(t)
	deadline := time.Now().Add(5 * time.Second)
	for postgresRunning(data) && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if postgresRunning(data) {
		t.Fatal("postgres still running after lad stopped")
	}

	// The second start reuses the cluster: no initdb, and quick.
	start := time.Now()
	s2 := startServe(t, bin, data, "--demo")
	s2.waitReady(t, 30*time.Second)
	if strings.Contains(s2.out.String(), "creating database cluster") || strings.Contains(s2.out.String(), "loading the demo city") {
		t.Errorf("second start created the cluster or loaded the demo again:\n%s", s2.out.String())
	}
	t.Logf("restart ready in %v", time.Since(start))
	s2.interrupt(t)

	// The analyses read the demo city and print readable tables.
	for _, c := range []struct {
		args []string
		want []string
	}{
		{[]string{"analyze", "plan-coverage"}, []string{"mpzp_pct", "Wrocław", "Krzyki - Partynice"}},
		{[]string{"analyze", "--format", "csv", "advertising-compliance"}, []string{"zone,carriers,compliant", "WRO/NR/", "WK-R/"}},
		{[]string{"analyze", "--format", "json", "advertising-compliance"}, []string{`"name": "advertising-compliance"`}},
		{[]string{"analyze", "permit-conformity", "--municipality", "0264011"}, []string{"conformity_pct", "niedopuszczalna na terenie", "Wrocław"}},
		{[]string{"analyze", "--format", "csv", "development-pressure"}, []string{"rank,district,cases,outside_plan", ",hot"}},
		{[]string{"analyze", "plan-realisation"}, []string{"realisation_pct", "remaining_m2"}},
		{[]string{"analyze", "--from", "2025-01-01", "--to", "2026-12-31", "changes"}, []string{"plans_adopted", "comments_received"}},
	} {
		cmd := exec.Command(bin, c.args...)
		cmd.Env = append(os.Environ(), "LAD_DATA="+data, "DATABASE_URL=")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("lad %v: %v\n%s", c.args, err, out)
		}
		for _, w := range c.want {
			if !strings.Contains(string(out), w) {
				t.Errorf("lad %v: no %q in\n%.2000s", c.args, w, out)
			}
		}
	}
}

func TestHelpExplainsEveryCommand(t *testing.T) {
	bin := buildLad(t)
	for _, cmd := range []string{"serve", "ingest", "analyze", "migrate", "user", "audit"} {
		out, err := exec.Command(bin, cmd, "--help").CombinedOutput()
		if err != nil {
			t.Fatalf("lad %s --help: %v\n%s", cmd, err, out)
		}
		if !strings.Contains(string(out), "lad "+cmd) || !strings.Contains(string(out), "--data-dir") {
			t.Errorf("lad %s --help lacks usage or settings:\n%s", cmd, out)
		}
	}
	out, _ := exec.Command(bin, "--help").CombinedOutput()
	for _, want := range []string{"LAD_DATA", "DATABASE_URL", "LAD_ADDR"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("lad --help does not mention %s", want)
		}
	}
}

// An external PostGIS named by DATABASE_URL is used instead of the private
// cluster: here a cluster started by the test stands in for the city's server.
func TestServeOnExternalDatabase(t *testing.T) {
	bin := buildLad(t)
	extDir := dataDir(t)
	ctx := context.Background()
	ext, err := pgembed.Start(ctx, pgembed.Config{Dir: extDir, Database: "city", Fast: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ext.Stop()

	data := dataDir(t)
	addr := freeAddr(t)
	cmd := exec.Command(bin, "serve")
	cmd.Env = append(os.Environ(), "LAD_DATA="+data, "LAD_ADDR="+addr, "DATABASE_URL="+ext.DatabaseURL())
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &server{cmd: cmd, out: &out, addr: addr}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	s.waitReady(t, 60*time.Second)
	if _, err := os.Stat(filepath.Join(data, "pg")); err == nil {
		t.Error("a private cluster was created although DATABASE_URL was set")
	}
	conn, err := pgx.Connect(ctx, ext.DatabaseURL())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var v int
	if err := conn.QueryRow(ctx, "SELECT version FROM lad_schema_version").Scan(&v); err != nil || v < 1 {
		t.Fatalf("external database not migrated: %v %d", err, v)
	}
	s.interrupt(t)
}

func TestBackupAndRestore(t *testing.T) {
	bin := buildLad(t)
	data := dataDir(t)
	run := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(bin, args...)
		cmd.Env = append(os.Environ(), "LAD_DATA="+data, "DATABASE_URL=")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("lad %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	psql := func(q string) string {
		t.Helper()
		out, err := exec.Command("psql", "-XAtq", "-h", filepath.Join(data, "pg"), "-U", "postgres", "-d", "lad", "-c", q).CombinedOutput()
		if err != nil {
			t.Fatalf("psql %s: %v\n%s", q, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	run("migrate")
	// psql needs the server: run it through a serve in the background.
	s := startServe(t, bin, data)
	s.waitReady(t, 60*time.Second)
	psql(`INSERT INTO municipality (terc, name) VALUES ('0264011', 'Wrocław')`)
	psql(`INSERT INTO audit_log (actor, op, table_name) VALUES ('test', 'INSERT', 'before-backup')`)
	file := filepath.Join(t.TempDir(), "lad.dump")
	run("backup", file)
	psql(`UPDATE municipality SET name = 'changed'`)
	s.interrupt(t)

	run("restore", file)
	s = startServe(t, bin, data)
	s.waitReady(t, 60*time.Second)
	if got := psql(`SELECT name FROM municipality`); got != "Wrocław" {
		t.Errorf("after restore: %q", got)
	}
	if got := psql(`SELECT count(*) FROM audit_log WHERE table_name = 'before-backup'`); got != "1" {
		t.Errorf("audit log not restored: %q", got)
	}
	s.interrupt(t)
}

// tilePath is the URL path of the tile holding a WGS 84 point.
func tilePath(layers string, z int, lon, lat float64) string {
	n := math.Exp2(float64(z))
	x := int((lon + 180) / 360 * n)
	latR := lat * math.Pi / 180
	y := int((1 - math.Log(math.Tan(latR)+1/math.Cos(latR))/math.Pi) / 2 * n)
	return fmt.Sprintf("/tiles/%s/%d/%d/%d.mvt", layers, z, x, y)
}

func TestIngestCommand(t *testing.T) {
	bin := buildLad(t)
	data := dataDir(t)
	run := func(args ...string) (string, int) {
		cmd := exec.Command(bin, args...)
		cmd.Env = append(os.Environ(), "LAD_DATA="+data, "DATABASE_URL=")
		out, err := cmd.CombinedOutput()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return string(out), code
	}
	out, code := run("ingest", "parcels", "../../ingest/testdata/ozarow/parcels_uldk_slice_epsg2180.geojson")
	if code != 0 || !strings.Contains(out, "inserted 21") {
		t.Fatalf("clean file: exit %d\n%s", code, out)
	}
	bad := filepath.Join(t.TempDir(), "zle.geojson")
	os.WriteFile(bad, []byte(`{"type":"FeatureCollection","features":[{"type":"Feature","id":"x","properties":{"teryt":"brak"},"geometry":{"type":"Point","coordinates":[17,51]}}]}`), 0o644)
	out, code = run("ingest", "parcels", bad)
	if code != 3 || !strings.Contains(out, "zle.geojson") || !strings.Contains(out, "feature x") {
		t.Fatalf("file with a defect: exit %d\n%s", code, out)
	}
	out, code = run("ingest", "parcels", "--dry-run", "../../ingest/testdata/ozarow/parcels_uldk_slice_wgs84.geojson")
	if code != 0 || !strings.Contains(out, "dry-run") {
		t.Fatalf("dry run: exit %d\n%s", code, out)
	}
	out, code = run("ingest", "log")
	if code != 0 || !strings.Contains(out, "parcels_uldk_slice_epsg2180.geojson") || !strings.Contains(out, "zle.geojson") {
		t.Fatalf("log: exit %d\n%s", code, out)
	}
	out, code = run("ingest", "log", "--batch", "2")
	if code != 0 || !strings.Contains(out, "no TERYT parcel id") && !strings.Contains(out, "parcel id") {
		t.Fatalf("batch log: exit %d\n%s", code, out)
	}
}

// The first account comes from the CLI; it signs in over HTTP and reaches a
// planner-only endpoint, which an anonymous caller cannot.
func TestUserCommandAndSignIn(t *testing.T) {
	bin := buildLad(t)
	data := dataDir(t)
	cmd := exec.Command(bin, "user", "add", "--role", "planner", "--name", "Anna", "-m", "0264011", "--password-stdin", "anna")
	cmd.Env = append(os.Environ(), "LAD_DATA="+data, "DATABASE_URL=")
	cmd.Stdin = strings.NewReader("bardzo-tajne-haslo\n")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("user add: %v\n%s", err, out)
	}
	list := exec.Command(bin, "user", "list")
	list.Env = cmd.Env
	if out, err := list.CombinedOutput(); err != nil || !strings.Contains(string(out), "anna") || !strings.Contains(string(out), "planner") {
		t.Fatalf("user list: %v\n%s", err, out)
	}
	s := startServe(t, bin, data)
	s.waitReady(t, 60*time.Second)
	base := "http://" + s.addr
	if resp, err := http.Get(base + "/api/analysis/plan-coverage?municipality=0264011"); err != nil || resp.StatusCode != 401 {
		t.Fatalf("anonymous analysis: %v %v", err, resp.StatusCode)
	}
	resp, err := http.Post(base+"/api/login", "application/json", strings.NewReader(`{"login":"anna","password":"bardzo-tajne-haslo"}`))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("login: %v %v", err, resp.StatusCode)
	}
	var cookie string
	for _, c := range resp.Cookies() {
		if c.Name == "lad_session" {
			cookie = c.Name + "=" + c.Value
		}
	}
	req, _ := http.NewRequest("GET", base+"/api/analysis/plan-coverage?municipality=0264011", nil)
	req.Header.Set("Cookie", cookie)
	resp, err = http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("planner analysis: %v %v", err, resp.StatusCode)
	}
	s.interrupt(t)
}
