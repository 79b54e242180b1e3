package audit_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/jackc/pgx/v5"

	"github.com/ladgis/lad/access"
	"github.com/ladgis/lad/audit"
	"github.com/ladgis/lad/auth"
	"github.com/ladgis/lad/db/dbtest"
	"github.com/ladgis/lad/ingest"
	"github.com/ladgis/lad/web"
)

func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// entries lists the log of one table, oldest first.
func entries(t *testing.T, d *dbtest.DB, f audit.Filter) []audit.Entry {
	t.Helper()
	f.Limit = audit.MaxLimit
	es, err := audit.List(context.Background(), d.Pool, f)
	if err != nil {
		t.Fatal(err)
	}
	for i, j := 0, len(es)-1; i < j; i, j = i+1, j-1 {
		es[i], es[j] = es[j], es[i]
	}
	return es
}

func exec(t *testing.T, d *dbtest.DB, sql string, args ...any) {
	t.Helper()
	if _, err := d.Pool.Exec(context.Background(), sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

func jsonEq(t *testing.T, what string, got json.RawMessage, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("%s: %v in %s", what, err, got)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatal(err)
	}
	gb, _ := json.Marshal(g)
	wb, _ := json.Marshal(w)
	if !bytes.Equal(gb, wb) {
		t.Errorf("%s = %s, want %s", what, gb, wb)
	}
}

const permitSQL = `INSERT INTO permit (terc, kind, register, register_id, geom)
	VALUES ('0264011', 'permit', 'rwdz', $1, ST_SetSRID(ST_MakePoint(360000, 360000), 2180)) RETURNING id`

// A plain SQL UPDATE in a transaction that names its actor is logged with
// the actor and only what changed; the same UPDATE without an actor (psql)
// is logged as the database role.
func TestUpdateLoggedWithActorBeforeAndAfter(t *testing.T) {
	d := dbtest.New(t)
	ctx := context.Background()
	var id int64
	if err := d.Pool.QueryRow(ctx, permitSQL, "1/2024").Scan(&id); err != nil {
		t.Fatal(err)
	}
	err := pgx.BeginFunc(ctx, d.Pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT set_config('lad.actor', 'user:anna', true)`); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `UPDATE permit SET decision = 'issued', decided_on = '2024-05-06' WHERE id = $1`, id)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	exec(t, d, `UPDATE permit SET decision = decision`) // changes nothing: not logged
	exec(t, d, `UPDATE permit SET description = 'psql'`)

	es := entries(t, d, audit.Filter{Table: "permit"})
	if len(es) != 3 {
		t.Fatalf("%d entries, want insert and two updates: %+v", len(es), es)
	}
	ins, upd, psql := es[0], es[1], es[2]
	if ins.Op != "INSERT" || ins.ActorKind != audit.KindDB || !strings.HasPrefix(ins.Actor, "db:") || string(ins.Before) != "null" {
		t.Errorf("insert: %+v", ins)
	}
	if upd.Op != "UPDATE" || upd.Actor != "user:anna" || upd.ActorKind != audit.KindUser || upd.TxID == nil || upd.DBUser == "" {
		t.Errorf("update: %+v", upd)
	}
	jsonEq(t, "row key", upd.Key, fmt.Sprintf(`{"id": %d}`, id))
	jsonEq(t, "before", upd.Before, `{"decision": "", "decided_on": null}`)
	jsonEq(t, "after", upd.After, `{"decision": "issued", "decided_on": "2024-05-06"}`)
	if psql.Actor != "db:postgres" || psql.ActorKind != audit.KindDB {
		t.Errorf("a write without an actor: %+v", psql)
	}
	// The actor was local to its transaction.
	var left string
	d.Pool.QueryRow(ctx, `SELECT coalesce(current_setting('lad.actor', true), '')`).Scan(&left)
	if left != "" {
		t.Errorf("lad.actor leaked out of its transaction: %q", left)
	}
}

// Geometries are logged as digests, not coordinates; DELETE logs the whole
// old row; TRUNCATE is logged too.
func TestGeometryDigestDeleteAndTruncate(t *testing.T) {
	d := dbtest.New(t)
	ctx := context.Background()
	var id int64
	if err := d.Pool.QueryRow(ctx, permitSQL, "2/2024").Scan(&id); err != nil {
		t.Fatal(err)
	}
	exec(t, d, `UPDATE permit SET geom = ST_SetSRID(ST_MakePoint(360010, 360000), 2180)`)
	exec(t, d, `INSERT INTO permit_parcel (permit_id, parcel_teryt) VALUES ($1, '026401_1.0001.1')`, id)
	exec(t, d, `DELETE FROM permit`) // cascades to permit_parcel
	exec(t, d, `TRUNCATE permit CASCADE`)

	es := entries(t, d, audit.Filter{})
	var ops []string
	for _, e := range es {
		ops = append(ops, e.Table+" "+e.Op)
	}
	want := "permit INSERT,permit UPDATE,permit_parcel INSERT,permit DELETE,permit_parcel DELETE"
	if got := strings.Join(ops[:min(5, len(ops))], ","); got != want {
		t.Errorf("logged %s, want %s first", strings.Join(ops, ","), want)
	}
	if !strings.Contains(strings.Join(ops, ","), "permit TRUNCATE") {
		t.Errorf("TRUNCATE not logged: %v", ops)
	}
	var geom struct {
		Type string    `json:"type"`
		SRID int       `json:"srid"`
		BBox []float64 `json:"bbox"`
		MD5  string    `json:"md5"`
	}
	var after map[string]json.RawMessage
	json.Unmarshal(es[1].After, &after)
	if err := json.Unmarshal(after["geom"], &geom); err != nil || geom.Type != "POINT" || geom.SRID != 2180 || len(geom.MD5) != 32 ||
		len(geom.BBox) != 4 || geom.BBox[0] != 360010 {
		t.Errorf("geometry digest: %s (%v)", after["geom"], err)
	}
	for _, e := range es {
		if strings.Contains(string(e.Before)+string(e.After), "coordinates") || strings.Contains(string(e.After), "geom_3857") {
			t.Errorf("coordinates or generated columns logged: %s %s", e.Before, e.After)
		}
	}
	if es[3].Op != "DELETE" || !strings.Contains(string(es[3].Before), `"register_id": "2/2024"`) || string(es[3].After) != "null" {
		t.Errorf("delete: %+v", es[3])
	}
}

// Audited tables are logged by statement-level triggers; cadastral parcels,
// loaded by the million, are not logged row by row.
func TestTriggersAreStatementLevelAndParcelsAreNotAudited(t *testing.T) {
	d := dbtest.New(t)
	ctx := context.Background()
	rows, err := d.Pool.Query(ctx, `SELECT c.relname, t.tgname, (t.tgtype & 1) = 1 AS per_row
		FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
		WHERE t.tgfoid = 'lad_audit'::regproc ORDER BY 1, 2`)
	if err != nil {
		t.Fatal(err)
	}
	tables := map[string]int{}
	for rows.Next() {
		var table, name string
		var perRow bool
		if err := rows.Scan(&table, &name, &perRow); err != nil {
			t.Fatal(err)
		}
		if perRow {
			t.Errorf("%s: row-level audit trigger %s", table, name)
		}
		tables[table]++
	}
	rows.Close()
	for _, table := range []string{"plan", "plan_zone", "plan_document", "plan_regulation", "permit", "permit_parcel", "permit_private",
		"ad_carrier", "inspection", "enforcement_case", "penalty", "consultation", "consultation_comment",
		"consultation_comment_author", "app_user", "api_token"} {
		if tables[table] != 4 {
			t.Errorf("%s has %d audit triggers, want insert, update, delete and truncate", table, tables[table])
		}
	}
	for _, table := range []string{"parcel", "audit_log", "ingest_batch", "user_session"} {
		if tables[table] != 0 {
			t.Errorf("%s is audited row by row", table)
		}
	}
	// One statement of many rows: one trigger call, every row logged.
	exec(t, d, `INSERT INTO permit (terc, kind, register, register_id)
		SELECT '0264011', 'permit', 'bulk', g::text FROM generate_series(1, 1000) g`)
	var n int
	d.Pool.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE table_name = 'permit' AND op = 'INSERT'`).Scan(&n)
	if n != 1000 {
		t.Errorf("%d of 1000 inserted rows logged", n)
	}
}

// Nobody may change or empty the log: not the server's pool (which may be
// the table's owner or a superuser), not a role granted every privilege.
func TestLogIsAppendOnly(t *testing.T) {
	d := dbtest.New(t)
	ctx := context.Background()
	var id int64
	if err := d.Pool.QueryRow(ctx, permitSQL, "3/2024").Scan(&id); err != nil {
		t.Fatal(err)
	}
	for _, stmt := range []string{
		`UPDATE audit_log SET actor = 'user:someone-else'`,
		`UPDATE audit_log SET after = NULL WHERE table_name = 'permit'`,
		`DELETE FROM audit_log`,
		`DELETE FROM audit_log WHERE id = (SELECT max(id) FROM audit_log)`,
		`TRUNCATE audit_log`,
		`TRUNCATE audit_log CASCADE`,
	} {
		t.Run(stmt, func(t *testing.T) {
			if _, err := d.Pool.Exec(ctx, stmt); err == nil || !strings.Contains(err.Error(), "append-only") {
				t.Errorf("accepted or refused for another reason: %v", err)
			}
		})
	}
	var n int
	d.Pool.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE actor NOT LIKE 'user:someone%'`).Scan(&n)
	if n != 1 {
		t.Errorf("log has %d original entries, want 1", n)
	}
	// A role that was granted everything is refused too.
	exec(t, d, `CREATE ROLE lad_test_writer`)
	t.Cleanup(func() {
		d.Pool.Exec(ctx, `DROP OWNED BY lad_test_writer`)
		d.Pool.Exec(ctx, `DROP ROLE lad_test_writer`)
	})
	exec(t, d, `GRANT ALL ON audit_log TO lad_test_writer`)
	for _, stmt := range []string{`UPDATE audit_log SET actor = 'x'`, `DELETE FROM audit_log`, `TRUNCATE audit_log`} {
		err := pgx.BeginFunc(ctx, d.Pool, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, `SET LOCAL ROLE lad_test_writer`); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, stmt)
			return err
		})
		if err == nil {
			t.Errorf("%s as a granted role: accepted", stmt)
		}
	}
	// And the table's owner holds no such privilege to begin with.
	var held []string
	err := d.Pool.QueryRow(ctx, `SELECT coalesce(array_agg(a.privilege_type), '{}')
		FROM pg_class c, aclexplode(c.relacl) a
		WHERE c.relname = 'audit_log' AND a.grantee = c.relowner AND a.privilege_type IN ('UPDATE', 'DELETE', 'TRUNCATE')`).Scan(&held)
	if err != nil || len(held) > 0 {
		t.Errorf("the owner holds %v on audit_log (%v)", held, err)
	}
}

func TestCheckActor(t *testing.T) {
	for _, tc := range []struct {
		actor string
		ok    bool
	}{
		{audit.User("anna"), true},
		{audit.Token("anna", 3), true},
		{"cli:jan", true},
		{audit.Anonymous("5f0c…"), true},
		{audit.System("demo"), true},
		{audit.CLI(), true},
		{"", false},
		{"anna", false},
		{"user:", false},
		{"db:postgres", false}, // the database's own kind
		{"root:x", false},
		{"user:a\nb", false},
		{"user:" + strings.Repeat("a", 300), false},
	} {
		if err := audit.Check(tc.actor); (err == nil) != tc.ok {
			t.Errorf("Check(%q) = %v", tc.actor, err)
		}
	}
}

func TestWithActorRefusesBadActors(t *testing.T) {
	d := dbtest.New(t)
	ctx := context.Background()
	err := pgx.BeginFunc(ctx, d.Pool, func(tx pgx.Tx) error { return audit.WithActor(ctx, tx, "root:x") })
	if err == nil {
		t.Error("actor root:x accepted")
	}
	// Begin takes the actor from the context.
	err = audit.Begin(audit.NewContext(ctx, "system:test"), d.Pool, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, permitSQL, "4/2024")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if es := entries(t, d, audit.Filter{Actor: "system:test"}); len(es) != 1 || es[0].ActorKind != audit.KindSystem {
		t.Errorf("entries by system:test: %+v", es)
	}
}

// A batch is logged as the actor of the ingest's context (the operator's
// command, the uploader), or as ład on behalf of Options.Actor.
func TestIngestLoggedWithItsActor(t *testing.T) {
	d := dbtest.New(t)
	in := ingest.New(d.Pool, quiet)
	ctx := audit.NewContext(context.Background(), "cli:tester")
	rep, err := in.File(ctx, ingest.KindPermits, "../ingest/testdata/ozarow/pozwolenia_wnioski_reserialised.csv", ingest.Options{Actor: "tester"})
	if err != nil || rep.Status != "committed" || rep.Inserted == 0 {
		t.Fatalf("ingest: %+v %v", rep, err)
	}
	// Inserted, then (in the same batch) told why they are not located yet.
	inserted := 0
	for _, e := range entries(t, d, audit.Filter{Table: "permit"}) {
		if e.Actor != "cli:tester" {
			t.Fatalf("entry %+v", e)
		}
		if e.Op == "INSERT" && strings.Contains(string(e.After), fmt.Sprintf(`"batch_id": %d`, rep.BatchID)) {
			inserted++
		}
	}
	if inserted != rep.Inserted {
		t.Errorf("%d permit inserts logged for %d inserted permits", inserted, rep.Inserted)
	}
	if n := len(entries(t, d, audit.Filter{Table: "permit_parcel", Actor: "cli:tester"})); n == 0 {
		t.Error("permit parcels not logged")
	}
	// Investors' names are personal data: logged as redacted.
	private := entries(t, d, audit.Filter{Table: "permit_private"})
	if len(private) == 0 || !strings.Contains(string(private[0].After), `"investor_name": "[redacted]"`) {
		t.Errorf("permit_private entries: %+v", private)
	}
	// Without an actor in the context: ład itself, for Options.Actor.
	rep, err = in.File(context.Background(), ingest.KindPermits, "../ingest/testdata/ozarow/zgloszenia_reserialised.csv", ingest.Options{Actor: "demo"})
	if err != nil || rep.Inserted == 0 {
		t.Fatalf("ingest: %+v %v", rep, err)
	}
	if n := len(entries(t, d, audit.Filter{Table: "permit", Actor: "system:demo"})); n < rep.Inserted {
		t.Errorf("%d entries by system:demo for %d permits", n, rep.Inserted)
	}
}

// server is ład's HTTP stack with the modules that write: sign-in, the
// web map's API (comments), ingest uploads and the audit log.
func server(d *dbtest.DB) (*fiber.App, *auth.Store) {
	st := auth.NewStore(d.Pool, quiet)
	srv := web.New(web.Config{}, quiet, func(context.Context) error { return nil },
		st, web.NewAPI(d.Pool, quiet), web.NewIngest(d.Pool, quiet), web.NewAudit(d.Pool))
	return srv.App(), st
}

func call(t *testing.T, app *fiber.App, method, path, token, contentType string, body io.Reader) (int, []byte, string) {
	t.Helper()
	r := httptest.NewRequest(method, path, body)
	if token != "" {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	resp, err := app.Test(r, 30000)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b, resp.Header.Get("X-Request-Id")
}

// Accounts, tokens, a resident's comment and an upload over HTTP are
// logged with their actors; no password, token, hash of either or personal
// datum of a resident ever reaches the log.
func TestWebWritesLoggedAndSecretsNever(t *testing.T) {
	d := dbtest.New(t)
	ctx := context.Background()
	app, st := server(d)
	cli := audit.NewContext(ctx, "cli:operator")
	const password, newPassword = "bardzo-tajne-haslo", "jeszcze-tajniejsze"
	if err := st.AddUser(cli, "anna", "Anna Planistka", access.Planner, []string{"1432065"}, password); err != nil {
		t.Fatal(err)
	}
	if err := st.SetPassword(cli, "anna", newPassword); err != nil {
		t.Fatal(err)
	}
	token, err := st.AddToken(cli, "anna", "skrypt")
	if err != nil {
		t.Fatal(err)
	}

	// A resident's comment on an open consultation.
	exec(t, d, `INSERT INTO consultation (terc, title, opens_on, closes_on, geom) VALUES ('0264011', 'Projekt planu',
		current_date - 1, current_date + 20, ST_Multi(ST_MakeEnvelope(360000, 360000, 361000, 361000, 2180)))`)
	comment := `{"full_name":"Jan Kowalski-Nowak","address":"ul. Tajna 7, 50-001 Wrocław","email":"jan.kowalski@example.pl",
		"body":"Proszę o park zamiast parkingu.","owner_in_area":true,"geometry":{"type":"Point","coordinates":[17.03,51.11]}}`
	code, body, rid := call(t, app, "POST", "/api/consultations/1/comments", "", "application/json", strings.NewReader(comment))
	if code != 201 {
		t.Fatalf("comment: %d %s", code, body)
	}
	es := entries(t, d, audit.Filter{Table: "consultation_comment"})
	if len(es) != 1 || es[0].Actor != audit.Anonymous(rid) || es[0].ActorKind != audit.KindAnonymous ||
		!strings.Contains(string(es[0].After), "park zamiast parkingu") {
		t.Errorf("comment entries (request %s): %+v", rid, es)
	}
	author := entries(t, d, audit.Filter{Table: "consultation_comment_author"})
	if len(author) != 1 || author[0].Actor != es[0].Actor {
		t.Errorf("author entries: %+v", author)
	}

	// An upload with the API token is logged as that token.
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	w, _ := mw.CreateFormFile("file", "pozwolenia.csv")
	f, _ := os.ReadFile("../ingest/testdata/ozarow/pozwolenia_wnioski_reserialised.csv")
	w.Write(f)
	mw.Close()
	if code, body, _ := call(t, app, "POST", "/api/ingest?kind=permits", token, mw.FormDataContentType(), &buf); code != 201 {
		t.Fatalf("upload: %d %s", code, body)
	}
	var tokenID int64
	d.Pool.QueryRow(ctx, `SELECT id FROM api_token`).Scan(&tokenID)
	uploads := entries(t, d, audit.Filter{Table: "permit"})
	if len(uploads) == 0 || uploads[0].Actor != audit.Token("anna", tokenID) || uploads[0].ActorKind != audit.KindToken {
		t.Errorf("upload entries: %+v", uploads[:min(1, len(uploads))])
	}
	if err := st.Disable(cli, "anna"); err != nil {
		t.Fatal(err)
	}

	users := entries(t, d, audit.Filter{Actor: "cli:"})
	var ops []string
	for _, e := range users {
		ops = append(ops, e.Table+" "+e.Op)
	}
	if got := strings.Join(ops, ","); got != "app_user INSERT,app_user UPDATE,api_token INSERT,app_user UPDATE,api_token UPDATE" {
		t.Errorf("account writes logged: %s", got)
	}
	jsonEq(t, "password change", users[1].After, `{"password_hash": "[redacted]"}`)

	// Nothing secret or personal anywhere in the log.
	var pwHash, tokHash, log string
	d.Pool.QueryRow(ctx, `SELECT password_hash FROM app_user`).Scan(&pwHash)
	d.Pool.QueryRow(ctx, `SELECT token_hash FROM api_token`).Scan(&tokHash)
	d.Pool.QueryRow(ctx, `SELECT string_agg(a::text, E'\n') FROM audit_log a`).Scan(&log)
	var investor string
	d.Pool.QueryRow(ctx, `SELECT investor_name FROM permit_private WHERE investor_name <> '' LIMIT 1`).Scan(&investor)
	for _, secret := range []string{password, newPassword, pwHash, "$argon2id$", token, strings.TrimPrefix(token, "lad_"), tokHash,
		"Kowalski", "Tajna", "jan.kowalski@example.pl", investor} {
		if secret != "" && strings.Contains(log, secret) {
			t.Errorf("the audit log holds %q", secret)
		}
	}
	if investor == "" {
		t.Error("no investor names in the test file: privacy not tested")
	}
}

// GET /api/audit: admins only; filters and pages by id.
func TestAuditAPI(t *testing.T) {
	d := dbtest.New(t)
	ctx := audit.NewContext(context.Background(), "cli:operator")
	app, st := server(d)
	for _, u := range []struct {
		login string
		role  access.Role
	}{{"admin", access.Admin}, {"planner", access.Planner}} {
		if err := st.AddUser(ctx, u.login, "", u.role, nil, "dobre-haslo-123"); err != nil {
			t.Fatal(err)
		}
	}
	adminTok, _ := st.AddToken(ctx, "admin", "api")
	plannerTok, _ := st.AddToken(ctx, "planner", "api")
	for i := range 3 {
		exec(t, d, permitSQL, fmt.Sprintf("%d/2024", 10+i))
	}

	for _, tc := range []struct {
		name, token, query string
		code               int
		n                  int
	}{
		{"anonymous", "", "", 401, 0},
		{"planner", plannerTok, "", 403, 0},
		{"admin", adminTok, "", 200, 7},
		{"by table", adminTok, "?table=permit", 200, 3},
		{"by actor", adminTok, "?actor=cli:operator", 200, 4},
		{"by actor kind", adminTok, "?actor=db:", 200, 3},
		{"by login", adminTok, "?actor=operator", 200, 4},
		{"since tomorrow", adminTok, "?since=" + time.Now().AddDate(0, 0, 1).Format("2006-01-02"), 200, 0},
		{"until tomorrow", adminTok, "?until=" + time.Now().AddDate(0, 0, 1).Format("2006-01-02"), 200, 7},
		{"bad table", adminTok, "?table=permit;DROP%20TABLE%20permit", 400, 0},
		{"bad date", adminTok, "?since=yesterday", 400, 0},
		{"bad limit", adminTok, "?limit=-1", 400, 0},
		{"huge limit", adminTok, "?limit=99999999999999999999", 400, 0},
		{"bad before_id", adminTok, "?before_id=abc", 400, 0},
		{"control characters", adminTok, "?actor=%00%1b", 400, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, body, _ := call(t, app, "GET", "/api/audit"+tc.query, tc.token, "", nil)
			if code != tc.code {
				t.Fatalf("status %d, want %d: %s", code, tc.code, body)
			}
			if code != 200 {
				return
			}
			var page struct {
				Entries []audit.Entry `json:"entries"`
			}
			if err := json.Unmarshal(body, &page); err != nil || len(page.Entries) != tc.n {
				t.Errorf("%d entries, want %d (%v): %s", len(page.Entries), tc.n, err, body)
			}
		})
	}

	// Paging: two by two, newest first, until no next page.
	var ids []int64
	next := "/api/audit?table=permit&limit=2"
	for next != "" {
		code, body, _ := call(t, app, "GET", next, adminTok, "", nil)
		var page struct {
			Entries []audit.Entry `json:"entries"`
			Next    *string       `json:"next"`
		}
		if err := json.Unmarshal(body, &page); code != 200 || err != nil {
			t.Fatalf("%s: %d %v", next, code, err)
		}
		for _, e := range page.Entries {
			ids = append(ids, e.ID)
		}
		next = ""
		if page.Next != nil {
			next = *page.Next
		}
		if len(ids) > 10 {
			t.Fatal("paging does not end")
		}
	}
	if len(ids) != 3 || ids[0] <= ids[1] || ids[1] <= ids[2] {
		t.Errorf("paged ids %v", ids)
	}
}

func TestFilterCheck(t *testing.T) {
	now := time.Now()
	for _, tc := range []struct {
		name string
		f    audit.Filter
		ok   bool
	}{
		{"empty", audit.Filter{}, true},
		{"table", audit.Filter{Table: "plan_zone"}, true},
		{"quoted table", audit.Filter{Table: `"permit"`}, false},
		{"injected table", audit.Filter{Table: "permit' OR 1=1 --"}, false},
		{"actor", audit.Filter{Actor: "token:anna#3"}, true},
		{"long actor", audit.Filter{Actor: strings.Repeat("x", 201)}, false},
		{"until before since", audit.Filter{Since: now, Until: now.Add(-time.Hour)}, false},
		{"negative id", audit.Filter{BeforeID: -1}, false},
		{"limit too big", audit.Filter{Limit: audit.MaxLimit + 1}, false},
		{"negative limit", audit.Filter{Limit: -5}, false},
	} {
		if err := tc.f.Check(); (err == nil) != tc.ok {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
}

func TestParseTime(t *testing.T) {
	loc := time.FixedZone("CET", 3600)
	for _, tc := range []struct {
		in   string
		want time.Time
		ok   bool
	}{
		{"2024-05-01", time.Date(2024, 5, 1, 0, 0, 0, 0, loc), true},
		{"2024-05-01 13:45", time.Date(2024, 5, 1, 13, 45, 0, 0, loc), true},
		{"2024-05-01T13:45:10Z", time.Date(2024, 5, 1, 13, 45, 10, 0, time.UTC), true},
		{"01.05.2024", time.Time{}, false},
		{"yesterday", time.Time{}, false},
	} {
		got, err := audit.ParseTime(tc.in, loc)
		if (err == nil) != tc.ok || (tc.ok && !got.Equal(tc.want)) {
			t.Errorf("ParseTime(%q) = %v, %v", tc.in, got, err)
		}
	}
}

func TestSummaryAndKey(t *testing.T) {
	for _, tc := range []struct {
		name      string
		e         audit.Entry
		key, summ string
	}{
		{"update", audit.Entry{Op: "UPDATE", Key: json.RawMessage(`{"id": 7}`),
			Before: json.RawMessage(`{"status": "draft", "geom": {"type": "POLYGON", "md5": "0123456789abcdef0123456789abcdef"}}`),
			After:  json.RawMessage(`{"status": "in_force", "geom": {"type": "POLYGON", "md5": "fedcba9876543210fedcba9876543210"}}`)},
			"id=7", `geom: <polygon 01234567> → <polygon fedcba98>; status: "draft" → "in_force"`},
		{"insert", audit.Entry{Op: "INSERT", Key: json.RawMessage(`{"permit_id": 3, "parcel_teryt": "1432065_2.0001.12"}`),
			After: json.RawMessage(`{"permit_id": 3, "parcel_teryt": "1432065_2.0001.12", "parcel_id": null, "note": "", "kind": "x"}`)},
			`parcel_teryt="1432065_2.0001.12" permit_id=3`, `+ kind="x"`},
		{"delete", audit.Entry{Op: "DELETE", Key: json.RawMessage(`{"id": 1}`),
			Before: json.RawMessage(`{"id": 1, "login": "anna", "password_hash": "[redacted]"}`)},
			"id=1", `- login="anna" password_hash=[redacted]`},
		{"truncate", audit.Entry{Op: "TRUNCATE", Key: json.RawMessage(`null`)}, "", "every row"},
		{"photo", audit.Entry{Op: "UPDATE", Key: json.RawMessage(`{"id": "a"}`),
			Before: json.RawMessage(`{"bytes": {"bytes": 10, "md5": "0123456789abcdef0123456789abcdef"}}`),
			After:  json.RawMessage(`{"bytes": null}`)},
			`id="a"`, "bytes: <10 bytes 01234567> → null"},
	} {
		if got := tc.e.KeyText(); got != tc.key {
			t.Errorf("%s: key %q, want %q", tc.name, got, tc.key)
		}
		if got := tc.e.Summary(0); got != tc.summ {
			t.Errorf("%s: summary %q, want %q", tc.name, got, tc.summ)
		}
	}
	long := audit.Entry{Op: "UPDATE", Before: json.RawMessage(`{"body": ""}`), After: json.RawMessage(`{"body": "` + strings.Repeat("ą", 300) + `"}`)}
	if s := long.Summary(40); len([]rune(s)) != 40 || !strings.HasSuffix(s, "…") {
		t.Errorf("summary not cut to 40: %q", s)
	}
}
