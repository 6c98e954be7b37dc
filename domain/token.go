package domain

import "time"

// Role is what a staff member or a machine client may do.
type Role string

// Roles. RoleOps is for an airline's operations systems pushing flight status.
const (
	RoleAdmin     Role = "admin"
	RoleEditor    Role = "editor"
	RolePublisher Role = "publisher"
	RoleAgent     Role = "agent"
	RoleViewer    Role = "viewer"
	RoleOps       Role = "ops"
)

// Roles lists every role.
var Roles = []Role{RoleAdmin, RoleEditor, RolePublisher, RoleAgent, RoleViewer, RoleOps}

// ParseRole checks a role name.
func ParseRole(s string) (Role, error) {
	for _, r := range Roles {
		if string(r) == s {
			return r, nil
		}
	}
	return "", Errorf(Invalid, "parse role", "unknown role %q (roles: admin, editor, publisher, agent, viewer, ops)", s)
}

// APIToken is a machine client's credential. The token itself is shown once when
// created and stored only as a hash.
type APIToken struct {
	ID        int64
	Name      string
	Role      Role
	CreatedAt time.Time
	RevokedAt time.Time // zero while valid
}
