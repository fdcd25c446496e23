// Package session seals small values into cookies with authenticated encryption, so a
// stateless BFF (one Lambda instance knows nothing of another) can keep server-side secrets,
// such as OAuth tokens, in the browser without the browser (or its JavaScript) being able to
// read or change them.
//
// A Keyring holds one or more 256-bit keys: the first seals, all open, so keys rotate
// without signing anyone out (add the new key first, keep the old one until every cookie
// sealed with it has expired, then drop it). Values are sealed with AES-256-GCM; the cookie
// name is authenticated as additional data, so a value cannot be moved to another cookie;
// the expiry is sealed inside, so an old cookie replayed after its Max-Age is refused even
// if the browser did not drop it.
//
// Sealed format: "v1." + base64url(keyID[4] | nonce[12] | AES-GCM(expiry unix seconds[8] |
// payload)). keyID is the first 4 bytes of SHA-256 of the key: it picks the key to open with
// and reveals nothing of it.
package session

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// KeySize is the size of a key in bytes (AES-256).
const KeySize = 32

// MaxCookieBytes is what browsers are guaranteed to store for one cookie (RFC 6265 section
// 6.1: at least 4096 bytes for name, value and attributes).
const MaxCookieBytes = 4096

const (
	prefix   = "v1."
	idLen    = 4
	nonceLen = 12
)

var (
	// ErrInvalid is a value that does not open: tampered, truncated, sealed for another cookie
	// name, or sealed with a key this keyring does not have.
	ErrInvalid = errors.New("session: invalid sealed value")
	// ErrExpired is a value that opened but whose sealed expiry has passed.
	ErrExpired = errors.New("session: sealed value expired")
	// ErrTooLarge is a sealed cookie that would not fit in MaxCookieBytes.
	ErrTooLarge = errors.New("session: sealed cookie too large")
)

// Keyring seals with its first key and opens with any of them. Safe for concurrent use.
type Keyring struct {
	keys []key
}

type key struct {
	id   [idLen]byte
	aead cipher.AEAD
}

// GenerateKey returns a new random key.
func GenerateKey() []byte {
	k := make([]byte, KeySize)
	if _, err := rand.Read(k); err != nil {
		panic(fmt.Sprintf("session: crypto/rand: %v", err)) // never happens on supported platforms
	}
	return k
}

// EncodeKey renders a key as configuration expects it (standard base64).
func EncodeKey(k []byte) string { return base64.StdEncoding.EncodeToString(k) }

// NewKeyring builds a keyring; keys[0] seals. Every key must be KeySize bytes and distinct.
func NewKeyring(keys ...[]byte) (*Keyring, error) {
	if len(keys) == 0 {
		return nil, errors.New("session: no keys")
	}
	kr := &Keyring{}
	seen := map[[idLen]byte]bool{}
	for i, raw := range keys {
		if len(raw) != KeySize {
			return nil, fmt.Errorf("session: key %d has %d bytes, want %d", i+1, len(raw), KeySize)
		}
		block, err := aes.NewCipher(raw)
		if err != nil {
			return nil, fmt.Errorf("session: key %d: %w", i+1, err)
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("session: key %d: %w", i+1, err)
		}
		sum := sha256.Sum256(raw)
		var id [idLen]byte
		copy(id[:], sum[:idLen])
		if seen[id] {
			return nil, fmt.Errorf("session: key %d repeats an earlier key", i+1)
		}
		seen[id] = true
		kr.keys = append(kr.keys, key{id: id, aead: aead})
	}
	return kr, nil
}

// ParseKeys reads a comma-separated list of base64 (standard or URL alphabet, padded or
// not) 32-byte keys, as in BFF_SESSION_KEYS. Errors never echo key material.
func ParseKeys(s string) (*Keyring, error) {
	var keys [][]byte
	for i, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, err := decodeKey(part)
		if err != nil {
			return nil, fmt.Errorf("session: key %d is not base64", i+1)
		}
		keys = append(keys, k)
	}
	return NewKeyring(keys...)
}

func decodeKey(s string) ([]byte, error) {
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if k, err := enc.DecodeString(s); err == nil {
			return k, nil
		}
	}
	return nil, errors.New("not base64")
}

// Seal encrypts payload for the cookie called name, valid until expires.
func (kr *Keyring) Seal(name string, payload []byte, expires time.Time) string {
	k := kr.keys[0]
	plain := make([]byte, 8+len(payload))
	binary.BigEndian.PutUint64(plain, uint64(expires.Unix()))
	copy(plain[8:], payload)
	out := make([]byte, idLen+nonceLen, idLen+nonceLen+len(plain)+k.aead.Overhead())
	copy(out, k.id[:])
	if _, err := rand.Read(out[idLen:]); err != nil {
		panic(fmt.Sprintf("session: crypto/rand: %v", err))
	}
	out = k.aead.Seal(out, out[idLen:idLen+nonceLen], plain, []byte(name))
	return prefix + base64.RawURLEncoding.EncodeToString(out)
}

// Open decrypts a value sealed for name. It returns ErrInvalid for anything that does not
// authenticate and ErrExpired when it did but its expiry is before now.
func (kr *Keyring) Open(name, value string, now time.Time) ([]byte, error) {
	if !strings.HasPrefix(value, prefix) || len(value) > 2*MaxCookieBytes {
		return nil, ErrInvalid
	}
	raw, err := base64.RawURLEncoding.DecodeString(value[len(prefix):])
	if err != nil || len(raw) < idLen+nonceLen+16+8 {
		return nil, ErrInvalid
	}
	for _, k := range kr.keys {
		if string(k.id[:]) != string(raw[:idLen]) {
			continue
		}
		plain, err := k.aead.Open(nil, raw[idLen:idLen+nonceLen], raw[idLen+nonceLen:], []byte(name))
		if err != nil || len(plain) < 8 {
			return nil, ErrInvalid
		}
		exp := int64(binary.BigEndian.Uint64(plain))
		if now.Unix() >= exp {
			return nil, ErrExpired
		}
		return plain[8:], nil
	}
	return nil, ErrInvalid
}

// SealJSON is Seal of v's JSON encoding.
func (kr *Keyring) SealJSON(name string, v any, expires time.Time) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("session: encode %s: %w", name, err)
	}
	return kr.Seal(name, b, expires), nil
}

// OpenJSON is Open followed by decoding into v (a value that opens but does not decode is
// ErrInvalid).
func (kr *Keyring) OpenJSON(name, value string, now time.Time, v any) error {
	b, err := kr.Open(name, value, now)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return ErrInvalid
	}
	return nil
}

// Cookies sets and clears cookies with one set of attributes.
type Cookies struct {
	// Secure sends the cookie over HTTPS only, and enables the __Host- name prefix (which
	// also pins Path=/ and forbids Domain).
	Secure   bool
	SameSite http.SameSite
	// Domain, when set, shares the cookie with subdomains; empty is host-only (preferred).
	Domain string
}

// Name returns the cookie name for base: "__Host-" + base when the cookie is Secure and
// host-only, else base.
func (c Cookies) Name(base string) string {
	if c.Secure && c.Domain == "" {
		return "__Host-" + base
	}
	return base
}

// Cookie builds the cookie base=value; maxAge 0 is a session cookie (ends with the browser),
// negative deletes it.
func (c Cookies) Cookie(base, value string, maxAge time.Duration, httpOnly bool) *http.Cookie {
	ck := &http.Cookie{
		Name: c.Name(base), Value: value, Path: "/", Domain: c.Domain,
		Secure: c.Secure, HttpOnly: httpOnly, SameSite: c.SameSite,
	}
	switch {
	case maxAge < 0:
		ck.MaxAge = -1
		ck.Value = ""
	case maxAge > 0:
		ck.MaxAge = int(maxAge / time.Second)
	}
	return ck
}

// Set adds a Set-Cookie header for base=value; it refuses a cookie browsers would drop.
func (c Cookies) Set(h http.Header, base, value string, maxAge time.Duration, httpOnly bool) error {
	s := c.Cookie(base, value, maxAge, httpOnly).String()
	if s == "" {
		return fmt.Errorf("session: cookie %s: invalid name or value", base)
	}
	if len(s) > MaxCookieBytes {
		return fmt.Errorf("%w: %s is %d bytes", ErrTooLarge, base, len(s))
	}
	h.Add("Set-Cookie", s)
	return nil
}

// Clear adds a Set-Cookie header that deletes base.
func (c Cookies) Clear(h http.Header, base string) {
	h.Add("Set-Cookie", c.Cookie(base, "", -1, true).String())
}

// Read returns the value of cookie base from r ("" when absent). With several cookies of
// that name (e.g. a planted one on a parent domain) it returns the first, as browsers send
// the most specific first.
func (c Cookies) Read(r *http.Request, base string) string {
	ck, err := r.Cookie(c.Name(base))
	if err != nil {
		return ""
	}
	return ck.Value
}
