package events

import (
	"strings"
	"testing"
)

func TestID(t *testing.T) {
	tests := []struct {
		name     string
		a, b     string
		va, vb   int64
		wantSame bool
	}{
		{"same change", "ord_1", "ord_1", 2, 2, true},
		{"next version", "ord_1", "ord_1", 2, 3, false},
		{"other order", "ord_1", "ord_2", 2, 2, false},
		{"no prefix collision", "ord_1", "ord_12", 1, 1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := ID(tt.a, tt.va), ID(tt.b, tt.vb)
			if got := a == b; got != tt.wantSame {
				t.Errorf("ID(%q,%d)==ID(%q,%d): got %v, want %v", tt.a, tt.va, tt.b, tt.vb, got, tt.wantSame)
			}
			if !strings.HasPrefix(a, "evt_") || len(a) != 4+32 {
				t.Errorf("ID = %q, want evt_ + 32 hex", a)
			}
		})
	}
}

func TestTypeValid(t *testing.T) {
	for _, k := range Types {
		if !k.Valid() {
			t.Errorf("%q.Valid() = false, want true", k)
		}
	}
	if Type("order.lost").Valid() {
		t.Errorf(`"order.lost".Valid() = true, want false`)
	}
}
