package web

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"

	"github.com/ladgis/lad/access"
	"github.com/ladgis/lad/db/dbtest"
)

// The consultation endpoints against a real database: residents read the
// comments without authors and the answers only once the consultation has
// closed; planners of its municipality review the comments with their
// authors, answer them (audited under their name) and print the report;
// everybody else is refused.
func TestConsultationReviewAnswerReport(t *testing.T) {
	ctx := context.Background()
	d := dbtest.New(t)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	ready := func(context.Context) error { return nil }
	if _, err := d.Pool.Exec(ctx, `
		INSERT INTO municipality (terc, name, geom) VALUES
		  ('0264011', 'Wrocław', ST_Multi(ST_MakeEnvelope(355000, 355000, 365000, 365000, 2180)));
		INSERT INTO consultation (id, terc, title, opens_on, closes_on, geom) VALUES
		  (1, '0264011', 'Projekt planu Testowa', current_date - 7, current_date + 14, ST_Multi(ST_MakeEnvelope(360000, 360000, 361000, 361000, 2180))),
		  (2, '0264011', 'Inne konsultacje', current_date - 7, current_date + 14, ST_Multi(ST_MakeEnvelope(362000, 362000, 363000, 363000, 2180)));
		INSERT INTO consultation_comment (id, consultation_id, receipt_no, body, owner_in_area, answer, answer_reason, answered_by, answered_at) VALUES
		  (10, 1, 'KS/2026/00010', 'Proszę o park.', true, 'rejected', 'Teren jest potrzebny pod drogę.', 'ktos', now()),
		  (11, 1, 'KS/2026/00011', 'Proszę o niższe budynki.', false, NULL, '', NULL, NULL),
		  (20, 2, 'KS/2026/00020', 'Uwaga do innych konsultacji.', false, NULL, '', NULL, NULL);
		INSERT INTO consultation_comment_author (comment_id, full_name, address, email) VALUES
		  (10, 'Ewa Prywatna-Autorka', 'ul. Ukryta 1', 'ewa.ukryta@example.pl'),
		  (11, 'Jan Prywatny-Autor', 'ul. Ukryta 2', ''),
		  (20, 'Ola Prywatna', 'ul. Ukryta 3', '')`); err != nil {
		t.Fatal(err)
	}
	private := []string{"Prywatn", "Ukryta", "ewa.ukryta", "ktos"}
	planner := access.Subject{Role: access.Planner, Login: "anna", TERCs: []string{"0264011"}}
	apps := map[string]*fiber.App{}
	for name, s := range map[string]access.Subject{
		"anonymous": access.AnonymousSubject,
		"inspector": {Role: access.Inspector, Login: "igor", TERCs: []string{"0264011"}},
		"planner":   planner,
		"elsewhere": {Role: access.Planner, Login: "piotr", TERCs: []string{"1465011"}},
		"admin":     {Role: access.Admin, Login: "root"},
	} {
		apps[name] = New(Config{}, log, ready, As{Subject: s}, NewConsult(d.Pool, log)).App()
	}
	call := func(who, method, path, body string) (int, string) {
		t.Helper()
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		resp, err := apps[who].Test(req, 20000)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp.StatusCode, string(b)
	}
	answer := func(a, reason string) string {
		b, _ := json.Marshal(map[string]string{"answer": a, "reason": reason})
		return string(b)
	}

	steps := []struct {
		name, who, method, path, body string
		code                          int
		has, hasNot                   []string
	}{
		{"residents read the comments", "anonymous", "GET", "/api/consultations/1/comments", "", 200,
			[]string{"KS/2026/00010", "Proszę o park.", `"answers_published":false`}, append([]string{"Teren jest potrzebny", "rejected", "00020"}, private...)},
		{"no such consultation", "anonymous", "GET", "/api/consultations/99/comments", "", 404, nil, nil},
		{"no number", "anonymous", "GET", "/api/consultations/x/comments", "", 400, nil, nil},
		{"review needs sign-in", "anonymous", "GET", "/api/consultations/1/review", "", 401, nil, nil},
		{"inspectors do not review", "inspector", "GET", "/api/consultations/1/review", "", 403, nil, nil},
		{"a planner of another municipality does not review", "elsewhere", "GET", "/api/consultations/1/review", "", 403, nil, []string{"Prywatn"}},
		{"the planner reviews with the authors", "planner", "GET", "/api/consultations/1/review", "", 200,
			[]string{"Ewa Prywatna-Autorka", "ul. Ukryta 1", "ewa.ukryta@example.pl", "Teren jest potrzebny"}, []string{"Ola Prywatna"}},
		{"an admin reviews", "admin", "GET", "/api/consultations/1/review", "", 200, []string{"Jan Prywatny-Autor"}, nil},
		{"answer needs sign-in", "anonymous", "POST", "/api/consultations/1/comments/11/answer", answer("accepted", ""), 401, nil, nil},
		{"inspectors do not answer", "inspector", "POST", "/api/consultations/1/comments/11/answer", answer("accepted", ""), 403, nil, nil},
		{"nor planners elsewhere", "elsewhere", "POST", "/api/consultations/1/comments/11/answer", answer("accepted", ""), 403, nil, nil},
		{"an unknown answer", "planner", "POST", "/api/consultations/1/comments/11/answer", answer("maybe", "x"), 400, nil, nil},
		{"a rejection needs its reason", "planner", "POST", "/api/consultations/1/comments/11/answer", answer("rejected", "  "), 400, nil, nil},
		{"a reason too long", "planner", "POST", "/api/consultations/1/comments/11/answer", answer("partly", strings.Repeat("x", 5001)), 400, nil, nil},
		{"not JSON", "planner", "POST", "/api/consultations/1/comments/11/answer", "answer=accepted", 400, nil, nil},
		{"a comment of another consultation", "planner", "POST", "/api/consultations/1/comments/20/answer", answer("accepted", ""), 404, nil, nil},
		{"the planner answers", "planner", "POST", "/api/consultations/1/comments/11/answer", answer("partly", "Obniżono wysokość do 12 m."), 200,
			[]string{`"answer":"partly"`, `"answered_by":"anna"`, "KS/2026/00011"}, nil},
		{"the answer is not public before the close", "anonymous", "GET", "/api/consultations/1/comments", "", 200, nil, []string{"Obniżono", "partly"}},
		{"the report needs a planner", "inspector", "GET", "/report/consultation/1", "", 403, nil, nil},
		{"the report of another municipality", "elsewhere", "GET", "/report/consultation/1", "", 403, nil, nil},
		{"the council's report names the authors", "planner", "GET", "/report/consultation/1", "", 200,
			[]string{"Raport z konsultacji", "Ewa Prywatna-Autorka", "Obniżono wysokość do 12 m.", "uwzględniona częściowo", "nieuwzględniona", "@media print"},
			[]string{"ul. Ukryta", "ewa.ukryta", "Ola Prywatna"}},
		{"the published report does not", "planner", "GET", "/report/consultation/1?version=public", "", 200,
			[]string{"Obniżono wysokość do 12 m.", "Teren jest potrzebny"}, private},
		{"a report version that is not", "planner", "GET", "/report/consultation/1?version=all", "", 400, nil, nil},
	}
	run := func(steps []struct {
		name, who, method, path, body string
		code                          int
		has, hasNot                   []string
	}) {
		for _, s := range steps {
			code, body := call(s.who, s.method, s.path, s.body)
			if code != s.code {
				t.Errorf("%s: %s %s as %s: %d, want %d: %.300s", s.name, s.method, s.path, s.who, code, s.code, body)
				continue
			}
			for _, w := range s.has {
				if !strings.Contains(body, w) {
					t.Errorf("%s: %s lacks %q: %.500s", s.name, s.path, w, body)
				}
			}
			for _, w := range s.hasNot {
				if strings.Contains(body, w) {
					t.Errorf("%s: %s holds %q", s.name, s.path, w)
				}
			}
		}
	}
	run(steps)

	// The answer is stored, named, and in the audit log under the planner.
	var ans, reason, by string
	if err := d.Pool.QueryRow(ctx, `SELECT answer, answer_reason, answered_by FROM consultation_comment WHERE id = 11 AND answered_at IS NOT NULL`).Scan(&ans, &reason, &by); err != nil ||
		ans != "partly" || reason != "Obniżono wysokość do 12 m." || by != "anna" {
		t.Errorf("stored answer: %q %q %q (%v)", ans, reason, by, err)
	}
	var audited int
	if err := d.Pool.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE table_name = 'consultation_comment' AND op = 'UPDATE' AND actor = 'user:anna'`).Scan(&audited); err != nil || audited != 1 {
		t.Errorf("audit log of the answer: %d rows (%v)", audited, err)
	}

	// Once the consultation has closed, residents read the answers, still
	// without the authors.
	if _, err := d.Pool.Exec(ctx, `UPDATE consultation SET opens_on = current_date - 30, closes_on = current_date - 1 WHERE id = 1`); err != nil {
		t.Fatal(err)
	}
	run([]struct {
		name, who, method, path, body string
		code                          int
		has, hasNot                   []string
	}{
		{"answers after the close", "anonymous", "GET", "/api/consultations/1/comments", "", 200,
			[]string{`"answers_published":true`, `"state":"closed"`, `"answer":"partly"`, "Obniżono wysokość do 12 m.", `"answer":"rejected"`, "Teren jest potrzebny"},
			append([]string{"answered_by", "full_name", "email"}, private...)},
	})
}
