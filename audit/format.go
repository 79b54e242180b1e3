package audit

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"
)

// KeyText is the row key for people: "id=12", "permit_id=3 parcel_teryt=…".
func (e Entry) KeyText() string {
	m := object(e.Key)
	if m == nil {
		return ""
	}
	var parts []string
	for _, k := range sortedKeys(m) {
		parts = append(parts, k+"="+value(m[k]))
	}
	return strings.Join(parts, " ")
}

// Summary is what the write did, for people, in at most width characters
// (0: no limit): "status: draft → in_force" for an UPDATE, the new row's
// non-empty values for an INSERT ("+ …"), the old row's for a DELETE ("- …").
func (e Entry) Summary(width int) string {
	var s string
	switch e.Op {
	case "UPDATE":
		before, after := object(e.Before), object(e.After)
		keys := map[string]bool{}
		for k := range before {
			keys[k] = true
		}
		for k := range after {
			keys[k] = true
		}
		names := make([]string, 0, len(keys))
		for k := range keys {
			names = append(names, k)
		}
		sort.Strings(names)
		var parts []string
		for _, k := range names {
			parts = append(parts, fmt.Sprintf("%s: %s → %s", k, value(before[k]), value(after[k])))
		}
		s = strings.Join(parts, "; ")
	case "INSERT", "DELETE":
		row := object(e.After)
		sign := "+ "
		if e.Op == "DELETE" {
			row, sign = object(e.Before), "- "
		}
		key := object(e.Key)
		var parts []string
		for _, k := range sortedKeys(row) {
			v := value(row[k])
			if _, isKey := key[k]; isKey || v == "null" || v == `""` || v == "[]" || v == "{}" {
				continue
			}
			parts = append(parts, k+"="+v)
		}
		s = sign + strings.Join(parts, " ")
	case "TRUNCATE":
		s = "every row"
	}
	if width > 0 && utf8.RuneCountInString(s) > width {
		r := []rune(s)
		s = string(r[:width-1]) + "…"
	}
	return s
}

// object decodes a JSON object (nil for null or anything else).
func object(raw json.RawMessage) map[string]json.RawMessage {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil
	}
	return m
}

func sortedKeys(m map[string]json.RawMessage) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// value renders one logged value briefly: strings quoted, digests of
// geometries and binary content as kind and fingerprint.
func value(raw json.RawMessage) string {
	if len(raw) == 0 {
		return "∅" // absent: a row without this column
	}
	if string(raw) == "null" {
		return "null"
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		if s == "[redacted]" {
			return s
		}
		return fmt.Sprintf("%q", s)
	}
	var d struct {
		Type  string `json:"type"`
		Bytes *int   `json:"bytes"`
		MD5   string `json:"md5"`
	}
	if json.Unmarshal(raw, &d) == nil && len(d.MD5) >= 8 {
		if d.Bytes != nil {
			return fmt.Sprintf("<%d bytes %s>", *d.Bytes, d.MD5[:8])
		}
		return fmt.Sprintf("<%s %s>", strings.ToLower(d.Type), d.MD5[:8])
	}
	return string(raw)
}
