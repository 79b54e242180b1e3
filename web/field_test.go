package web_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"log/slog"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/ladgis/lad/access"
	"github.com/ladgis/lad/auth"
	"github.com/ladgis/lad/db/dbtest"
	"github.com/ladgis/lad/web"
)

// fieldEnv is a database with one municipality around a point of Wrocław,
// its landscape zone A with three rules, one carrier breaking rule A-1, an
// enforcement case with a penalty, and staff: inspectors ina and iza (of
// Wrocław), oto (of another municipality), planner pola. The server runs
// the real sign-in middleware (sessions, CSRF, tokens) and the field API.
type fieldEnv struct {
	t   *testing.T
	d   *dbtest.DB
	app *fiber.App
	log *slog.Logger
}

const (
	wroclaw   = "0264011"
	password  = "haslo-testowe-123"
	carrierID = "6f1c2a9e-0b7d-4c41-9a53-2f0e8d7b6a11"
)

func newFieldEnv(t *testing.T) *fieldEnv {
	t.Helper()
	d := dbtest.New(t)
	ctx := context.Background()
	// Server errors (500) show in the test's log.
	log := slog.New(slog.NewTextHandler(testLog{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	_, err := d.Pool.Exec(ctx, `
		WITH here AS (SELECT ST_Transform(ST_SetSRID(ST_MakePoint(17.033, 51.11), 4326), 2180) AS p)
		INSERT INTO municipality (terc, name, geom) SELECT '`+wroclaw+`', 'Wrocław', ST_Multi(ST_Buffer(p, 3000)) FROM here;
		INSERT INTO municipality (terc, name, geom) VALUES ('1465011', 'Warszawa',
			ST_Multi(ST_Buffer(ST_Transform(ST_SetSRID(ST_MakePoint(21.01, 52.23), 4326), 2180), 3000)));
		INSERT INTO landscape_resolution (id, terc, title, resolution_no, adopted_on) VALUES (1, '`+wroclaw+`', 'Uchwała krajobrazowa', 'LVI/1/18', '2018-06-21');
		INSERT INTO landscape_zone (id, resolution_id, terc, code, name, geom)
		SELECT 1, 1, '`+wroclaw+`', 'A', 'Stare Miasto', ST_Multi(ST_Buffer(ST_Transform(ST_SetSRID(ST_MakePoint(17.033, 51.11), 4326), 2180), 1000));
		INSERT INTO landscape_rule (zone_id, code, rule, carrier_kind, value, text_pl) VALUES
			(1, 'A-1', 'ban_kind', 'billboard', NULL, 'Zakaz billboardów'),
			(1, 'A-3', 'max_area', NULL, 2, 'Powierzchnia do 2 m²'),
			(1, 'A-4', 'no_illumination', NULL, NULL, 'Zakaz podświetlenia');
		INSERT INTO ad_carrier (id, terc, inventory_no, kind, width_m, height_m, area_m2, installed_on, created_at, geom)
		VALUES ('`+carrierID+`', '`+wroclaw+`', 'WRO/NR/00001', 'billboard', 6, 3, 18, '2015-04-01', '2019-01-10 12:00+01',
			ST_Transform(ST_SetSRID(ST_MakePoint(17.0331, 51.1101), 4326), 2180));
		INSERT INTO enforcement_case (id, carrier_id, terc, case_no, found_on, called_on, proceedings_on, decision_on, violated_rules)
		VALUES (1, '`+carrierID+`', '`+wroclaw+`', 'WK-R/1/2024', '2024-02-01', '2024-03-01', '2024-05-01', '2024-09-01', '{A-1}');
		INSERT INTO penalty (case_id, decided_on, daily_pln, days, amount_pln) VALUES (1, '2024-09-01', 1234.00, 123, 151782.00);`)
	if err != nil {
		t.Fatal(err)
	}
	st := auth.NewStore(d.Pool, log)
	for _, u := range []struct {
		login string
		role  access.Role
		terc  string
	}{{"ina", access.Inspector, wroclaw}, {"iza", access.Inspector, wroclaw}, {"oto", access.Inspector, "1465011"}, {"pola", access.Planner, wroclaw}} {
		if err := st.AddUser(ctx, u.login, "", u.role, []string{u.terc}, password); err != nil {
			t.Fatal(err)
		}
	}
	e := &fieldEnv{t: t, d: d, log: log}
	e.app = e.server(web.Config{}).App()
	return e
}

// server is ład's HTTP server with the sign-in middleware and the field API.
func (e *fieldEnv) server(cfg web.Config) *web.Server {
	return web.New(cfg, e.log, func(context.Context) error { return nil }, auth.NewStore(e.d.Pool, e.log), web.NewField(e.d.Pool, e.log))
}

// testLog writes a server's log to the test's.
type testLog struct{ t *testing.T }

func (w testLog) Write(b []byte) (int, error) {
	w.t.Helper()
	w.t.Log(strings.TrimSpace(string(b)))
	return len(b), nil
}

// caller is how a request authenticates: a session cookie with its CSRF
// token, an API token, or nothing.
type caller struct{ cookie, csrf, token string }

var anonymous = caller{}

func (e *fieldEnv) signIn(login string) caller {
	e.t.Helper()
	r := httptest.NewRequest("POST", "/api/login", strings.NewReader(`{"login":"`+login+`","password":"`+password+`"}`))
	r.Header.Set("Content-Type", "application/json")
	resp, err := e.app.Test(r, 20000)
	if err != nil || resp.StatusCode != 200 {
		e.t.Fatalf("sign in %s: %v %v", login, resp.StatusCode, err)
	}
	var body struct {
		CSRF string `json:"csrf_token"`
	}
	json.NewDecoder(resp.Body).Decode(&body)
	cookie := strings.Split(resp.Header.Get("Set-Cookie"), ";")[0]
	return caller{cookie: cookie, csrf: body.CSRF}
}

func (e *fieldEnv) token(login string) caller {
	e.t.Helper()
	tok, err := auth.NewStore(e.d.Pool, slog.New(slog.NewTextHandler(io.Discard, nil))).AddToken(context.Background(), login, "test")
	if err != nil {
		e.t.Fatal(err)
	}
	return caller{token: tok}
}

// part is a file of a multipart request.
type part struct {
	name, contentType string
	data              []byte
}

// post sends a multipart request; fields are name, value pairs.
func (e *fieldEnv) post(who caller, path string, fields []string, files ...part) (int, map[string]any) {
	e.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for i := 0; i+1 < len(fields); i += 2 {
		mw.WriteField(fields[i], fields[i+1])
	}
	for _, f := range files {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="photo"; filename=%q`, f.name))
		h.Set("Content-Type", f.contentType)
		w, _ := mw.CreatePart(h)
		w.Write(f.data)
	}
	mw.Close()
	r := httptest.NewRequest("POST", path, &buf)
	r.Header.Set("Content-Type", mw.FormDataContentType())
	return e.do(who, r)
}

func (e *fieldEnv) do(who caller, r *http.Request) (int, map[string]any) {
	e.t.Helper()
	if who.cookie != "" {
		r.Header.Set("Cookie", who.cookie)
	}
	if who.csrf != "" {
		r.Header.Set("X-CSRF-Token", who.csrf)
	}
	if who.token != "" {
		r.Header.Set("Authorization", "Bearer "+who.token)
	}
	resp, err := e.app.Test(r, 60000)
	if err != nil {
		e.t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(b, &m); err != nil {
			e.t.Fatalf("%s %s: %v in %q", r.Method, r.URL, err, b)
		}
	} else {
		m = map[string]any{"bytes": b, "content-type": resp.Header.Get("Content-Type")}
	}
	return resp.StatusCode, m
}

func (e *fieldEnv) get(who caller, path string) (int, map[string]any) {
	e.t.Helper()
	return e.do(who, httptest.NewRequest("GET", path, nil))
}

func (e *fieldEnv) count(q string, args ...any) int {
	e.t.Helper()
	var n int
	if err := e.d.Pool.QueryRow(context.Background(), q, args...).Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

// pngPhoto is a small real PNG image.
func pngPhoto(t *testing.T, shade uint8) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 8, 6))
	for i := range img.Pix {
		img.Pix[i] = shade
	}
	img.Set(1, 1, color.RGBA{200, 30, 30, 255})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// inspectionFields is a valid inspection of the inventoried carrier;
// overrides are name, value pairs replacing (or adding) fields.
func inspectionFields(id string, overrides ...string) []string {
	f := []string{"id", id, "carrier_id", carrierID, "inspected_at", time.Now().Add(-time.Minute).Format(time.RFC3339),
		"result", "violation", "violated_rules", "A-1", "notes", "Billboard 6×3 m w obszarze A.",
		"lon", "17.03312", "lat", "51.11012", "accuracy_m", "6.5"}
next:
	for i := 0; i+1 < len(overrides); i += 2 {
		for j := 0; j+1 < len(f); j += 2 {
			if f[j] == overrides[i] {
				f[j+1] = overrides[i+1]
				continue next
			}
		}
		f = append(f, overrides[i], overrides[i+1])
	}
	return f
}

// sameTime reports whether a JSON time is t.
func sameTime(v any, t time.Time) bool {
	s, _ := v.(string)
	got, err := time.Parse(time.RFC3339, s)
	return err == nil && got.Equal(t)
}

func errorOf(m map[string]any) string { s, _ := m["error"].(string); return s }

// The same inspection sent twice (a retry after a lost answer) is stored
// once: the first answer is 201, the retry gets 200 with the first record
// and writes nothing; concurrent twins store one row too; another
// inspector cannot take the id.
func TestInspectionIsIdempotent(t *testing.T) {
	e := newFieldEnv(t)
	// Every write names its actor first, for the audit log.
	if _, err := e.d.Pool.Exec(context.Background(), `
		CREATE TABLE actor_seen (tbl text, actor text);
		CREATE FUNCTION see_actor() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN INSERT INTO actor_seen VALUES (TG_TABLE_NAME, current_setting('lad.actor', true)); RETURN NULL; END $$;
		CREATE TRIGGER see_actor AFTER INSERT ON inspection FOR EACH ROW EXECUTE FUNCTION see_actor();
		CREATE TRIGGER see_actor AFTER INSERT ON inspection_photo FOR EACH ROW EXECUTE FUNCTION see_actor();`); err != nil {
		t.Fatal(err)
	}
	ina := e.signIn("ina")
	id := "0b9d3a41-8c1e-4f7a-b2d5-7e6f5a4c3b21"
	photo := pngPhoto(t, 120)
	code, first := e.post(ina, "/api/inspections", inspectionFields(id), part{"IMG_0001.png", "image/png", photo})
	if code != 201 || first["created"] != true {
		t.Fatalf("first send: %d %v", code, first)
	}
	rec := first["inspection"].(map[string]any)
	if rec["inspector"] != "ina" || rec["result"] != "violation" || len(rec["photos"].([]any)) != 1 || rec["inventory_no"] != "WRO/NR/00001" {
		t.Errorf("record: %v", rec)
	}
	if d, _ := rec["distance_to_carrier_m"].(float64); d <= 0 || d > 50 {
		t.Errorf("distance to carrier %v", rec["distance_to_carrier_m"])
	}
	// The retry may differ (a photo added, other notes): the first stays.
	code, again := e.post(ina, "/api/inspections", inspectionFields(id, "notes", "zmienione"),
		part{"IMG_0001.png", "image/png", photo}, part{"IMG_0002.png", "image/png", pngPhoto(t, 30)})
	if code != 200 || again["created"] != false {
		t.Fatalf("retry: %d %v", code, again)
	}
	if a, b := fmt.Sprint(first["inspection"]), fmt.Sprint(again["inspection"]); a != b {
		t.Errorf("the retry answered another record:\n%s\n%s", a, b)
	}
	if n := e.count(`SELECT count(*) FROM inspection WHERE id = $1`, id); n != 1 {
		t.Errorf("%d inspections stored", n)
	}
	if n := e.count(`SELECT count(*) FROM inspection_photo WHERE inspection_id = $1`, id); n != 1 {
		t.Errorf("%d photos stored", n)
	}
	if n := e.count(`SELECT count(*) FROM actor_seen WHERE actor = 'user:ina'`); n != 2 || e.count(`SELECT count(*) FROM actor_seen`) != 2 {
		t.Errorf("writes without their actor: %d of %d", n, e.count(`SELECT count(*) FROM actor_seen`))
	}

	// Concurrent twins: one 201, the rest 200, one row.
	twin := "5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a"
	var wg sync.WaitGroup
	codes := make([]int, 6)
	for i := range codes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i], _ = e.post(ina, "/api/inspections", inspectionFields(twin), part{"a.png", "image/png", photo})
		}()
	}
	wg.Wait()
	created := 0
	for _, c := range codes {
		if c == 201 {
			created++
		} else if c != 200 {
			t.Errorf("concurrent twin answered %d", c)
		}
	}
	if created != 1 || e.count(`SELECT count(*) FROM inspection WHERE id = $1`, twin) != 1 {
		t.Errorf("concurrent twins: %v", codes)
	}

	// Another inspector's record cannot reuse the id.
	if code, m := e.post(e.signIn("iza"), "/api/inspections", inspectionFields(id)); code != 409 {
		t.Errorf("someone else's id: %d %v", code, m)
	}
	if n := e.count(`SELECT count(*) FROM inspection`); n != 2 {
		t.Errorf("%d inspections in all", n)
	}

	// The record can be asked for again, and its photo read back as sent.
	if code, m := e.get(ina, "/api/inspections/"+id); code != 200 || fmt.Sprint(m["inspection"]) != fmt.Sprint(first["inspection"]) {
		t.Errorf("GET inspection: %d %v", code, m)
	}
	code, m := e.get(e.signIn("pola"), "/api/inspections/"+id+"/photos/1")
	if code != 200 || !bytes.Equal(m["bytes"].([]byte), photo) || m["content-type"] != "image/png" {
		t.Errorf("planner reads the photo: %d %v", code, m["content-type"])
	}
	if code, _ := e.get(anonymous, "/api/inspections/"+id+"/photos/1"); code != 401 {
		t.Errorf("anonymous reads a photo: %d", code)
	}
	if code, _ := e.get(e.signIn("oto"), "/api/inspections/"+id+"/photos/1"); code != 403 {
		t.Errorf("inspector of another municipality reads a photo: %d", code)
	}
	if code, _ := e.get(ina, "/api/inspections/"+id+"/photos/2"); code != 404 {
		t.Errorf("missing photo: %d", code)
	}
}

// Photos are checked by their content: an executable named .jpg and sent
// as image/jpeg is refused with a clear message, and so are too many
// photos; a photo over the size limit and a request over the total limit
// get 413. Nothing is stored.
func TestInspectionPhotoChecks(t *testing.T) {
	e := newFieldEnv(t)
	ina := e.token("ina")
	exe := append([]byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"), bytes.Repeat([]byte{0}, 200)...)
	code, m := e.post(ina, "/api/inspections", inspectionFields("11111111-2222-4333-8444-555555555555"), part{"zdjecie.jpg", "image/jpeg", exe})
	if code != 400 || !strings.Contains(errorOf(m), `photo 1 ("zdjecie.jpg") is not a JPEG, PNG or WebP image`) {
		t.Errorf("executable as a photo: %d %q", code, errorOf(m))
	}
	var six []part
	for i := range 6 {
		six = append(six, part{fmt.Sprintf("%d.png", i), "image/png", pngPhoto(t, uint8(i*40))})
	}
	if code, m := e.post(ina, "/api/inspections", inspectionFields("11111111-2222-4333-8444-555555555556"), six...); code != 400 || !strings.Contains(errorOf(m), "at most 5 photos") {
		t.Errorf("six photos: %d %q", code, errorOf(m))
	}
	big := append(pngPhoto(t, 1), bytes.Repeat([]byte{0}, web.MaxPhotoBytes)...)
	if code, m := e.post(ina, "/api/inspections", inspectionFields("11111111-2222-4333-8444-555555555557"), part{"big.png", "image/png", big}); code != 413 || !strings.Contains(errorOf(m), "at most 10 MiB each") {
		t.Errorf("photo over the limit: %d %q", code, errorOf(m))
	}
	// The whole request is bounded: by the server before reading the body
	// (36 MiB announced, nothing sent) …
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	go e.server(web.Config{}).ServeListener(ctx, ln)
	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /api/inspections HTTP/1.1\r\nHost: lad\r\nAuthorization: Bearer %s\r\n"+
		"Content-Type: multipart/form-data; boundary=x\r\nContent-Length: %d\r\n\r\n--x\r\n", ina.token, 36<<20)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil || resp.StatusCode != 413 {
		t.Errorf("request over the server's limit: %v %v", resp, err)
	}
	// … and by the field API where the server allows more.
	e.app = e.server(web.Config{BodyLimit: 64 << 20}).App()
	nine := append(pngPhoto(t, 2), bytes.Repeat([]byte{0}, 9<<20)...)
	four := []part{{"1.png", "image/png", nine}, {"2.png", "image/png", nine}, {"3.png", "image/png", nine}, {"4.png", "image/png", nine}}
	if code, m := e.post(ina, "/api/inspections", inspectionFields("11111111-2222-4333-8444-555555555558"), four...); code != 413 ||
		!strings.Contains(errorOf(m), "at most 32 MiB with every photo") {
		t.Errorf("request over the field API's limit: %d %q", code, errorOf(m))
	}
	// JPEG and WebP pass the check (by their content, whatever the name).
	jpeg := []byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9")
	webp := []byte("RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00\x2f\x00\x00\x00\x10\x07\x10\x11\x11\x88\x88\xfe\x07\x00")
	code, m = e.post(ina, "/api/inspections", inspectionFields("11111111-2222-4333-8444-555555555559"),
		part{"a.bin", "application/octet-stream", jpeg}, part{"b.png", "image/png", webp})
	if code != 201 {
		t.Fatalf("JPEG and WebP: %d %v", code, m)
	}
	ph := m["inspection"].(map[string]any)["photos"].([]any)
	if len(ph) != 2 || ph[0].(map[string]any)["content_type"] != "image/jpeg" || ph[1].(map[string]any)["content_type"] != "image/webp" {
		t.Errorf("photo types: %v", ph)
	}
	if n := e.count(`SELECT count(*) FROM inspection`); n != 1 {
		t.Errorf("%d inspections stored", n)
	}
}

// Who may record: anonymous callers get 401, planners 403, a session
// without its CSRF header 403, an inspector of another municipality 403;
// an inspector with an API token needs no CSRF header.
func TestInspectionAccess(t *testing.T) {
	e := newFieldEnv(t)
	photo := part{"p.png", "image/png", pngPhoto(t, 9)}
	if code, _ := e.post(anonymous, "/api/inspections", inspectionFields("22222222-2222-4333-8444-555555555551"), photo); code != 401 {
		t.Errorf("anonymous: %d", code)
	}
	if code, _ := e.post(e.signIn("pola"), "/api/inspections", inspectionFields("22222222-2222-4333-8444-555555555552"), photo); code != 403 {
		t.Errorf("planner: %d", code)
	}
	ina := e.signIn("ina")
	noCSRF := caller{cookie: ina.cookie}
	if code, m := e.post(noCSRF, "/api/inspections", inspectionFields("22222222-2222-4333-8444-555555555553"), photo); code != 403 || !strings.Contains(errorOf(m), "CSRF") {
		t.Errorf("session without CSRF header: %d %v", code, m)
	}
	if code, _ := e.post(caller{cookie: ina.cookie, csrf: "forged"}, "/api/carriers", []string{"id", "22222222-2222-4333-8444-555555555554"}); code != 403 {
		t.Errorf("carrier with a forged CSRF token: %d", code)
	}
	if code, _ := e.post(e.signIn("oto"), "/api/inspections", inspectionFields("22222222-2222-4333-8444-555555555555"), photo); code != 403 {
		t.Errorf("inspector of another municipality: %d", code)
	}
	if code, m := e.post(e.token("ina"), "/api/inspections", inspectionFields("22222222-2222-4333-8444-555555555556"), photo); code != 201 {
		t.Errorf("inspector with an API token: %d %v", code, m)
	}
	if code, _ := e.get(anonymous, "/api/carriers/"+carrierID+"/history"); code != 401 {
		t.Errorf("anonymous history: %d", code)
	}
	if code, _ := e.get(e.signIn("oto"), "/api/carriers/"+carrierID+"/history"); code != 403 {
		t.Errorf("history of another municipality: %d", code)
	}
	if n := e.count(`SELECT count(*) FROM inspection`); n != 1 {
		t.Errorf("%d inspections stored", n)
	}
}

// What an inspection says is checked against the carrier's zone.
func TestInspectionValidation(t *testing.T) {
	e := newFieldEnv(t)
	ina := e.token("ina")
	for _, c := range []struct {
		id   string
		over []string
		want string
	}{
		{"not-a-uuid", nil, "id must be a UUID"},
		{"33333333-2222-4333-8444-555555555551", []string{"result", "bad"}, "result must be one of"},
		{"33333333-2222-4333-8444-555555555552", []string{"violated_rules", "B-1"}, "B-1 is not a rule of the carrier's zone (A-1, A-3, A-4)"},
		{"33333333-2222-4333-8444-555555555553", []string{"violated_rules", ""}, "a violation names the rules broken"},
		{"33333333-2222-4333-8444-555555555554", []string{"result", "compliant"}, "only a violation names violated_rules"},
		{"33333333-2222-4333-8444-555555555555", []string{"inspected_at", time.Now().Add(time.Hour).Format(time.RFC3339)}, "in the future"},
		{"33333333-2222-4333-8444-555555555556", []string{"lon", "2.35"}, "within Poland"},
		{"33333333-2222-4333-8444-555555555557", []string{"carrier_id", "33333333-2222-4333-8444-000000000000"}, "no carrier has id"},
	} {
		code, m := e.post(ina, "/api/inspections", inspectionFields(c.id, c.over...))
		if (code != 400 && code != 422) || !strings.Contains(errorOf(m), c.want) {
			t.Errorf("%v: %d %q, want %q", c.over, code, errorOf(m), c.want)
		}
	}
	if n := e.count(`SELECT count(*) FROM inspection`); n != 0 {
		t.Errorf("%d inspections stored", n)
	}
}

// A carrier found in the field is recorded once (with its photo, a field
// inventory number and its zone's verdict); an inspection may bring its
// new carrier along; the carrier's history lists installation, recording,
// inspections, enforcement steps and penalties in time order.
func TestCarrierFoundInTheFieldAndHistory(t *testing.T) {
	e := newFieldEnv(t)
	ina := e.signIn("ina")
	id := "44444444-2222-4333-8444-555555555551"
	found := time.Now().Add(-48 * time.Hour).Truncate(time.Second)
	fields := []string{"id", id, "kind", "led_screen", "width_m", "4", "height_m", "3", "illuminated", "on",
		"address", "ul. Świdnicka 1", "lon", "17.0335", "lat", "51.1103", "accuracy_m", "8", "found_at", found.Format(time.RFC3339)}
	code, m := e.post(ina, "/api/carriers", fields, part{"c.png", "image/png", pngPhoto(t, 77)})
	if code != 201 {
		t.Fatalf("new carrier: %d %v", code, m)
	}
	c := m["carrier"].(map[string]any)
	if !strings.HasPrefix(c["inventory_no"].(string), "TEREN/") || c["terc"] != wroclaw || c["zone"] != "A" || c["compliance"] != "violation" ||
		c["area_m2"] != 12.0 || len(c["photos"].([]any)) != 1 || c["created_by"] != "ina" || !sameTime(c["created_at"], found) {
		t.Errorf("carrier: %v", c)
	}
	if code, again := e.post(ina, "/api/carriers", fields); code != 200 || fmt.Sprint(again["carrier"]) != fmt.Sprint(m["carrier"]) {
		t.Errorf("retry: %d %v", code, again)
	}
	if n := e.count(`SELECT count(*) FROM ad_carrier WHERE id = $1`, id); n != 1 {
		t.Errorf("%d carriers stored", n)
	}
	if code, _ := e.post(e.signIn("iza"), "/api/carriers", fields); code != 409 {
		t.Errorf("someone else's carrier id: %d", code)
	}
	if code, m := e.post(ina, "/api/carriers", []string{"id", "44444444-2222-4333-8444-555555555552", "kind", "board", "lon", "21.01", "lat", "52.23"}); code != 403 {
		t.Errorf("carrier outside the inspector's municipality: %d %v", code, m)
	}
	if code, m := e.post(ina, "/api/carriers", []string{"id", "44444444-2222-4333-8444-555555555553", "kind", "board", "lon", "19.0", "lat", "50.0"}); code != 422 {
		t.Errorf("carrier in no known municipality: %d %v", code, m)
	}
	if code, m := e.post(ina, "/api/carriers", []string{"id", "44444444-2222-4333-8444-555555555554", "kind", "zeppelin"}); code != 400 ||
		!strings.Contains(errorOf(m), "kind must be one of") || !strings.Contains(errorOf(m), "lon and lat") {
		t.Errorf("bad carrier: %d %v", code, m)
	}
	photoURL := c["photos"].([]any)[0].(map[string]any)["url"].(string)
	if code, m := e.get(e.signIn("pola"), photoURL); code != 200 || m["content-type"] != "image/png" {
		t.Errorf("carrier photo: %d", code)
	}

	// An inspection that brings a carrier found on the spot.
	newCarrier := "44444444-2222-4333-8444-555555555555"
	code, m = e.post(ina, "/api/inspections", []string{"id", "44444444-2222-4333-8444-555555555556", "carrier_id", newCarrier,
		"inspected_at", time.Now().Format(time.RFC3339), "result", "compliant", "lon", "17.0301", "lat", "51.1102",
		"new_carrier", `{"kind": "sign", "width_m": 1.5, "height_m": 0.6}`})
	if code != 201 || e.count(`SELECT count(*) FROM ad_carrier WHERE id = $1 AND kind = 'sign' AND area_m2 = 0.9`, newCarrier) != 1 {
		t.Errorf("inspection with its new carrier: %d %v", code, m)
	}

	// History of the inventoried carrier: installed 2015, inventoried 2019,
	// the case of 2024
	// step by step with its penalty, then today's inspection.
	insp := "44444444-2222-4333-8444-555555555557"
	if code, m := e.post(ina, "/api/inspections", inspectionFields(insp), part{"p.png", "image/png", pngPhoto(t, 5)}); code != 201 {
		t.Fatalf("inspection: %d %v", code, m)
	}
	code, h := e.get(e.signIn("pola"), "/api/carriers/"+carrierID+"/history")
	if code != 200 {
		t.Fatalf("history: %d %v", code, h)
	}
	var kinds []string
	var last time.Time
	for _, ev := range h["events"].([]any) {
		ev := ev.(map[string]any)
		k := ev["kind"].(string)
		if s, ok := ev["step"].(string); ok {
			k += ":" + s
		}
		kinds = append(kinds, k)
		at, err := time.Parse(time.RFC3339, ev["at"].(string))
		if err != nil || at.Before(last) {
			t.Errorf("event %v out of order or without a time", ev)
		}
		last = at
	}
	want := "installed recorded enforcement:found enforcement:called enforcement:proceedings enforcement:decision penalty inspection"
	if got := strings.Join(kinds, " "); got != want {
		t.Errorf("history:\n got %s\nwant %s", got, want)
	}
	if hc := h["carrier"].(map[string]any); hc["inventory_no"] != "WRO/NR/00001" || hc["enforcement_stage"] != "decision" || len(hc["zone_rules"].([]any)) != 3 {
		t.Errorf("carrier in history: %v", hc)
	}
	if code, _ := e.get(ina, "/api/carriers/44444444-2222-4333-8444-000000000000/history"); code != 404 {
		t.Errorf("history of no carrier: %d", code)
	}
}

// The field app's service worker is served from the root (so that it may
// control /field), never cached by HTTP, and stamped with the version of
// the files it keeps offline.
func TestServiceWorker(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	app := web.New(web.Config{}, log, func(context.Context) error { return nil }, web.App{}).App()
	resp, err := app.Test(httptest.NewRequest("GET", "/sw.js", nil))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Content-Type"), "javascript") || resp.Header.Get("Cache-Control") != "no-cache" {
		t.Errorf("sw.js: %d %q %q", resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Cache-Control"))
	}
	if strings.Contains(string(b), `const VERSION = "dev"`) || !strings.Contains(string(b), `const VERSION = "`) {
		t.Error("sw.js is not stamped with the app's version")
	}
	for _, p := range []string{"/field", "/static/field.js", "/static/outbox.js"} {
		if r, err := app.Test(httptest.NewRequest("GET", p, nil)); err != nil || r.StatusCode != 200 {
			t.Errorf("%s: %v %v", p, r.StatusCode, err)
		}
	}
}
