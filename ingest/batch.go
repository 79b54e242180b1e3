package ingest

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ladgis/lad/audit"
)

// auditActor is who the audit log names for a batch's writes: the actor
// the context carries (the signed-in uploader, the operator's command), or
// else ład itself on behalf of opts.Actor.
func auditActor(ctx context.Context, opts Options) string {
	if a, ok := audit.FromContext(ctx); ok {
		return a
	}
	if opts.Actor == "" || opts.Actor == "system" {
		return audit.System("ingest")
	}
	return audit.System(opts.Actor)
}

// batch is one file being loaded inside one transaction.
type batch struct {
	tx      pgx.Tx
	batchID int64
	name    string
	kind    Kind
	opts    Options
	report  *Report
	log     *slog.Logger
	// fatal, when set by a loader, rolls the whole batch back (the
	// rejections are still recorded).
	fatal error
	// stages are the batch's staging tables (at most one COPY runs).
	stages []*stage
}

// abortStages ends any COPY still running when the batch fails.
func (b *batch) abortStages() {
	for _, s := range b.stages {
		s.abort()
	}
}

// endStages waits for any COPY still running before the batch closes.
func (b *batch) endStages(ctx context.Context) error {
	for _, s := range b.stages {
		if err := s.flush(ctx); err != nil {
			return err
		}
	}
	return nil
}

func (b *batch) open(ctx context.Context) error {
	if err := audit.WithActor(ctx, b.tx, auditActor(ctx, b.opts)); err != nil {
		return err
	}
	// Set-based validation hashes and sorts whole files (keys, lines):
	// more memory for this transaction keeps a million-record batch off
	// temporary files.
	if _, err := b.tx.Exec(ctx, "SET LOCAL work_mem = '64MB'"); err != nil {
		return fmt.Errorf("configure batch: %w", err)
	}
	err := b.tx.QueryRow(ctx, `INSERT INTO ingest_batch (kind, format, source_name, sha256, terc, created_by, options)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
		string(b.kind), b.report.Format, b.name, b.report.SHA256, nullIfEmpty(b.opts.TERC), b.opts.Actor, b.opts.key()).Scan(&b.batchID)
	if err != nil {
		return fmt.Errorf("record batch: %w", err)
	}
	b.report.BatchID = b.batchID
	return nil
}

func (b *batch) close(ctx context.Context, status string, d time.Duration) error {
	if err := b.endStages(ctx); err != nil {
		return err
	}
	if err := b.writeRejections(ctx); err != nil {
		return err
	}
	_, err := b.tx.Exec(ctx, `UPDATE ingest_batch SET status = $2, finished_at = now(), duration_ms = $3,
		records_read = $4, records_inserted = $5, records_updated = $6, records_unchanged = $7,
		records_rejected = $8, message = $9 WHERE id = $1`,
		b.batchID, status, d.Milliseconds(), b.report.Read, b.report.Inserted, b.report.Updated,
		b.report.Unchanged, b.report.Rejected, b.report.Message)
	if err != nil {
		return fmt.Errorf("record batch result: %w", err)
	}
	return nil
}

// reject records a record that is not loaded. The reasons are kept with
// the report and written to ingest_rejection when the batch closes (one
// COPY), so that rejecting never interrupts a running staging COPY.
func (b *batch) reject(ctx context.Context, r Rejection) error {
	if r.Source == "" {
		r.Source = b.name
	}
	if r.Severity == "" {
		r.Severity = "error"
	}
	if r.Severity == "error" {
		b.report.Rejected++
	}
	b.report.Rejections = append(b.report.Rejections, r)
	return nil
}

// writeRejections stores the report's rejections under the batch.
func (b *batch) writeRejections(ctx context.Context) error {
	rs := b.report.Rejections
	_, err := b.tx.CopyFrom(ctx, pgx.Identifier{"ingest_rejection"},
		[]string{"batch_id", "source_name", "line", "feature_id", "field", "reason", "severity"},
		pgx.CopyFromSlice(len(rs), func(i int) ([]any, error) {
			r := rs[i]
			var line *int32
			if r.Line > 0 {
				l := int32(r.Line)
				line = &l
			}
			return []any{b.batchID, r.Source, line, nullIfEmpty(r.FeatureID), nullIfEmpty(r.Field), r.Reason, r.Severity}, nil
		}))
	if err != nil {
		return fmt.Errorf("record rejections: %w", err)
	}
	return nil
}

// collectRejections moves rejections found by SQL validation (rows of a
// staging table's query: line, feature id, field, reason, severity) into
// the report, and returns the lines found.
func (b *batch) collectRejections(ctx context.Context, query string, args ...any) ([]int32, error) {
	rows, err := b.tx.Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("validate: %w", err)
	}
	var found []Rejection
	for rows.Next() {
		var r Rejection
		var line *int
		var fid, field *string
		if err := rows.Scan(&line, &fid, &field, &r.Reason, &r.Severity); err != nil {
			rows.Close()
			return nil, fmt.Errorf("validate: %w", err)
		}
		if line != nil {
			r.Line = *line
		}
		if fid != nil {
			r.FeatureID = *fid
		}
		if field != nil {
			r.Field = *field
		}
		found = append(found, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("validate: %w", err)
	}
	lines := make([]int32, 0, len(found))
	for _, r := range found {
		if err := b.reject(ctx, r); err != nil {
			return nil, err
		}
		lines = append(lines, int32(r.Line))
	}
	return lines, nil
}

// Formats ład reads.
const (
	FormatGeoJSON   = "geojson"     // RFC 7946 or with a "crs" member (EPSG:2176–2180…)
	FormatAPPGML    = "app-gml"     // APP 1.0/2.0 WFS FeatureCollection
	FormatINSPIRE   = "inspire-plu" // INSPIRE Planned Land Use GML
	FormatParcelGML = "parcel-gml"  // EGiB GML, INSPIRE Cadastral Parcels, KIEG WFS
	FormatRWDZ      = "rwdz-csv"    // GUNB register export (permits or notifications)
	FormatCityCSV   = "city-csv"    // city permit registers (e.g. Wrocław, CP1250)
	FormatULDK      = "uldk"        // ULDK GetParcelById responses
	FormatCSV       = "csv"         // generic CSV with coordinates (carriers, inspections)
	FormatJSON      = "json"        // JSON array of records (inspections)
)

// sniff guesses a file's format from its name and first bytes.
func sniff(kind Kind, name string, r io.ReadSeeker) (string, error) {
	head := make([]byte, 4096)
	n, _ := io.ReadFull(r, head)
	head = head[:n]
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return "", err
	}
	head = bytes.TrimPrefix(head, []byte("\xef\xbb\xbf"))
	trimmed := bytes.TrimSpace(head)
	ext := strings.ToLower(filepath.Ext(name))
	switch {
	case len(trimmed) > 0 && trimmed[0] == '<':
		if kind == KindParcels {
			return FormatParcelGML, nil
		}
		if bytes.Contains(head, []byte("inspire.ec.europa.eu/schemas/plu")) {
			return FormatINSPIRE, nil
		}
		return FormatAPPGML, nil
	case len(trimmed) > 0 && trimmed[0] == '{':
		if bytes.Contains(head, []byte(`"responses"`)) && bytes.Contains(head, []byte("uldk")) {
			return FormatULDK, nil
		}
		return FormatGeoJSON, nil
	case len(trimmed) > 0 && trimmed[0] == '[':
		return FormatJSON, nil
	case bytes.HasPrefix(trimmed, []byte("0\n")) || bytes.HasPrefix(trimmed, []byte("-1\n")) || ext == ".uldk":
		return FormatULDK, nil
	case ext == ".csv" || ext == ".txt":
		if bytes.Contains(head, []byte("numer_gunb")) || bytes.Contains(head, []byte("numer_ewidencyjny_system")) {
			return FormatRWDZ, nil
		}
		if kind == KindPermits {
			return FormatCityCSV, nil
		}
		return FormatCSV, nil
	}
	return "", fmt.Errorf("cannot tell the format of %s (give --format: %s)", name, strings.Join(FormatsFor(kind), ", "))
}

// unzipSingle opens a ZIP holding exactly one data file; other files pass
// through unchanged.
func unzipSingle(rs io.ReadSeeker, size int64, name string) (io.ReadSeeker, string, func(), error) {
	none := func() {}
	magic := make([]byte, 4)
	n, _ := io.ReadFull(rs, magic)
	if _, err := rs.Seek(0, io.SeekStart); err != nil {
		return nil, "", none, err
	}
	if n < 4 || string(magic) != "PK\x03\x04" {
		return rs, name, none, nil
	}
	ra, ok := rs.(io.ReaderAt)
	if !ok {
		return nil, "", none, fmt.Errorf("zip archive is not seekable")
	}
	zr, err := zip.NewReader(ra, size)
	if err != nil {
		return nil, "", none, fmt.Errorf("open zip: %w", err)
	}
	var files []*zip.File
	for _, f := range zr.File {
		if !f.FileInfo().IsDir() && !strings.HasPrefix(filepath.Base(f.Name), ".") {
			files = append(files, f)
		}
	}
	if len(files) != 1 {
		return nil, "", none, fmt.Errorf("zip archive must hold exactly one data file, it holds %d", len(files))
	}
	f, err := files[0].Open()
	if err != nil {
		return nil, "", none, fmt.Errorf("open %s in zip: %w", files[0].Name, err)
	}
	defer f.Close()
	// Extract to a seekable temporary copy: parsers stream from it.
	tmp, cleanup, err := spool(struct{ io.Reader }{f})
	if err != nil {
		return nil, "", none, err
	}
	return tmp, files[0].Name, cleanup, nil
}

func sortedStrings(s []string) []string {
	sort.Strings(s)
	return s
}

// eachFeature reads every feature of a GeoJSON stream, counts it as read
// and hands it to fn; a broken file structure ends the batch.
func (b *batch) eachFeature(gr *GeoJSONReader, fn func(f *Feature) error) error {
	for {
		f, err := gr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read GeoJSON: %w", err)
		}
		b.report.Read++
		if err := fn(f); err != nil {
			return err
		}
	}
}

// eachRow reads every record (CSV row or JSON object) from next, counts it
// as read and hands it to fn; an unreadable record is rejected with its line
// and reading goes on.
func (b *batch) eachRow(ctx context.Context, next func() (map[string]string, int, error), fn func(rec map[string]string, line int) error) error {
	for {
		rec, line, err := next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		b.report.Read++
		if err != nil {
			if err := b.reject(ctx, Rejection{Line: line, Reason: err.Error()}); err != nil {
				return err
			}
			continue
		}
		if err := fn(rec, line); err != nil {
			return err
		}
	}
}
