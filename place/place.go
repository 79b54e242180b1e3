// Package place answers "what applies here" (co tu obowiązuje): for a point
// or a cadastral parcel, the plans and designations in force on a date with
// their parameters, the general plan's zone and infill areas, the landscape
// rules, permits, carriers and consultations — as JSON for programs and as
// a printable page that works as a digital extract from the plan (wypis i
// wyrys). It reads PostGIS through one SQL function (lad_place_report) and
// sits beside tiles and the OGC API in the flow ingest → PostGIS → queries → web.
package place

import (
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/url"
	"regexp"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/jackc/pgx/v5"

	"github.com/ladgis/lad/db"
	ladsql "github.com/ladgis/lad/sql"
)

// Server serves the place endpoints.
type Server struct {
	pool db.Reader
	log  *slog.Logger
	q    map[string]string
}

// New returns the place endpoints over pool.
func New(pool db.Reader, log *slog.Logger) *Server {
	return &Server{pool: pool, log: log, q: ladsql.MustNamed(ladsql.Queries(), "place.sql")}
}

// Routes mounts the endpoints.
func (s *Server) Routes(r fiber.Router) {
	r.Get("/api/place", s.atPoint)
	r.Get("/api/parcels/:id", s.parcel)
	r.Get("/report/parcel/:id", s.report)
}

func bad(msg string) error { return fiber.NewError(fiber.StatusBadRequest, msg) }

// Report is the answer for one place.
type Report struct {
	Parcel  json.RawMessage `json:"parcel"`
	Applies json.RawMessage `json:"applies"`
	svg     string
	bbox    [4]float64
}

func options(c *fiber.Ctx) (string, float64, error) {
	date := time.Now().UTC().Format("2006-01-02")
	if v := c.Query("date"); v != "" {
		if _, err := time.Parse("2006-01-02", v); err != nil {
			return "", 0, bad("date must be YYYY-MM-DD")
		}
		date = v
	}
	radius := 100.0
	if v := c.Query("radius"); v != "" {
		r, err := strconv.ParseFloat(v, 64)
		if err != nil || r < 0 || r > 2000 {
			return "", 0, bad("radius must be 0–2000 metres")
		}
		radius = r
	}
	return date, radius, nil
}

var crsSRID = map[string]int{"EPSG:2180": 2180, "EPSG:2176": 2176, "EPSG:2177": 2177, "EPSG:2178": 2178, "EPSG:2179": 2179, "EPSG:4326": 4326}

func (s *Server) atPoint(c *fiber.Ctx) error {
	date, radius, err := options(c)
	if err != nil {
		return err
	}
	var x, y float64
	srid := 4326
	if c.Query("lon") != "" || c.Query("lat") != "" {
		lon, err1 := strconv.ParseFloat(c.Query("lon"), 64)
		lat, err2 := strconv.ParseFloat(c.Query("lat"), 64)
		if err1 != nil || err2 != nil || lon < 14 || lon > 24.2 || lat < 49 || lat > 55 {
			return bad("lon and lat must be WGS 84 degrees within Poland")
		}
		x, y = lon, lat
	} else {
		var ok bool
		if srid, ok = crsSRID[c.Query("crs", "EPSG:2180")]; !ok {
			return bad("crs must be EPSG:2180, EPSG:2176–2179 or EPSG:4326")
		}
		var err1, err2 error
		x, err1 = strconv.ParseFloat(c.Query("x"), 64)
		y, err2 = strconv.ParseFloat(c.Query("y"), 64)
		if err1 != nil || err2 != nil {
			return bad("give lon and lat, or x and y with crs (easting x, northing y)")
		}
	}
	var rep Report
	var svg *string
	if err := s.pool.QueryRow(c.UserContext(), s.q["at_point"], x, y, srid, date, radius).Scan(&rep.Parcel, &rep.Applies, &svg, &rep.bbox); err != nil {
		return err
	}
	return c.JSON(rep)
}

var parcelID = regexp.MustCompile(`^[0-9]{6}_[0-9]\.[0-9]{4}\.(AR_[0-9]+\.)?[0-9]+[A-Za-z]?(/[0-9]+[A-Za-z]?)*$`)

func (s *Server) load(c *fiber.Ctx) (*Report, error) {
	id, err := url.PathUnescape(c.Params("id"))
	if err != nil || !parcelID.MatchString(id) {
		return nil, bad("parcel id must be a TERYT id WWPPGG_R.OOOO.NUMBER, e.g. 026401_1.0001.123/4 (URL-encode the slash)")
	}
	date, radius, err := options(c)
	if err != nil {
		return nil, err
	}
	var rep Report
	err = s.pool.QueryRow(c.UserContext(), s.q["parcel"], id, date, radius).Scan(&rep.Parcel, &rep.Applies, &rep.svg, &rep.bbox)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fiber.NewError(fiber.StatusNotFound, "no parcel "+id)
	}
	return &rep, err
}

func (s *Server) parcel(c *fiber.Ctx) error {
	rep, err := s.load(c)
	if err != nil {
		return err
	}
	return c.JSON(rep)
}

// shape is one path of the report's map excerpt.
type shape struct {
	Kind, Label, Color, Path, ID string
}

func (s *Server) report(c *fiber.Ctx) error {
	rep, err := s.load(c)
	if err != nil {
		return err
	}
	var applies map[string]any
	if err := json.Unmarshal(rep.Applies, &applies); err != nil {
		return err
	}
	var parcel map[string]any
	json.Unmarshal(rep.Parcel, &parcel)
	rows, err := s.pool.Query(c.UserContext(), s.q["excerpt"], rep.bbox[0], rep.bbox[1], rep.bbox[2], rep.bbox[3])
	if err != nil {
		return err
	}
	var shapes []shape
	for rows.Next() {
		var sh shape
		if err := rows.Scan(&sh.Kind, &sh.Label, &sh.Color, &sh.Path, &sh.ID); err != nil {
			rows.Close()
			return err
		}
		shapes = append(shapes, sh)
	}
	rows.Close()
	w, h := rep.bbox[2]-rep.bbox[0], rep.bbox[3]-rep.bbox[1]
	c.Type("html", "utf-8")
	c.Set("Content-Security-Policy", "default-src 'self'; style-src 'unsafe-inline'; img-src 'self' data:")
	return reportPage.Execute(c.Response().BodyWriter(), map[string]any{
		"Parcel": parcel, "A": applies, "Shapes": shapes, "ParcelPath": rep.svg,
		"ViewBox": fmt.Sprintf("%.1f %.1f %.1f %.1f", rep.bbox[0], -rep.bbox[3], w, h),
		"Stroke":  fmt.Sprintf("%.2f", w/400), "Generated": time.Now().Format("2006-01-02 15:04"),
	})
}

var reportPage = template.Must(template.New("report").Funcs(template.FuncMap{
	"css": func(s string) template.CSS { return template.CSS(s) },
}).Parse(`<!doctype html>
<html lang="pl"><head><meta charset="utf-8"><title>Co tu obowiązuje – działka {{index .Parcel "teryt"}}</title>
<style>
@page { size: A4; margin: 15mm; }
body { font: 11pt/1.4 system-ui, sans-serif; color: #111; max-width: 180mm; margin: 0 auto; }
h1 { font-size: 16pt; margin: 0 0 4mm; } h2 { font-size: 12pt; margin: 6mm 0 2mm; border-bottom: 1px solid #999; }
table { border-collapse: collapse; width: 100%; } td, th { border: 1px solid #bbb; padding: 1mm 2mm; text-align: left; vertical-align: top; font-size: 10pt; }
svg { width: 100%; height: 95mm; border: 1px solid #999; } .meta { color: #444; font-size: 9pt; }
@media print { a { color: inherit; text-decoration: none; } }
</style></head><body>
<h1>Informacja o przeznaczeniu terenu – działka {{index .Parcel "teryt"}}</h1>
<p class="meta">Obręb {{index .Parcel "obreb"}}, numer {{index .Parcel "number"}}, powierzchnia {{index .Parcel "area_m2"}} m²{{with .A.municipality}}; gmina {{index . "name"}} ({{index . "terc"}}){{end}}{{with .A.district}}; {{.}}{{end}}. Stan na dzień {{.A.date}}.</p>
<svg viewBox="{{.ViewBox}}" role="img" aria-label="Wyrys: działka na tle przeznaczenia terenów">
{{range .Shapes}}{{if eq .Kind "designation"}}<path d="{{.Path}}" style="{{css (print "fill:" .Color ";fill-opacity:.6;stroke:#5d4037;stroke-width:" $.Stroke)}}"><title>{{.ID}}</title></path>{{end}}{{end}}
{{range .Shapes}}{{if eq .Kind "parcel"}}<path d="{{.Path}}" style="{{css (print "fill:none;stroke:#8d6e63;stroke-width:" $.Stroke)}}"/>{{end}}{{end}}
<path d="{{.ParcelPath}}" style="{{css (print "fill:none;stroke:#c00;stroke-width:" $.Stroke ";stroke-width:3px;vector-effect:non-scaling-stroke")}}"/>
</svg>
<h2>Miejscowy plan zagospodarowania przestrzennego</h2>
{{with .A.designations}}<table><tr><th>Teren</th><th>Przeznaczenie</th><th>Parametry</th><th>Plan</th></tr>
{{range .}}<tr><td>{{index . "designation"}} ({{index . "share_pct"}}% działki)</td><td>{{index . "symbol"}} – {{index . "meaning"}}</td>
<td>wysokość do {{index . "max_height_m"}} m; intensywność {{index . "intensity_min"}}–{{index . "intensity_max"}}; pow. zabudowy do {{index . "max_coverage_pct"}}%; pow. biol. czynna min. {{index . "min_bio_pct"}}%<br>{{index . "rules"}}</td>
<td>{{with index . "plan"}}{{index . "title"}}, uchwała {{index . "resolution_no"}} z {{index . "adopted_on"}}{{end}}</td></tr>{{end}}</table>
{{else}}<p>Działka nie jest objęta obowiązującym miejscowym planem.</p>{{end}}
<h2>Plan ogólny gminy</h2>
{{with .A.pog_zone}}<p>Strefa {{index . "designation"}} ({{index . "symbol"}} – {{index . "meaning"}}): intensywność nadziemna do {{index . "intensity_max"}}, pow. zabudowy do {{index . "max_coverage_pct"}}%, wysokość do {{index . "max_height_m"}} m, pow. biol. czynna min. {{index . "min_bio_pct"}}%.</p>{{else}}<p>Brak planu ogólnego w bazie.</p>{{end}}
<p>Obszar uzupełnienia zabudowy (OUZ): {{if .A.in_ouz}}tak{{else}}nie{{end}}. Obszar zabudowy śródmiejskiej: {{if .A.in_downtown}}tak{{else}}nie{{end}}.</p>
<h2>Uchwała krajobrazowa</h2>
{{with .A.landscape_zone}}<p>{{index . "name"}}</p><ul>{{range index . "rules"}}<li>{{index . "code"}}: {{index . "text"}}</li>{{end}}</ul>{{else}}<p>Brak.</p>{{end}}
<h2>Pozwolenia i decyzje w pobliżu</h2>
{{with .A.permits}}<table><tr><th>Nr</th><th>Rodzaj</th><th>Data</th><th>Kat.</th><th>Opis</th><th>Odległość</th></tr>
{{range .}}<tr><td>{{index . "register_id"}}</td><td>{{index . "kind"}}</td><td>{{index . "decided_on"}}</td><td>{{index . "category"}}</td><td>{{index . "description"}}</td><td>{{index . "distance_m"}} m</td></tr>{{end}}</table>{{else}}<p>Brak.</p>{{end}}
<h2>Źródła danych</h2>
<ul class="meta">{{range .A.sources}}<li>partia {{index . "batch"}}: {{index . "source"}} ({{index . "kind"}}), wczytano {{index . "loaded_at"}}</li>{{end}}</ul>
<p class="meta">Wygenerowano {{.Generated}} przez ład. Dokument informacyjny; nie zastępuje wypisu i wyrysu wydanego przez organ.</p>
</body></html>`))
