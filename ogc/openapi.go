package ogc

import (
	"github.com/gofiber/fiber/v2"

	"github.com/ladgis/lad/layers"
	"github.com/ladgis/lad/web"
)

// openAPI describes the API as OpenAPI 3.0, with one items path per
// collection the caller may see (so that tools list exactly those).
func (s *Server) openAPI(c *fiber.Ctx) error {
	str := map[string]any{"type": "string"}
	param := func(name, in, desc string, schema map[string]any, required bool) map[string]any {
		return map[string]any{"name": name, "in": in, "description": desc, "required": required, "schema": schema}
	}
	ok := func(desc, ct string) map[string]any {
		return map[string]any{"200": map[string]any{"description": desc, "content": map[string]any{ct: map[string]any{"schema": map[string]any{"type": "object"}}}},
			"400": map[string]any{"description": "bad request"}, "404": map[string]any{"description": "not found"}}
	}
	paths := map[string]any{
		"/":            map[string]any{"get": map[string]any{"summary": "landing page", "operationId": "getLandingPage", "responses": ok("landing page", "application/json")}},
		"/conformance": map[string]any{"get": map[string]any{"summary": "conformance classes", "operationId": "getConformance", "responses": ok("conformance", "application/json")}},
		"/api":         map[string]any{"get": map[string]any{"summary": "this document", "operationId": "getAPI", "responses": ok("OpenAPI document", "application/json")}},
		"/collections": map[string]any{"get": map[string]any{"summary": "collections", "operationId": "getCollections", "responses": ok("collections", "application/json")}},
	}
	for _, l := range s.cat.Visible(web.Subject(c)) {
		params := []any{
			param("limit", "query", "page size", map[string]any{"type": "integer", "minimum": 1, "maximum": l.Limits.Max, "default": l.Limits.Default}, false),
			param("bbox", "query", "minx,miny,maxx,maxy (in bbox-crs, default CRS84)", map[string]any{"type": "array", "items": map[string]any{"type": "number"}, "minItems": 4, "maxItems": 4}, false),
			param("bbox-crs", "query", "CRS of bbox", str, false),
			param("crs", "query", "CRS of the output", map[string]any{"type": "string", "enum": crsList}, false),
			param("datetime", "query", "instant or interval on the collection's time attribute", str, false),
			param("properties", "query", "properties to return", str, false),
			param("after", "query", "keyset paging cursor (from the next link)", str, false),
			param("filter", "query", "CQL2 text filter over the queryables and geometry", str, false),
			param("filter-lang", "query", "filter language (cql-text: the draft dialect of older clients, dates as strings)", map[string]any{"type": "string", "enum": []string{"cql2-text", "cql-text"}, "default": "cql2-text"}, false),
			param("filter-crs", "query", "CRS of the filter's geometries (default CRS84)", map[string]any{"type": "string", "enum": crsList}, false),
			param("sortby", "query", "comma-separated properties, - for descending", str, false),
		}
		for _, a := range l.Attributes {
			if a.Queryable {
				params = append(params, param(a.Name, "query", a.Title.EN, str, false))
			}
		}
		// A function collection's arguments (the same as its tiles').
		for _, p := range l.Params {
			if p.Arg {
				params = append(params, param(p.Name, "query", p.Title.EN, paramSchema(p), false))
			}
		}
		paths["/collections/"+l.ID] = map[string]any{"get": map[string]any{"summary": l.Title.EN, "operationId": "describe_" + l.ID, "responses": ok("collection", "application/json")}}
		paths["/collections/"+l.ID+"/queryables"] = map[string]any{"get": map[string]any{"summary": "queryables of " + l.ID, "operationId": "queryables_" + l.ID, "responses": ok("queryables", "application/schema+json")}}
		paths["/collections/"+l.ID+"/items"] = map[string]any{"get": map[string]any{"summary": "features of " + l.ID, "operationId": "items_" + l.ID, "parameters": params, "responses": ok("features", geojsonCT)}}
		paths["/collections/"+l.ID+"/items/{featureId}"] = map[string]any{"get": map[string]any{"summary": "one feature of " + l.ID, "operationId": "item_" + l.ID,
			"parameters": []any{param("featureId", "path", "feature id", str, true), param("crs", "query", "CRS of the output", str, false)}, "responses": ok("feature", geojsonCT)}}
	}
	c.Set("Content-Type", "application/vnd.oai.openapi+json;version=3.0")
	return c.JSON(map[string]any{
		"openapi": "3.0.3",
		"info":    map[string]any{"title": "ład – OGC API Features", "version": "1.0.0", "description": "Spatial plans, permits and advertising of Polish municipalities."},
		"servers": []any{map[string]any{"url": base(c)}},
		"paths":   paths,
	})
}

// paramSchema is the JSON schema of a layer parameter's values.
func paramSchema(p layers.Param) map[string]any {
	switch p.Type {
	case "date":
		return map[string]any{"type": "string", "format": "date"}
	case "int":
		sc := map[string]any{"type": "integer"}
		if p.Min != nil {
			sc["minimum"] = *p.Min
		}
		if p.Max != nil {
			sc["maximum"] = *p.Max
		}
		return sc
	}
	return map[string]any{"type": "string"}
}
