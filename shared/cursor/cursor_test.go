package cursor

import (
	"errors"
	"strings"
	"testing"

	"bffsuite.dev/shared/domain"
)

func TestRoundTrip(t *testing.T) {
	c, err := New([]byte("0123456789abcdef0123"))
	if err != nil {
		t.Fatal(err)
	}
	for _, pos := range []string{"", "42", "2026-01-02T03:04:05.000000000Z#p-0001", "ünïcode#x"} {
		tok := c.Encode("orders.by_customer", "cust-1", pos)
		got, err := c.Decode("orders.by_customer", "cust-1", tok)
		if err != nil || got != pos {
			t.Errorf("Decode(Encode(%q)) = %q, %v, want %q, nil", pos, got, err, pos)
		}
	}
}

func TestRejects(t *testing.T) {
	c, _ := New([]byte("0123456789abcdef0123"))
	other, _ := New([]byte("another-key-0123456789"))
	good := c.Encode("catalog.search", "q=shoes", "20")
	flipped := []byte(good)
	flipped[0] ^= 1
	tests := []struct {
		name, scope, binding, token string
	}{
		{"empty", "catalog.search", "q=shoes", ""},
		{"garbage", "catalog.search", "q=shoes", "not a cursor"},
		{"no signature", "catalog.search", "q=shoes", strings.Split(good, ".")[0]},
		{"tampered position", "catalog.search", "q=shoes", string(flipped)},
		{"other query", "catalog.search", "q=boots", good},
		{"other scope", "orders.by_customer", "q=shoes", good},
		{"other key", "catalog.search", "q=shoes", other.Encode("catalog.search", "q=shoes", "20")},
		{"too long", "catalog.search", "q=shoes", strings.Repeat("a", MaxLen+1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.Decode(tt.scope, tt.binding, tt.token)
			if !errors.Is(err, domain.ErrInvalidCursor) {
				t.Errorf("Decode(%q) error = %v, want domain.ErrInvalidCursor", tt.token, err)
			}
		})
	}
}

func TestNewShortKey(t *testing.T) {
	if _, err := New([]byte("short")); err == nil {
		t.Error("New(short key) error = nil, want error")
	}
}
