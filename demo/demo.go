// Package demo fills an empty database with a believable city: Wrocław's
// real districts (osiedla) and real geocoded building permits, plus
// generated — deterministically, from a fixed seed — cadastral parcels,
// local plans (MPZP) with designations, a general plan (POG) with planning
// zones and infill areas (OUZ), register permits and zoning decisions on the
// parcels, a landscape resolution with zones and rules, advertising
// carriers with inspections and enforcement, and a public consultation with
// comments. Everything that has a file format enters through package ingest,
// exactly as a city's own files would; consultations, which have none, are
// written by SQL from sql/demo.
package demo

import (
	"bytes"
	"context"
	"embed"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"
	"github.com/paulmach/orb/planar"

	"github.com/ladgis/lad/audit"
	"github.com/ladgis/lad/ingest"
	ladsql "github.com/ladgis/lad/sql"
)

//go:embed data/*.geojson data/*.csv
var files embed.FS

// The demo city.
const (
	TERC = "0264011"  // Wrocław (gmina miejska)
	Unit = "026401_1" // its cadastral unit
	seed = 20261123
)

// centre of Wrocław (Rynek) in EPSG:2180.
var centre = orb.Point{362280, 362199}

// Loader loads the demo city.
type Loader struct {
	pool *pgxpool.Pool
	ing  *ingest.Ingester
	log  *slog.Logger
	// Today is the date the demo is loaded on: the consultation is open
	// around it. Zero means time.Now().
	Today time.Time
}

// New returns a Loader writing through pool.
func New(pool *pgxpool.Pool, log *slog.Logger) *Loader {
	return &Loader{pool: pool, ing: ingest.New(pool, log), log: log}
}

// Load fills an empty database with the demo city and reports whether it
// did; a database that already holds a municipality is left alone. The
// audit log names the actor ctx carries (audit.NewContext), or system:demo.
func (l *Loader) Load(ctx context.Context) (bool, error) {
	if _, ok := audit.FromContext(ctx); !ok {
		ctx = audit.NewContext(ctx, audit.System("demo"))
	}
	var exists bool
	if err := l.pool.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM municipality)").Scan(&exists); err != nil {
		return false, fmt.Errorf("demo: check database: %w", err)
	}
	if exists {
		return false, nil
	}
	if l.Today.IsZero() {
		l.Today = time.Now().UTC()
	}
	start := time.Now()
	l.log.Info("loading the demo city (Wrocław)")
	if err := l.embedded(ctx, ingest.KindDistricts, "data/wroclaw_osiedla_2016_epsg2177.geojson",
		ingest.Options{TERC: TERC, Mapping: map[string]string{"municipality": "Wrocław"}}); err != nil {
		return false, err
	}
	districts, err := l.districts(ctx)
	if err != nil {
		return false, err
	}
	g := newCity(districts)
	steps := []step{
		{"dzialki.geojson", ingest.KindParcels, g.parcelsGeoJSON, ingest.Options{}},
		{"pog.geojson", ingest.KindPlan, g.pogGeoJSON, ingest.Options{}},
		{"rwdz_pozwolenia.csv", ingest.KindPermits, func() []byte { return g.rwdzCSV("permit") }, ingest.Options{TERC: TERC}},
		{"rwdz_zgloszenia.csv", ingest.KindPermits, func() []byte { return g.rwdzCSV("notification") }, ingest.Options{TERC: TERC}},
		{"decyzje_wz.csv", ingest.KindPermits, func() []byte { return g.rwdzCSV("zoning_decision") }, ingest.Options{TERC: TERC}},
		{"uchwala_krajobrazowa.geojson", ingest.KindAds, g.landscapeGeoJSON, ingest.Options{TERC: TERC}},
		{"nosniki.csv", ingest.KindAds, g.carriersCSV, ingest.Options{TERC: TERC, SRID: 2180}},
		{"kontrole.csv", ingest.KindAds, g.inspectionsCSV, ingest.Options{TERC: TERC}},
		{"postepowania.csv", ingest.KindAds, g.enforcementCSV, ingest.Options{TERC: TERC}},
		{"kary.csv", ingest.KindAds, g.penaltiesCSV, ingest.Options{TERC: TERC}},
	}
	for i, p := range g.plans {
		plan := p
		steps = append(steps, step{fmt.Sprintf("mpzp_%02d.geojson", i+1), ingest.KindPlan, func() []byte { return g.planGeoJSON(plan) }, ingest.Options{}})
	}
	if len(g.plans) > 0 && g.plans[0].amended {
		a := amendment(g.plans[0])
		steps = append(steps, step{"mpzp_01_zmiana.geojson", ingest.KindPlan, func() []byte { return g.planGeoJSON(a) }, ingest.Options{}})
	}
	for _, s := range steps {
		if err := l.ingestBytes(ctx, s.kind, s.name, s.data(), s.opts); err != nil {
			return false, err
		}
	}
	for _, f := range []string{"data/pozwolenia_wroclaw_2008-2009_cz01_cp1250.csv", "data/pozwolenia_wroclaw_2015_cz14_cp1250.csv"} {
		if err := l.embedded(ctx, ingest.KindPermits, f, ingest.Options{TERC: TERC}); err != nil {
			return false, err
		}
	}
	if err := l.consultation(ctx, g); err != nil {
		return false, err
	}
	l.log.Info("demo city loaded", "parcels", len(g.parcels), "plans", len(g.plans)+1, "took", time.Since(start).Round(time.Millisecond))
	return true, nil
}

// step is one generated file and how it is ingested.
type step struct {
	name string
	kind ingest.Kind
	data func() []byte
	opts ingest.Options
}

func (l *Loader) embedded(ctx context.Context, kind ingest.Kind, name string, opts ingest.Options) error {
	b, err := files.ReadFile(name)
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	return l.ingestBytes(ctx, kind, name, b, opts)
}

func (l *Loader) ingestBytes(ctx context.Context, kind ingest.Kind, name string, data []byte, opts ingest.Options) error {
	opts.Actor = "demo"
	rep, err := l.ing.Reader(ctx, kind, name, bytes.NewReader(data), opts)
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	if rep.Status == "failed" {
		var why []string
		for i, r := range rep.Errors() {
			if i == 5 {
				break
			}
			why = append(why, r.String())
		}
		return fmt.Errorf("demo: %s was rejected: %s: %s", name, rep.Message, strings.Join(why, "; "))
	}
	l.log.Debug("demo file loaded", "file", name, "inserted", rep.Inserted, "rejected", rep.Rejected)
	return nil
}

// district is one real osiedle, read back from the database.
type district struct {
	name  string
	obreb int
	geom  orb.MultiPolygon
	bound orb.Bound
}

func (l *Loader) districts(ctx context.Context) ([]district, error) {
	rows, err := l.pool.Query(ctx, `SELECT name, ST_AsBinary(geom) FROM district WHERE terc = $1 ORDER BY name`, TERC)
	if err != nil {
		return nil, fmt.Errorf("demo: read districts: %w", err)
	}
	defer rows.Close()
	var out []district
	for rows.Next() {
		var name string
		var b []byte
		if err := rows.Scan(&name, &b); err != nil {
			return nil, err
		}
		g, err := wkb.Unmarshal(b)
		if err != nil {
			return nil, fmt.Errorf("demo: district %s: %w", name, err)
		}
		mp, ok := g.(orb.MultiPolygon)
		if !ok {
			return nil, fmt.Errorf("demo: district %s is not a multipolygon", name)
		}
		out = append(out, district{name: name, obreb: len(out) + 1, geom: mp, bound: mp.Bound()})
	}
	return out, rows.Err()
}

// consultation writes the consultation of the draft plan, its comments and
// the fee rates in one transaction.
func (l *Loader) consultation(ctx context.Context, g *city) error {
	q := ladsql.MustNamed(ladsql.Demo(), "consultation.sql")
	return audit.Begin(ctx, l.pool, func(tx pgx.Tx) error { return l.consultationIn(ctx, tx, q, g) })
}

// consultationIn writes the consultation of draft plan g.draft through tx.
func (l *Loader) consultationIn(ctx context.Context, tx pgx.Tx, q map[string]string, g *city) error {
	draft := g.draft
	var planID int64
	if err := tx.QueryRow(ctx, q["draft_plan"], draft.localID).Scan(&planID); err != nil {
		return fmt.Errorf("demo: find draft plan: %w", err)
	}
	opens := l.Today.AddDate(0, 0, -7)
	closes := l.Today.AddDate(0, 0, 21)
	var cid int64
	if err := tx.QueryRow(ctx, q["consultation"], TERC, planID, "Konsultacje społeczne projektu: "+draft.title,
		"Zapraszamy do zapoznania się z projektem planu i zgłaszania uwag: przez mapę, formularz lub na spotkaniu w Urzędzie.",
		opens.Format("2006-01-02"), closes.Format("2006-01-02")).Scan(&cid); err != nil {
		return fmt.Errorf("demo: consultation: %w", err)
	}
	r := rand.New(rand.NewPCG(seed, 7))
	for i, c := range g.comments(r, draft) {
		var id int64
		receipt := fmt.Sprintf("KS/%d/%04d", opens.Year(), i+1)
		submitted := opens.Add(time.Duration(r.IntN(6*24)) * time.Hour)
		if err := tx.QueryRow(ctx, q["comment"], cid, receipt, draft.localID, c.designation, c.body, c.owner, submitted, c.wkt).Scan(&id); err != nil {
			return fmt.Errorf("demo: comment %d: %w", i+1, err)
		}
		if _, err := tx.Exec(ctx, q["author"], id, c.name, c.address, c.email); err != nil {
			return fmt.Errorf("demo: comment author %d: %w", i+1, err)
		}
		if c.answer != "" {
			if _, err := tx.Exec(ctx, q["answer"], id, c.answer, c.reason); err != nil {
				return fmt.Errorf("demo: answer %d: %w", i+1, err)
			}
		}
	}
	if _, err := tx.Exec(ctx, q["fee_rates"], TERC); err != nil {
		return fmt.Errorf("demo: fee rates: %w", err)
	}
	return nil
}

// writer helpers shared by the generators.
type buf struct{ bytes.Buffer }

func (b *buf) f(format string, args ...any) { fmt.Fprintf(&b.Buffer, format, args...) }

func inCity(ds []district, p orb.Point) int {
	for i := range ds {
		if ds[i].bound.Contains(p) && planar.MultiPolygonContains(ds[i].geom, p) {
			return i
		}
	}
	return -1
}

func dist(a, b orb.Point) float64 { return math.Hypot(a[0]-b[0], a[1]-b[1]) }
