package auth

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"testing"
	"time"
)

// cachingVerifier is newTestVerifier with a movable clock and a cache of size entries.
func cachingVerifier(t *testing.T, size int, now *time.Time, keys ...testKey) *Verifier {
	t.Helper()
	ks, err := NewKeySet(KeySetOptions{Prewarm: jwksOf(t, keys...)})
	if err != nil {
		t.Fatal(err)
	}
	v, err := NewVerifier(Options{Issuer: testIssuer, ClientIDs: []string{webClient, partnerClient}, Leeway: 30 * time.Second,
		Keys: ks, Now: func() time.Time { return *now }, CacheSize: size})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestTokenCacheRefusesExpiredTokenOnHit(t *testing.T) {
	a := loadTestKey(t, "pool-a", "kidA1")
	now := testNow
	v := cachingVerifier(t, 8, &now, a)
	tok := sign(t, a, payload(t, "access_token.json", set("exp", testNow.Unix()+120)))
	ctx := context.Background()
	if _, err := v.Verify(ctx, tok, Access{}); err != nil {
		t.Fatalf("Verify() error = %v, want nil", err)
	}
	if got, want := v.cache.len(), 1; got != want {
		t.Fatalf("cache entries = %d, want %d", got, want)
	}
	now = testNow.Add(90 * time.Second) // still within exp: a hit
	if _, err := v.Verify(ctx, tok, Access{}); err != nil {
		t.Fatalf("Verify() on a hit error = %v, want nil", err)
	}
	now = testNow.Add(121*time.Second + 30*time.Second) // past exp + leeway
	_, err := v.Verify(ctx, tok, Access{})
	if !errors.Is(err, ErrInvalidToken) {
		t.Fatalf("Verify() of an expired cached token error = %v, want ErrInvalidToken", err)
	}
}

func TestTokenCacheStillChecksClaimsPerRoute(t *testing.T) {
	a := loadTestKey(t, "pool-a", "kidA1")
	now := testNow
	v := cachingVerifier(t, 8, &now, a)
	tok := sign(t, a, payload(t, "access_token.json"))
	ctx := context.Background()
	if _, err := v.Verify(ctx, tok, Access{}); err != nil {
		t.Fatalf("Verify() error = %v, want nil", err)
	}
	tests := []struct {
		name string
		acc  Access
		want error
	}{
		{"id token required", Access{Use: UseID}, ErrInvalidToken},
		{"other client", Access{Clients: []string{mobileClient}}, ErrInvalidToken},
		{"missing scope", Access{Scopes: []string{"partner-api/orders.write"}}, ErrInsufficientScope},
		{"wrong group", Access{Groups: []string{"admins"}}, ErrForbidden},
		{"machines only", Access{MachinesOnly: true}, ErrForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := v.Verify(ctx, tok, tt.acc); !errors.Is(err, tt.want) {
				t.Errorf("Verify() on a hit error = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestTokenCacheDoesNotConfuseTokens(t *testing.T) {
	a := loadTestKey(t, "pool-a", "kidA1")
	b := loadTestKey(t, "pool-b", "kidB1")
	now := testNow
	v := cachingVerifier(t, 8, &now, a)
	ctx := context.Background()
	good := sign(t, a, payload(t, "access_token.json"))
	if _, err := v.Verify(ctx, good, Access{}); err != nil {
		t.Fatalf("Verify() error = %v, want nil", err)
	}
	tests := []struct{ name, tok string }{
		// Same claims, other key: a different token that must still fail its signature check.
		{"same claims signed by an unknown key", sign(t, b, payload(t, "access_token.json"))},
		{"same claims, signature cut", good[:len(good)-4]},
		{"same claims, alg HS256", signHS256(t, a, payload(t, "access_token.json"))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := v.Verify(ctx, tt.tok, Access{}); !errors.Is(err, ErrInvalidToken) {
				t.Errorf("Verify() error = %v, want ErrInvalidToken", err)
			}
		})
	}
	other := sign(t, a, payload(t, "access_token.json", set("sub", "ffffffff-0000-0000-0000-000000000000"), set("username", "other")))
	p, err := v.Verify(ctx, other, Access{})
	if err != nil {
		t.Fatalf("Verify(other) error = %v, want nil", err)
	}
	if got, want := p.Subject, "ffffffff-0000-0000-0000-000000000000"; got != want {
		t.Errorf("Verify(other).Subject = %q, want %q", got, want)
	}
	if got, want := v.cache.len(), 2; got != want { // failed tokens are not cached
		t.Errorf("cache entries = %d, want %d", got, want)
	}
}

func TestTokenCacheBound(t *testing.T) {
	a := loadTestKey(t, "pool-a", "kidA1")
	now := testNow
	v := cachingVerifier(t, 4, &now, a)
	ctx := context.Background()
	for i := range 10 {
		tok := sign(t, a, payload(t, "access_token.json", set("jti", fmt.Sprintf("jti-%d", i))))
		if _, err := v.Verify(ctx, tok, Access{}); err != nil {
			t.Fatalf("Verify(%d) error = %v, want nil", i, err)
		}
		if got := v.cache.len(); got > 4 {
			t.Fatalf("after %d tokens cache entries = %d, want at most 4", i+1, got)
		}
	}
	// An expired entry makes room before a live one is dropped.
	short := sign(t, a, payload(t, "access_token.json", set("jti", "short"), set("exp", testNow.Unix()+1)))
	v2 := cachingVerifier(t, 2, &now, a)
	long := sign(t, a, payload(t, "access_token.json", set("jti", "long")))
	for _, tok := range []string{short, long} {
		if _, err := v2.Verify(ctx, tok, Access{}); err != nil {
			t.Fatalf("Verify() error = %v, want nil", err)
		}
	}
	now = testNow.Add(time.Minute)
	third := sign(t, a, payload(t, "access_token.json", set("jti", "third")))
	if _, err := v2.Verify(ctx, third, Access{}); err != nil {
		t.Fatalf("Verify(third) error = %v, want nil", err)
	}
	if _, ok := v2.cache.entries[keyOf(long)]; !ok {
		t.Errorf("live entry dropped while an expired one was there")
	}
}

func TestTokenCacheOff(t *testing.T) {
	a := loadTestKey(t, "pool-a", "kidA1")
	now := testNow
	v := cachingVerifier(t, -1, &now, a)
	if _, err := v.Verify(context.Background(), sign(t, a, payload(t, "access_token.json")), Access{}); err != nil {
		t.Fatalf("Verify() error = %v, want nil", err)
	}
	if v.cache != nil {
		t.Errorf("cache = %v, want nil with CacheSize -1", v.cache)
	}
	if got, want := cacheSize(0), -1; got != want { // BFF_TOKEN_CACHE_SIZE=0 turns it off
		t.Errorf("cacheSize(0) = %d, want %d", got, want)
	}
}

func keyOf(raw string) [32]byte { return sha256.Sum256([]byte(raw)) }
