package domain

import (
	"slices"
	"strings"
	"time"
	"unicode"
)

// StaffID identifies a staff member's account.
type StaffID int64

// Staff is an airline employee who signs in to the console. The password is kept
// only as an encoded hash (argon2id, PHC string format).
type Staff struct {
	ID           StaffID
	Name         string
	Role         Role
	PasswordHash string
	CreatedAt    time.Time
	DisabledAt   time.Time // zero while the account may sign in
}

// Active reports whether the account may sign in.
func (s Staff) Active() bool { return s.DisabledAt.IsZero() }

// StaffRoles are the roles a person can hold; RoleOps is for machines only.
var StaffRoles = []Role{RoleAdmin, RoleEditor, RolePublisher, RoleAgent, RoleViewer}

// ParseStaffName checks a sign-in name: 1–64 letters, digits, '.', '-', '_' or
// '@', compared case-insensitively (it is stored lower case).
func ParseStaffName(s string) (string, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" || len(s) > 64 {
		return "", Errorf(Invalid, "parse staff name", "a name has 1 to 64 characters")
	}
	for _, r := range s {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && !strings.ContainsRune(".-_@", r) {
			return "", Errorf(Invalid, "parse staff name", "a name has only letters, digits and . - _ @")
		}
	}
	return s, nil
}

// ParseStaffRole checks a role a person may hold.
func ParseStaffRole(s string) (Role, error) {
	r, err := ParseRole(s)
	if err != nil {
		return "", err
	}
	if !slices.Contains(StaffRoles, r) {
		return "", Errorf(Invalid, "parse staff role", "role %q is for machine clients only", s)
	}
	return r, nil
}

// StaffSession is a signed-in console session. Its id is a random secret held by
// the browser in a cookie and stored only as a hash; CSRF is the synchronizer
// token every form of the session carries.
type StaffSession struct {
	StaffID   StaffID
	Name      string
	Role      Role
	CSRF      string
	CreatedAt time.Time
	SeenAt    time.Time
	ExpiresAt time.Time // absolute end, whatever the activity
}

// AuditAction is what an audit entry records.
type AuditAction string

// Audit actions.
const (
	AuditSignIn       AuditAction = "sign_in"
	AuditSignInFailed AuditAction = "sign_in_failed"
	AuditSignOut      AuditAction = "sign_out"
	AuditPublish      AuditAction = "publish"
	AuditRollback     AuditAction = "rollback"
	AuditTokenCreate  AuditAction = "token_create"
	AuditTokenRevoke  AuditAction = "token_revoke"
	AuditStaffAdd     AuditAction = "staff_add"
	AuditStaffChange  AuditAction = "staff_change"
	AuditTakeover     AuditAction = "takeover"
)

// AuditEntry is one line of the append-only audit log: who did what to what, when
// and from where. Entries are never changed or removed.
type AuditEntry struct {
	ID      int64
	At      time.Time
	Actor   string // staff name, "token:NAME" for a machine client, "cli" for the command line
	Action  AuditAction
	Subject string // what was acted on: a staff name, a token name, "content v7"
	Detail  string
	Address string // client address, "" from the command line
}

// ContentDraft is the working copy of the content that staff edit before
// publishing. There is one, shared by everyone who edits: the editor prepares it,
// a publisher publishes it. Revision grows with every save so that two editors
// never overwrite each other unknowingly.
type ContentDraft struct {
	Body        []byte // the content document, as published versions store it
	BaseVersion int    // the published version it was started from
	Revision    int64
	UpdatedBy   string
	UpdatedAt   time.Time
}
