package auth

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// FuzzParseAndVerify feeds arbitrary strings through the whole verification path: it must never
// panic, and anything it does not accept must be an invalid-token error.
func FuzzParseAndVerify(f *testing.F) {
	a := loadTestKey(f, "pool-a", "kidA1")
	v := newTestVerifier(f, a)
	valid := sign(f, a, payload(f, "access_token.json"))
	parts := strings.Split(valid, ".")
	for _, seed := range []string{
		valid,
		sign(f, a, payload(f, "id_token.json")),
		sign(f, a, payload(f, "m2m_access_token.json")),
		parts[0] + "." + parts[1] + ".",
		parts[0] + ".." + parts[2],
		"eyJhbGciOiJub25lIn0.e30.",
		"eyJhbGciOiJSUzI1NiIsImtpZCI6ImtpZEExIn0.bnVsbA." + parts[2],
		"eyJhbGciOiJSUzI1NiIsImtpZCI6ImtpZEExIn0.W10." + parts[2],
		"....", "", ".", "a.b.c", "\x00.\xff.\n",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		p, err := v.Verify(context.Background(), raw, Access{})
		if err != nil {
			if p != nil {
				t.Fatalf("Verify(%q) = %v with error %v, want nil principal", raw, p, err)
			}
			if !errors.Is(err, ErrInvalidToken) {
				t.Fatalf("Verify(%q) error = %v, want ErrInvalidToken", raw, err)
			}
			return
		}
		if raw != valid {
			// Only a genuinely signed token can pass; the seeds hold exactly one for this route.
			if _, perr := parse(raw); perr != nil {
				t.Fatalf("Verify(%q) accepted a token parse rejects: %v", raw, perr)
			}
		}
		if len(raw) > MaxTokenSize {
			t.Fatalf("Verify accepted a token of %d bytes", len(raw))
		}
	})
}
