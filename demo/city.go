package demo

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"

	"github.com/paulmach/orb"
)

// Generated city: street blocks inside the real districts, each with a land
// use; parcels subdividing the blocks; local plans over groups of blocks.

const (
	blockW, blockH = 160.0, 120.0 // block without its streets, metres
	street         = 14.0
	cell           = 2000.0 // plan cells
)

type block struct {
	ring     orb.Ring
	centre   orb.Point
	use      string // MN, MW, MW/U, U, P, R, ZP
	district int
	cellX    int
	cellY    int
}

type parcel struct {
	id    string
	ring  orb.Ring
	block int
}

type plan struct {
	localID, title, resolution, adopted, version, status string
	blocks                                               []int
	amended                                              bool
	// raise multiplies heights and intensities (an amendment's change).
	raise float64
}

// amendment is a later version of pl (zmiana planu): same act, new
// version, higher allowed buildings; it supersedes pl.
func amendment(pl *plan) *plan {
	a := *pl
	a.version = "20240615T000000"
	a.adopted = "2024-06-15"
	a.resolution = "LXXX/2011/24"
	a.title = pl.title + " – zmiana"
	a.raise = 1.2
	return &a
}

type city struct {
	ds      []district
	blocks  []block
	parcels []parcel
	plans   []*plan
	draft   *plan
	planned map[[2]int]*plan // plan cell → plan in force
	ouz     []orb.Ring
	r       *rand.Rand
	min     orb.Point
}

var streets = []string{"Legnickiej", "Grabiszyńskiej", "Kosmonautów", "Żmigrodzkiej", "Krzywoustego", "Strzegomskiej",
	"Ślężnej", "Borowskiej", "Buforowej", "Opolskiej", "Kiełczowskiej", "Bystrzyckiej", "Karkonoskiej", "Klecińskiej",
	"Na Ostatnim Groszu", "Hallera", "Powstańców Śląskich", "Jedności Narodowej", "Sienkiewicza", "Traugutta",
	"Kromera", "Olszewskiego", "Krakowskiej", "Armii Krajowej", "Wiśniowej", "Długiej", "Obornickiej", "Lotniczej",
	"Pilczyckiej", "Racławickiej", "Gajowickiej", "Swojczyckiej", "Brochowskiej", "Mokrzańskiej", "Agrestowej"}

func newCity(ds []district) *city {
	c := &city{ds: ds, r: rand.New(rand.NewPCG(seed, 1)), planned: map[[2]int]*plan{}}
	var b orb.Bound
	for i, d := range ds {
		if i == 0 {
			b = d.bound
		} else {
			b = b.Union(d.bound)
		}
	}
	c.min = b.Min
	for y := b.Min[1]; y+blockH < b.Max[1]; y += blockH + street {
		for x := b.Min[0]; x+blockW < b.Max[0]; x += blockW + street {
			c.maybeBlock(x, y)
		}
	}
	c.subdivide()
	c.makePlans()
	return c
}

// maybeBlock adds a built block at (x, y) when the city is dense enough
// there and the whole block lies in one district.
func (c *city) maybeBlock(x, y float64) {
	ring := orb.Ring{{x, y}, {x + blockW, y}, {x + blockW, y + blockH}, {x, y + blockH}, {x, y}}
	ctr := orb.Point{x + blockW/2, y + blockH/2}
	d := dist(ctr, centre)
	p := 0.3
	switch {
	case d < 4500:
		p = 0.85
	case d < 8000:
		p = 0.5
	}
	if c.r.Float64() > p {
		return
	}
	di := inCity(c.ds, ctr)
	if di < 0 {
		return
	}
	for _, q := range ring[:4] {
		if inCity(c.ds, q) != di {
			return
		}
	}
	u := c.r.Float64()
	var use string
	switch {
	case d < 1500:
		use = pick(u, []string{"MW/U", "U", "MW", "ZP"}, []float64{.5, .3, .12, .08})
	case d < 4500:
		use = pick(u, []string{"MW", "MN", "U", "P", "ZP", "MW/U"}, []float64{.42, .2, .13, .1, .08, .07})
	default:
		use = pick(u, []string{"MN", "P", "R", "ZP", "MW", "U"}, []float64{.5, .12, .16, .07, .1, .05})
	}
	c.blocks = append(c.blocks, block{ring: ring, centre: ctr, use: use, district: di,
		cellX: int((ctr[0] - c.min[0]) / cell), cellY: int((ctr[1] - c.min[1]) / cell)})
}

func pick(u float64, options []string, weights []float64) string {
	for i, w := range weights {
		if u < w {
			return options[i]
		}
		u -= w
	}
	return options[len(options)-1]
}

// subdivide cuts blocks into parcels of sizes typical of their use.
func (c *city) subdivide() {
	next := map[int]int{}
	for bi, b := range c.blocks {
		var cols, rows int
		switch b.use {
		case "MN":
			cols, rows = 7, 2
		case "MW", "MW/U":
			cols, rows = 3, 2
		case "U":
			cols, rows = 2, 2
		case "P":
			cols, rows = 2, 1
		case "R":
			cols, rows = 3, 1
		default:
			cols, rows = 1, 1
		}
		x0, y0 := b.ring[0][0], b.ring[0][1]
		w, h := blockW/float64(cols), blockH/float64(rows)
		for j := 0; j < rows; j++ {
			for i := 0; i < cols; i++ {
				ob := c.ds[b.district].obreb
				next[ob]++
				n := next[ob]
				num := fmt.Sprint(n)
				if n%5 == 0 { // some numbers are divided parcels, like 123/4
					num = fmt.Sprintf("%d/%d", n-1, 2+n%7)
				}
				id := fmt.Sprintf("%s.%04d.%s", Unit, ob, num)
				x, y := x0+float64(i)*w, y0+float64(j)*h
				c.parcels = append(c.parcels, parcel{id: id, block: bi,
					ring: orb.Ring{{x, y}, {x + w, y}, {x + w, y + h}, {x, y + h}, {x, y}}})
			}
		}
	}
}

// makePlans covers some 2 km cells with local plans: more in the centre and
// the outskirts than in between, as in most Polish cities. One cell without
// a plan gets a draft plan under public consultation.
func (c *city) makePlans() {
	cells := map[[2]int][]int{}
	for i, b := range c.blocks {
		k := [2]int{b.cellX, b.cellY}
		cells[k] = append(cells[k], i)
	}
	keys := make([][2]int, 0, len(cells))
	for k := range cells {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i][1] != keys[j][1] {
			return keys[i][1] < keys[j][1]
		}
		return keys[i][0] < keys[j][0]
	})
	r := rand.New(rand.NewPCG(seed, 2))
	for _, k := range keys {
		bl := cells[k]
		if len(bl) < 12 {
			continue
		}
		ctr := orb.Point{c.min[0] + (float64(k[0])+.5)*cell, c.min[1] + (float64(k[1])+.5)*cell}
		d := dist(ctr, centre)
		p := 0.55
		switch {
		case d < 3500:
			p = 0.75
		case d < 7000:
			p = 0.3
		}
		u := r.Float64()
		if u > p {
			if c.draft == nil && d > 3000 {
				c.draft = c.newPlan(r, bl, "draft", 2026)
			}
			continue
		}
		year := 2003 + r.IntN(23)
		pl := c.newPlan(r, bl, "in_force", year)
		c.plans = append(c.plans, pl)
		c.planned[k] = pl
	}
	if len(c.plans) > 0 {
		c.plans[0].amended = true
	}
	if c.draft != nil {
		c.plans = append(c.plans, c.draft)
	}
}

func (c *city) newPlan(r *rand.Rand, blocks []int, status string, year int) *plan {
	n := len(c.plans) + 1
	a, b := streets[r.IntN(len(streets))], streets[r.IntN(len(streets))]
	for b == a {
		b = streets[r.IntN(len(streets))]
	}
	month, day := 1+r.IntN(12), 1+r.IntN(28)
	session := 10 + (year-2002)*3 + r.IntN(3)
	pl := &plan{
		localID:    fmt.Sprintf("MPZP-%03d", n),
		title:      fmt.Sprintf("Miejscowy plan zagospodarowania przestrzennego w rejonie ulic %s i %s we Wrocławiu", a, b),
		resolution: fmt.Sprintf("%s/%d/%02d", roman(session), 100+r.IntN(2900), year%100),
		adopted:    fmt.Sprintf("%04d-%02d-%02d", year, month, day),
		version:    fmt.Sprintf("%04d%02d%02dT000000", year, month, day),
		status:     status,
		blocks:     blocks,
	}
	if status == "draft" {
		pl.localID = "MPZP-PROJEKT-1"
		pl.resolution = ""
		pl.adopted = ""
		pl.version = "20261001T000000"
	}
	return pl
}

func roman(n int) string {
	vals := []int{100, 90, 50, 40, 10, 9, 5, 4, 1}
	syms := []string{"C", "XC", "L", "XL", "X", "IX", "V", "IV", "I"}
	var b strings.Builder
	for i, v := range vals {
		for n >= v {
			b.WriteString(syms[i])
			n -= v
		}
	}
	return b.String()
}

// parameters typical of each MPZP symbol: height m, intensity min/max,
// coverage %, biologically active %.
var params = map[string][5]float64{
	"MN":   {10, 0.1, 0.6, 30, 50},
	"MW":   {25, 0.8, 2.5, 40, 25},
	"MW/U": {28, 1.0, 3.5, 50, 20},
	"U":    {20, 0.5, 2.5, 60, 15},
	"P":    {18, 0.2, 1.5, 60, 10},
	"R":    {0, 0, 0, 0, 90},
	"ZP":   {0, 0, 0, 5, 80},
}

func ringJSON(r orb.Ring) string {
	var b strings.Builder
	b.WriteString(`{"type":"Polygon","coordinates":[[`)
	for i, p := range r {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "[%.2f,%.2f]", p[0], p[1])
	}
	b.WriteString(`]]}`)
	return b.String()
}

func ringWithHoleJSON(outer, hole orb.Ring) string {
	s := ringJSON(outer)
	h := ringJSON(hole)
	return strings.TrimSuffix(s, "]}") + "," + strings.TrimPrefix(strings.TrimSuffix(h, "]}"), `{"type":"Polygon","coordinates":[`) + "]}"
}

const crs2180 = `"crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::2180"}}`

func (c *city) parcelsGeoJSON() []byte {
	var b buf
	b.f(`{"type":"FeatureCollection",%s,"features":[`, crs2180)
	for i, p := range c.parcels {
		if i > 0 {
			b.f(",")
		}
		b.f(`{"type":"Feature","properties":{"teryt":%q},"geometry":%s}`, p.id, ringJSON(p.ring))
	}
	b.f("]}")
	return b.Bytes()
}

func (c *city) planGeoJSON(pl *plan) []byte {
	var b buf
	validFrom := ""
	if pl.adopted != "" {
		validFrom = pl.adopted
	}
	b.f(`{"type":"FeatureCollection",%s,"plan":{"kind":"mpzp","namespace":"PL.ZIPPZP.2401/026401-MPZP","local_id":%q,"version_id":%q,"title":%q,"resolution_no":%q,"status":%q,"adopted_on":%q,"valid_from":%q,"terc":%q},"features":[`,
		crs2180, pl.localID, pl.version, pl.title, pl.resolution, pl.status, pl.adopted, validFrom, TERC)
	n := 0
	for _, bi := range pl.blocks {
		bl := c.blocks[bi]
		n++
		p := params[bl.use]
		jitter := 1 + float64((bi*7)%5-2)/20
		if pl.raise > 0 {
			jitter *= pl.raise
		}
		if n > 1 {
			b.f(",")
		}
		b.f(`{"type":"Feature","properties":{"designation":"%d%s","symbol":%q,"local_id":"%s-%d","max_height_m":%.1f,"intensity_min":%.1f,"intensity_max":%.1f,"max_coverage_pct":%.0f,"min_bio_pct":%.0f,"rules":%q},"geometry":%s}`,
			n, bl.use, bl.use, pl.localID, n, p[0]*jitter, p[1], p[2]*jitter, p[3], p[4], rulesText(bl.use, p), ringJSON(bl.ring))
	}
	b.f("]}")
	return b.Bytes()
}

func rulesText(use string, p [5]float64) string {
	switch use {
	case "R", "ZP":
		return "Zakaz zabudowy kubaturowej; dopuszcza się obiekty małej architektury."
	}
	return fmt.Sprintf("Wysokość zabudowy do %.0f m; intensywność zabudowy od %.1f do %.1f; powierzchnia zabudowy do %.0f%% działki; powierzchnia biologicznie czynna co najmniej %.0f%%.", p[0], p[1], p[2], p[3], p[4])
}

// pogZones: one planning zone per district, of the type its position and
// blocks suggest; OUZ where the outskirts have no local plan; the downtown
// area around the old town.
var pogParams = map[string][4]float64{ // intensity, coverage %, height m, bio %
	"SW": {3.5, 50, 30, 20}, "SJ": {0.8, 35, 12, 45}, "SU": {3.0, 60, 25, 15}, "SP": {1.8, 65, 20, 10},
	"SN": {0.1, 5, 8, 80}, "SR": {0.3, 20, 10, 60}, "SH": {1.5, 70, 18, 10},
}

func (c *city) pogGeoJSON() []byte {
	var b buf
	b.f(`{"type":"FeatureCollection",%s,"plan":{"kind":"pog","namespace":"PL.ZIPPZP.2401/026401-POG","local_id":"1POG","version_id":"20260326T000000","title":"Plan ogólny gminy Wrocław","resolution_no":"LXXII/1850/26","status":"in_force","adopted_on":"2026-03-26","valid_from":"2026-05-01","terc":%q},"features":[`, crs2180, TERC)
	for i, d := range c.ds {
		ctr := d.bound.Center()
		dd := dist(ctr, centre)
		sym := "SJ"
		switch {
		case dd < 2500:
			sym = "SU"
			if i%2 == 0 {
				sym = "SW"
			}
		case dd < 6000:
			sym = []string{"SW", "SW", "SJ", "SP", "SN"}[i%5]
		default:
			sym = []string{"SJ", "SJ", "SR", "SP", "SN", "SH"}[i%6]
		}
		p := pogParams[sym]
		if i > 0 {
			b.f(",")
		}
		var polys []string
		for _, poly := range d.geom {
			polys = append(polys, strings.TrimSuffix(strings.TrimPrefix(polygonJSON(poly), `{"type":"Polygon","coordinates":`), "}"))
		}
		geom := `{"type":"MultiPolygon","coordinates":[` + strings.Join(polys, ",") + `]}`
		b.f(`{"type":"Feature","properties":{"kind":"pog_zone","designation":"%d%s","symbol":%q,"local_id":"POG-%d","intensity_max":%.1f,"max_coverage_pct":%.0f,"max_height_m":%.0f,"min_bio_pct":%.0f,"name":%q},"geometry":%s}`,
			i+1, sym, sym, i+1, p[0], p[1], p[2], p[3], d.name, geom)
	}
	// Infill areas (OUZ): squares around outskirts blocks outside local plans.
	r := rand.New(rand.NewPCG(seed, 3))
	n := 0
	for _, bl := range c.blocks {
		if n >= 8 || c.planned[[2]int{bl.cellX, bl.cellY}] != nil || dist(bl.centre, centre) < 6000 || r.Float64() > 0.05 {
			continue
		}
		x, y := bl.centre[0], bl.centre[1]
		sq := orb.Ring{{x - 200, y - 200}, {x + 200, y - 200}, {x + 200, y + 200}, {x - 200, y + 200}, {x - 200, y - 200}}
		ok := true
		for _, q := range sq[:4] {
			ok = ok && inCity(c.ds, q) >= 0
		}
		if !ok {
			continue
		}
		n++
		c.ouz = append(c.ouz, sq)
		b.f(`,{"type":"Feature","properties":{"kind":"ouz","designation":"OUZ-%d","local_id":"OUZ-%d","name":"Obszar uzupełnienia zabudowy %d"},"geometry":%s}`, n, n, n, ringJSON(sq))
	}
	x, y := centre[0], centre[1]
	down := orb.Ring{{x - 1500, y - 1200}, {x + 1500, y - 1200}, {x + 1500, y + 1200}, {x - 1500, y + 1200}, {x - 1500, y - 1200}}
	b.f(`,{"type":"Feature","properties":{"kind":"downtown","designation":"OZS-1","local_id":"OZS-1","name":"Obszar zabudowy śródmiejskiej"},"geometry":%s}`, ringJSON(down))
	b.f("]}")
	return b.Bytes()
}

func polygonJSON(p orb.Polygon) string {
	var b strings.Builder
	b.WriteString(`{"type":"Polygon","coordinates":[`)
	for i, r := range p {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('[')
		for j, q := range r {
			if j > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, "[%.3f,%.3f]", q[0], q[1])
		}
		b.WriteByte(']')
	}
	b.WriteString(`]}`)
	return b.String()
}

// categories consistent with each land use, and the ones that conflict.
var useCategories = map[string][]string{
	"MN": {"I", "I", "I", "III"}, "MW": {"XIII", "XIII", "XVII"}, "MW/U": {"XIII", "XVII", "XVI"},
	"U": {"XVII", "XVI", "XIV", "IX"}, "P": {"XVIII", "XVIII", "XX"}, "R": {"II", "III"}, "ZP": {"V", "XV"},
}
var conflicting = []string{"XVIII", "XIII", "XVII", "I", "XX"}

func (c *city) rwdzCSV(kind string) []byte {
	var b buf
	r := rand.New(rand.NewPCG(seed, map[string]uint64{"permit": 4, "notification": 5, "zoning_decision": 6}[kind]))
	permitHeader := "numer_urzad;numer_gunb;nazwa_organu;adres_organu;data_wplywu_wniosku;numer_decyzji_urzedu;data_wydania_decyzji;nazwa_inwestor;wojewodztwo;miasto;terc;cecha;cecha;ulica;ulica_dalej;nr_domu;rodzaj_inwestycji;kategoria;nazwa_zamierzenia_bud;nazwa_zam_budowlanego;kubatura;projektant_nazwisko;projektant_imie;projektant_numer_uprawnien;jednosta_numer_ew;obreb_numer;numer_dzialki;numer_arkusza_dzialki;jednostka_stara_numeracja_z_wniosku;stara_numeracja_obreb_z_wnioskiu;stara_numeracja_dzialka_z_wniosku"
	notifHeader := "numer_ewidencyjny_system;numer_ewidencyjny_urzad;data_wplywu_wniosku_do_urzedu;nazwa_organu;wojewodztwo_objekt;obiekt_kod_pocztowy;miasto;terc;cecha;cecha;ulica;ulica_dalej;nr_domu;kategoria;nazwa_zam_budowlanego;rodzaj_zam_budowlanego;kubatura;stan;jednostki_numer;obreb_numer;numer_dzialki;numer_arkusza_dzialki;nazwisko_projektanta;imie_projektanta;projektant_numer_uprawnien;projektant_pozostali"
	n := 2200
	switch kind {
	case "notification":
		b.f("\ufeff%s\n", notifHeader)
		n = 1300
	case "zoning_decision":
		b.f("\ufeff%s;rodzaj_decyzji\n", permitHeader)
		n = 500
	default:
		b.f("\ufeff%s\n", permitHeader)
	}
	works := []string{"budowa nowego/nowych obiektów budowlanych", "rozbudowa istniejącego/istniejących obiektów budowlanych",
		"nadbudowa istniejącego/istniejących obiektów budowlanych", "wykonanie robót budowlanych innych niż wymienione powyżej"}
	names := map[string]string{"I": "budowa budynku mieszkalnego jednorodzinnego", "III": "budowa budynku gospodarczego i garażu",
		"XIII": "budowa budynku mieszkalnego wielorodzinnego z garażem podziemnym", "XVII": "budowa budynku usługowo-handlowego",
		"XVI": "budowa budynku biurowego", "XIV": "budowa hotelu", "IX": "rozbudowa szkoły podstawowej", "XVIII": "budowa hali magazynowej z częścią biurową",
		"XX": "budowa stacji paliw", "II": "budowa budynku inwentarskiego", "V": "budowa boiska wielofunkcyjnego", "XV": "budowa hali sportowej"}
	for i := 1; i <= n; i++ {
		pi := r.IntN(len(c.parcels))
		p := c.parcels[pi]
		bl := c.blocks[p.block]
		if kind == "zoning_decision" {
			// Zoning decisions go where no plan is: development pressure.
			for tries := 0; tries < 30 && c.planned[[2]int{bl.cellX, bl.cellY}] != nil; tries++ {
				pi = r.IntN(len(c.parcels))
				p = c.parcels[pi]
				bl = c.blocks[p.block]
			}
		}
		cats := useCategories[bl.use]
		cat := cats[r.IntN(len(cats))]
		if r.Float64() < 0.08 {
			cat = conflicting[r.IntN(len(conflicting))]
		}
		year := 2016 + r.IntN(10)
		applied := fmt.Sprintf("%04d-%02d-%02d 00:00:00", year, 1+r.IntN(12), 1+r.IntN(28))
		decided := applied[:8] + fmt.Sprintf("%02d 00:00:00", 1+r.IntN(28))
		parts := strings.SplitN(p.id, ".", 3)
		obreb, number := parts[1], parts[2]
		if r.Float64() < 0.02 {
			obreb = "0099" // a parcel the cadastre does not know (yet)
		}
		vol := ""
		switch cat {
		case "I":
			vol = fmt.Sprint(450 + r.IntN(700))
		case "XIII":
			vol = fmt.Sprint(8000 + r.IntN(30000))
		case "XVII", "XVI", "XVIII":
			vol = fmt.Sprint(2000 + r.IntN(20000))
		}
		desc := names[cat]
		if desc == "" {
			desc = "budowa obiektu budowlanego"
		}
		extra := 1
		if r.Float64() < 0.15 {
			extra = 2 + r.IntN(2)
		}
		for k := 0; k < extra; k++ {
			if k > 0 {
				nb := pi + k
				if nb >= len(c.parcels) || c.parcels[nb].block != p.block {
					break
				}
				number = strings.SplitN(c.parcels[nb].id, ".", 3)[2]
			}
			w := works[r.IntN(len(works))]
			switch kind {
			case "notification":
				b.f("ZG-WRO/%d/%d;ZG/%d/%d;%s;Prezydent Wrocławia;dolnośląskie;;Wrocław;%s;;;;;;%s;%s;%s;%s;Brak sprzeciwu;%s;%s;%s;;[REDACTED];[REDACTED];[REDACTED];\n",
					i, year, i, year, applied, TERC, cat, desc, w, vol, Unit, obreb, number)
			default:
				suffix, office := "", "WRO-AB"
				if kind == "zoning_decision" {
					suffix, office = ";wz", "WRO-WZ"
					if k == 0 {
						desc = "ustalenie warunków zabudowy: " + desc
					}
				}
				b.f("AB/%d/%d;"+office+"/WNIOSEK/%d/%d;Prezydent Wrocławia;pl. Nowy Targ 1-8, 50-141 Wrocław;%s;%d/%d;%s;;dolnośląskie;Wrocław;%s;;;;;;Obiekt budowlany;%s;%s;%s;%s;[REDACTED];[REDACTED];[REDACTED];%s;%s;%s;;;;%s\n",
					i, year, i, year, applied, i, year, decided, TERC, cat, w, desc, vol, Unit, obreb, number, suffix)
			}
		}
	}
	return b.Bytes()
}
