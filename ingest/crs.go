package ingest

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// SupportedSRIDs are the coordinate systems ład accepts in files; all are
// transformed to EPSG:2180 by PostGIS.
var SupportedSRIDs = map[int]string{
	2176: "ETRF2000-PL / CS2000/15 (PL-2000 zone 5)",
	2177: "ETRF2000-PL / CS2000/18 (PL-2000 zone 6)",
	2178: "ETRF2000-PL / CS2000/21 (PL-2000 zone 7)",
	2179: "ETRF2000-PL / CS2000/24 (PL-2000 zone 8)",
	2180: "ETRF2000-PL / CS92 (PL-1992)",
	4326: "WGS 84",
	4258: "ETRS89",
	3857: "WGS 84 / Pseudo-Mercator",
}

// crs84 is the SRID used for OGC:CRS84 (longitude first): coordinates are
// WGS 84 with easting first, as PostGIS stores 4326.
const crs84 = 4326

var epsgCode = regexp.MustCompile(`(?i)EPSG(?:/0/|::|:|\.xml#|/)(\d{4,6})$`)

// ParseCRS reads an SRID from a GML srsName, a GeoJSON "crs" name or a plain
// "EPSG:2180" / "2180". It reports whether the name's axis order is
// northing/latitude first in GML (EPSG axis order), which holds for the
// URN and http forms of 2176–2180, 4326 and 4258, but not for CRS84 nor the
// legacy "EPSG:4326" shorthand.
func ParseCRS(name string) (srid int, northingFirst bool, err error) {
	s := strings.TrimSpace(name)
	if s == "" {
		return 0, false, fmt.Errorf("empty CRS name")
	}
	up := strings.ToUpper(s)
	if strings.HasSuffix(up, "CRS84") || strings.HasSuffix(up, "CRS:84") {
		return crs84, false, nil
	}
	if n, err := strconv.Atoi(s); err == nil {
		srid = n
	} else if m := epsgCode.FindStringSubmatch(s); m != nil {
		srid, _ = strconv.Atoi(m[1])
	} else {
		return 0, false, fmt.Errorf("unknown CRS %q", name)
	}
	if _, ok := SupportedSRIDs[srid]; !ok {
		return 0, false, fmt.Errorf("CRS EPSG:%d is not supported (supported: 2176–2180, 4326, 4258, 3857, CRS84)", srid)
	}
	// URN and http URIs follow the EPSG axis order; "EPSG:4326" in old GML
	// is ambiguous and read easting-first like most software writes it.
	authoritative := strings.HasPrefix(up, "URN:") || strings.HasPrefix(up, "HTTP")
	return srid, authoritative && axisNorthingFirst(srid), nil
}

// axisNorthingFirst reports the EPSG axis order of an SRID.
func axisNorthingFirst(srid int) bool {
	switch srid {
	case 2176, 2177, 2178, 2179, 2180, 4326, 4258:
		return true
	}
	return false
}
