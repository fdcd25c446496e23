// Package revocation records ended sessions so that a copy of their cookies stops working at
// once, on every instance. bff-web's sessions are sealed cookies that need no server state;
// the identity provider is asked about them only every revalidation interval. A logout writes
// a record here (keyed by a hash of the session id, kept until the session would have expired
// anyway) and every request with a session checks it: one key lookup, cheap next to the
// token's RSA signature check.
//
// Store has two implementations, chosen by the data backend: Memory (embedded backend: the
// process is the only instance and its data is in memory too) and DynamoDB (a table every
// Lambda instance reads, hash key "pk", TTL on "expires_at"; see TableSchema).
package revocation

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"sync"
	"time"
)

// ErrEmptyID: Revoke or Revoked was called without a session id (a wiring mistake).
var ErrEmptyID = errors.New("revocation: empty session id")

// Store keeps revocation records. Errors other than ErrEmptyID wrap domain.ErrUnavailable
// (DynamoDB) so the caller fails closed with a 503 instead of accepting a maybe-revoked session.
type Store interface {
	// Revoke records that session id has ended; the record may be forgotten after until
	// (the session's absolute expiry, after which its cookies no longer open anyway).
	// Revoking twice is fine.
	Revoke(ctx context.Context, id string, until time.Time) error
	// Revoked reports whether session id was revoked.
	Revoked(ctx context.Context, id string) (bool, error)
}

// key is what is stored for a session id: SHA-256, so the store never holds a value that
// identifies a live session in the cookies.
func key(id string) string {
	sum := sha256.Sum256([]byte("session-revocation\x00" + id))
	return "s1:" + base64.RawURLEncoding.EncodeToString(sum[:])
}

// Memory is the in-process Store. Expired records are dropped as new ones are added.
type Memory struct {
	mu    sync.Mutex
	until map[string]time.Time
	now   func() time.Time
	adds  int
}

// NewMemory returns an empty in-process store.
func NewMemory() *Memory { return &Memory{until: map[string]time.Time{}, now: time.Now} }

var _ Store = (*Memory)(nil)

// Revoke implements Store.
func (m *Memory) Revoke(_ context.Context, id string, until time.Time) error {
	if id == "" {
		return ErrEmptyID
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	if m.adds++; m.adds%256 == 0 {
		for k, u := range m.until {
			if !u.After(now) {
				delete(m.until, k)
			}
		}
	}
	if prev, ok := m.until[key(id)]; !ok || until.After(prev) {
		m.until[key(id)] = until
	}
	return nil
}

// Revoked implements Store.
func (m *Memory) Revoked(_ context.Context, id string) (bool, error) {
	if id == "" {
		return false, ErrEmptyID
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	_, ok := m.until[key(id)]
	return ok, nil
}
