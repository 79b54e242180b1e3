package web

import (
	"bytes"
	"context"
	_ "embed" // the consultation report's template
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/ladgis/lad/audit"
	ladsql "github.com/ladgis/lad/sql"
)

// Consult serves consultations in depth: a consultation's comments as
// residents read them (answers once it has closed, never the authors),
// the planners' review with the authors' details, answering a comment
// (audited), and the printable consultation report.
type Consult struct {
	pool *pgxpool.Pool
	log  *slog.Logger
	q    map[string]string
	page *template.Template
}

//go:embed templates/consultation_report.html
var consultationReportHTML string

// NewConsult returns the consultation endpoints over pool.
func NewConsult(pool *pgxpool.Pool, log *slog.Logger) *Consult {
	page := template.Must(template.New("report").Funcs(template.FuncMap{
		"answerPL": func(a *string) string {
			if a == nil {
				return "bez rozstrzygnięcia"
			}
			return answerPL[*a]
		},
		"date": func(t time.Time) string { return t.Format("2006-01-02") },
		"inc":  func(i int) int { return i + 1 },
	}).Parse(consultationReportHTML))
	return &Consult{pool: pool, log: log, q: ladsql.MustNamed(ladsql.Web(), "consult.sql"), page: page}
}

// answerPL names the answers as the report does.
var answerPL = map[string]string{"accepted": "uwzględniona", "partly": "uwzględniona częściowo", "rejected": "nieuwzględniona"}

// Routes mounts the endpoints; their audiences are in access.Routes().
func (h *Consult) Routes(r fiber.Router) {
	r.Get("/api/consultations/:id/comments", h.comments)
	r.Get("/api/consultations/:id/review", h.review)
	r.Post("/api/consultations/:id/comments/:cid/answer", h.answer)
	r.Get("/report/consultation/:id", h.report)
}

// consultation is one consultation as the endpoints describe it.
type consultation struct {
	ID                int64      `json:"id"`
	TERC              string     `json:"terc"`
	Title             string     `json:"title"`
	Description       string     `json:"description"`
	OpensOn           string     `json:"opens_on"`
	ClosesOn          string     `json:"closes_on"`
	State             string     `json:"state"`
	ReportPublishedOn *string    `json:"report_published_on"`
	PlanTitle         string     `json:"plan_title"`
	PlanStatus        string     `json:"plan_status"`
	Municipality      string     `json:"municipality"`
	BBox              [4]float64 `json:"bbox"`
	// AnswersPublished tells residents whether the answers are out (after
	// the consultation closed).
	AnswersPublished bool `json:"answers_published"`
}

// load reads consultation :id (404 when there is none).
func (h *Consult) load(c *fiber.Ctx) (consultation, error) {
	var x consultation
	id, err := idParam(c, "id", "consultation id")
	if err != nil {
		return x, err
	}
	var opens, closes time.Time
	var report *time.Time
	err = h.pool.QueryRow(c.UserContext(), h.q["consultation"], id).Scan(&x.ID, &x.TERC, &x.Title, &x.Description, &opens, &closes,
		&x.State, &report, &x.PlanTitle, &x.PlanStatus, &x.Municipality, &x.BBox[0], &x.BBox[1], &x.BBox[2], &x.BBox[3])
	if errors.Is(err, pgx.ErrNoRows) {
		return x, fiber.NewError(fiber.StatusNotFound, "no such consultation")
	}
	if err != nil {
		return x, fmt.Errorf("read consultation %d: %w", id, err)
	}
	x.OpensOn, x.ClosesOn = opens.Format("2006-01-02"), closes.Format("2006-01-02")
	if report != nil {
		s := report.Format("2006-01-02")
		x.ReportPublishedOn = &s
	}
	x.AnswersPublished = x.State == "closed"
	return x, nil
}

// loadOwn reads consultation :id for staff, refusing (403) a caller who
// does not work for its municipality.
func (h *Consult) loadOwn(c *fiber.Ctx) (consultation, error) {
	x, err := h.load(c)
	if err != nil {
		return x, err
	}
	if !Subject(c).InMunicipality(x.TERC) {
		return x, fiber.NewError(fiber.StatusForbidden, "you do not work for municipality "+x.TERC)
	}
	return x, nil
}

// publicComment is a comment as everybody may read it: no author, and
// the answer only once the consultation has closed.
type publicComment struct {
	ID           int64   `json:"id"`
	ReceiptNo    string  `json:"receipt_no"`
	SubmittedOn  string  `json:"submitted_on"`
	Body         string  `json:"body"`
	OwnerInArea  bool    `json:"owner_in_area"`
	Designation  string  `json:"designation"`
	Answer       *string `json:"answer"`
	AnswerReason string  `json:"answer_reason"`
}

// comments answers a consultation's public comments.
func (h *Consult) comments(c *fiber.Ctx) error {
	x, err := h.load(c)
	if err != nil {
		return err
	}
	rows, err := h.pool.Query(c.UserContext(), h.q["public_comments"], x.ID)
	if err != nil {
		return fmt.Errorf("read comments: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (publicComment, error) {
		var p publicComment
		var on time.Time
		err := r.Scan(&p.ID, &p.ReceiptNo, &on, &p.Body, &p.OwnerInArea, &p.Designation, &p.Answer, &p.AnswerReason)
		p.SubmittedOn = on.Format("2006-01-02")
		return p, err
	})
	if err != nil {
		return fmt.Errorf("read comments: %w", err)
	}
	return c.JSON(fiber.Map{"consultation": x, "comments": out})
}

// reviewComment is a comment as its planners see it: with the author.
type reviewComment struct {
	ID           int64      `json:"id"`
	ReceiptNo    string     `json:"receipt_no"`
	SubmittedAt  time.Time  `json:"submitted_at"`
	Body         string     `json:"body"`
	OwnerInArea  bool       `json:"owner_in_area"`
	Designation  string     `json:"designation"`
	Answer       *string    `json:"answer"`
	AnswerReason string     `json:"answer_reason"`
	AnsweredBy   *string    `json:"answered_by"`
	AnsweredAt   *time.Time `json:"answered_at"`
	FullName     string     `json:"full_name"`
	Address      string     `json:"address"`
	Email        string     `json:"email"`
}

// reviewComments reads every comment of consultation id with its author.
func (h *Consult) reviewComments(ctx context.Context, id int64) ([]reviewComment, error) {
	rows, err := h.pool.Query(ctx, h.q["review_comments"], id)
	if err != nil {
		return nil, fmt.Errorf("read comments for review: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (reviewComment, error) {
		var x reviewComment
		err := r.Scan(&x.ID, &x.ReceiptNo, &x.SubmittedAt, &x.Body, &x.OwnerInArea, &x.Designation, &x.Answer, &x.AnswerReason,
			&x.AnsweredBy, &x.AnsweredAt, &x.FullName, &x.Address, &x.Email)
		return x, err
	})
	if err != nil {
		return nil, fmt.Errorf("read comments for review: %w", err)
	}
	return out, nil
}

// review answers the planners' list: every comment with its author's
// details and its answer.
func (h *Consult) review(c *fiber.Ctx) error {
	x, err := h.loadOwn(c)
	if err != nil {
		return err
	}
	out, err := h.reviewComments(c.UserContext(), x.ID)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"consultation": x, "comments": out})
}

// answerRequest is a planner's answer to one comment.
type answerRequest struct {
	Answer string `json:"answer"`
	Reason string `json:"reason"`
}

// maxReason bounds an answer's reason, in characters.
const maxReason = 5000

func (r *answerRequest) check() error {
	r.Reason = strings.TrimSpace(r.Reason)
	if _, ok := answerPL[r.Answer]; !ok {
		return errors.New("answer must be accepted, partly or rejected")
	}
	if r.Answer != "accepted" && r.Reason == "" {
		return errors.New("a comment accepted partly or rejected needs the reason")
	}
	if utf8.RuneCountInString(r.Reason) > maxReason {
		return fmt.Errorf("reason must have at most %d characters", maxReason)
	}
	return nil
}

// answer records a planner's answer to a comment, in the audit log under
// the planner's name.
func (h *Consult) answer(c *fiber.Ctx) error {
	x, err := h.loadOwn(c)
	if err != nil {
		return err
	}
	cid, err := idParam(c, "cid", "comment id")
	if err != nil {
		return err
	}
	var req answerRequest
	if err := json.Unmarshal(c.Body(), &req); err != nil {
		return bad("the answer must be JSON with answer (accepted, partly, rejected) and reason")
	}
	if err := req.check(); err != nil {
		return bad(err.Error())
	}
	by := Subject(c).Name()
	ctx := AuditContext(c)
	var receipt string
	var at time.Time
	err = audit.Begin(ctx, h.pool, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, h.q["answer"], x.ID, cid, req.Answer, req.Reason, by).Scan(&receipt, &at)
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return fiber.NewError(fiber.StatusNotFound, "no such comment in this consultation")
	}
	if err != nil {
		return fmt.Errorf("answer comment %d: %w", cid, err)
	}
	return c.JSON(fiber.Map{"id": cid, "receipt_no": receipt, "answer": req.Answer, "answer_reason": req.Reason,
		"answered_by": by, "answered_at": at})
}

// reportData is what the report template shows.
type reportData struct {
	C        consultation
	Comments []reviewComment
	// Authors: the council's copy, with the authors' names; without them
	// it is the copy to publish.
	Authors    bool
	Counts     map[string]int
	Unanswered int
	Made       time.Time
	MadeBy     string
}

// report renders the consultation report as a printable HTML page: every
// comment with its answer and reason. The default is the council's copy,
// naming each comment's author (name only: addresses and e-mails stay in
// the case file); ?version=public gives the anonymised copy to publish.
func (h *Consult) report(c *fiber.Ctx) error {
	x, err := h.loadOwn(c)
	if err != nil {
		return err
	}
	version := c.Query("version", "council")
	if version != "council" && version != "public" {
		return bad("version must be council or public")
	}
	cs, err := h.reviewComments(c.UserContext(), x.ID)
	if err != nil {
		return err
	}
	d := reportData{C: x, Comments: cs, Authors: version == "council", Counts: map[string]int{}, Made: time.Now(), MadeBy: Subject(c).Login}
	for _, r := range cs {
		if r.Answer == nil {
			d.Unanswered++
		} else {
			d.Counts[*r.Answer]++
		}
	}
	// Nothing personal reaches the template of the public copy, and the
	// council's copy names the author only.
	for i := range d.Comments {
		d.Comments[i].Address, d.Comments[i].Email = "", ""
		if !d.Authors {
			d.Comments[i].FullName = ""
		}
	}
	var b bytes.Buffer
	if err := h.page.Execute(&b, d); err != nil {
		return fmt.Errorf("render consultation report: %w", err)
	}
	c.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'")
	c.Set("Cache-Control", "no-store")
	c.Type("html", "utf-8")
	return c.Send(b.Bytes())
}
