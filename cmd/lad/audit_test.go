package main

import (
	"encoding/csv"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// What the commands write is logged as the system user who ran them, and
// 'lad audit' prints it as a table, JSON or CSV, filtered.
func TestAuditCommand(t *testing.T) {
	bin := buildLad(t)
	data := dataDir(t)
	run := func(stdin string, args ...string) (string, int) {
		t.Helper()
		cmd := exec.Command(bin, args...)
		cmd.Env = append(os.Environ(), "LAD_DATA="+data, "DATABASE_URL=")
		cmd.Stdin = strings.NewReader(stdin)
		out, err := cmd.Output()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
			out = append(out, ee.Stderr...)
		} else if err != nil {
			t.Fatal(err)
		}
		return string(out), code
	}
	if out, code := run("bardzo-tajne-haslo\n", "user", "add", "--role", "admin", "--password-stdin", "anna"); code != 0 {
		t.Fatalf("user add: %d %s", code, out)
	}
	if out, code := run("", "ingest", "permits", "../../ingest/testdata/ozarow/pozwolenia_wnioski_reserialised.csv"); code != 0 {
		t.Fatalf("ingest: %d %s", code, out)
	}

	out, code := run("", "audit", "--limit", "5")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 0 || len(lines) != 6 || !strings.HasPrefix(lines[0], "ID") || !strings.Contains(lines[0], "CHANGE") ||
		!strings.Contains(lines[1], "cli:") || !strings.Contains(lines[1], "permit") {
		t.Fatalf("lad audit: %d\n%s", code, out)
	}

	out, code = run("", "audit", "--table", "app_user", "--format", "json")
	var entries []struct {
		Actor     string            `json:"actor"`
		ActorKind string            `json:"actor_kind"`
		Table     string            `json:"table"`
		Op        string            `json:"op"`
		After     map[string]any    `json:"after"`
		Key       map[string]any    `json:"row_key"`
		Before    map[string]string `json:"before"`
	}
	if err := json.Unmarshal([]byte(out), &entries); code != 0 || err != nil || len(entries) != 1 {
		t.Fatalf("lad audit --format json: %d %v\n%s", code, err, out)
	}
	if e := entries[0]; e.ActorKind != "cli" || e.Op != "INSERT" || e.After["login"] != "anna" || e.After["password_hash"] != "[redacted]" || e.Before != nil {
		t.Errorf("user add logged as %+v", e)
	}
	if strings.Contains(out, "argon2") {
		t.Error("a password hash in the audit log")
	}

	out, code = run("", "audit", "--table", "permit", "--actor", "cli:", "--since", time.Now().AddDate(0, 0, -1).Format("2006-01-02"), "--format", "csv", "--limit", "3")
	records, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if code != 0 || err != nil || len(records) != 4 || records[0][0] != "id" || records[1][6] != "permit" || records[1][3] != "cli" {
		t.Fatalf("lad audit --format csv: %d %v\n%s", code, err, out)
	}

	if out, code = run("", "audit", "--actor", "nobody"); code != 0 || !strings.Contains(out, "no entries") {
		t.Errorf("no matching entries: %d %s", code, out)
	}
	for _, args := range [][]string{
		{"audit", "--format", "xml"},
		{"audit", "--since", "yesterday"},
		{"audit", "--limit", "100000"},
		{"audit", "--table", "permit; DROP TABLE permit"},
	} {
		if out, code := run("", args...); code == 0 {
			t.Errorf("lad %v: accepted\n%s", args, out)
		}
	}
}
