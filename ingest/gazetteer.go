package ingest

import (
	_ "embed"
	"encoding/json"
	"strings"
	"sync"
)

// The TERYT gazetteer of municipalities (gminy) with their unit-type digit,
// from GUGiK (data/PROVENANCE.md): APP namespaces name a municipality by
// its 6-digit code only, and the 7-digit TERC needs the type digit.
//
//go:embed data/gminy.geojson
var gminyGeoJSON []byte

var (
	gminyOnce sync.Once
	gminy     map[string]string // 6-digit code → 7-digit TERC
)

// tercOf6 returns the TERC of a municipality given its 6-digit code, when
// the gazetteer knows exactly one unit with it.
func tercOf6(code string) (string, bool) {
	gminyOnce.Do(func() {
		var doc struct {
			Features []struct {
				Properties struct {
					TERYT string `json:"TERYT"`
				} `json:"properties"`
			} `json:"features"`
		}
		gminy = map[string]string{}
		if json.Unmarshal(gminyGeoJSON, &doc) != nil {
			return
		}
		seen := map[string]int{}
		for _, f := range doc.Features {
			t := f.Properties.TERYT
			if len(t) != 8 || t[6] != '_' {
				continue
			}
			seen[t[:6]]++
			gminy[t[:6]] = strings.Replace(t, "_", "", 1)
		}
		for k, n := range seen {
			if n > 1 {
				delete(gminy, k)
			}
		}
	})
	t, ok := gminy[code]
	return t, ok
}
