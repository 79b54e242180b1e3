// Package ingest brings a municipality's files into PostGIS: spatial plans
// (APP GML, INSPIRE PLU, GeoJSON), cadastral parcels, building permits and
// decisions (RWDZ CSV, city registers) and advertising records. It is the
// first step of the flow ingest → PostGIS → layers → tiles/queries/analyses
// → web.
//
// One file is one batch in one transaction: records are parsed as a stream,
// copied into temporary staging tables, validated and merged by SQL (sql/ingest),
// so a file commits whole or not at all. Every batch is recorded in
// ingest_batch with its SHA-256, and every rejected record in ingest_rejection
// with its line or feature id, field and reason. Re-ingesting the same file
// changes nothing.
package ingest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Kind is the family of records a file holds.
type Kind string

// The kinds of file ład ingests.
const (
	KindPlan      Kind = "plan"      // planning acts and their zones
	KindParcels   Kind = "parcels"   // cadastral parcels
	KindPermits   Kind = "permits"   // building permits, notifications, zoning decisions
	KindAds       Kind = "ads"       // landscape zones, carriers, inspections
	KindDistricts Kind = "districts" // districts (osiedla) and municipalities
)

// Kinds lists every kind, for help texts and validation.
var Kinds = []Kind{KindPlan, KindParcels, KindPermits, KindAds, KindDistricts}

// Options tune one ingest run.
type Options struct {
	// TERC of the municipality, for files that do not say.
	TERC string
	// SRID of the source coordinates when the file does not say (0: the
	// format's default, e.g. CRS84 for GeoJSON).
	SRID int
	// Format forces a format (see Formats); empty means sniffed from the
	// name and content.
	Format string
	// DryRun validates and reports without writing anything.
	DryRun bool
	// Repair makes invalid geometries valid with ST_MakeValid and records
	// the repair, instead of rejecting the record.
	Repair bool
	// Actor is who runs the ingest (login or "system"), recorded with the
	// batch. The audit log names the actor ctx carries (audit.NewContext),
	// or system:<Actor> when it carries none.
	Actor string
	// Mapping maps target fields to source property names, for GeoJSON and
	// CSV files whose names differ from ład's defaults.
	Mapping map[string]string
	// Progress, if set, is called now and then with bytes read and records
	// parsed so far.
	Progress func(bytes int64, records int)
}

// key is the canonical text of the options that change what a file yields.
func (o Options) key() string {
	keys := make([]string, 0, len(o.Mapping))
	for k, v := range o.Mapping {
		keys = append(keys, k+"="+v)
	}
	sort.Strings(keys)
	return fmt.Sprintf("repair=%v srid=%d format=%s mapping=%s", o.Repair, o.SRID, o.Format, strings.Join(keys, ","))
}

// Rejection is one record that did not go in, and why.
type Rejection struct {
	Source    string `json:"source"`
	Line      int    `json:"line,omitempty"`       // CSV line, 1-based (header is 1)
	FeatureID string `json:"feature_id,omitempty"` // GML id, GeoJSON id or index, register number
	Field     string `json:"field,omitempty"`
	Reason    string `json:"reason"`
	Severity  string `json:"severity"` // error (not loaded), repaired or warning (loaded)
}

func (r Rejection) String() string {
	var where []string
	where = append(where, r.Source)
	if r.Line > 0 {
		where = append(where, fmt.Sprintf("line %d", r.Line))
	}
	if r.FeatureID != "" {
		where = append(where, "feature "+r.FeatureID)
	}
	if r.Field != "" {
		where = append(where, "field "+r.Field)
	}
	return strings.Join(where, " ") + ": " + r.Reason
}

// Report is the outcome of one batch.
type Report struct {
	BatchID    int64         `json:"batch_id"`
	Kind       Kind          `json:"kind"`
	Format     string        `json:"format"`
	Source     string        `json:"source"`
	SHA256     string        `json:"sha256"`
	Status     string        `json:"status"` // committed, unchanged, failed, dry-run
	Read       int           `json:"read"`
	Inserted   int           `json:"inserted"`
	Updated    int           `json:"updated"`
	Unchanged  int           `json:"unchanged"`
	Rejected   int           `json:"rejected"`
	Rejections []Rejection   `json:"rejections,omitempty"`
	Duration   time.Duration `json:"duration_ns"`
	Message    string        `json:"message,omitempty"`
}

// Errors records rejections of severity "error" (records not loaded).
func (r *Report) Errors() []Rejection {
	var out []Rejection
	for _, x := range r.Rejections {
		if x.Severity == "error" {
			out = append(out, x)
		}
	}
	return out
}

// Ingester loads files into the database.
type Ingester struct {
	pool *pgxpool.Pool
	log  *slog.Logger
}

// New returns an Ingester writing through pool.
func New(pool *pgxpool.Pool, log *slog.Logger) *Ingester {
	return &Ingester{pool: pool, log: log}
}

// File ingests one file. A ZIP holding exactly one data file is opened
// directly.
func (in *Ingester) File(ctx context.Context, kind Kind, path string, opts Options) (*Report, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("ingest %s: %w", path, err)
	}
	defer f.Close()
	return in.Reader(ctx, kind, filepath.Base(path), f, opts)
}

// Reader ingests a file given as a stream under a display name (used in
// messages and to sniff the format). The stream is spooled to a temporary
// file when it is not seekable, so that its SHA-256 is known before any
// record is written.
func (in *Ingester) Reader(ctx context.Context, kind Kind, name string, r io.Reader, opts Options) (*Report, error) {
	start := time.Now()
	src, cleanup, err := spool(r)
	if err != nil {
		return nil, fmt.Errorf("ingest %s: %w", name, err)
	}
	defer cleanup()
	sum, size, err := hashOf(src)
	if err != nil {
		return nil, fmt.Errorf("ingest %s: %w", name, err)
	}
	data, innerName, unzipped, err := unzipSingle(src, size, name)
	if err != nil {
		return nil, fmt.Errorf("ingest %s: %w", name, err)
	}
	defer unzipped()
	format := opts.Format
	if format == "" {
		format, err = sniff(kind, innerName, data)
		if err != nil {
			return nil, fmt.Errorf("ingest %s: %w", name, err)
		}
	}
	load, ok := loaders[loaderKey{kind, format}]
	if !ok {
		return nil, fmt.Errorf("ingest %s: a %s file cannot hold %s records (formats for %s: %s)", name, format, kind, kind, strings.Join(FormatsFor(kind), ", "))
	}
	if opts.Actor == "" {
		opts.Actor = "system"
	}
	rep := &Report{Kind: kind, Format: format, Source: name, SHA256: sum}

	if !opts.DryRun {
		// The same bytes already committed for this kind and municipality:
		// nothing to do.
		var prev int64
		err := in.pool.QueryRow(ctx, `SELECT id FROM ingest_batch WHERE kind = $1 AND sha256 = $2
			AND coalesce(terc, '') = coalesce($3, '') AND options = $4 AND status = 'committed' ORDER BY id DESC LIMIT 1`,
			string(kind), sum, nullIfEmpty(opts.TERC), opts.key()).Scan(&prev)
		if err == nil {
			rep.BatchID = prev
			rep.Status = "unchanged"
			rep.Message = fmt.Sprintf("the same file was ingested as batch %d: nothing changed", prev)
			rep.Duration = time.Since(start)
			return rep, nil
		} else if !errors.Is(err, pgx.ErrNoRows) {
			return nil, fmt.Errorf("ingest %s: look up earlier batches: %w", name, err)
		}
	}

	b := &batch{name: name, opts: opts, report: rep, kind: kind, log: in.log}
	err = pgx.BeginFunc(ctx, in.pool, func(tx pgx.Tx) error {
		b.tx = tx
		if err := b.open(ctx); err != nil {
			return err
		}
		cr := &countingReader{r: data, progress: opts.Progress, records: &rep.Read}
		if err := load(ctx, b, cr); err != nil {
			b.abortStages()
			return err
		}
		if b.fatal != nil {
			b.abortStages()
			return b.fatal
		}
		if opts.DryRun {
			b.abortStages()
			return errDryRun
		}
		return b.close(ctx, "committed", time.Since(start))
	})
	rep.Duration = time.Since(start)
	switch {
	case errors.Is(err, errDryRun):
		rep.Status = "dry-run"
		rep.BatchID = 0
		return rep, nil
	case err != nil:
		rep.Status = "failed"
		rep.Inserted, rep.Updated, rep.Unchanged = 0, 0, 0
		if rep.Message == "" {
			rep.Message = err.Error()
		}
		if !opts.DryRun {
			// The data rolled back; the batch and its reasons are kept.
			if rerr := in.recordFailure(ctx, b, sum); rerr != nil {
				in.log.Error("record failed batch", "source", name, "err", rerr)
			}
		}
		var rej *rejectedError
		if errors.As(err, &rej) {
			return rep, nil // the report says why; nothing else went wrong
		}
		return rep, fmt.Errorf("ingest %s: %w", name, err)
	}
	rep.Status = "committed"
	return rep, nil
}

var errDryRun = errors.New("dry run")

// rejectedError fails a batch because of its records' defects (for kinds
// where a partial load would be wrong, such as a planning act).
type rejectedError struct{ n int }

func (e *rejectedError) Error() string {
	return fmt.Sprintf("%d defect(s) found: nothing was loaded", e.n)
}

func (in *Ingester) recordFailure(ctx context.Context, b *batch, sum string) error {
	return pgx.BeginFunc(ctx, in.pool, func(tx pgx.Tx) error {
		b.tx = tx
		b.batchID = 0
		b.stages = nil
		if err := b.open(ctx); err != nil {
			return err
		}
		return b.close(ctx, "failed", b.report.Duration)
	})
}

func nullIfEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

type loaderKey struct {
	kind   Kind
	format string
}

// loadFunc reads records from r and writes them through b's transaction.
type loadFunc func(ctx context.Context, b *batch, r io.Reader) error

// loaders is the fixed table of what each format can hold; it is built at
// compile time, never changed at run time.
var loaders = map[loaderKey]loadFunc{
	{KindParcels, FormatGeoJSON}:   loadParcelsGeoJSON,
	{KindDistricts, FormatGeoJSON}: loadDistrictsGeoJSON,
	{KindPlan, FormatGeoJSON}:      loadPlanGeoJSON,
	{KindPlan, FormatAPPGML}:       loadPlanAPP,
	{KindParcels, FormatULDK}:      loadParcelsULDK,
	{KindParcels, FormatParcelGML}: loadParcelsGML,
	{KindPlan, FormatINSPIRE}:      loadPlanINSPIRE,
	{KindPermits, FormatRWDZ}:      loadPermitsRWDZ,
	{KindPermits, FormatCityCSV}:   loadPermitsCity,
	{KindAds, FormatGeoJSON}:       loadAdsGeoJSON,
	{KindAds, FormatCSV}:           loadAdsCSV,
	{KindAds, FormatJSON}:          loadAdsJSON,
}

// FormatsFor lists the formats a kind can be read from.
func FormatsFor(kind Kind) []string {
	var out []string
	for k := range loaders {
		if k.kind == kind {
			out = append(out, k.format)
		}
	}
	return sortedStrings(out)
}

func spool(r io.Reader) (io.ReadSeeker, func(), error) {
	if rs, ok := r.(io.ReadSeeker); ok {
		return rs, func() {}, nil
	}
	f, err := os.CreateTemp("", "lad-ingest-*")
	if err != nil {
		return nil, nil, fmt.Errorf("spool upload: %w", err)
	}
	cleanup := func() { f.Close(); os.Remove(f.Name()) }
	if _, err := io.Copy(f, r); err != nil {
		cleanup()
		return nil, nil, fmt.Errorf("spool upload: %w", err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		cleanup()
		return nil, nil, err
	}
	return f, cleanup, nil
}

func hashOf(rs io.ReadSeeker) (string, int64, error) {
	h := sha256.New()
	n, err := io.Copy(h, rs)
	if err != nil {
		return "", 0, fmt.Errorf("read: %w", err)
	}
	if _, err := rs.Seek(0, io.SeekStart); err != nil {
		return "", 0, err
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

type countingReader struct {
	r        io.Reader
	n        int64
	progress func(int64, int)
	records  *int
	last     time.Time
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if c.progress != nil && time.Since(c.last) > 100*time.Millisecond {
		c.last = time.Now()
		c.progress(c.n, *c.records)
	}
	return n, err
}
