package api

import (
	"strings"
	"testing"
)

// cheapArgon keeps the tests fast; CheckPassword reads the parameters from the
// hash, as it does for hashes made with older parameters.
var cheapArgon = argonParams{Memory: 64, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}

func TestHashPasswordIsArgon2idPHC(t *testing.T) {
	t.Parallel()
	h, err := HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=65536,t=3,p=2$") || strings.Count(h, "$") != 5 {
		t.Fatalf("hash %q is not a PHC argon2id string with the default parameters", h)
	}
	if strings.Contains(h, "correct horse") {
		t.Fatal("the hash contains the password")
	}
	if !CheckPassword(h, "correct horse battery") {
		t.Fatal("the right password is refused")
	}
	if CheckPassword(h, "correct horse batterY") {
		t.Fatal("a wrong password is accepted")
	}
	h2, _ := HashPassword("correct horse battery")
	if h2 == h {
		t.Fatal("two hashes of one password are equal: no random salt")
	}
	if _, err := HashPassword("short"); err == nil {
		t.Fatal("a 5-character password is accepted")
	}
}

func TestCheckPasswordRefusesMalformedHashes(t *testing.T) {
	t.Parallel()
	good, err := hashPassword("a long enough password", cheapArgon)
	if err != nil {
		t.Fatal(err)
	}
	if !CheckPassword(good, "a long enough password") {
		t.Fatal("a hash with other parameters does not verify")
	}
	parts := strings.Split(good, "$")
	for name, h := range map[string]string{
		"empty":          "",
		"argon2i":        strings.Replace(good, "argon2id", "argon2i", 1),
		"bcrypt":         "$2a$10$abcdefghijklmnopqrstuv",
		"version 16":     strings.Replace(good, "v=19", "v=16", 1),
		"huge memory":    strings.Replace(good, "m=64,", "m=99999999,", 1),
		"zero time":      strings.Replace(good, "t=1,", "t=0,", 1),
		"bad salt":       strings.Join([]string{"", parts[1], parts[2], parts[3], "!!!", parts[5]}, "$"),
		"short key":      strings.Join([]string{"", parts[1], parts[2], parts[3], parts[4], "AAAA"}, "$"),
		"tampered key":   strings.Join([]string{"", parts[1], parts[2], parts[3], parts[4], strings.Repeat("A", len(parts[5]))}, "$"),
		"missing fields": "$argon2id$v=19$m=64,t=1,p=1$" + parts[4],
	} {
		if CheckPassword(h, "a long enough password") {
			t.Errorf("%s: %q verifies", name, h)
		}
	}
}

func TestGeneratePasswordIsLongAndRandom(t *testing.T) {
	t.Parallel()
	a, b := GeneratePassword(), GeneratePassword()
	if len(a) < 20 || a == b {
		t.Fatalf("generated %q and %q", a, b)
	}
}
