package ingest

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
)

// node is a generic XML element: the streaming GML readers decode one
// feature at a time into a node tree, never the whole file.
type node struct {
	XMLName  xml.Name
	Attrs    []xml.Attr `xml:",any,attr"`
	Children []node     `xml:",any"`
	Text     string     `xml:",chardata"`
}

// attr returns an attribute by local name.
func (n *node) attr(local string) string {
	for _, a := range n.Attrs {
		if a.Name.Local == local {
			return a.Value
		}
	}
	return ""
}

// child returns the first direct child with the local name.
func (n *node) child(local string) *node {
	for i := range n.Children {
		if n.Children[i].XMLName.Local == local {
			return &n.Children[i]
		}
	}
	return nil
}

// all returns the direct children with the local name.
func (n *node) all(local string) []*node {
	var out []*node
	for i := range n.Children {
		if n.Children[i].XMLName.Local == local {
			out = append(out, &n.Children[i])
		}
	}
	return out
}

// find returns the first descendant with the local name (depth first).
func (n *node) find(local string) *node {
	for i := range n.Children {
		c := &n.Children[i]
		if c.XMLName.Local == local {
			return c
		}
		if f := c.find(local); f != nil {
			return f
		}
	}
	return nil
}

// text is the trimmed text of a child, "" when absent.
func (n *node) text(local string) string {
	if c := n.child(local); c != nil {
		return strings.TrimSpace(c.Text)
	}
	return ""
}

// gmlFeatures streams the features of a GML or WFS feature collection —
// every element directly inside a member, featureMember or featureMembers
// wrapper — calling fn for each with its line number. One feature is in
// memory at a time.
func gmlFeatures(r io.Reader, fn func(n *node, line int) error) error {
	dec := xml.NewDecoder(r)
	dec.Strict = true
	var stack []string
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			line, _ := dec.InputPos()
			return fmt.Errorf("XML not readable near line %d: %w", line, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if len(stack) > 0 && memberWrappers[stack[len(stack)-1]] {
				line, _ := dec.InputPos()
				var n node
				if err := dec.DecodeElement(&n, &t); err != nil {
					return fmt.Errorf("feature %s near line %d: %w", t.Name.Local, line, err)
				}
				if err := fn(&n, line); err != nil {
					return err
				}
				continue
			}
			stack = append(stack, t.Name.Local)
		case xml.EndElement:
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
		}
	}
}

var memberWrappers = map[string]bool{"member": true, "featureMember": true, "featureMembers": true}

// gmlGeometry reads the first GML surface geometry under n (Polygon,
// Surface, MultiSurface) as a MultiPolygon in its source CRS, honouring
// srsName (inherited from enclosing geometry elements) and the EPSG axis
// order, and reports the SRID.
func gmlGeometry(n *node, defaultSRS string) (orb.MultiPolygon, int, error) {
	g := findGeometry(n)
	if g == nil {
		return nil, 0, errors.New("no surface geometry")
	}
	srs := g.attr("srsName")
	if srs == "" {
		srs = defaultSRS
	}
	if srs == "" {
		return nil, 0, errors.New("geometry has no srsName")
	}
	srid, north, err := ParseCRS(srs)
	if err != nil {
		return nil, 0, err
	}
	dim := 2
	if d := g.attr("srsDimension"); d != "" {
		if dim, err = strconv.Atoi(d); err != nil || dim < 2 || dim > 3 {
			return nil, 0, fmt.Errorf("srsDimension %q", d)
		}
	}
	var mp orb.MultiPolygon
	var polys []*node
	collectPolygons(g, &polys)
	if len(polys) == 0 {
		return nil, 0, fmt.Errorf("%s holds no polygon", g.XMLName.Local)
	}
	for _, p := range polys {
		pd := dim
		if d := p.attr("srsDimension"); d != "" {
			pd, _ = strconv.Atoi(d)
		}
		var poly orb.Polygon
		ext := p.find("exterior")
		if ext == nil {
			return nil, 0, errors.New("polygon without exterior ring")
		}
		ring, err := gmlRing(ext, pd, north)
		if err != nil {
			return nil, 0, err
		}
		poly = append(poly, ring)
		for i := range p.Children {
			if p.Children[i].XMLName.Local != "interior" {
				continue
			}
			ring, err := gmlRing(&p.Children[i], pd, north)
			if err != nil {
				return nil, 0, err
			}
			poly = append(poly, ring)
		}
		mp = append(mp, poly)
	}
	return mp, srid, nil
}

var geometryNames = map[string]bool{"MultiSurface": true, "Surface": true, "Polygon": true, "MultiPolygon": true}

func findGeometry(n *node) *node {
	for i := range n.Children {
		c := &n.Children[i]
		if geometryNames[c.XMLName.Local] {
			return c
		}
		if f := findGeometry(c); f != nil {
			return f
		}
	}
	return nil
}

// collectPolygons gathers Polygon and PolygonPatch elements.
func collectPolygons(n *node, out *[]*node) {
	if n.XMLName.Local == "Polygon" || n.XMLName.Local == "PolygonPatch" {
		*out = append(*out, n)
		return
	}
	for i := range n.Children {
		collectPolygons(&n.Children[i], out)
	}
}

// gmlRing reads a LinearRing's posList (or pos elements) as easting/
// longitude-first points.
func gmlRing(n *node, dim int, northFirst bool) (orb.Ring, error) {
	var nums []float64
	if pl := n.find("posList"); pl != nil {
		if d := pl.attr("srsDimension"); d != "" {
			dim, _ = strconv.Atoi(d)
		}
		for _, f := range strings.Fields(pl.Text) {
			v, err := strconv.ParseFloat(f, 64)
			if err != nil {
				return nil, fmt.Errorf("posList value %q is not a number", f)
			}
			nums = append(nums, v)
		}
	} else {
		lr := n.find("LinearRing")
		if lr == nil {
			return nil, errors.New("ring without coordinates")
		}
		for _, p := range lr.all("pos") {
			for _, f := range strings.Fields(p.Text) {
				v, err := strconv.ParseFloat(f, 64)
				if err != nil {
					return nil, fmt.Errorf("pos value %q is not a number", f)
				}
				nums = append(nums, v)
			}
		}
	}
	if dim < 2 {
		dim = 2
	}
	if len(nums)%dim != 0 || len(nums)/dim < 4 {
		return nil, fmt.Errorf("ring has %d coordinates: not %d-dimensional positions of a closed ring", len(nums), dim)
	}
	ring := make(orb.Ring, 0, len(nums)/dim)
	for i := 0; i+dim <= len(nums); i += dim {
		a, b := nums[i], nums[i+1]
		if northFirst {
			a, b = b, a
		}
		ring = append(ring, orb.Point{a, b})
	}
	return ring, nil
}

// gmlAnyGeometry reads the first GML geometry under n — point, line or
// surface, single or multi — in its source CRS with the EPSG axis order
// honoured, and reports the SRID.
func gmlAnyGeometry(n *node, defaultSRS string) (orb.Geometry, int, error) {
	g := findAnyGeometry(n)
	if g == nil {
		return nil, 0, errors.New("no geometry")
	}
	if geometryNames[g.XMLName.Local] {
		return gmlGeometry(n, defaultSRS)
	}
	srs := g.attr("srsName")
	if srs == "" {
		srs = defaultSRS
	}
	srid, north, err := ParseCRS(srs)
	if err != nil {
		return nil, 0, err
	}
	dim := 2
	if d := g.attr("srsDimension"); d != "" {
		dim, _ = strconv.Atoi(d)
	}
	coords := func(x *node) ([]orb.Point, error) {
		var nums []float64
		var texts []string
		if pl := x.find("posList"); pl != nil {
			texts = append(texts, pl.Text)
		} else {
			var collect func(*node)
			collect = func(c *node) {
				if c.XMLName.Local == "pos" {
					texts = append(texts, c.Text)
				}
				for i := range c.Children {
					collect(&c.Children[i])
				}
			}
			collect(x)
		}
		for _, t := range texts {
			for _, f := range strings.Fields(t) {
				v, err := strconv.ParseFloat(f, 64)
				if err != nil {
					return nil, fmt.Errorf("coordinate %q is not a number", f)
				}
				nums = append(nums, v)
			}
		}
		if dim < 2 || len(nums)%dim != 0 || len(nums) == 0 {
			return nil, fmt.Errorf("%d coordinates are not %d-dimensional positions", len(nums), dim)
		}
		var pts []orb.Point
		for i := 0; i+dim <= len(nums); i += dim {
			a, b := nums[i], nums[i+1]
			if north {
				a, b = b, a
			}
			pts = append(pts, orb.Point{a, b})
		}
		return pts, nil
	}
	switch g.XMLName.Local {
	case "Point":
		pts, err := coords(g)
		if err != nil || len(pts) != 1 {
			return nil, 0, fmt.Errorf("point: %v", err)
		}
		return pts[0], srid, nil
	case "MultiPoint":
		pts, err := coords(g)
		if err != nil {
			return nil, 0, err
		}
		return orb.MultiPoint(pts), srid, nil
	case "LineString", "Curve", "CompositeCurve", "MultiCurve", "MultiLineString":
		var lines orb.MultiLineString
		var walk func(*node) error
		walk = func(c *node) error {
			switch c.XMLName.Local {
			case "LineString", "LineStringSegment":
				pts, err := coords(c)
				if err != nil {
					return err
				}
				if len(pts) < 2 {
					return errors.New("a line needs two positions")
				}
				lines = append(lines, orb.LineString(pts))
				return nil
			}
			for i := range c.Children {
				if err := walk(&c.Children[i]); err != nil {
					return err
				}
			}
			return nil
		}
		if err := walk(g); err != nil {
			return nil, 0, err
		}
		if len(lines) == 1 {
			return lines[0], srid, nil
		}
		return lines, srid, nil
	}
	return nil, 0, fmt.Errorf("geometry %s not supported", g.XMLName.Local)
}

var anyGeometryNames = map[string]bool{"Point": true, "MultiPoint": true, "LineString": true, "Curve": true,
	"CompositeCurve": true, "MultiCurve": true, "MultiLineString": true}

func findAnyGeometry(n *node) *node {
	for i := range n.Children {
		c := &n.Children[i]
		if geometryNames[c.XMLName.Local] || anyGeometryNames[c.XMLName.Local] {
			return c
		}
		if f := findAnyGeometry(c); f != nil {
			return f
		}
	}
	return nil
}
