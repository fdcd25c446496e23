// Package cursor issues and verifies the opaque pagination cursors of the domain clients.
//
// A cursor is base64url(position) "." base64url(HMAC-SHA256(key, scope, binding, position)).
// The scope names the list ("catalog.search", "orders.by_customer") and the binding is the
// normalised query the cursor was issued for, so a cursor that was tampered with, issued by
// another deployment (another key), for another list or for another query fails to verify and
// is reported as domain.ErrInvalidCursor. Positions are backend-neutral strings, so the same
// cursor works on the embedded and the DynamoDB backend.
package cursor

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strings"

	"bffsuite.dev/shared/domain"
)

// MaxLen bounds the accepted cursor length; longer input is rejected before any decoding.
const MaxLen = 1024

// MinKeyLen is the minimum length of a signing key in bytes.
const MinKeyLen = 16

// Codec signs and verifies cursors with one key. It is safe for concurrent use.
type Codec struct {
	key []byte
}

// New returns a Codec signing with key, which must be at least MinKeyLen bytes.
func New(key []byte) (*Codec, error) {
	if len(key) < MinKeyLen {
		return nil, fmt.Errorf("cursor key: %d bytes, want at least %d", len(key), MinKeyLen)
	}
	return &Codec{key: append([]byte(nil), key...)}, nil
}

// NewRandom returns a Codec with a random key: cursors stay valid only within this process.
// It suits the embedded backend, whose data lives in the process anyway.
func NewRandom() *Codec {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		panic(fmt.Sprintf("cursor: read random key: %v", err)) // crypto/rand never fails on supported platforms
	}
	return &Codec{key: key}
}

func (c *Codec) mac(scope, binding, position string) []byte {
	h := hmac.New(sha256.New, c.key)
	// Length-prefix every part so that no two (scope, binding, position) triples collide.
	for _, part := range []string{scope, binding, position} {
		fmt.Fprintf(h, "%d:%s|", len(part), part)
	}
	return h.Sum(nil)
}

// Encode returns the cursor for position within scope and binding.
func (c *Codec) Encode(scope, binding, position string) string {
	enc := base64.RawURLEncoding
	return enc.EncodeToString([]byte(position)) + "." + enc.EncodeToString(c.mac(scope, binding, position))
}

// Decode verifies token against scope and binding and returns its position. Every failure
// wraps domain.ErrInvalidCursor.
func (c *Codec) Decode(scope, binding, token string) (string, error) {
	if len(token) > MaxLen {
		return "", fmt.Errorf("cursor longer than %d characters: %w", MaxLen, domain.ErrInvalidCursor)
	}
	p, s, ok := strings.Cut(token, ".")
	if !ok {
		return "", fmt.Errorf("cursor without signature: %w", domain.ErrInvalidCursor)
	}
	enc := base64.RawURLEncoding
	pos, err := enc.DecodeString(p)
	if err != nil {
		return "", fmt.Errorf("cursor position encoding: %w", domain.ErrInvalidCursor)
	}
	sig, err := enc.DecodeString(s)
	if err != nil {
		return "", fmt.Errorf("cursor signature encoding: %w", domain.ErrInvalidCursor)
	}
	if !hmac.Equal(sig, c.mac(scope, binding, string(pos))) {
		return "", fmt.Errorf("cursor signature does not match this query: %w", domain.ErrInvalidCursor)
	}
	return string(pos), nil
}
