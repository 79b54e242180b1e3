// Package analysis turns ład's data into answers for planners and mayors:
// monitoring and diagnosis computed by SQL next to the data (sql/analysis,
// with the views and functions of migration 011) and served as tables to
// the CLI (`lad analyze`) and as JSON to the web map (`GET
// /api/analysis/{name}`). It reads what ingest loaded, beside tiles and
// queries in the flow ingest → PostGIS → analyses → web. Results are kept in
// a small cache until the data they were computed from change.
package analysis

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/ladgis/lad/access"
	ladsql "github.com/ladgis/lad/sql"
	"github.com/ladgis/lad/web"
)

// Params are an analysis's inputs, with defaults. Each analysis reads the
// ones it needs; all are echoed with its result.
type Params struct {
	TERC         string `json:"municipality"`
	Date         string `json:"date"`          // YYYY-MM-DD, default today
	DistrictKind string `json:"district_kind"` // default osiedle
	// InspectionDays is how old a carrier's last inspection may be before
	// it is overdue (default 365).
	InspectionDays int `json:"inspection_days"`
	// From and To bound the period of the changes analysis, both days
	// included (YYYY-MM-DD; default the year up to Date).
	From string `json:"from"`
	To   string `json:"to"`
	// FromYear and ToYear bound the years of the decisions counted by
	// permit-conformity and development-pressure (default the ten years up
	// to Date's year).
	FromYear int `json:"from_year"`
	ToYear   int `json:"to_year"`
	// CellM is the edge (= circumradius) in metres of the hexagonal cells of
	// development-pressure (ST_HexagonGrid's size; default 500).
	CellM int `json:"cell_m"`
}

// ErrParams marks invalid parameters and unknown analyses: the caller's
// mistake, not the server's.
var ErrParams = errors.New("analysis")

var tercRe = regexp.MustCompile(`^[0-9]{7}$`)

const day = "2006-01-02"

// Check fills defaults and validates.
func (p *Params) Check() error {
	bad := func(msg string) error { return fmt.Errorf("%w: %s", ErrParams, msg) }
	if !tercRe.MatchString(p.TERC) {
		return bad("municipality must be a 7-digit TERC code")
	}
	if p.Date == "" {
		p.Date = time.Now().UTC().Format(day)
	}
	date, err := time.Parse(day, p.Date)
	if err != nil {
		return bad("date must be YYYY-MM-DD")
	}
	if p.DistrictKind == "" {
		p.DistrictKind = "osiedle"
	}
	if len(p.DistrictKind) > 40 {
		return bad("district kind too long")
	}
	if p.InspectionDays == 0 {
		p.InspectionDays = 365
	}
	if p.InspectionDays < 1 || p.InspectionDays > 3650 {
		return bad("inspection interval must be 1–3650 days")
	}
	if p.To == "" {
		p.To = p.Date
	}
	to, err := time.Parse(day, p.To)
	if err != nil {
		return bad("to must be YYYY-MM-DD")
	}
	if p.From == "" {
		p.From = to.AddDate(-1, 0, 0).Format(day)
	}
	from, err := time.Parse(day, p.From)
	if err != nil {
		return bad("from must be YYYY-MM-DD")
	}
	if from.After(to) || to.Sub(from) > 100*366*24*time.Hour {
		return bad("from must not be after to, nor a century before it")
	}
	if p.ToYear == 0 {
		p.ToYear = date.Year()
	}
	if p.FromYear == 0 {
		p.FromYear = p.ToYear - 9
	}
	if p.FromYear < 1900 || p.ToYear > 2100 || p.FromYear > p.ToYear {
		return bad("years must be 1900–2100, from_year not after to_year")
	}
	if p.CellM == 0 {
		p.CellM = 500
	}
	if p.CellM < 100 || p.CellM > 5000 {
		return bad("cell_m must be 100–5000 metres")
	}
	return nil
}

// Table is an analysis result: named columns and rows, plus the inputs
// echoed and the date of the data. A Table may be shared by later callers
// through the cache: it is not to be modified.
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

// part is one table of an analysis: a named statement of its SQL file,
// with a title and arguments made from the parameters. The first part is
// the main table; the others are named after it with their suffix.
type part struct {
	suffix, stmt string
	title        func(Params) string
	args         func(Params) []any
}

// spec is an analysis: its SQL file (sql/analysis) and its tables.
type spec struct {
	file  string
	parts []part
}

func fixed(s string) func(Params) string { return func(Params) string { return s } }

// Names lists the analyses, in the order a planner meets them.
var Names = []string{"plan-coverage", "permit-conformity", "development-pressure", "plan-realisation", "advertising-compliance", "changes"}

// specs describes every analysis (the tables of each, in order).
func specs() map[string]spec {
	years := func(title string) func(Params) string {
		return func(p Params) string { return fmt.Sprintf("%s (%d–%d)", title, p.FromYear, p.ToYear) }
	}
	period := func(title string) func(Params) string {
		return func(p Params) string { return fmt.Sprintf("%s (%s – %s)", title, p.From, p.To) }
	}
	return map[string]spec{
		"plan-coverage": {file: "plan_coverage.sql", parts: []part{
			{"", "by_district", fixed("Pokrycie planami miejscowymi i planem ogólnym"),
				func(p Params) []any { return []any{p.TERC, p.Date, p.DistrictKind} }},
			{"series", "series", fixed("Pokrycie planami miejscowymi wg roku uchwalenia"),
				func(p Params) []any { return []any{p.TERC, p.Date} }},
		}},
		"permit-conformity": {file: "permit_conformity.sql", parts: []part{
			{"", "by_district", years("Zgodność pozwoleń i decyzji z planami wg osiedli"),
				func(p Params) []any { return []any{p.TERC, p.Date, p.FromYear, p.ToYear, p.DistrictKind} }},
			{"by-year", "by_year", years("Zgodność z planami wg roku decyzji"),
				func(p Params) []any { return []any{p.TERC, p.Date, p.FromYear, p.ToYear} }},
			{"by-designation", "by_designation", years("Zgodność z planami wg terenów (najpierw najgorsze)"),
				func(p Params) []any { return []any{p.TERC, p.Date, p.FromYear, p.ToYear} }},
			{"conflicts", "conflicts", years("Decyzje niezgodne z planem i przyczyny"),
				func(p Params) []any { return []any{p.TERC, p.Date, p.FromYear, p.ToYear} }},
		}},
		"development-pressure": {file: "development_pressure.sql", parts: []part{
			{"", "districts", years("Gdzie plan jest najbardziej potrzebny: ruch budowlany poza planami wg osiedli"),
				func(p Params) []any { return []any{p.TERC, p.Date, p.FromYear, p.ToYear, p.DistrictKind} }},
			{"hot-spots", "hot_spots", func(p Params) string {
				return fmt.Sprintf("Gorące i zimne punkty presji (Gi*, heksagony o boku %d m, %d–%d)", p.CellM, p.FromYear, p.ToYear)
			}, func(p Params) []any { return []any{p.TERC, p.CellM, p.FromYear, p.ToYear, p.DistrictKind} }},
			{"by-year", "by_year", years("Ruch budowlany wg roku: w planach, poza planami, poza planami i OUZ"),
				func(p Params) []any { return []any{p.TERC, p.FromYear, p.ToYear} }},
			{"cells", "cells_by_year", func(p Params) string {
				return fmt.Sprintf("Ruch budowlany w heksagonach o boku %d m wg roku (%d–%d)", p.CellM, p.FromYear, p.ToYear)
			}, func(p Params) []any { return []any{p.TERC, p.CellM, p.FromYear, p.ToYear} }},
		}},
		"plan-realisation": {file: "plan_realisation.sql", parts: []part{
			{"", "per_plan", fixed("Realizacja planów miejscowych: chłonność (intensywność maks. × powierzchnia) i pozwolenia od uchwalenia"),
				func(p Params) []any { return []any{p.TERC, p.Date} }},
			{"designations", "per_designation", fixed("Realizacja planów wg terenów"),
				func(p Params) []any { return []any{p.TERC, p.Date} }},
		}},
		"advertising-compliance": {file: "advertising.sql", parts: []part{
			{"", "per_zone", fixed("Zgodność nośników z uchwałą krajobrazową wg obszarów"),
				func(p Params) []any { return []any{p.TERC} }},
			{"violations", "violations", fixed("Nośniki naruszające uchwałę"),
				func(p Params) []any { return []any{p.TERC} }},
			{"overdue", "overdue", func(p Params) string {
				return fmt.Sprintf("Kontrole zaległe (ostatnia ponad %d dni temu lub nigdy)", p.InspectionDays)
			}, func(p Params) []any { return []any{p.TERC, p.Date, p.InspectionDays} }},
			{"pipeline", "pipeline", fixed("Postępowania: etapy i mediana czasu etapu (dni)"),
				func(p Params) []any { return []any{p.TERC, p.Date} }},
			{"penalties", "penalties", fixed("Kary naliczone do dnia (art. 37d: 40 × stawka opłaty reklamowej dziennie)"),
				func(p Params) []any { return []any{p.TERC, p.Date} }},
		}},
		"changes": {file: "changes.sql", parts: []part{
			{"", "summary", period("Co się zmieniło"),
				func(p Params) []any { return []any{p.TERC, p.From, p.To} }},
			{"plans", "plans", period("Plany uchwalone, zmienione i wygaszone"),
				func(p Params) []any { return []any{p.TERC, p.From, p.To} }},
			{"coverage", "coverage", period("Zmiana pokrycia planami"),
				func(p Params) []any { return []any{p.TERC, p.From, p.To, p.DistrictKind} }},
			{"permits", "permits", period("Decyzje wg osiedli wobec poprzedniego okresu tej samej długości"),
				func(p Params) []any { return []any{p.TERC, p.From, p.To, p.DistrictKind} }},
			{"feed", "feed", period("Reklamy i konsultacje: zdarzenia"),
				func(p Params) []any { return []any{p.TERC, p.From, p.To} }},
		}},
	}
}

// Analyst runs analyses over a pool and keeps their recent results.
type Analyst struct {
	pool  *pgxpool.Pool
	log   *slog.Logger
	specs map[string]spec
	infos map[string]Info
	sql   map[string]map[string]string // file → statement name → SQL
	cache *resultCache
	// computed counts analyses run on the database (not from the cache).
	computed atomic.Int64
}

// New returns an Analyst over pool.
func New(pool *pgxpool.Pool, log *slog.Logger) *Analyst {
	a := &Analyst{pool: pool, log: log, specs: specs(), infos: infos(), sql: map[string]map[string]string{},
		cache: &resultCache{max: 64, entries: map[string]*cached{}}}
	for name, s := range a.specs {
		if _, ok := a.infos[name]; !ok {
			panic(fmt.Sprintf("analysis %s: no Info", name))
		}
		if a.sql[s.file] == nil {
			a.sql[s.file] = ladsql.MustNamed(ladsql.Analysis(), s.file)
		}
		for _, pt := range s.parts {
			if a.sql[s.file][pt.stmt] == "" {
				panic(fmt.Sprintf("analysis %s: no statement %q in %s", name, pt.stmt, s.file))
			}
		}
	}
	return a
}

// Run runs a named analysis, or returns its result computed earlier from
// the same data.
//
// Freshness: every statement changing a table the analyses read moves the
// sequence lad_data_version (migration 011). A result is kept with the
// sequence's value read before it was computed, and the transactions that
// were writing (held a transaction id) just before its snapshot was taken:
// one of them may have moved the sequence already and commit later,
// without moving it again. The result is served again while the sequence
// has not moved and all those transactions are still running.
func (a *Analyst) Run(ctx context.Context, name string, p Params) (*Table, error) {
	s, ok := a.specs[name]
	if !ok {
		return nil, fmt.Errorf("%w: no analysis %q (available: %v)", ErrParams, name, Names)
	}
	if err := p.Check(); err != nil {
		return nil, err
	}
	key, _ := json.Marshal(p)
	k := name + "\x00" + string(key) + "\x00" + time.Now().UTC().Format(day) // analyses may read current_date
	hit := a.cache.get(k)
	var pending []string
	if hit != nil {
		pending = hit.pending
	}
	var version int64
	var finished bool
	if err := a.pool.QueryRow(ctx, `SELECT CASE WHEN is_called THEN last_value ELSE 0 END,
		NOT (coalesce($1::text[], '{}') <@ coalesce((SELECT array_agg(transactionid::text) FROM pg_locks WHERE locktype = 'transactionid'), '{}'))
		FROM lad_data_version`, pending).Scan(&version, &finished); err != nil {
		return nil, fmt.Errorf("analysis %s: data version: %w", name, err)
	}
	if hit != nil && hit.version == version && !finished {
		return hit.t, nil
	}
	start := time.Now()
	t, pending, err := a.compute(ctx, name, s, p)
	if err != nil {
		return nil, err
	}
	a.computed.Add(1)
	a.cache.put(k, &cached{t: t, version: version, pending: pending})
	a.log.Debug("analysis computed", "name", name, "took", time.Since(start).Round(time.Millisecond), "data_version", version)
	return t, nil
}

// compute runs an analysis's statements in one read-only snapshot, and
// returns the transactions that were writing just before it was taken
// (every transaction holds a lock on its own id while it runs).
func (a *Analyst) compute(ctx context.Context, name string, s spec, p Params) (*Table, []string, error) {
	var pending []string
	// (Sessions only: autovacuum's transactions change no data analysed.)
	if err := a.pool.QueryRow(ctx, `SELECT coalesce(array_agg(l.transactionid::text), '{}') FROM pg_locks l
		JOIN pg_stat_activity s ON s.pid = l.pid WHERE l.locktype = 'transactionid' AND s.backend_type = 'client backend'`).Scan(&pending); err != nil {
		return nil, nil, fmt.Errorf("analysis %s: transactions in progress: %w", name, err)
	}
	tx, err := a.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return nil, nil, fmt.Errorf("analysis %s: %w", name, err)
	}
	defer tx.Rollback(ctx)
	var dataDate string
	if err := tx.QueryRow(ctx, `SELECT coalesce(max(finished_at), now())::date::text FROM ingest_batch WHERE status = 'committed'`).Scan(&dataDate); err != nil {
		return nil, nil, fmt.Errorf("analysis %s: %w", name, err)
	}
	var main *Table
	for _, pt := range s.parts {
		tname := name
		if pt.suffix != "" {
			tname += "-" + pt.suffix
		}
		t, err := table(ctx, tx, tname, pt.title(p), a.sql[s.file][pt.stmt], p, dataDate, pt.args(p)...)
		if err != nil {
			return nil, nil, err
		}
		if main == nil {
			main = t
		} else {
			main.More = append(main.More, t)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return nil, nil, fmt.Errorf("analysis %s: %w", name, err)
	}
	return main, pending, nil
}

func table(ctx context.Context, tx pgx.Tx, name, title, sql string, p Params, dataDate string, args ...any) (*Table, error) {
	rows, err := tx.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("analysis %s: %w", name, err)
	}
	defer rows.Close()
	t := &Table{Name: name, Title: title, Params: p, DataDate: dataDate, Rows: [][]any{}}
	for _, f := range rows.FieldDescriptions() {
		t.Columns = append(t.Columns, f.Name)
	}
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			return nil, fmt.Errorf("analysis %s: %w", name, err)
		}
		for i, v := range vals {
			vals[i] = plain(v)
		}
		t.Rows = append(t.Rows, vals)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("analysis %s: %w", name, err)
	}
	return t, nil
}

// resultCache keeps the latest results, the oldest dropped first.
type resultCache struct {
	mu      sync.Mutex
	max     int
	entries map[string]*cached
	order   []string
}

type cached struct {
	t       *Table
	version int64
	pending []string // ids of the transactions writing just before the result's snapshot
}

func (c *resultCache) get(k string) *cached {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.entries[k]
}

func (c *resultCache) put(k string, e *cached) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.entries[k]; !ok {
		c.order = append(c.order, k)
	}
	c.entries[k] = e
	for len(c.order) > c.max {
		delete(c.entries, c.order[0])
		c.order = c.order[1:]
	}
}

// Routes mounts GET /api/analysis (the analyses with their parameters and
// charts, see Info) and GET /api/analysis/{name} (a result), for planners.
func (a *Analyst) Routes(r fiber.Router) {
	r.Get("/api/analysis", web.Require(access.AudiencePlanner, func(c *fiber.Ctx) error {
		return c.JSON(fiber.Map{"analyses": a.List()})
	}))
	r.Get("/api/analysis/:name", web.Require(access.AudiencePlanner, func(c *fiber.Ctx) error {
		p := Params{TERC: c.Query("municipality"), Date: c.Query("date"), DistrictKind: c.Query("district_kind"),
			From: c.Query("from"), To: c.Query("to")}
		for name, dst := range map[string]*int{"inspection_days": &p.InspectionDays, "from_year": &p.FromYear,
			"to_year": &p.ToYear, "cell_m": &p.CellM} {
			if v := c.Query(name); v != "" {
				n, err := strconv.Atoi(v)
				if err != nil {
					return fiber.NewError(fiber.StatusBadRequest, name+" must be a whole number")
				}
				*dst = n
			}
		}
		t, err := a.Run(c.UserContext(), c.Params("name"), p)
		if errors.Is(err, ErrParams) {
			return fiber.NewError(fiber.StatusBadRequest, err.Error())
		}
		if err != nil {
			return err
		}
		return c.JSON(t)
	}))
}

// plain turns database numerics into float64 and dates into YYYY-MM-DD
// for JSON and tables.
func plain(v any) any {
	switch x := v.(type) {
	case pgtype.Numeric:
		f, err := x.Float64Value()
		if err != nil || !f.Valid {
			return nil
		}
		return f.Float64
	case time.Time:
		if x.Location() == time.UTC && x.Equal(x.Truncate(24*time.Hour)) {
			return x.Format(day)
		}
	}
	return v
}
