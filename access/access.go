// Package access is ład's one authorisation policy: who may see which layers,
// rows (municipalities) and columns, and who may make which writes. Every way
// into the data — HTTP routes, tiles and TileJSON, OGC collections, exports,
// analyses — asks this package; no other package decides. It sits between
// the catalogue (layers) and every output in the flow.
package access

import "slices"

// Role of a caller. Residents are anonymous.
type Role string

// The roles, from least to most trusted.
const (
	Anonymous Role = "anonymous"
	Inspector Role = "inspector"
	Planner   Role = "planner"
	Admin     Role = "admin"
)

// Audience of a layer or route: the least role that may see it.
type Audience string

// Audiences in the catalogue.
const (
	Public          Audience = "public"
	AudienceInspect Audience = "inspector"
	AudiencePlanner Audience = "planner"
	AudienceAdmin   Audience = "admin"
)

// Subject is the caller of a request or command.
type Subject struct {
	Role  Role
	Login string
	// TERCs the caller works for; empty for an admin means every one.
	TERCs []string
}

// AnonymousSubject is a resident or any caller without an account.
var AnonymousSubject = Subject{Role: Anonymous}

// System is the subject of command-line tools run by the operator.
var System = Subject{Role: Admin, Login: "system"}

// ValidAudience reports whether a is a known audience.
func ValidAudience(a Audience) bool {
	switch a {
	case Public, AudienceInspect, AudiencePlanner, AudienceAdmin:
		return true
	}
	return false
}

// CanSee reports whether s may see data published for audience a. Planners
// see what inspectors see; admins see everything.
func (s Subject) CanSee(a Audience) bool {
	switch a {
	case Public:
		return true
	case AudienceInspect:
		return s.Role == Inspector || s.Role == Planner || s.Role == Admin
	case AudiencePlanner:
		return s.Role == Planner || s.Role == Admin
	case AudienceAdmin:
		return s.Role == Admin
	}
	return false
}

// InMunicipality reports whether s may see or write municipality terc's
// non-public rows.
func (s Subject) InMunicipality(terc string) bool {
	if s.Role == Admin && len(s.TERCs) == 0 {
		return true
	}
	return slices.Contains(s.TERCs, terc)
}

// Scope is the municipalities whose non-public rows s may see: nil for an
// administrator of every municipality (no restriction), else s.TERCs
// (empty: none).
func (s Subject) Scope() []string {
	if s.Role == Admin && len(s.TERCs) == 0 {
		return nil
	}
	if s.TERCs == nil {
		return []string{}
	}
	return s.TERCs
}

// Staff reports whether s is signed in with a staff role.
func (s Subject) Staff() bool { return s.Role != Anonymous }

// Name is who records name s as (answered by, ingested by): the login, or
// the role for a caller without one.
func (s Subject) Name() string {
	if s.Login != "" {
		return s.Login
	}
	return string(s.Role)
}
