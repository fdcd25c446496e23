package auth

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
)

// TestVerifySignature checks the signature-only verification gateways use: it accepts a
// well-signed token whatever its claims, returns them with numbers kept exact, and refuses
// what Verify refuses before looking at claims.
func TestVerifySignature(t *testing.T) {
	a, b := loadTestKey(t, "pool-a", "kid-a"), loadTestKey(t, "pool-b", "kid-b")
	ks, err := NewKeySet(KeySetOptions{Prewarm: jwksOf(t, a)})
	if err != nil {
		t.Fatal(err)
	}
	odd := map[string]any{"iss": "anyone", "token_use": "refresh", "exp": 1, "big": 9007199254740993}
	tests := []struct {
		name    string
		token   string
		wantErr error
	}{
		{"claims are not checked", sign(t, a, odd), nil},
		{"other key, unknown kid", sign(t, b, odd), ErrInvalidToken},
		{"other key under a known kid", signWith(t, testKey{kid: "kid-a", priv: b.priv}, map[string]any{"alg": "RS256", "kid": "kid-a"}, odd), ErrInvalidToken},
		{"HS256", signHS256(t, a, odd), ErrInvalidToken},
		{"not a JWS", "abc.def", ErrInvalidToken},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := ks.VerifySignature(context.Background(), tt.token)
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			if got, _ := c["big"].(json.Number); got.String() != "9007199254740993" {
				t.Errorf("big = %v, want 9007199254740993 exactly", c["big"])
			}
			if c["token_use"] != "refresh" {
				t.Errorf("token_use = %v, want refresh", c["token_use"])
			}
		})
	}
}
