package main

import (
	"bytes"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ladgis/lad/pgembed"
)

// kill9 kills lad with SIGKILL and waits until its private PostgreSQL has
// gone too (it is told to stop when lad dies).
func (s *server) kill9(t *testing.T, data string) {
	t.Helper()
	_ = s.cmd.Process.Kill()
	_ = s.cmd.Wait()
	deadline := time.Now().Add(30 * time.Second)
	for postgresRunning(data) {
		if time.Now().After(deadline) {
			t.Fatal("postgres still running 30 s after lad was killed")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// upload posts a file to the ingest API; body, if not nil, replaces the
// file's bytes (e.g. to send them slowly).
func upload(base, token, name string, file []byte) (int, string, error) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write(file)
	mw.Close()
	req, _ := http.NewRequest("POST", base+"/api/ingest?kind=parcels", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := (&http.Client{Timeout: 5 * time.Minute}).Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), nil
}

// lad serve is killed with SIGKILL during an ingest upload: first while
// the batch's transaction has written rows, then while the body is still
// arriving, then right after a batch was acknowledged. After each restart
// the batch is absent or whole, never half-written, and the database
// passes pg_amcheck (heap and every index).
func TestKill9DuringIngestUpload(t *testing.T) {
	bin := buildLad(t)
	data := dataDir(t)
	env := append(os.Environ(), "LAD_DATA="+data, "DATABASE_URL=")
	run := func(stdin string, args ...string) string {
		t.Helper()
		cmd := exec.Command(bin, args...)
		cmd.Env = env
		cmd.Stdin = strings.NewReader(stdin)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("lad %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	run("bardzo-tajne-haslo\n", "user", "add", "--role", "planner", "-m", "0264011", "--password-stdin", "anna")
	var token string
	for _, line := range strings.Split(run("", "user", "token", "anna", "kill9"), "\n") {
		if strings.HasPrefix(line, "lad_") {
			token = strings.TrimSpace(line)
		}
	}
	file := filepath.Join(t.TempDir(), "parcels.geojson")
	const n = 80000
	if out, err := exec.Command("go", "run", "../../bench/ingest/gen", "-n", fmt.Sprint(n), "-geojson", file, "-csv", filepath.Join(t.TempDir(), "x.csv")).CombinedOutput(); err != nil {
		t.Fatalf("generate parcels: %v\n%s", err, out)
	}
	body, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	psql := func(q string) string {
		t.Helper()
		out, err := exec.Command("psql", "-XAtq", "-h", filepath.Join(data, "pg"), "-U", "postgres", "-d", "lad", "-c", q).CombinedOutput()
		if err != nil {
			t.Fatalf("psql %s: %v\n%s", q, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	// consistent: no parcel without its committed batch, every committed
	// batch whole, and n parcels or none.
	consistent := func(wantParcels string) {
		t.Helper()
		got := psql(`SELECT (SELECT count(*) FROM parcel) || ' ' ||
			(SELECT count(*) FROM parcel p LEFT JOIN ingest_batch b ON b.id = p.batch_id WHERE b.status IS DISTINCT FROM 'committed') || ' ' ||
			(SELECT count(*) FROM ingest_batch b WHERE b.status = 'committed' AND b.records_inserted <> (SELECT count(*) FROM parcel p WHERE p.batch_id = b.id))`)
		if got != wantParcels+" 0 0" {
			t.Fatalf("after the kill: parcels, parcels outside a committed batch, half batches = %s (want %s 0 0)", got, wantParcels)
		}
	}

	// 1. Killed while the transaction has written rows.
	s := startServe(t, bin, data)
	s.waitReady(t, 60*time.Second)
	base := "http://" + s.addr
	res := make(chan string, 1)
	go func() {
		code, out, err := upload(base, token, "parcels.geojson", body)
		res <- fmt.Sprint(code, " ", err, " ", out)
	}()
	deadline := time.Now().Add(60 * time.Second)
	for psql(`SELECT count(*) FROM pg_stat_activity WHERE application_name = 'lad' AND backend_xid IS NOT NULL`) == "0" {
		select {
		case r := <-res:
			t.Fatalf("the upload ended before the kill: %.300s", r)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("the ingest never started writing")
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond) // well inside the batch
	s.kill9(t, data)
	if r := <-res; strings.HasPrefix(r, "201") {
		t.Fatalf("the killed upload was acknowledged: %.200s", r)
	}
	s = startServe(t, bin, data)
	s.waitReady(t, 60*time.Second)
	consistent("0")

	// 2. Killed while the body is still arriving.
	base = "http://" + s.addr
	pr, pw := io.Pipe()
	go func() {
		req, _ := http.NewRequest("POST", base+"/api/ingest?kind=parcels", pr)
		req.Header.Set("Content-Type", "multipart/form-data; boundary=x")
		req.Header.Set("Authorization", "Bearer "+token)
		req.ContentLength = int64(len(body)) + 200
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
		}
	}()
	pw.Write([]byte("--x\r\nContent-Disposition: form-data; name=\"file\"; filename=\"p.geojson\"\r\nContent-Type: application/octet-stream\r\n\r\n"))
	pw.Write(body[:len(body)/2])
	s.kill9(t, data)
	pw.CloseWithError(io.ErrClosedPipe)
	s = startServe(t, bin, data)
	s.waitReady(t, 60*time.Second)
	consistent("0")

	// 3. Killed right after the batch was acknowledged: it is all there.
	base = "http://" + s.addr
	code, out, err := upload(base, token, "parcels.geojson", body)
	if err != nil || code != 201 {
		t.Fatalf("upload: %d %v %.300s", code, err, out)
	}
	s.kill9(t, data)
	s = startServe(t, bin, data)
	s.waitReady(t, 60*time.Second)
	consistent(fmt.Sprint(n))

	// The heap and every index are sound.
	bindir, _, err := pgembed.FindBinaries()
	if err != nil {
		t.Fatal(err)
	}
	check := exec.Command(filepath.Join(bindir, "pg_amcheck"), "-h", filepath.Join(data, "pg"), "-U", "postgres", "-d", "lad",
		"--install-missing", "--heapallindexed", "--no-dependent-toast")
	if out, err := check.CombinedOutput(); err != nil {
		t.Fatalf("pg_amcheck: %v\n%s", err, out)
	}
	s.interrupt(t)
}
