package demo

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/paulmach/orb"
)

// Landscape resolution: zone A (old town), B (downtown), C (the rest).
func zoneOf(p orb.Point) string {
	dx, dy := p[0]-centre[0], p[1]-centre[1]
	switch {
	case abs(dx) < 1200 && abs(dy) < 1000:
		return "A"
	case abs(dx) < 4000 && abs(dy) < 3500:
		return "B"
	}
	return "C"
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

func square(cx, cy, hw, hh float64) orb.Ring {
	return orb.Ring{{cx - hw, cy - hh}, {cx + hw, cy - hh}, {cx + hw, cy + hh}, {cx - hw, cy + hh}, {cx - hw, cy - hh}}
}

func (c *city) landscapeGeoJSON() []byte {
	var b buf
	x, y := centre[0], centre[1]
	a := square(x, y, 1200, 1000)
	bb := square(x, y, 4000, 3500)
	cc := square(x, y, 16000, 13000)
	b.f(`{"type":"FeatureCollection",%s,"resolution":{"title":"Uchwała w sprawie zasad i warunków sytuowania obiektów małej architektury, tablic reklamowych i urządzeń reklamowych oraz ogrodzeń (uchwała krajobrazowa)","resolution_no":"LVI/1374/18","adopted_on":"2018-06-21","valid_from":"2018-08-01","transition_until":"2020-12-31","terc":%q},"features":[`, crs2180, TERC)
	b.f(`{"type":"Feature","properties":{"code":"A","name":"Obszar A – Stare Miasto","description":"Ścisłe centrum historyczne: tylko szyldy i nośniki informacji miejskiej.","rules":[
{"code":"A-1","rule":"ban_kind","carrier_kind":"billboard","text_pl":"Zakaz sytuowania billboardów"},
{"code":"A-2","rule":"ban_kind","carrier_kind":"led_screen","text_pl":"Zakaz ekranów LED"},
{"code":"A-3","rule":"max_area","value":2,"text_pl":"Powierzchnia ekspozycji do 2 m²"},
{"code":"A-4","rule":"no_illumination","text_pl":"Zakaz podświetlenia i iluminacji"},
{"code":"A-5","rule":"ban_kind","carrier_kind":"banner","text_pl":"Zakaz banerów i siatek reklamowych"}]},"geometry":%s},`, ringJSON(a))
	b.f(`{"type":"Feature","properties":{"code":"B","name":"Obszar B – Śródmieście","description":"Śródmieście: nośniki średniego formatu w odstępach.","rules":[
{"code":"B-1","rule":"max_area","value":12,"text_pl":"Powierzchnia ekspozycji do 12 m²"},
{"code":"B-2","rule":"min_spacing","value":50,"text_pl":"Odległość między nośnikami co najmniej 50 m"},
{"code":"B-3","rule":"ban_kind","carrier_kind":"banner","text_pl":"Zakaz banerów na rusztowaniach poza okresem robót"}]},"geometry":%s},`, ringWithHoleJSON(bb, a))
	b.f(`{"type":"Feature","properties":{"code":"C","name":"Obszar C – pozostała część miasta","description":"Pozostała część miasta: wolnostojące nośniki do 18 m².","rules":[
{"code":"C-1","rule":"max_area","value":18,"text_pl":"Powierzchnia ekspozycji do 18 m²"},
{"code":"C-2","rule":"min_spacing","value":100,"text_pl":"Odległość między wolnostojącymi nośnikami co najmniej 100 m"}]},"geometry":%s}`, ringWithHoleJSON(cc, bb))
	b.f("]}")
	return b.Bytes()
}

// carrier is a generated advertising carrier.
type carrier struct {
	inv        string
	kind       string
	w, h       float64
	lit        bool
	p          orb.Point
	zone       string
	violations []string
	installed  string
}

func (c *city) carriers() []carrier {
	r := rand.New(rand.NewPCG(seed, 8))
	var out []carrier
	kinds := map[string][]string{
		"A": {"sign", "citylight", "citylight", "board", "billboard", "led_screen", "banner"},
		"B": {"citylight", "billboard", "board", "pylon", "led_screen", "banner", "billboard"},
		"C": {"billboard", "billboard", "pylon", "board", "led_screen", "citylight", "billboard"},
	}
	for i := 0; len(out) < 420 && i < 20000; i++ {
		bl := c.blocks[r.IntN(len(c.blocks))]
		if bl.use == "R" || bl.use == "ZP" {
			continue
		}
		// On the street edge of the block.
		p := orb.Point{bl.ring[0][0] + r.Float64()*blockW, bl.ring[0][1] - 4}
		z := zoneOf(p)
		if z == "C" && r.Float64() < 0.5 {
			continue // carriers cluster in the centre
		}
		k := kinds[z][r.IntN(len(kinds[z]))]
		w, h := map[string][2]float64{"billboard": {6, 3}, "citylight": {1.2, 1.8}, "board": {2, 1}, "pylon": {2, 5},
			"led_screen": {4, 3}, "banner": {10, 6}, "sign": {1.5, 0.6}}[k][0], 0.0
		h = map[string]float64{"billboard": 3, "citylight": 1.8, "board": 1, "pylon": 5, "led_screen": 3, "banner": 6, "sign": 0.6}[k]
		if k == "billboard" && r.Float64() < 0.3 {
			w, h = 12, 4 // 48 m² "backlight" format
		}
		lit := k == "citylight" || k == "led_screen" || (k == "billboard" && r.Float64() < 0.4)
		cr := carrier{inv: fmt.Sprintf("WRO/NR/%05d", len(out)+1), kind: k, w: w, h: h, lit: lit, p: p, zone: z,
			installed: fmt.Sprintf("%04d-%02d-%02d", 2008+r.IntN(17), 1+r.IntN(12), 1+r.IntN(28))}
		cr.violations = violations(cr)
		out = append(out, cr)
	}
	return out
}

// violations lists the zone rules a carrier breaks (spacing is left to the
// analysis, which sees every carrier).
func violations(cr carrier) []string {
	area := cr.w * cr.h
	var v []string
	switch cr.zone {
	case "A":
		if cr.kind == "billboard" {
			v = append(v, "A-1")
		}
		if cr.kind == "led_screen" {
			v = append(v, "A-2")
		}
		if area > 2 {
			v = append(v, "A-3")
		}
		if cr.lit {
			v = append(v, "A-4")
		}
		if cr.kind == "banner" {
			v = append(v, "A-5")
		}
	case "B":
		if area > 12 {
			v = append(v, "B-1")
		}
		if cr.kind == "banner" {
			v = append(v, "B-3")
		}
	case "C":
		if area > 18 {
			v = append(v, "C-1")
		}
	}
	return v
}

func (c *city) carriersCSV() []byte {
	var b buf
	b.f("inventory_no;kind;width_m;height_m;area_m2;illuminated;double_sided;status;installed_on;address;owner_name;x;y\n")
	owners := []string{"Outdoor Polska sp. z o.o.", "Reklama Śląsk sp. j.", "CityMedia S.A.", "Billboard Wrocław s.c.", "AMS-Dolny Śląsk"}
	for i, cr := range c.carriers() {
		b.f("%s;%s;%.1f;%.1f;%.2f;%t;%t;active;%s;ul. %s;%s;%.2f;%.2f\n", cr.inv, cr.kind, cr.w, cr.h, cr.w*cr.h, cr.lit, i%3 == 0,
			cr.installed, streets[i%len(streets)], owners[i%len(owners)], cr.p[0], cr.p[1])
	}
	return b.Bytes()
}

func uuidFrom(r *rand.Rand) string {
	a, b := r.Uint64(), r.Uint64()
	a = (a &^ (0xf << 12)) | (0x4 << 12) // version 4
	b = (b &^ (0x3 << 62)) | (0x2 << 62) // RFC 4122 variant
	return fmt.Sprintf("%08x-%04x-%04x-%04x-%012x", a>>32, (a>>16)&0xffff, a&0xffff, b>>48, b&0xffffffffffff)
}

func (c *city) inspectionsCSV() []byte {
	r := rand.New(rand.NewPCG(seed, 9))
	var b buf
	b.f("id;inventory_no;inspector;inspected_at;result;violated_rules;notes;lon;lat;accuracy_m\n")
	for i, cr := range c.carriers() {
		if i%5 == 4 {
			continue // not inspected yet: overdue
		}
		result, notes := "compliant", "Nośnik zgodny z uchwałą."
		if len(cr.violations) > 0 {
			result, notes = "violation", "Stwierdzono naruszenie: "+strings.Join(cr.violations, ", ")+". Wykonano dokumentację fotograficzną."
		}
		b.f("%s;%s;kontroler%d;%04d-%02d-%02d %02d:%02d:00;%s;%s;%s;;;%.0f\n", uuidFrom(r), cr.inv, 1+i%5,
			2023+r.IntN(3), 1+r.IntN(12), 1+r.IntN(28), 8+r.IntN(8), r.IntN(60), result, strings.Join(cr.violations, ","), notes, 3+r.Float64()*10)
	}
	return b.Bytes()
}

// enfCase is an enforcement case against a violating carrier.
type enfCase struct {
	no    string
	cr    carrier
	dates [5]string // found, called, proceedings, decision, removed
}

// cases opens enforcement cases for the first 60 violating carriers, at
// every stage of the pipeline (found → called → proceedings → decision →
// removed).
func (c *city) cases() []enfCase {
	r := rand.New(rand.NewPCG(seed, 10))
	var out []enfCase
	for _, cr := range c.carriers() {
		if len(cr.violations) == 0 || len(out) >= 60 {
			continue
		}
		n := len(out) + 1
		year := 2021 + r.IntN(4)
		e := enfCase{no: fmt.Sprintf("WK-R/%d/%d", n, year), cr: cr}
		e.dates[0] = fmt.Sprintf("%04d-%02d-%02d", year, 1+r.IntN(6), 1+r.IntN(28))
		stage := n % 5
		if stage >= 1 {
			e.dates[1] = fmt.Sprintf("%04d-%02d-%02d", year, 7+r.IntN(2), 1+r.IntN(28))
		}
		if stage >= 2 {
			e.dates[2] = fmt.Sprintf("%04d-10-%02d", year, 1+r.IntN(28))
		}
		if stage >= 3 {
			e.dates[3] = fmt.Sprintf("%04d-02-%02d", year+1, 1+r.IntN(28))
		}
		if stage >= 4 {
			e.dates[4] = fmt.Sprintf("%04d-05-%02d", year+1, 1+r.IntN(28))
		}
		out = append(out, e)
	}
	return out
}

func (c *city) enforcementCSV() []byte {
	var b buf
	b.f("case_no;inventory_no;found_on;called_on;proceedings_on;decision_on;removed_on;violated_rules;notes\n")
	for _, e := range c.cases() {
		b.f("%s;%s;%s;%s;%s;%s;%s;%s;\n", e.no, e.cr.inv, e.dates[0], e.dates[1], e.dates[2], e.dates[3], e.dates[4], strings.Join(e.cr.violations, ","))
	}
	return b.Bytes()
}

// penaltiesCSV: cases that reached a decision got a penalty by the art. 37d
// formula, 40 × (fixed part + variable part × area) per day, with the demo
// rates (2.50 zł and 0.20 zł/m², see sql/demo).
func (c *city) penaltiesCSV() []byte {
	var b buf
	b.f("case_no;decided_on;daily_pln;days;amount_pln;paid_pln\n")
	for _, e := range c.cases() {
		if e.dates[3] == "" {
			continue
		}
		daily := 40 * (2.50 + 0.20*e.cr.w*e.cr.h)
		b.f("%s;%s;%.2f;;;0\n", e.no, e.dates[3], daily)
	}
	return b.Bytes()
}

// comment is one generated consultation comment.
type comment struct {
	designation, body, name, address, email, wkt, answer, reason string
	owner                                                        bool
}

func (c *city) comments(r *rand.Rand, draft *plan) []comment {
	firsts := []string{"Anna", "Piotr", "Katarzyna", "Tomasz", "Magdalena", "Marcin", "Agnieszka", "Paweł", "Joanna", "Michał"}
	lasts := []string{"Nowak", "Kowalska", "Wiśniewski", "Wójcik", "Kowalczyk", "Kamińska", "Lewandowski", "Zielińska", "Szymański", "Woźniak"}
	bodies := []string{
		"Wnoszę o zmianę przeznaczenia terenu z zabudowy wielorodzinnej na zieleń urządzoną – w okolicy brakuje parku.",
		"Proszę o obniżenie maksymalnej wysokości zabudowy do 12 m, aby zachować charakter osiedla.",
		"Popieram projekt, ale należy wyznaczyć ścieżkę rowerową wzdłuż ulicy.",
		"Wnoszę o dopuszczenie zabudowy usługowej w parterach budynków.",
		"Projektowana droga dojazdowa przecina moją działkę – proszę o korektę przebiegu.",
		"Brak miejsc parkingowych: proszę zwiększyć wskaźnik miejsc postojowych.",
		"Proszę o ochronę istniejących drzew przy granicy terenu.",
		"Intensywność zabudowy jest zbyt wysoka w stosunku do istniejącej infrastruktury.",
		"Wnoszę o przeznaczenie części terenu pod szkołę podstawową.",
		"Proszę o zachowanie przejścia pieszego między ulicami.",
	}
	var out []comment
	for i := 0; i < 22; i++ {
		cm := comment{
			body:    bodies[i%len(bodies)],
			name:    firsts[r.IntN(len(firsts))] + " " + lasts[r.IntN(len(lasts))],
			address: fmt.Sprintf("ul. %s %d/%d, 5%d-%03d Wrocław", strings.TrimSuffix(streets[r.IntN(len(streets))], "ej"), 1+r.IntN(80), 1+r.IntN(30), r.IntN(5), r.IntN(999)),
			owner:   r.Float64() < 0.4,
		}
		if r.Float64() < 0.6 {
			cm.email = fmt.Sprintf("mieszkaniec%d@example.pl", i+1)
		}
		bl := c.blocks[draft.blocks[r.IntN(len(draft.blocks))]]
		x, y := bl.centre[0], bl.centre[1]
		switch i % 4 {
		case 0: // tied to a designation of the draft
			cm.designation = fmt.Sprintf("%s-%d", draft.localID, 1+r.IntN(len(draft.blocks)))
		case 1:
			cm.wkt = fmt.Sprintf("POINT(%.1f %.1f)", x+r.Float64()*40-20, y+r.Float64()*40-20)
		case 2:
			cm.wkt = fmt.Sprintf("LINESTRING(%.1f %.1f, %.1f %.1f)", x-60, y-50, x+70, y+55)
		case 3:
			cm.wkt = fmt.Sprintf("POLYGON((%.1f %.1f, %.1f %.1f, %.1f %.1f, %.1f %.1f, %.1f %.1f))", x-40, y-30, x+40, y-30, x+40, y+30, x-40, y+30, x-40, y-30)
		}
		if i < 6 {
			cm.answer = []string{"accepted", "partly", "rejected"}[i%3]
			cm.reason = []string{"Uwaga uwzględniona: zmieniono ustalenia projektu.",
				"Uwaga uwzględniona częściowo: obniżono wysokość do 15 m.",
				"Uwaga nieuwzględniona: teren jest niezbędny dla układu komunikacyjnego."}[i%3]
		}
		out = append(out, cm)
	}
	return out
}
