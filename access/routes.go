package access

import (
	"fmt"
	"strings"
)

// Rule is the policy of one HTTP route: the least audience that may call
// it and, for staff, the municipality the call acts on.
type Rule struct {
	Method string // GET, POST…; GET rules cover HEAD
	// Path is the route's pattern as the router has it: ":name" matches
	// one segment, a final "*" the rest, "/tiles/:layer.json" a segment
	// ending in ".json".
	Path     string
	Audience Audience
	// Scope names the query parameter or form field holding the TERC a
	// staff call acts on: a caller who does not work for that
	// municipality is refused (403). Empty: not scoped at route level
	// (layers scope their rows themselves).
	Scope string
	// Why says in a few words what the route gives and why this audience.
	Why string
	// Write, when set, is the kind of write the route makes: the caller
	// must also be allowed that write (Subject.MayWrite), whatever it may
	// read.
	Write Write
}

// Routes is the policy of every route ład serves. A route that is not
// here is refused by the server (and fails the authorisation matrix test
// built from the router's own table): adding a route means adding its
// rule.
func Routes() []Rule {
	return []Rule{
		// Operations.
		{"GET", "/healthz", Public, "", "liveness", ""},
		{"GET", "/readyz", Public, "", "readiness (database reachable)", ""},
		{"GET", "/metrics", Public, "", "Prometheus metrics: counts and timings only, no data", ""},
		// The web app and its assets.
		{"GET", "/", Public, "", "planners' and residents' map (data calls are checked on their own)", ""},
		{"GET", "/field", Public, "", "inspectors' app shell (its data calls need the inspector role)", ""},
		{"GET", "/konsultacje", Public, "", "public consultations", ""},
		{"GET", "/favicon.ico", Public, "", "icon", ""},
		{"GET", "/sw.js", Public, "", "the field app's service worker (offline shell)", ""},
		{"GET", "/static/*", Public, "", "app assets", ""},
		// Sign-in.
		{"POST", "/api/login", Public, "", "sign in (rate limited)", ""},
		{"POST", "/api/logout", Public, "", "sign out", ""},
		{"GET", "/api/session", Public, "", "who is signed in", ""},
		// Tiles and the OGC API: the layer's own audience is checked by the
		// catalogue for every layer named (public layers for everybody).
		{"GET", "/tiles", Public, "", "catalogue of the layers the caller may see", ""},
		{"GET", "/tiles/:layer.json", Public, "", "TileJSON of a layer the caller may see", ""},
		{"GET", "/tiles/:layers/:z/:x/:y.mvt", Public, "", "vector tiles of layers the caller may see", ""},
		{"GET", "/style.json", Public, "", "MapLibre style of the layers the caller may see", ""},
		{"GET", "/ogc", Public, "", "OGC API landing page", ""},
		{"GET", "/ogc/conformance", Public, "", "OGC API conformance", ""},
		{"GET", "/ogc/api", Public, "", "OpenAPI document of the collections the caller may see", ""},
		{"GET", "/ogc/collections", Public, "", "collections the caller may see", ""},
		{"GET", "/ogc/collections/:id", Public, "", "a collection the caller may see", ""},
		{"GET", "/ogc/collections/:id/queryables", Public, "", "queryables of a collection the caller may see", ""},
		{"GET", "/ogc/collections/:id/items", Public, "", "features of a collection the caller may see", ""},
		{"GET", "/ogc/collections/:id/items/:fid", Public, "", "one feature", ""},
		{"GET", "/ogc/collections/:id/download", Public, "", "whole collection as GeoJSON or CSV (open data)", ""},
		// What applies here: public data only (personal fields never).
		{"GET", "/api/place", Public, "", "what applies at a point", ""},
		{"GET", "/api/parcels/:id", Public, "", "what applies on a parcel", ""},
		{"GET", "/report/parcel/:id", Public, "", "printable parcel report", ""},
		{"GET", "/api/search", Public, "", "search parcels, plans, districts", ""},
		{"GET", "/api/carriers/near", Public, "", "carriers near a point (the public carriers layer's data)", ""},
		// Residents.
		{"GET", "/api/consultations", Public, "", "consultations and their public comments", ""},
		{"POST", "/api/consultations/:id/comments", Public, "", "a resident's comment (rate limited; author kept private)", ""},
		{"GET", "/api/consultations/:id/comments", Public, "", "a consultation's comments, anonymised; the answers once it has closed", ""},
		// Inspectors.

		{"POST", "/api/inspections", AudienceInspect, "", "record an inspection with photos (idempotent by its UUID)", WriteField},
		{"GET", "/api/inspections/:id", AudienceInspect, "", "one inspection (rows of the caller's municipalities)", ""},
		{"GET", "/api/inspections/:id/photos/:n", AudienceInspect, "", "a photo of an inspection", ""},
		{"POST", "/api/carriers", AudienceInspect, "", "a carrier found in the field (idempotent by its UUID)", WriteField},
		{"GET", "/api/carriers/:id/history", AudienceInspect, "", "a carrier's inspections, enforcement and penalties", ""},
		{"GET", "/api/carriers/:id/photos/:n", AudienceInspect, "", "a photo of a carrier", ""},
		// Planners.
		{"GET", "/api/analysis", AudiencePlanner, "", "list of analyses", ""},
		{"GET", "/api/analysis/:name", AudiencePlanner, "municipality", "an analysis of a municipality the planner works for", ""},
		{"POST", "/api/ingest", AudiencePlanner, "municipality", "upload a data file into a batch", ""},
		{"GET", "/api/ingest/batches", AudiencePlanner, "", "batch log", ""},
		{"GET", "/api/ingest/batches/:id", AudiencePlanner, "", "one batch and its rejected records", ""},
		// Consultations: the handler refuses a planner of another
		// municipality than the consultation's (the id names it, not a
		// parameter).
		{"GET", "/api/consultations/:id/review", AudiencePlanner, "", "a consultation's comments with their authors, to answer them", ""},
		{"POST", "/api/consultations/:id/comments/:cid/answer", AudiencePlanner, "", "answer a comment (audited)", ""},
		{"GET", "/report/consultation/:id", AudiencePlanner, "", "printable consultation report (the council's copy names the authors)", ""},
		// Administrators.
		{"GET", "/api/audit", AudienceAdmin, "", "audit log", ""},
	}
}

// Policy finds the rule of a request.
type Policy struct {
	rules []compiledRule
}

type compiledRule struct {
	Rule
	segs []string
}

// NewPolicy indexes rules; it fails on a malformed rule.
func NewPolicy(rules []Rule) (*Policy, error) {
	p := &Policy{}
	seen := map[string]bool{}
	for _, r := range rules {
		if !ValidAudience(r.Audience) || r.Method == "" || !strings.HasPrefix(r.Path, "/") {
			return nil, fmt.Errorf("policy rule %s %s: bad audience, method or path", r.Method, r.Path)
		}
		if seen[r.Method+" "+r.Path] {
			return nil, fmt.Errorf("policy rule %s %s given twice", r.Method, r.Path)
		}
		seen[r.Method+" "+r.Path] = true
		p.rules = append(p.rules, compiledRule{Rule: r, segs: strings.Split(r.Path, "/")[1:]})
	}
	return p, nil
}

// Rule returns the rule whose pattern is exactly method and path (as the
// router lists its routes), for the matrix test.
func (p *Policy) Rule(method, pattern string) (Rule, bool) {
	if method == "HEAD" {
		method = "GET"
	}
	for _, r := range p.rules {
		if r.Method == method && r.Path == pattern {
			return r.Rule, true
		}
	}
	return Rule{}, false
}

// Match returns the rule of a request path; a literal pattern wins over a
// parameterised one.
func (p *Policy) Match(method, path string) (Rule, bool) {
	if method == "HEAD" {
		method = "GET"
	}
	segs := strings.Split(path, "/")[1:]
	best, bestScore := -1, -1
	for i, r := range p.rules {
		if r.Method != method {
			continue
		}
		if score, ok := matchSegs(r.segs, segs); ok && score > bestScore {
			best, bestScore = i, score
		}
	}
	if best < 0 {
		return Rule{}, false
	}
	return p.rules[best].Rule, true
}

// matchSegs matches path segments against a pattern's, scoring literal
// segments so that the most specific pattern wins.
func matchSegs(pat, segs []string) (int, bool) {
	score := 0
	for i, ps := range pat {
		if ps == "*" && i == len(pat)-1 {
			return score, len(segs) >= len(pat)-1
		}
		if i >= len(segs) {
			return 0, false
		}
		s := segs[i]
		switch {
		case strings.HasPrefix(ps, ":"):
			// ":z" or ":layer.json" / ":y.mvt": a parameter, with an
			// optional literal suffix.
			if _, suffix, ok := strings.Cut(ps, "."); ok {
				if !strings.HasSuffix(s, "."+suffix) || len(s) == len(suffix)+1 {
					return 0, false
				}
			} else if s == "" {
				return 0, false
			}
		case ps == s:
			score++
		default:
			return 0, false
		}
	}
	return score, len(segs) == len(pat)
}

// Allow decides a request by its rule: 0 when allowed, else 401 (sign in)
// or 403 (role or municipality), with the reason. terc is the value of the
// rule's scope parameter ("" when absent).
func (s Subject) Allow(r Rule, terc string) (int, string) {
	if !s.CanSee(r.Audience) {
		if !s.Staff() {
			return 401, "sign in first"
		}
		return 403, "your role may not do this"
	}
	// A value that is no TERC code is the handler's to refuse (400).
	if r.Write != "" && !s.MayWrite(r.Write) {
		if !s.Staff() {
			return 401, "sign in first"
		}
		return 403, "your role may not make this change"
	}
	if r.Scope != "" && isTERC(terc) && s.Staff() && !s.InMunicipality(terc) {
		return 403, "you do not work for municipality " + terc
	}
	return 0, ""
}

// isTERC reports whether v is a seven-digit TERC code.
func isTERC(v string) bool {
	if len(v) != 7 {
		return false
	}
	for _, c := range v {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
