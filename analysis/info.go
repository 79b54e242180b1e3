package analysis

// Text is a title in Polish and English.
type Text struct {
	PL string `json:"pl"`
	EN string `json:"en"`
}

// ParamInfo describes one parameter an analysis takes, so that a client
// (the web map's analysis panel) builds its form from it instead of knowing
// each analysis by heart. Name is the query parameter of GET
// /api/analysis/{name}.
type ParamInfo struct {
	Name string `json:"name"`
	// Type is terc (a municipality the caller works for), date
	// (YYYY-MM-DD), int or text.
	Type  string `json:"type"`
	Title Text   `json:"title"`
	// Default is the value used when the parameter is not given; empty
	// when it is computed from other parameters (Hint then says how).
	Default string `json:"default,omitempty"`
	Hint    *Text  `json:"hint,omitempty"`
	// Min and Max bound an int parameter.
	Min *int `json:"min,omitempty"`
	Max *int `json:"max,omitempty"`
	// Required parameters have no default.
	Required bool `json:"required,omitempty"`
}

// Chart says how to draw one table of an analysis as a bar chart and how
// the chart leads to the map: a bar is a row of Table, labelled by its
// Label column, with one series per Values column; a click on it shows the
// features of map layer Layer whose attribute Property equals the label.
type Chart struct {
	Table  string   `json:"table"`
	Label  string   `json:"label"`
	Values []string `json:"values"`
	// Titles name the series of Values, in order.
	Titles   []Text `json:"titles"`
	Stacked  bool   `json:"stacked,omitempty"`
	Layer    string `json:"layer"`
	Property string `json:"property"`
	// SkipTotal leaves out the table's last row: the municipality as a
	// whole, after its districts.
	SkipTotal bool `json:"skip_total,omitempty"`
}

// Info describes an analysis for clients: its title, the parameters it
// reads and its chart.
type Info struct {
	Name   string      `json:"name"`
	Title  Text        `json:"title"`
	Params []ParamInfo `json:"params"`
	Chart  *Chart      `json:"chart,omitempty"`
}

func intp(n int) *int { return &n }

// paramInfo is every parameter of Params, by name: what Check accepts and
// the defaults it fills.
func paramInfo() map[string]ParamInfo {
	return map[string]ParamInfo{
		"municipality": {Name: "municipality", Type: "terc", Required: true, Title: Text{"Gmina analizy", "Municipality analysed"}},
		"date": {Name: "date", Type: "date", Title: Text{"Na dzień", "On date"},
			Hint: &Text{"domyślnie dziś", "default: today"}},
		"district_kind": {Name: "district_kind", Type: "text", Default: "osiedle", Title: Text{"Rodzaj jednostek", "Kind of districts"}},
		"inspection_days": {Name: "inspection_days", Type: "int", Default: "365", Min: intp(1), Max: intp(3650),
			Title: Text{"Kontrola zaległa po (dni)", "Inspection overdue after (days)"}},
		"from": {Name: "from", Type: "date", Title: Text{"Od dnia", "From"},
			Hint: &Text{"domyślnie rok przed dniem „do”", "default: a year before “to”"}},
		"to": {Name: "to", Type: "date", Title: Text{"Do dnia", "To"}, Hint: &Text{"domyślnie dziś", "default: today"}},
		"from_year": {Name: "from_year", Type: "int", Min: intp(1900), Max: intp(2100), Title: Text{"Od roku", "From year"},
			Hint: &Text{"domyślnie 9 lat przed rokiem „do”", "default: 9 years before “to year”"}},
		"to_year": {Name: "to_year", Type: "int", Min: intp(1900), Max: intp(2100), Title: Text{"Do roku", "To year"},
			Hint: &Text{"domyślnie rok dnia analizy", "default: the year of the date"}},
		"cell_m": {Name: "cell_m", Type: "int", Default: "500", Min: intp(100), Max: intp(5000),
			Title: Text{"Bok heksagonu [m]", "Hexagon edge [m]"}},
	}
}

// infos describes every analysis: the parameters its statements read (see
// specs) and the table drawn as its chart.
func infos() map[string]Info {
	pi := paramInfo()
	ps := func(names ...string) []ParamInfo {
		out := make([]ParamInfo, len(names))
		for i, n := range names {
			p, ok := pi[n]
			if !ok {
				panic("analysis: no parameter " + n)
			}
			out[i] = p
		}
		return out
	}
	return map[string]Info{
		"plan-coverage": {Title: Text{"Pokrycie planami", "Plan coverage"},
			Params: ps("municipality", "date", "district_kind"),
			Chart: &Chart{Table: "plan-coverage", Label: "name", Values: []string{"mpzp_pct", "pog_pct"},
				Titles: []Text{{"Plany miejscowe [%]", "Local plans [%]"}, {"Plan ogólny [%]", "General plan [%]"}},
				Layer:  "districts", Property: "name", SkipTotal: true}},
		"permit-conformity": {Title: Text{"Zgodność pozwoleń z planami", "Permit conformity"},
			Params: ps("municipality", "date", "from_year", "to_year", "district_kind"),
			Chart: &Chart{Table: "permit-conformity-by-year", Label: "year", Values: []string{"conforms", "conflicts", "unknown"},
				Titles:  []Text{{"zgodne", "conforming"}, {"niezgodne", "in conflict"}, {"nie oceniono", "not judged"}},
				Stacked: true, Layer: "permit_conformity", Property: "year"}},
		"development-pressure": {Title: Text{"Presja inwestycyjna", "Development pressure"},
			Params: ps("municipality", "date", "from_year", "to_year", "cell_m", "district_kind"),
			Chart: &Chart{Table: "development-pressure-by-year", Label: "year", Values: []string{"in_plan", "outside_plan"},
				Titles:  []Text{{"w planach", "inside plans"}, {"poza planami", "outside plans"}},
				Stacked: true, Layer: "permits", Property: "year"}},
		"plan-realisation": {Title: Text{"Realizacja planów", "Plan realisation"},
			Params: ps("municipality", "date"),
			Chart: &Chart{Table: "plan-realisation", Label: "plan", Values: []string{"realisation_pct"},
				Titles: []Text{{"realizacja [%]", "realisation [%]"}},
				Layer:  "plan_realisation", Property: "plan"}},
		"advertising-compliance": {Title: Text{"Zgodność reklam", "Advertising compliance"},
			Params: ps("municipality", "date", "inspection_days"),
			Chart: &Chart{Table: "advertising-compliance", Label: "zone", Values: []string{"compliant", "violations", "in_transition"},
				Titles:  []Text{{"zgodne", "compliant"}, {"naruszenia", "violations"}, {"okres przejściowy", "transition period"}},
				Stacked: true, Layer: "carriers", Property: "zone_code"}},
		"changes": {Title: Text{"Co się zmieniło", "What changed"},
			Params: ps("municipality", "from", "to", "district_kind"),
			Chart: &Chart{Table: "changes-permits", Label: "district", Values: []string{"permits", "notifications", "zoning_decisions"},
				Titles:  []Text{{"pozwolenia", "permits"}, {"zgłoszenia", "notifications"}, {"decyzje WZ", "zoning decisions"}},
				Stacked: true, Layer: "districts", Property: "name", SkipTotal: true}},
	}
}

// List describes the analyses, in the order of Names.
func (a *Analyst) List() []Info {
	out := make([]Info, 0, len(Names))
	for _, n := range Names {
		i := a.infos[n]
		i.Name = n
		out = append(out, i)
	}
	return out
}
