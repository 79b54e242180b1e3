package web

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http/httptest"
	"os"
	"testing"

	"github.com/gofiber/fiber/v2"

	"github.com/ladgis/lad/access"
	"github.com/ladgis/lad/db/dbtest"
)

func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }

// as signs every request in as a test user of the role.
func as(role access.Role) As {
	return As{Subject: access.Subject{Role: role, Login: "test-" + string(role)}}
}

func upload(t *testing.T, app *fiber.App, kind, name, body string) (int, map[string]any) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	w, _ := mw.CreateFormFile("file", name)
	w.Write([]byte(body))
	mw.Close()
	req := httptest.NewRequest("POST", "/api/ingest?kind="+kind, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := app.Test(req, 30000)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	json.Unmarshal(b, &m)
	return resp.StatusCode, m
}

func TestIngestOverHTTP(t *testing.T) {
	d := dbtest.New(t)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	ready := func(context.Context) error { return nil }
	parcels := `{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"EPSG:2180"}},"features":[
{"type":"Feature","properties":{"teryt":"026401_1.0001.1"},"geometry":{"type":"Polygon","coordinates":[[[360000,360000],[360030,360000],[360030,360030],[360000,360030],[360000,360000]]]}},
{"type":"Feature","properties":{"teryt":"zły"},"geometry":{"type":"Polygon","coordinates":[[[360100,360000],[360130,360000],[360130,360030],[360100,360000]]]}}]}`

	anon := New(Config{}, log, ready, as(access.Anonymous), NewIngest(d.Pool, log)).App()
	if code, _ := upload(t, anon, "parcels", "p.geojson", parcels); code != 401 {
		t.Errorf("anonymous upload: %d", code)
	}
	inspector := New(Config{}, log, ready, as(access.Inspector), NewIngest(d.Pool, log)).App()
	if code, _ := upload(t, inspector, "parcels", "p.geojson", parcels); code != 403 {
		t.Errorf("inspector upload: %d", code)
	}
	app := New(Config{}, log, ready, as(access.Planner), NewIngest(d.Pool, log)).App()
	code, rep := upload(t, app, "parcels", "p.geojson", parcels)
	if code != 201 || rep["inserted"].(float64) != 1 || rep["rejected"].(float64) != 1 {
		t.Fatalf("upload: %d %v", code, rep)
	}
	if code, _ := upload(t, app, "nonsense", "p.geojson", parcels); code != 400 {
		t.Errorf("bad kind: %d", code)
	}
	resp, _ := app.Test(httptest.NewRequest("GET", "/api/ingest/batches/1", nil))
	var got struct {
		Batch      map[string]any   `json:"batch"`
		Rejections []map[string]any `json:"rejections"`
	}
	json.NewDecoder(resp.Body).Decode(&got)
	if resp.StatusCode != 200 || got.Batch["created_by"] != "test-planner" || len(got.Rejections) != 1 || got.Rejections[0]["field"] != "teryt" {
		t.Errorf("batch log: %d %+v", resp.StatusCode, got)
	}
}
