package ogc

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/jackc/pgx/v5"

	"github.com/ladgis/lad/layers"
)

// download streams a whole collection as GeoJSON or CSV (open data): rows
// go from a server-side cursor to the client as they come, so memory stays
// flat whatever the size. The licence and source batches are in the
// collection's metadata (/ogc/collections/{id}).
func (s *Server) download(c *fiber.Ctx) error {
	l, err := s.layer(c)
	if err != nil {
		return err
	}
	format := c.Query("f", "geojson")
	if format != "geojson" && format != "csv" {
		return bad("f must be geojson or csv")
	}
	// The same selection as items (bbox, datetime, filter, crs…), whole.
	q, err := parseQuery(c, l)
	if err != nil {
		return err
	}
	q.sort, q.after, q.cursor = nil, "", nil
	sql, args, err := q.sql(l, "")
	if err != nil {
		return bad(err.Error())
	}
	// No page limit for a download: drop the LIMIT of the items statement.
	sql = sql[:strings.LastIndex(sql, " LIMIT ")]
	args = args[:len(args)-1]
	name := l.ID + "." + format
	c.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s"`, name))
	if format == "csv" {
		c.Set("Content-Type", "text/csv; charset=utf-8")
	} else {
		c.Set("Content-Type", geojsonCT)
	}
	pool := s.pool
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		// The request's context ends when the handler returns; the stream
		// has its own budget.
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
		defer cancel()
		if err := streamRows(ctx, pool, l, sql, args, format, w); err != nil {
			s.log.Error("download interrupted", "collection", l.ID, "err", err)
		}
	})
	return nil
}

func streamRows(ctx context.Context, pool interface {
	Query(context.Context, string, ...any) (pgx.Rows, error)
}, l *layers.Layer, sql string, args []any, format string, w *bufio.Writer) error {
	rows, err := pool.Query(ctx, sql, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	names := []string{"id"}
	for _, a := range l.Attributes {
		names = append(names, a.Name)
	}
	var cw *csv.Writer
	if format == "csv" {
		cw = csv.NewWriter(w)
		cw.Write(append(names, "geometry_wkt_or_geojson"))
	} else {
		fmt.Fprintf(w, `{"type":"FeatureCollection","name":%q,"features":[`, l.ID)
	}
	n := 0
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			return err
		}
		geom, _ := vals[len(vals)-1].(string)
		if format == "csv" {
			rec := make([]string, 0, len(vals))
			for _, v := range vals[:len(vals)-1] {
				rec = append(rec, csvCell(v))
			}
			cw.Write(append(rec, geom))
		} else {
			props := map[string]any{}
			for i := 1; i < len(vals)-1; i++ {
				props[names[i]] = jsonValue(vals[i])
			}
			p, _ := json.Marshal(props)
			id, _ := json.Marshal(vals[0])
			if n > 0 {
				w.WriteByte(',')
			}
			if geom == "" {
				geom = "null"
			}
			fmt.Fprintf(w, `{"type":"Feature","id":%s,"geometry":%s,"properties":%s}`+"\n", id, geom, p)
		}
		n++
		if n%1000 == 0 {
			if cw != nil {
				cw.Flush()
			}
			if err := w.Flush(); err != nil {
				return err // the client went away
			}
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if cw != nil {
		cw.Flush()
	} else {
		w.WriteString("]}\n")
	}
	return w.Flush()
}

func jsonValue(v any) any {
	if t, ok := v.(time.Time); ok {
		if t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 {
			return t.Format("2006-01-02")
		}
		return t.Format(time.RFC3339)
	}
	return v
}

func csvCell(v any) string {
	switch x := jsonValue(v).(type) {
	case nil:
		return ""
	case string:
		return x
	default:
		b, err := json.Marshal(x)
		if err != nil {
			return fmt.Sprint(x)
		}
		return strings.Trim(string(b), `"`)
	}
}
