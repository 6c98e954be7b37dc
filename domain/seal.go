package domain

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// Sealer encrypts personal data at rest with AES-256-GCM. It holds a current key,
// used for every new write, and older keys that stay readable so that keys can be
// rotated without downtime. A sealed value is "v1:<key id>:<base64 nonce|ciphertext>".
type Sealer struct {
	current string
	aeads   map[string]cipher.AEAD
	raw     map[string][]byte
}

// NewSealer builds a sealer from keys given as "id:base64key" (32-byte keys); the
// first is the current key.
func NewSealer(keys ...string) (*Sealer, error) {
	if len(keys) == 0 {
		return nil, errors.New("new sealer: no key")
	}
	s := &Sealer{aeads: map[string]cipher.AEAD{}, raw: map[string][]byte{}}
	for i, k := range keys {
		id, b64, ok := strings.Cut(strings.TrimSpace(k), ":")
		if !ok || id == "" || strings.Contains(id, ":") {
			return nil, fmt.Errorf("new sealer: key %d: want id:base64key", i+1)
		}
		raw, err := base64.StdEncoding.DecodeString(b64)
		if err != nil || len(raw) != 32 {
			return nil, fmt.Errorf("new sealer: key %q: want 32 bytes in base64", id)
		}
		block, err := aes.NewCipher(raw)
		if err != nil {
			return nil, fmt.Errorf("new sealer: key %q: %w", id, err)
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("new sealer: key %q: %w", id, err)
		}
		if _, dup := s.aeads[id]; dup {
			return nil, fmt.Errorf("new sealer: key id %q given twice", id)
		}
		s.aeads[id] = aead
		s.raw[id] = raw
		if i == 0 {
			s.current = id
		}
	}
	return s, nil
}

// NewKey returns a fresh random key in the "id:base64key" form NewSealer takes.
func NewKey(id string) string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return id + ":" + base64.StdEncoding.EncodeToString(b)
}

// Seal encrypts plain with the current key. The empty string stays empty so that
// absent values need no key.
func (s *Sealer) Seal(plain string) string {
	if plain == "" {
		return ""
	}
	aead := s.aeads[s.current]
	nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(plain)+aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		panic(err)
	}
	ct := aead.Seal(nonce, nonce, []byte(plain), []byte(s.current))
	return "v1:" + s.current + ":" + base64.RawStdEncoding.EncodeToString(ct)
}

// Open decrypts a value sealed with any known key.
func (s *Sealer) Open(sealed string) (string, error) {
	if sealed == "" {
		return "", nil
	}
	parts := strings.SplitN(sealed, ":", 3)
	if len(parts) != 3 || parts[0] != "v1" {
		return "", errors.New("open sealed value: unknown format")
	}
	aead, ok := s.aeads[parts[1]]
	if !ok {
		return "", fmt.Errorf("open sealed value: unknown key %q", parts[1])
	}
	ct, err := base64.RawStdEncoding.DecodeString(parts[2])
	if err != nil || len(ct) < aead.NonceSize() {
		return "", errors.New("open sealed value: corrupt")
	}
	plain, err := aead.Open(nil, ct[:aead.NonceSize()], ct[aead.NonceSize():], []byte(parts[1]))
	if err != nil {
		return "", errors.New("open sealed value: authentication failed")
	}
	return string(plain), nil
}

// Current reports the id of the key used for new writes.
func (s *Sealer) Current() string { return s.current }

// NeedsReseal reports whether a sealed value was written with an older key.
func (s *Sealer) NeedsReseal(sealed string) bool {
	return sealed != "" && !strings.HasPrefix(sealed, "v1:"+s.current+":")
}

// MACKeys derives, for a purpose such as "webchat-session", one HMAC key per data
// key, the current key's first: tokens signed with the first stay verifiable with
// the others after a rotation.
func (s *Sealer) MACKeys(purpose string) [][]byte {
	out := [][]byte{derive(s.raw[s.current], purpose)}
	for id, raw := range s.raw {
		if id != s.current {
			out = append(out, derive(raw, purpose))
		}
	}
	return out
}

func derive(key []byte, purpose string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("skybridge/" + purpose))
	return m.Sum(nil)
}
