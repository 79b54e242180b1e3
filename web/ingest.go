package web

import (
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/ladgis/lad/access"
	"github.com/ladgis/lad/ingest"
)

// Ingest is the HTTP side of package ingest: upload a file as one batch,
// and read the batch log with the rejected records.
type Ingest struct {
	pool *pgxpool.Pool
	in   *ingest.Ingester
	log  *slog.Logger
}

// NewIngest returns the ingest endpoints over pool.
func NewIngest(pool *pgxpool.Pool, log *slog.Logger) *Ingest {
	return &Ingest{pool: pool, in: ingest.New(pool, log), log: log}
}

// Routes mounts the endpoints.
func (h *Ingest) Routes(r fiber.Router) {
	r.Post("/api/ingest", Require(access.AudiencePlanner, h.upload))
	r.Get("/api/ingest/batches", Require(access.AudiencePlanner, h.batches))
	r.Get("/api/ingest/batches/:id", Require(access.AudiencePlanner, h.batch))
}

// maxUpload bounds one uploaded file.
const maxUpload = 512 << 20

func (h *Ingest) upload(c *fiber.Ctx) error {
	s := Subject(c)
	kind := ingest.Kind(c.Query("kind"))
	valid := false
	for _, k := range ingest.Kinds {
		valid = valid || k == kind
	}
	if !valid {
		return bad(fmt.Sprintf("kind must be one of %v", ingest.Kinds))
	}
	fh, err := c.FormFile("file")
	if err != nil {
		return bad("send the file as multipart form field 'file'")
	}
	if fh.Size > maxUpload {
		return fiber.NewError(fiber.StatusRequestEntityTooLarge, "file too large")
	}
	f, err := fh.Open()
	if err != nil {
		return err
	}
	defer f.Close()
	opts := ingest.Options{TERC: c.Query("municipality"), DryRun: c.QueryBool("dry_run"), Repair: c.QueryBool("repair"),
		Format: c.Query("format"), Actor: s.Name()}
	if v := c.Query("srid"); v != "" {
		if opts.SRID, err = strconv.Atoi(v); err != nil {
			return bad("srid must be an EPSG code")
		}
	}
	rep, err := h.in.Reader(AuditContext(c), kind, fh.Filename, f, opts)
	if err != nil {
		if Unavailable(err) {
			return err
		}
		return fiber.NewError(fiber.StatusUnprocessableEntity, err.Error())
	}
	status := fiber.StatusOK
	if rep.Status == "committed" {
		status = fiber.StatusCreated
	}
	return c.Status(status).JSON(rep)
}

type batchRow struct {
	ID        int64      `json:"id"`
	Kind      string     `json:"kind"`
	Format    string     `json:"format"`
	Source    string     `json:"source"`
	SHA256    string     `json:"sha256"`
	TERC      *string    `json:"terc"`
	By        string     `json:"created_by"`
	Started   time.Time  `json:"started_at"`
	Finished  *time.Time `json:"finished_at"`
	Status    string     `json:"status"`
	Read      int        `json:"read"`
	Inserted  int        `json:"inserted"`
	Updated   int        `json:"updated"`
	Unchanged int        `json:"unchanged"`
	Rejected  int        `json:"rejected"`
	Duration  *int       `json:"duration_ms"`
	Message   string     `json:"message"`
}

const batchColumns = `id, kind, format, source_name, sha256, terc, created_by, started_at, finished_at, status,
	records_read, records_inserted, records_updated, records_unchanged, records_rejected, duration_ms, message`

func scanBatch(row pgx.Row) (batchRow, error) {
	var b batchRow
	err := row.Scan(&b.ID, &b.Kind, &b.Format, &b.Source, &b.SHA256, &b.TERC, &b.By, &b.Started, &b.Finished, &b.Status,
		&b.Read, &b.Inserted, &b.Updated, &b.Unchanged, &b.Rejected, &b.Duration, &b.Message)
	return b, err
}

func (h *Ingest) batches(c *fiber.Ctx) error {
	limit := c.QueryInt("limit", 50)
	if limit < 1 || limit > 1000 {
		return bad("limit must be 1–1000")
	}
	rows, err := h.pool.Query(c.UserContext(), `SELECT `+batchColumns+` FROM ingest_batch ORDER BY id DESC LIMIT $1`, limit)
	if err != nil {
		return err
	}
	defer rows.Close()
	out := []batchRow{}
	for rows.Next() {
		b, err := scanBatch(rows)
		if err != nil {
			return err
		}
		out = append(out, b)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	return c.JSON(fiber.Map{"batches": out})
}

func (h *Ingest) batch(c *fiber.Ctx) error {
	id, err := idParam(c, "id", "batch id")
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	b, err := scanBatch(h.pool.QueryRow(ctx, `SELECT `+batchColumns+` FROM ingest_batch WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return fiber.NewError(fiber.StatusNotFound, "no such batch")
	}
	if err != nil {
		return err
	}
	rows, err := h.pool.Query(ctx, `SELECT source_name, coalesce(line, 0), coalesce(feature_id, ''), coalesce(field, ''), reason, severity
		FROM ingest_rejection WHERE batch_id = $1 ORDER BY id LIMIT 10000`, id)
	if err != nil {
		return err
	}
	defer rows.Close()
	rej := []ingest.Rejection{}
	for rows.Next() {
		var r ingest.Rejection
		if err := rows.Scan(&r.Source, &r.Line, &r.FeatureID, &r.Field, &r.Reason, &r.Severity); err != nil {
			return err
		}
		rej = append(rej, r)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	return c.JSON(fiber.Map{"batch": b, "rejections": rej})
}
