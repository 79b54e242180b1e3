package ingest

import (
	"fmt"
	"regexp"
	"strings"
)

// ParcelID is a cadastral parcel identifier WWPPGG_R.OOOO[.AR_n].NUMBER.
type ParcelID struct {
	Unit   string // WWPPGG_R, the cadastral unit
	Obreb  string // 4-digit cadastral district
	Sheet  string // map sheet (arkusz) such as AR_3, or empty
	Number string // parcel number, e.g. 123/4
}

var (
	unitRe   = regexp.MustCompile(`^(\d{6})_(\d)$`)
	numberRe = regexp.MustCompile(`^[0-9]+[A-Za-z]?(/[0-9]+[A-Za-z]?)*$`)
	sheetRe  = regexp.MustCompile(`^(?i:ar)[_ ]?(\d+)$`)
)

// String is the canonical TERYT id.
func (p ParcelID) String() string {
	if p.Sheet != "" {
		return p.Unit + "." + p.Obreb + "." + p.Sheet + "." + p.Number
	}
	return p.Unit + "." + p.Obreb + "." + p.Number
}

// TERC is the 7-digit municipality code of the parcel's unit.
func (p ParcelID) TERC() string { return strings.Replace(p.Unit, "_", "", 1) }

// ParseParcelID reads a full TERYT parcel id.
func ParseParcelID(s string) (ParcelID, error) {
	s = strings.TrimSpace(s)
	parts := strings.Split(s, ".")
	switch len(parts) {
	case 3:
		return NewParcelID(parts[0], parts[1], "", parts[2])
	case 4:
		return NewParcelID(parts[0], parts[1], parts[2], parts[3])
	}
	return ParcelID{}, fmt.Errorf("parcel id %q: expected WWPPGG_R.OOOO.NUMBER", s)
}

// NewParcelID builds a canonical id from the register's separate fields:
// the unit (WWPPGG_R, or a 7-digit TERC), the obręb (zero-padded to 4
// digits; "143206_5.0019" is accepted too), an optional map sheet and the
// parcel number.
func NewParcelID(unit, obreb, sheet, number string) (ParcelID, error) {
	unit = strings.TrimSpace(unit)
	obreb = strings.TrimSpace(obreb)
	number = strings.TrimSpace(number)
	sheet = strings.TrimSpace(sheet)
	if len(unit) == 7 && !strings.Contains(unit, "_") && allDigits(unit) {
		unit = unit[:6] + "_" + unit[6:]
	}
	if !unitRe.MatchString(unit) {
		return ParcelID{}, fmt.Errorf("cadastral unit %q: expected WWPPGG_R", unit)
	}
	if i := strings.LastIndexByte(obreb, '.'); i >= 0 {
		obreb = obreb[i+1:]
	}
	if !allDigits(obreb) || obreb == "" || len(obreb) > 4 {
		return ParcelID{}, fmt.Errorf("obręb %q: expected up to 4 digits", obreb)
	}
	obreb = strings.Repeat("0", 4-len(obreb)) + obreb
	number = strings.ReplaceAll(number, " ", "")
	if !numberRe.MatchString(number) {
		return ParcelID{}, fmt.Errorf("parcel number %q: expected digits with optional /parts", number)
	}
	if sheet != "" {
		m := sheetRe.FindStringSubmatch(sheet)
		if m == nil {
			if allDigits(sheet) {
				sheet = "AR_" + sheet
			} else {
				return ParcelID{}, fmt.Errorf("map sheet %q: expected AR_n", sheet)
			}
		} else {
			sheet = "AR_" + m[1]
		}
	}
	return ParcelID{Unit: unit, Obreb: obreb, Sheet: sheet, Number: number}, nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
