// Package analysis turns ład's data into answers for planners and mayors:
// monitoring and diagnosis computed by SQL next to the data (sql/analysis)
// and served as tables to the CLI (`lad analyze`) and as JSON to the web
// map (`GET /api/analysis/{name}`). It reads what ingest loaded, beside
// tiles and queries in the flow ingest → PostGIS → analyses → web.
package analysis

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/ladgis/lad/access"
	"github.com/ladgis/lad/db"
	ladsql "github.com/ladgis/lad/sql"
	"github.com/ladgis/lad/web"
)

// Params are an analysis's inputs, with defaults.
type Params struct {
	TERC         string `json:"municipality"`
	Date         string `json:"date"`          // YYYY-MM-DD, default today
	DistrictKind string `json:"district_kind"` // default osiedle
	// InspectionDays is how old a carrier's last inspection may be before
	// it is overdue (default 365).
	InspectionDays int `json:"inspection_days"`
}

var tercRe = regexp.MustCompile(`^[0-9]{7}$`)

// Check fills defaults and validates.
func (p *Params) Check() error {
	if !tercRe.MatchString(p.TERC) {
		return errors.New("municipality must be a 7-digit TERC code")
	}
	if p.Date == "" {
		p.Date = time.Now().UTC().Format("2006-01-02")
	}
	if _, err := time.Parse("2006-01-02", p.Date); err != nil {
		return errors.New("date must be YYYY-MM-DD")
	}
	if p.DistrictKind == "" {
		p.DistrictKind = "osiedle"
	}
	if p.InspectionDays == 0 {
		p.InspectionDays = 365
	}
	if p.InspectionDays < 1 || p.InspectionDays > 3650 {
		return errors.New("inspection interval must be 1–3650 days")
	}
	if len(p.DistrictKind) > 40 {
		return errors.New("district kind too long")
	}
	return nil
}

// Table is an analysis result: named columns and rows, plus the inputs
// echoed and the date of the data.
type Table struct {
	Name     string   `json:"name"`
	Title    string   `json:"title"`
	Params   Params   `json:"params"`
	DataDate string   `json:"data_date"`
	Columns  []string `json:"columns"`
	Rows     [][]any  `json:"rows"`
	// More holds the analysis's further tables (a series by year, lists).
	More []*Table `json:"more,omitempty"`
}

// Analyst runs analyses over a pool.
type Analyst struct {
	pool db.Reader
	log  *slog.Logger
	q    map[string]string
	ads  map[string]string
}

// New returns an Analyst over pool.
func New(pool db.Reader, log *slog.Logger) *Analyst {
	return &Analyst{pool: pool, log: log, q: ladsql.MustNamed(ladsql.Analysis(), "plan_coverage.sql"),
		ads: ladsql.MustNamed(ladsql.Analysis(), "advertising.sql")}
}

// Names lists the analyses built so far.
var Names = []string{"plan-coverage", "advertising-compliance"}

// Run runs a named analysis.
func (a *Analyst) Run(ctx context.Context, name string, p Params) (*Table, error) {
	if err := p.Check(); err != nil {
		return nil, err
	}
	switch name {
	case "plan-coverage":
		return a.planCoverage(ctx, p)
	case "advertising-compliance":
		return a.advertising(ctx, p)
	}
	return nil, fmt.Errorf("no analysis %q (available: %v)", name, Names)
}

func (a *Analyst) table(ctx context.Context, name, title, sql string, p Params, args ...any) (*Table, error) {
	rows, err := a.pool.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("analysis %s: %w", name, err)
	}
	defer rows.Close()
	t := &Table{Name: name, Title: title, Params: p, Rows: [][]any{}}
	for _, f := range rows.FieldDescriptions() {
		t.Columns = append(t.Columns, f.Name)
	}
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			return nil, err
		}
		for i, v := range vals {
			vals[i] = plain(v)
		}
		t.Rows = append(t.Rows, vals)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if err := a.pool.QueryRow(ctx, `SELECT coalesce(max(finished_at), now())::date::text FROM ingest_batch WHERE status = 'committed'`).Scan(&t.DataDate); err != nil {
		return nil, err
	}
	return t, nil
}

func (a *Analyst) planCoverage(ctx context.Context, p Params) (*Table, error) {
	t, err := a.table(ctx, "plan-coverage", "Pokrycie planami miejscowymi i planem ogólnym", a.q["by_district"], p, p.TERC, p.Date, p.DistrictKind)
	if err != nil {
		return nil, err
	}
	s, err := a.table(ctx, "plan-coverage-series", "Pokrycie planami miejscowymi wg roku uchwalenia", a.q["series"], p, p.TERC, p.Date)
	if err != nil {
		return nil, err
	}
	t.More = []*Table{s}
	return t, nil
}

func (a *Analyst) advertising(ctx context.Context, p Params) (*Table, error) {
	t, err := a.table(ctx, "advertising-compliance", "Zgodność nośników z uchwałą krajobrazową wg obszarów", a.ads["per_zone"], p, p.TERC)
	if err != nil {
		return nil, err
	}
	for _, part := range []struct {
		name, title string
		args        []any
	}{
		{"violations", "Nośniki naruszające uchwałę", []any{p.TERC}},
		{"overdue", fmt.Sprintf("Kontrole zaległe (ostatnia ponad %d dni temu lub nigdy)", p.InspectionDays), []any{p.TERC, p.Date, p.InspectionDays}},
		{"pipeline", "Postępowania: etapy i mediana czasu etapu (dni)", []any{p.TERC, p.Date}},
		{"penalties", "Kary naliczone do dnia (art. 37d: 40 × stawka opłaty reklamowej dziennie)", []any{p.TERC, p.Date}},
	} {
		sub, err := a.table(ctx, "advertising-compliance-"+part.name, part.title, a.ads[part.name], p, part.args...)
		if err != nil {
			return nil, err
		}
		t.More = append(t.More, sub)
	}
	return t, nil
}

// Routes mounts GET /api/analysis/{name} (planners).
func (a *Analyst) Routes(r fiber.Router) {
	r.Get("/api/analysis", web.Require(access.AudiencePlanner, func(c *fiber.Ctx) error {
		return c.JSON(fiber.Map{"analyses": Names})
	}))
	r.Get("/api/analysis/:name", web.Require(access.AudiencePlanner, func(c *fiber.Ctx) error {
		p := Params{TERC: c.Query("municipality"), Date: c.Query("date"), DistrictKind: c.Query("district_kind"),
			InspectionDays: c.QueryInt("inspection_days", 365)}
		t, err := a.Run(c.UserContext(), c.Params("name"), p)
		if err != nil {
			if errors.Is(err, context.DeadlineExceeded) || web.Unavailable(err) {
				return err
			}
			return fiber.NewError(fiber.StatusBadRequest, err.Error())
		}
		return c.JSON(t)
	}))
}

// plain turns database numerics into float64 for JSON and tables.
func plain(v any) any {
	if n, ok := v.(pgtype.Numeric); ok {
		f, err := n.Float64Value()
		if err != nil || !f.Valid {
			return nil
		}
		return f.Float64
	}
	return v
}
