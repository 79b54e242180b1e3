package pgembed

import (
	"strings"
	"testing"
)

func TestMissingPostgresSaysWhatToInstall(t *testing.T) {
	_, _, err := findBinaries("/nonexistent/pg_config", "/nonexistent/*/bin")
	if err == nil || !strings.Contains(err.Error(), "apt-get install postgresql") {
		t.Fatalf("got %v", err)
	}
}

func TestMissingPostGISSaysWhichPackage(t *testing.T) {
	err := checkPostGIS("/nonexistent/bin", 15, t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "apt-get install postgresql-15-postgis-3") {
		t.Fatalf("got %v", err)
	}
}

func TestFindsSystemPostgres(t *testing.T) {
	dir, v, err := FindBinaries()
	if err != nil {
		t.Fatal(err)
	}
	if v < 14 || dir == "" {
		t.Fatalf("found %s version %d", dir, v)
	}
}

func TestParseMajor(t *testing.T) {
	for in, want := range map[string]int{
		"postgres (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)": 15,
		"postgres (PostgreSQL) 17.2":                           17,
		"garbage":                                              0,
	} {
		if got := parseMajor(in); got != want {
			t.Errorf("parseMajor(%q) = %d, want %d", in, got, want)
		}
	}
}
