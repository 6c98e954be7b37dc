package api

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"

	"github.com/skybridge/skybridge/domain"
)

// argonParams are argon2id's cost parameters. The defaults follow RFC 9106's second
// recommended option with two lanes (a 64 MiB, three-pass hash): about a tenth of
// a second on one core, and far too slow for guessing at scale.
type argonParams struct {
	Memory  uint32 // KiB
	Time    uint32
	Threads uint8
	KeyLen  uint32
	SaltLen int
}

var defaultArgon = argonParams{Memory: 64 * 1024, Time: 3, Threads: 2, KeyLen: 32, SaltLen: 16}

// MinPasswordLen is the shortest password accepted.
const MinPasswordLen = 12

// HashPassword hashes a staff password with argon2id and a random salt, encoded as
// a PHC string: $argon2id$v=19$m=65536,t=3,p=2$SALT$HASH (unpadded base64). The
// parameters travel in the string, so that stronger ones can be adopted later
// without invalidating existing hashes.
func HashPassword(password string) (string, error) {
	if len(password) < MinPasswordLen {
		return "", domain.Errorf(domain.Invalid, "hash password", "a password has at least %d characters", MinPasswordLen)
	}
	return hashPassword(password, defaultArgon)
}

func hashPassword(password string, p argonParams) (string, error) {
	salt := make([]byte, p.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

// CheckPassword reports whether password matches an encoded hash, in time that
// does not depend on where they differ. A malformed hash never matches.
func CheckPassword(encoded, password string) bool {
	p, salt, want, ok := parsePHC(encoded)
	if !ok {
		return false
	}
	got := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// parsePHC reads $argon2id$v=19$m=…,t=…,p=…$salt$hash, refusing other algorithms,
// versions and absurd parameters (a stored hash must not be able to make a
// sign-in take minutes).
func parsePHC(s string) (p argonParams, salt, key []byte, ok bool) {
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return p, nil, nil, false
	}
	var v int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return p, nil, nil, false
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil {
		return p, nil, nil, false
	}
	if p.Memory < 8 || p.Memory > 1<<20 || p.Time < 1 || p.Time > 16 || p.Threads < 1 {
		return p, nil, nil, false
	}
	salt, err := base64.RawStdEncoding.DecodeString(parts[4])
	if err != nil || len(salt) < 8 {
		return p, nil, nil, false
	}
	key, err = base64.RawStdEncoding.DecodeString(parts[5])
	if err != nil || len(key) < 16 || len(key) > 64 {
		return p, nil, nil, false
	}
	return p, salt, key, true
}

// GeneratePassword returns a random password of 26 base32 characters (128 bits),
// for an account created without one; it is shown once.
func GeneratePassword() string { return rand.Text() }
