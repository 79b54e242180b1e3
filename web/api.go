package web

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/mail"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/ladgis/lad/audit"
	ladsql "github.com/ladgis/lad/sql"
)

// API serves the web map's own endpoints: search, carriers near a place,
// consultations and residents' comments.
type API struct {
	pool *pgxpool.Pool
	log  *slog.Logger
	q    map[string]string
}

// NewAPI returns the web map's API over pool.
func NewAPI(pool *pgxpool.Pool, log *slog.Logger) *API {
	return &API{pool: pool, log: log, q: ladsql.MustNamed(ladsql.Web(), "api.sql")}
}

// Routes mounts the endpoints.
func (a *API) Routes(r fiber.Router) {
	r.Get("/api/search", a.search)
	r.Get("/api/carriers/near", a.carriersNear)
	r.Get("/api/consultations", a.consultations)
	r.Post("/api/consultations/:id/comments", a.addComment)
}

func bad(msg string) error { return fiber.NewError(fiber.StatusBadRequest, msg) }

// idParam reads a positive numeric id from the path parameter name, or
// answers 400 naming what (e.g. "batch id").
func idParam(c *fiber.Ctx, name, what string) (int64, error) {
	id, err := strconv.ParseInt(c.Params(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, bad(what + " must be a number")
	}
	return id, nil
}

func (a *API) search(c *fiber.Ctx) error {
	q := strings.TrimSpace(c.Query("q"))
	if utf8.RuneCountInString(q) < 2 || len(q) > 100 {
		return bad("search text must have 2 to 100 characters")
	}
	rows, err := a.pool.Query(c.UserContext(), a.q["search"], q)
	if err != nil {
		return err
	}
	defer rows.Close()
	type result struct {
		Kind  string     `json:"kind"`
		Label string     `json:"label"`
		BBox  [4]float64 `json:"bbox"`
	}
	out := []result{}
	for rows.Next() {
		var r result
		if err := rows.Scan(&r.Kind, &r.Label, &r.BBox[0], &r.BBox[1], &r.BBox[2], &r.BBox[3]); err != nil {
			return err
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	return c.JSON(fiber.Map{"query": q, "results": out})
}

// lonLat reads WGS 84 coordinates inside Poland's extent.
func lonLat(c *fiber.Ctx) (float64, float64, error) {
	lon, err1 := strconv.ParseFloat(c.Query("lon"), 64)
	lat, err2 := strconv.ParseFloat(c.Query("lat"), 64)
	if err1 != nil || err2 != nil || lon < 14 || lon > 24.2 || lat < 49 || lat > 55 {
		return 0, 0, bad("lon and lat must be WGS 84 degrees within Poland")
	}
	return lon, lat, nil
}

func (a *API) carriersNear(c *fiber.Ctx) error {
	lon, lat, err := lonLat(c)
	if err != nil {
		return err
	}
	radius := 300.0
	if s := c.Query("r"); s != "" {
		radius, err = strconv.ParseFloat(s, 64)
		if err != nil || radius <= 0 || radius > 5000 {
			return bad("r must be a distance in metres up to 5000")
		}
	}
	rows, err := a.pool.Query(c.UserContext(), a.q["carriers_near"], lon, lat, radius)
	if err != nil {
		return err
	}
	defer rows.Close()
	type carrier struct {
		ID               string          `json:"id"`
		InventoryNo      string          `json:"inventory_no"`
		Kind             string          `json:"kind"`
		AreaM2           *float64        `json:"area_m2"`
		Illuminated      bool            `json:"illuminated"`
		Status           string          `json:"status"`
		Zone             *string         `json:"zone"`
		Compliance       string          `json:"compliance"`
		DistanceM        float64         `json:"distance_m"`
		LastInspectedAt  *time.Time      `json:"last_inspected_at"`
		EnforcementStage *string         `json:"enforcement_stage"`
		ViolatedRules    json.RawMessage `json:"violated_rules"`
		ZoneRules        json.RawMessage `json:"zone_rules"`
		Lon              float64         `json:"lon"`
		Lat              float64         `json:"lat"`
	}
	out := []carrier{}
	for rows.Next() {
		var x carrier
		if err := rows.Scan(&x.ID, &x.InventoryNo, &x.Kind, &x.AreaM2, &x.Illuminated, &x.Status, &x.Zone, &x.Compliance,
			&x.DistanceM, &x.LastInspectedAt, &x.EnforcementStage, &x.ViolatedRules, &x.ZoneRules, &x.Lon, &x.Lat); err != nil {
			return err
		}
		out = append(out, x)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	return c.JSON(fiber.Map{"lon": lon, "lat": lat, "radius_m": radius, "carriers": out})
}

func (a *API) consultations(c *fiber.Ctx) error {
	rows, err := a.pool.Query(c.UserContext(), a.q["consultations"])
	if err != nil {
		return err
	}
	defer rows.Close()
	type consultation struct {
		ID          int64      `json:"id"`
		TERC        string     `json:"terc"`
		Title       string     `json:"title"`
		Description string     `json:"description"`
		OpensOn     string     `json:"opens_on"`
		ClosesOn    string     `json:"closes_on"`
		State       string     `json:"state"`
		Comments    int        `json:"comments"`
		BBox        [4]float64 `json:"bbox"`
	}
	out := []consultation{}
	for rows.Next() {
		var x consultation
		var opens, closes time.Time
		if err := rows.Scan(&x.ID, &x.TERC, &x.Title, &x.Description, &opens, &closes, &x.State, &x.Comments, &x.BBox[0], &x.BBox[1], &x.BBox[2], &x.BBox[3]); err != nil {
			return err
		}
		x.OpensOn, x.ClosesOn = opens.Format("2006-01-02"), closes.Format("2006-01-02")
		out = append(out, x)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	return c.JSON(fiber.Map{"consultations": out})
}

// commentRequest is a resident's comment with the statutory fields.
type commentRequest struct {
	FullName    string          `json:"full_name"`
	Address     string          `json:"address"`
	Email       string          `json:"email"`
	OwnerInArea bool            `json:"owner_in_area"`
	Body        string          `json:"body"`
	Geometry    json.RawMessage `json:"geometry"`
}

func (r *commentRequest) check() error {
	var errs []string
	r.FullName, r.Address, r.Body, r.Email = strings.TrimSpace(r.FullName), strings.TrimSpace(r.Address), strings.TrimSpace(r.Body), strings.TrimSpace(r.Email)
	if r.FullName == "" || len(r.FullName) > 200 {
		errs = append(errs, "full_name is required (up to 200 characters)")
	}
	if r.Address == "" || len(r.Address) > 300 {
		errs = append(errs, "address is required (up to 300 characters)")
	}
	if r.Body == "" || utf8.RuneCountInString(r.Body) > 20000 {
		errs = append(errs, "body is required (up to 20000 characters)")
	}
	if r.Email != "" {
		if _, err := mail.ParseAddress(r.Email); err != nil || len(r.Email) > 200 {
			errs = append(errs, "email is not an e-mail address")
		}
	}
	if len(r.Geometry) > 0 && string(r.Geometry) != "null" {
		var g struct {
			Type string `json:"type"`
		}
		if err := json.Unmarshal(r.Geometry, &g); err != nil || (g.Type != "Point" && g.Type != "LineString" && g.Type != "Polygon") || len(r.Geometry) > 100000 {
			errs = append(errs, "geometry must be a GeoJSON Point, LineString or Polygon in WGS 84")
		}
	} else {
		r.Geometry = nil
	}
	if len(errs) > 0 {
		return errors.New(strings.Join(errs, "; "))
	}
	return nil
}

// addComment stores a resident's comment: the public part and, apart, the
// author's personal data; answers with a receipt number only.
func (a *API) addComment(c *fiber.Ctx) error {
	id, err := idParam(c, "id", "consultation id")
	if err != nil {
		return err
	}
	var req commentRequest
	if err := json.Unmarshal(c.Body(), &req); err != nil {
		return bad("the comment must be JSON with full_name, address, body, optional email, owner_in_area, geometry")
	}
	if err := req.check(); err != nil {
		return bad(err.Error())
	}
	ctx := AuditContext(c)
	var receipt string
	err = audit.Begin(ctx, a.pool, func(tx pgx.Tx) error {
		var terc string
		var open bool
		if err := tx.QueryRow(ctx, a.q["consultation_open"], id).Scan(&terc, &open); err != nil {
			if errors.Is(err, pgx.ErrNoRows) {
				return fiber.NewError(fiber.StatusNotFound, "no such consultation")
			}
			return err
		}
		if !open {
			return fiber.NewError(fiber.StatusConflict, "the consultation is not open for comments")
		}
		var geom *string
		if req.Geometry != nil {
			s := string(req.Geometry)
			geom = &s
		}
		var cid int64
		if err := tx.QueryRow(ctx, a.q["add_comment"], id, req.Body, req.OwnerInArea, geom).Scan(&cid, &receipt); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, a.q["add_author"], cid, req.FullName, req.Address, req.Email)
		return err
	})
	if err != nil {
		var fe *fiber.Error
		if errors.As(err, &fe) {
			return fe
		}
		if strings.Contains(err.Error(), "GeoJSON") || strings.Contains(err.Error(), "geometry") {
			return bad("geometry could not be read")
		}
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"receipt_no": receipt, "consultation_id": id})
}
