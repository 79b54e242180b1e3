package access

// Write is a kind of change a caller may make through ład. Routes that
// write name the kind they make (web.RequireWrite); this is the one place
// that says which roles may make it. What a write may touch is further
// bounded by the caller's municipalities (InMunicipality).
type Write string

// The kinds of write.
const (
	// WriteField records inspections of advertising carriers and carriers
	// found in the field: the work of inspectors (and admins), not of
	// planners, who read these records but do not make them.
	WriteField Write = "field"
)

// MayWrite reports whether s may make writes of kind w.
func (s Subject) MayWrite(w Write) bool {
	switch w {
	case WriteField:
		return s.Role == Inspector || s.Role == Admin
	}
	return false
}
