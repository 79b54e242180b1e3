package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"mime/multipart"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/ladgis/lad/access"
	ladsql "github.com/ladgis/lad/sql"
)

// Limits of field uploads. Phones resize photos before sending (the web app
// does), so these only stop mistakes and abuse.
const (
	// MaxFieldPhotos is how many photos one inspection or carrier may carry.
	MaxFieldPhotos = 5
	// MaxPhotoBytes bounds one photo.
	MaxPhotoBytes = 10 << 20
	// MaxFieldRequestBytes bounds a whole field request (photos and fields);
	// the server's own body limit (Config.BodyLimit) applies as well.
	MaxFieldRequestBytes = 32 << 20
)

// Field serves the inspectors' field app: inspections and carriers recorded
// on phones (multipart with photos, idempotent by the phone's UUIDs), their
// photos, and a carrier's history. Writes are the inspectors' (access
// WriteField), reads are for inspectors and planners of the record's
// municipality.
type Field struct {
	pool *pgxpool.Pool
	log  *slog.Logger
	q    map[string]string
}

// NewField returns the field endpoints over pool.
func NewField(pool *pgxpool.Pool, log *slog.Logger) *Field {
	return &Field{pool: pool, log: log, q: ladsql.MustNamed(ladsql.Web(), "field.sql")}
}

// Routes mounts the endpoints.
func (f *Field) Routes(r fiber.Router) {
	r.Post("/api/inspections", RequireWrite(access.WriteField, f.addInspection))
	r.Get("/api/inspections/:id", Require(access.AudienceInspect, f.inspection))
	r.Get("/api/inspections/:id/photos/:n", Require(access.AudienceInspect, f.inspectionPhoto))
	r.Post("/api/carriers", RequireWrite(access.WriteField, f.addCarrier))
	r.Get("/api/carriers/:id/history", Require(access.AudienceInspect, f.history))
	r.Get("/api/carriers/:id/photos/:n", Require(access.AudienceInspect, f.carrierPhoto))
}

// ---- Reading a field request ---------------------------------------------

var uuidRe = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// parseUUID reads a UUID in its canonical text form (any case).
func parseUUID(s string) (string, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	return s, uuidRe.MatchString(s)
}

// values reads the text fields of a request: multipart form fields, or the
// members of a JSON object (new_carrier).
type values func(name string) string

func formValues(form *multipart.Form) values {
	return func(name string) string {
		if v := form.Value[name]; len(v) > 0 {
			return strings.TrimSpace(v[0])
		}
		return ""
	}
}

func jsonValues(raw string) (values, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(raw), &m); err != nil {
		return nil, err
	}
	return func(name string) string {
		v, ok := m[name]
		if !ok || string(v) == "null" {
			return ""
		}
		var s string
		if json.Unmarshal(v, &s) == nil {
			return strings.TrimSpace(s)
		}
		return strings.TrimSpace(string(v))
	}, nil
}

// problems collects what is wrong with a request, to answer all at once.
type problems []string

func (p *problems) add(format string, args ...any) { *p = append(*p, fmt.Sprintf(format, args...)) }

func (p problems) err() error {
	if len(p) == 0 {
		return nil
	}
	return bad(strings.Join(p, "; "))
}

// number reads an optional number in [min, max].
func (p *problems) number(v values, name string, min, max float64, unit string) *float64 {
	s := v(name)
	if s == "" {
		return nil
	}
	x, err := strconv.ParseFloat(strings.ReplaceAll(s, ",", "."), 64)
	if err != nil || x < min || x > max {
		p.add("%s must be a number from %g to %g %s", name, min, max, unit)
		return nil
	}
	return &x
}

// time reads an optional time on the phone's clock: RFC 3339, not in the
// future (10 minutes of clock skew allowed) and at most a year ago.
func (p *problems) time(v values, name string, now time.Time) *time.Time {
	s := v(name)
	if s == "" {
		return nil
	}
	at, err := time.Parse(time.RFC3339, s)
	switch {
	case err != nil:
		p.add("%s must be a time like 2025-06-01T10:30:00+02:00 (RFC 3339)", name)
	case at.After(now.Add(10 * time.Minute)):
		p.add("%s is in the future: check the phone's clock", name)
	case at.Before(now.AddDate(-1, 0, 0)):
		p.add("%s is more than a year ago", name)
	default:
		return &at
	}
	return nil
}

func boolValue(s string) bool {
	switch strings.ToLower(s) {
	case "true", "on", "1", "yes", "tak":
		return true
	}
	return false
}

// text reads an optional text of at most max characters.
func (p *problems) text(v values, name string, max int) string {
	s := v(name)
	if !utf8.ValidString(s) || utf8.RuneCountInString(s) > max {
		p.add("%s must be text of at most %d characters", name, max)
		return ""
	}
	return s
}

// position is where a phone was, in WGS 84, with the accuracy it reported.
type position struct {
	Lon, Lat float64
	Accuracy *float64
}

// position reads lon, lat and accuracy_m: both coordinates or none.
func (p *problems) position(v values, required bool) *position {
	lon, lat := v("lon"), v("lat")
	if lon == "" && lat == "" {
		if required {
			p.add("lon and lat (WGS 84 degrees) are required")
		}
		return nil
	}
	x, err1 := strconv.ParseFloat(lon, 64)
	y, err2 := strconv.ParseFloat(lat, 64)
	if err1 != nil || err2 != nil || x < 14 || x > 24.2 || y < 49 || y > 55 {
		p.add("lon and lat must be WGS 84 degrees within Poland")
		return nil
	}
	return &position{Lon: x, Lat: y, Accuracy: p.number(v, "accuracy_m", 0, 100000, "m")}
}

func (pos *position) args() (lon, lat, acc *float64) {
	if pos == nil {
		return nil, nil, nil
	}
	return &pos.Lon, &pos.Lat, pos.Accuracy
}

// photo is an uploaded image whose content was checked.
type photo struct {
	contentType string
	sha256      string
	data        []byte
}

// imageType tells a JPEG, PNG or WebP image by its first bytes (its magic
// number), whatever its name or declared type say; "" for anything else.
func imageType(b []byte) string {
	switch {
	case len(b) >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF:
		return "image/jpeg"
	case len(b) >= 8 && bytes.Equal(b[:8], []byte("\x89PNG\r\n\x1a\n")):
		return "image/png"
	case len(b) >= 12 && string(b[:4]) == "RIFF" && string(b[8:12]) == "WEBP":
		return "image/webp"
	}
	return ""
}

func shortName(s string) string {
	if utf8.RuneCountInString(s) > 60 {
		s = string([]rune(s)[:60]) + "…"
	}
	return strconv.Quote(s)
}

// readPhotos checks and reads the files of form field "photo": at most
// MaxFieldPhotos, each a JPEG, PNG or WebP image of at most MaxPhotoBytes.
// The same image twice is kept once.
func readPhotos(form *multipart.Form) ([]photo, error) {
	files := form.File["photo"]
	if len(files) > MaxFieldPhotos {
		return nil, bad(fmt.Sprintf("at most %d photos, not %d", MaxFieldPhotos, len(files)))
	}
	var out []photo
	for i, fh := range files {
		if fh.Size > MaxPhotoBytes {
			return nil, fiber.NewError(fiber.StatusRequestEntityTooLarge,
				fmt.Sprintf("photo %d (%s) has %.1f MiB: at most %d MiB each (resize it)", i+1, shortName(fh.Filename), float64(fh.Size)/(1<<20), MaxPhotoBytes>>20))
		}
		r, err := fh.Open()
		if err != nil {
			return nil, fmt.Errorf("open photo %d: %w", i+1, err)
		}
		data, err := io.ReadAll(io.LimitReader(r, MaxPhotoBytes+1))
		r.Close()
		if err != nil {
			return nil, fmt.Errorf("read photo %d: %w", i+1, err)
		}
		if len(data) > MaxPhotoBytes {
			return nil, fiber.NewError(fiber.StatusRequestEntityTooLarge, fmt.Sprintf("photo %d is larger than %d MiB", i+1, MaxPhotoBytes>>20))
		}
		ct := imageType(data)
		if ct == "" {
			return nil, bad(fmt.Sprintf("photo %d (%s) is not a JPEG, PNG or WebP image: its content was checked, not its name or declared type",
				i+1, shortName(fh.Filename)))
		}
		sum := sha256.Sum256(data)
		p := photo{contentType: ct, sha256: hex.EncodeToString(sum[:]), data: data}
		if !slices.ContainsFunc(out, func(q photo) bool { return q.sha256 == p.sha256 }) {
			out = append(out, p)
		}
	}
	return out, nil
}

// multipartForm reads a field request: multipart/form-data within the size
// limit.
func multipartForm(c *fiber.Ctx, fieldsHelp string) (*multipart.Form, error) {
	if n := c.Request().Header.ContentLength(); n > MaxFieldRequestBytes {
		return nil, fiber.NewError(fiber.StatusRequestEntityTooLarge,
			fmt.Sprintf("the request has %.1f MiB: at most %d MiB with every photo", float64(n)/(1<<20), MaxFieldRequestBytes>>20))
	}
	form, err := c.MultipartForm()
	if err != nil {
		return nil, bad("send multipart/form-data with " + fieldsHelp)
	}
	return form, nil
}

// begin runs fn in a transaction whose writes the audit log attributes to
// the request's caller.
func (f *Field) begin(c *fiber.Ctx, fn func(tx pgx.Tx) error) error {
	ctx := c.UserContext()
	return pgx.BeginFunc(ctx, f.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, f.q["set_actor"], Actor(c)); err != nil {
			return err
		}
		return fn(tx)
	})
}

// fiberError passes through the answers a transaction chose (404, 409…);
// other errors are wrapped with what was being done.
func fiberError(err error, doing string) error {
	var fe *fiber.Error
	if errors.As(err, &fe) {
		return fe
	}
	return fmt.Errorf("%s: %w", doing, err)
}

// ---- Carriers ---------------------------------------------------------------

var carrierKinds = []string{"billboard", "board", "citylight", "pylon", "banner", "mural", "led_screen", "sign", "other"}

// carrierInput is a carrier found in the field.
type carrierInput struct {
	ID                    string
	Kind                  string
	Width, Height, Area   *float64
	Illuminated, TwoSided bool
	Address, Notes        string
	Pos                   *position
	FoundAt               *time.Time
}

// readCarrier reads a new carrier's fields into p's care; at (the
// inspector's position) stands in when the carrier's own position is
// missing.
func readCarrier(v values, id string, at *position, p *problems) carrierInput {
	in := carrierInput{ID: id}
	in.Kind = v("kind")
	if !slices.Contains(carrierKinds, in.Kind) {
		p.add("kind must be one of %s", strings.Join(carrierKinds, ", "))
	}
	in.Width = p.number(v, "width_m", 0.01, 100, "m")
	in.Height = p.number(v, "height_m", 0.01, 100, "m")
	in.Area = p.number(v, "area_m2", 0.01, 2000, "m²")
	if in.Area == nil && in.Width != nil && in.Height != nil {
		a := math.Round(*in.Width**in.Height*100) / 100
		in.Area = &a
	}
	in.Illuminated, in.TwoSided = boolValue(v("illuminated")), boolValue(v("double_sided"))
	in.Address = p.text(v, "address", 300)
	in.Notes = p.text(v, "notes", 5000)
	in.Pos = p.position(v, at == nil)
	if in.Pos == nil {
		in.Pos = at
	}
	in.FoundAt = p.time(v, "found_at", time.Now())
	return in
}

// createCarrier stores a carrier found in the field (nothing when its id is
// already stored) and reports whether it did. Its municipality is the one
// at its position that the caller works for.
func (f *Field) createCarrier(c *fiber.Ctx, tx pgx.Tx, in carrierInput, photos []photo) (bool, error) {
	ctx := c.UserContext()
	s := Subject(c)
	rows, err := tx.Query(ctx, f.q["municipalities_at"], in.Pos.Lon, in.Pos.Lat)
	if err != nil {
		return false, err
	}
	tercs, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return false, err
	}
	i := slices.IndexFunc(tercs, s.InMunicipality)
	switch {
	case len(tercs) == 0:
		return false, fiber.NewError(fiber.StatusUnprocessableEntity, "the position is in no municipality ład knows")
	case i < 0:
		return false, fiber.NewError(fiber.StatusForbidden, "the position is outside the municipalities you work for")
	}
	lon, lat, acc := in.Pos.args()
	var id string
	err = tx.QueryRow(ctx, f.q["insert_carrier"], in.ID, tercs[i], in.Kind, in.Width, in.Height, in.Area, in.Illuminated, in.TwoSided,
		in.Address, in.Notes, s.Login, lon, lat, acc, in.FoundAt).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil // a retry, or a concurrent twin: the first one stays
	}
	if err != nil {
		return false, err
	}
	for n, p := range photos {
		if _, err := tx.Exec(ctx, f.q["insert_carrier_photo"], in.ID, n+1, p.contentType, p.sha256, p.data); err != nil {
			return false, err
		}
	}
	return true, nil
}

// addCarrier records a carrier found in the field: multipart with id (the
// phone's UUID), kind, width_m, height_m, area_m2, illuminated,
// double_sided, address, notes, lon, lat, accuracy_m, found_at (the phone's
// time) and up to five photos.
// 201 with the carrier when stored now; 200 with the stored carrier when
// the id was already recorded by the same caller (a retry); 409 when
// another record has that id.
func (f *Field) addCarrier(c *fiber.Ctx) error {
	form, err := multipartForm(c, "id, kind, lon, lat and optional width_m, height_m, area_m2, illuminated, double_sided, address, notes, accuracy_m, found_at, photo")
	if err != nil {
		return err
	}
	v := formValues(form)
	id, ok := parseUUID(v("id"))
	if !ok {
		return bad("id must be a UUID made by the client (it makes retries safe)")
	}
	var p problems
	in := readCarrier(v, id, nil, &p)
	if err := p.err(); err != nil {
		return err
	}
	photos, err := readPhotos(form)
	if err != nil {
		return err
	}
	s := Subject(c)
	var created bool
	var doc json.RawMessage
	err = f.begin(c, func(tx pgx.Tx) error {
		var err error
		if created, err = f.createCarrier(c, tx, in, photos); err != nil {
			return err
		}
		var terc, by string
		if err := tx.QueryRow(c.UserContext(), f.q["carrier"], id).Scan(&terc, &by, &doc); err != nil {
			return err
		}
		if !created && (by != s.Login || !s.InMunicipality(terc)) {
			return fiber.NewError(fiber.StatusConflict, "id "+id+" already names another carrier: make a new UUID")
		}
		return nil
	})
	if err != nil {
		return fiberError(err, "record carrier "+id)
	}
	status := fiber.StatusOK
	if created {
		status = fiber.StatusCreated
		f.log.Info("carrier recorded in the field", "id", id, "by", s.Login, "photos", len(photos))
	}
	c.Set("Cache-Control", "no-store")
	return c.Status(status).JSON(fiber.Map{"created": created, "carrier": doc})
}

// ---- Inspections ------------------------------------------------------------

var inspectionResults = []string{"compliant", "violation", "removed", "not_found"}

// inspectionInput is an inspection recorded on a phone.
type inspectionInput struct {
	ID, CarrierID string
	At            time.Time
	Result        string
	Rules         []string
	Notes         string
	Pos           *position
	NewCarrier    *carrierInput
}

func readInspection(form *multipart.Form, now time.Time) (inspectionInput, error) {
	v := formValues(form)
	var p problems
	in := inspectionInput{Rules: []string{}}
	var ok bool
	if in.ID, ok = parseUUID(v("id")); !ok {
		p.add("id must be a UUID made by the client (it makes retries safe)")
	}
	if in.CarrierID, ok = parseUUID(v("carrier_id")); !ok {
		p.add("carrier_id must be a carrier's UUID")
	}
	if at := p.time(v, "inspected_at", now); at != nil {
		in.At = *at
	} else if v("inspected_at") == "" {
		p.add("inspected_at is required")
	}
	in.Result = v("result")
	if !slices.Contains(inspectionResults, in.Result) {
		p.add("result must be one of %s", strings.Join(inspectionResults, ", "))
	}
	for _, field := range form.Value["violated_rules"] {
		for _, code := range strings.Split(field, ",") {
			code = strings.TrimSpace(code)
			if code == "" || slices.Contains(in.Rules, code) {
				continue
			}
			if len(code) > 20 || len(in.Rules) >= 50 {
				p.add("violated_rules must be the codes of the zone's rules")
				break
			}
			in.Rules = append(in.Rules, code)
		}
	}
	if in.Result != "violation" && len(in.Rules) > 0 {
		p.add("only a violation names violated_rules")
	}
	in.Notes = p.text(v, "notes", 5000)
	in.Pos = p.position(v, false)
	if raw := v("new_carrier"); raw != "" {
		nv, err := jsonValues(raw)
		if err != nil {
			p.add("new_carrier must be a JSON object with kind, lon, lat and optional width_m, height_m, area_m2, illuminated, double_sided, address, notes")
		} else {
			var np problems
			nc := readCarrier(nv, in.CarrierID, in.Pos, &np)
			for _, msg := range np {
				p.add("new_carrier: %s", msg)
			}
			in.NewCarrier = &nc
		}
	}
	return in, p.err()
}

// storedInspection is an inspection as read back: who owns it and the
// record as the API answers it.
type storedInspection struct {
	terc, carrierID, inspector string
	doc                        json.RawMessage
}

func (f *Field) readStored(c *fiber.Ctx, q pgx.Tx, id string) (storedInspection, bool, error) {
	var s storedInspection
	err := q.QueryRow(c.UserContext(), f.q["inspection"], id).Scan(&s.terc, &s.carrierID, &s.inspector, &s.doc)
	if errors.Is(err, pgx.ErrNoRows) {
		return s, false, nil
	}
	return s, err == nil, err
}

// addInspection records an inspection: multipart with id (the phone's
// UUID), carrier_id, inspected_at, result, violated_rules (codes of the
// carrier's zone rules, comma-separated or repeated), notes, the phone's
// lon, lat and accuracy_m, up to five photos, and new_carrier (JSON) when
// the carrier was found on the spot and is not stored yet. 201 with the
// record when stored now; 200 with the first record when the id was
// already stored by the same inspector for the same carrier (a retry:
// nothing is written twice); 409 when another record has that id.
func (f *Field) addInspection(c *fiber.Ctx) error {
	form, err := multipartForm(c, "id, carrier_id, inspected_at, result and optional violated_rules, notes, lon, lat, accuracy_m, photo, new_carrier")
	if err != nil {
		return err
	}
	in, err := readInspection(form, time.Now())
	if err != nil {
		return err
	}
	photos, err := readPhotos(form)
	if err != nil {
		return err
	}
	s := Subject(c)
	ctx := c.UserContext()
	var rec storedInspection
	created := false
	err = f.begin(c, func(tx pgx.Tx) error {
		stored, found, err := f.readStored(c, tx, in.ID)
		if err != nil || found {
			rec = stored
			return err
		}
		var terc string
		var codes []string
		err = tx.QueryRow(ctx, f.q["carrier_rules"], in.CarrierID).Scan(&terc, &codes)
		if errors.Is(err, pgx.ErrNoRows) && in.NewCarrier != nil {
			if _, err := f.createCarrier(c, tx, *in.NewCarrier, nil); err != nil {
				return err
			}
			err = tx.QueryRow(ctx, f.q["carrier_rules"], in.CarrierID).Scan(&terc, &codes)
		}
		if errors.Is(err, pgx.ErrNoRows) {
			return fiber.NewError(fiber.StatusUnprocessableEntity, "no carrier has id "+in.CarrierID+" (send new_carrier for one found on the spot)")
		}
		if err != nil {
			return err
		}
		if !s.InMunicipality(terc) {
			return fiber.NewError(fiber.StatusForbidden, "the carrier is in a municipality you do not work for")
		}
		var p problems
		for _, code := range in.Rules {
			if !slices.Contains(codes, code) {
				p.add("%s is not a rule of the carrier's zone (%s)", code, strings.Join(codes, ", "))
			}
		}
		if in.Result == "violation" && len(in.Rules) == 0 && len(codes) > 0 {
			p.add("a violation names the rules broken (violated_rules: %s)", strings.Join(codes, ", "))
		}
		if err := p.err(); err != nil {
			return err
		}
		lon, lat, acc := in.Pos.args()
		var id string
		err = tx.QueryRow(ctx, f.q["insert_inspection"], in.ID, in.CarrierID, terc, s.Login, in.At, in.Result, in.Rules, in.Notes,
			acc, lon, lat).Scan(&id)
		if errors.Is(err, pgx.ErrNoRows) {
			// A twin of this request committed first: answer with its record.
			rec, _, err = f.readStored(c, tx, in.ID)
			return err
		}
		if err != nil {
			return err
		}
		for n, p := range photos {
			if _, err := tx.Exec(ctx, f.q["insert_inspection_photo"], in.ID, n+1, p.contentType, p.sha256, p.data); err != nil {
				return err
			}
		}
		created = true
		rec, _, err = f.readStored(c, tx, in.ID)
		return err
	})
	if err != nil {
		return fiberError(err, "record inspection "+in.ID)
	}
	if !created && (rec.inspector != s.Login || rec.carrierID != in.CarrierID) {
		return fiber.NewError(fiber.StatusConflict, "id "+in.ID+" already names another inspection: make a new UUID")
	}
	status := fiber.StatusOK
	if created {
		status = fiber.StatusCreated
		f.log.Info("inspection recorded", "id", in.ID, "carrier", in.CarrierID, "by", s.Login, "result", in.Result, "photos", len(photos))
	}
	c.Set("Cache-Control", "no-store")
	return c.Status(status).JSON(fiber.Map{"created": created, "inspection": rec.doc})
}

// inspection answers one stored inspection (the phone asks after a lost
// answer whether its record arrived).
func (f *Field) inspection(c *fiber.Ctx) error {
	id, ok := parseUUID(c.Params("id"))
	if !ok {
		return bad("the inspection id must be a UUID")
	}
	var rec storedInspection
	err := f.pool.QueryRow(c.UserContext(), f.q["inspection"], id).Scan(&rec.terc, &rec.carrierID, &rec.inspector, &rec.doc)
	if errors.Is(err, pgx.ErrNoRows) {
		return fiber.NewError(fiber.StatusNotFound, "no such inspection")
	}
	if err != nil {
		return fmt.Errorf("read inspection %s: %w", id, err)
	}
	if !Subject(c).InMunicipality(rec.terc) {
		return fiber.NewError(fiber.StatusForbidden, "the inspection is in a municipality you do not work for")
	}
	c.Set("Cache-Control", "private, no-cache")
	return c.JSON(fiber.Map{"inspection": rec.doc})
}

// ---- Photos and history -----------------------------------------------------

// sendPhoto answers a stored photo of the record named by the route's id
// and n, read by statement q.
func (f *Field) sendPhoto(c *fiber.Ctx, q, what string) error {
	id, ok := parseUUID(c.Params("id"))
	n, err := strconv.Atoi(c.Params("n"))
	if !ok || err != nil || n < 1 || n > MaxFieldPhotos {
		return bad(fmt.Sprintf("the %s id must be a UUID and the photo number 1 to %d", what, MaxFieldPhotos))
	}
	var terc, ct, sum string
	var data []byte
	err = f.pool.QueryRow(c.UserContext(), f.q[q], id, n).Scan(&terc, &ct, &sum, &data)
	if errors.Is(err, pgx.ErrNoRows) {
		return fiber.NewError(fiber.StatusNotFound, "no such photo")
	}
	if err != nil {
		return fmt.Errorf("read photo %d of %s %s: %w", n, what, id, err)
	}
	if !Subject(c).InMunicipality(terc) {
		return fiber.NewError(fiber.StatusForbidden, "the photo belongs to a municipality you do not work for")
	}
	etag := `"` + sum + `"`
	// A photo never changes under its address; it is evidence, kept out of
	// shared caches.
	c.Set("Cache-Control", "private, max-age=31536000, immutable")
	c.Set("ETag", etag)
	c.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	ext := map[string]string{"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}[ct]
	c.Set("Content-Disposition", fmt.Sprintf(`inline; filename="%s-%s-%d.%s"`, what, id, n, ext))
	if c.Get("If-None-Match") == etag {
		return c.SendStatus(fiber.StatusNotModified)
	}
	c.Set("Content-Type", ct)
	return c.Send(data)
}

func (f *Field) inspectionPhoto(c *fiber.Ctx) error {
	return f.sendPhoto(c, "inspection_photo", "inspection")
}

func (f *Field) carrierPhoto(c *fiber.Ctx) error { return f.sendPhoto(c, "carrier_photo", "carrier") }

// history answers a carrier with everything that happened to it in time
// order: installation, recording in the field, inspections, enforcement
// steps and penalties.
func (f *Field) history(c *fiber.Ctx) error {
	id, ok := parseUUID(c.Params("id"))
	if !ok {
		return bad("the carrier id must be a UUID")
	}
	ctx := c.UserContext()
	var terc, by string
	var carrier, events json.RawMessage
	err := f.pool.QueryRow(ctx, f.q["carrier"], id).Scan(&terc, &by, &carrier)
	if errors.Is(err, pgx.ErrNoRows) {
		return fiber.NewError(fiber.StatusNotFound, "no such carrier")
	}
	if err != nil {
		return fmt.Errorf("read carrier %s: %w", id, err)
	}
	if !Subject(c).InMunicipality(terc) {
		return fiber.NewError(fiber.StatusForbidden, "the carrier is in a municipality you do not work for")
	}
	if err := f.pool.QueryRow(ctx, f.q["carrier_history"], id).Scan(&events); err != nil {
		return fmt.Errorf("read history of carrier %s: %w", id, err)
	}
	c.Set("Cache-Control", "private, no-cache")
	return c.JSON(fiber.Map{"carrier": carrier, "events": events})
}
