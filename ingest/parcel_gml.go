package ingest

import (
	"context"
	"fmt"
	"io"
	"strings"
)

// Parcels in GML: the three shapes in which Polish cadastral parcels
// travel carry the same record, a TERYT parcel id and a polygon.
//   - EGiB exchange GML (the county cadastre's GML, EGB_DzialkaEwidencyjna):
//     idDzialki and geometria;
//   - INSPIRE Cadastral Parcels (cp:CadastralParcel, GUGiK's national
//     INSPIRE service): nationalCadastralReference and geometry;
//   - GUGiK's KIEG WFS (ms:dzialki): ID_DZIALKI and msGeometry.
// Features of other types in the same file (buildings, land-use contours)
// are skipped, not rejected.

// parcelIDElements are the elements holding the TERYT id, in the three
// schemas above (and a plain "teryt" of hand-made files).
var parcelIDElements = []string{"idDzialki", "nationalCadastralReference", "ID_DZIALKI", "id_dzialki", "teryt"}

// parcelFeatureTypes are the feature elements read as parcels.
var parcelFeatureTypes = map[string]bool{"EGB_DzialkaEwidencyjna": true, "CadastralParcel": true, "dzialki": true, "Dzialka": true, "parcel": true}

// loadParcelsGML reads parcel polygons with their TERYT ids from GML.
func loadParcelsGML(ctx context.Context, b *batch, r io.Reader) error {
	sink := &parcelSink{b: b}
	defaultSRS := ""
	if b.opts.SRID != 0 {
		defaultSRS = fmt.Sprintf("EPSG:%d", b.opts.SRID)
	}
	srid, parcels := 0, 0
	err := gmlFeatures(r, func(n *node, line int) error {
		if !parcelFeatureTypes[n.XMLName.Local] {
			return nil
		}
		parcels++
		b.report.Read++
		fid := n.attr("id")
		reject := func(field, reason string) error {
			return b.reject(ctx, Rejection{Line: line, FeatureID: fid, Field: field, Reason: reason})
		}
		var idText string
		for _, el := range parcelIDElements {
			if idText = strings.TrimSpace(n.text(el)); idText != "" {
				break
			}
		}
		if idText == "" {
			return reject("teryt", fmt.Sprintf("no TERYT parcel id (looked for %s)", strings.Join(parcelIDElements, ", ")))
		}
		id, err := ParseParcelID(idText)
		if err != nil {
			return reject("teryt", err.Error())
		}
		if b.opts.TERC != "" && id.TERC() != b.opts.TERC {
			return reject("teryt", fmt.Sprintf("parcel %s lies in municipality %s, not in %s given for this batch", id, id.TERC(), b.opts.TERC))
		}
		mp, s, err := gmlGeometry(n, defaultSRS)
		if err != nil {
			return reject("geometry", err.Error())
		}
		if srid == 0 {
			srid = s
		} else if s != srid {
			return reject("geometry", fmt.Sprintf("EPSG:%d differs from the file's EPSG:%d", s, srid))
		}
		return sink.add(ctx, line, fid, id, mp, s)
	})
	if err != nil {
		return err
	}
	if parcels == 0 {
		return fmt.Errorf("no parcel features (%s) in this GML", strings.Join(sortedKeys(parcelFeatureTypes), ", "))
	}
	if srid == 0 {
		srid = 2180 // every parcel was rejected; nothing to transform
	}
	return sink.finish(ctx, srid)
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return sortedStrings(out)
}
