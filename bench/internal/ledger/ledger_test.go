package ledger

import (
	"strings"
	"testing"
)

func TestResponseCountsOnlyInjected5xxAsExpected(t *testing.T) {
	tests := []struct {
		name           string
		status         int
		code           string
		injectable     bool
		wantInjected   int
		wantUnexpected int
	}{
		{"injected failure on a faulty stack", 502, "dependency_unavailable", true, 1, 0},
		{"same code where nothing is injected", 502, "dependency_unavailable", false, 0, 1},
		{"internal error", 500, "internal", true, 0, 1},
		{"client error is no 5xx", 409, "insufficient_stock", true, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := New()
			l.Response("t", tt.status, tt.code, true, tt.injectable, "dependency_unavailable")
			var unexpected int
			for _, n := range l.Unexpected5xx {
				unexpected += n
			}
			if l.Injected5xx != tt.wantInjected || unexpected != tt.wantUnexpected {
				t.Errorf("Response(%d, %q, injectable=%v): injected %d, unexpected %d, want %d, %d",
					tt.status, tt.code, tt.injectable, l.Injected5xx, unexpected, tt.wantInjected, tt.wantUnexpected)
			}
		})
	}
}

func TestCheckOrders(t *testing.T) {
	l := New()
	l.Created("p", "o1", "A", 1)
	l.Created("p", "o2", "B", 2)
	l.Created("p", "o3", "A", 1)
	l.Created("p", "o3", "A", 1) // a second request confirmed the same id
	tests := []struct {
		name   string
		listed map[string]int
		before map[string]bool
		want   []string // substrings, in order
	}{
		{"all listed once", map[string]int{"o1": 1, "o2": 1, "o3": 1, "seeded": 1}, map[string]bool{"seeded": true}, []string{"o3 was confirmed by 2"}},
		{"missing and duplicated", map[string]int{"o1": 2, "o3": 1}, nil, []string{"o3 was confirmed by 2", "o1 is listed 2 times", "o2 confirmed with 201 by p is not listed"}},
		{"unconfirmed write", map[string]int{"o1": 1, "o2": 1, "o3": 1, "ghost": 1}, nil, []string{"1 listed orders were never confirmed", "o3 was confirmed by 2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := l.CheckOrders("p", []string{"p"}, tt.listed, tt.before)
			if len(got) != len(tt.want) {
				t.Fatalf("CheckOrders(%v) = %q, want %d problems like %q", tt.listed, got, len(tt.want), tt.want)
			}
			for i, w := range tt.want {
				if !strings.Contains(got[i], w) {
					t.Errorf("CheckOrders(%v)[%d] = %q, want it to contain %q", tt.listed, i, got[i], w)
				}
			}
		})
	}
}

func TestCheckOrdersSharedListing(t *testing.T) {
	l := New()
	l.Created("web", "w1", "A", 1)
	l.Created("mobile", "m1", "A", 1)
	listed := map[string]int{"w1": 1, "m1": 1}
	if got := l.CheckOrders("web", []string{"web", "mobile"}, listed, nil); len(got) != 0 {
		t.Errorf("CheckOrders(web+mobile) = %q, want no problem", got)
	}
	if got := l.CheckOrders("web", []string{"web"}, listed, nil); len(got) != 1 {
		t.Errorf("CheckOrders(web) = %q, want the mobile order reported as unconfirmed", got)
	}
}

func TestNetUnitsAndCheckStock(t *testing.T) {
	l := New()
	l.Created("a", "o1", "A", 2)
	l.Created("b", "o2", "A", 1)
	l.Created("b", "o3", "B", 5)
	l.Cancelled("b", "o3")
	net := l.NetUnits("a", "b")
	if net["A"] != 3 || net["B"] != 0 {
		t.Fatalf("NetUnits(a, b) = %v, want A:3 B:0", net)
	}
	seed := map[string]int64{"A": 3, "B": 5}
	tests := []struct {
		name     string
		observed map[string]int64
		want     int
	}{
		{"consistent", map[string]int64{"A": 0, "B": 5}, 0},
		{"lost a cancellation", map[string]int64{"A": 0, "B": 0}, 1},
		{"oversold", map[string]int64{"A": -1, "B": 5}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := CheckStock("s", seed, net, tt.observed); len(got) != tt.want {
				t.Errorf("CheckStock(%v) = %q, want %d problems", tt.observed, got, tt.want)
			}
		})
	}
}

func TestGrowthCheck(t *testing.T) {
	g := Growth{RSSFactor: 1.5, RSSSlackKiB: 16 << 10, Threads: 4, FDs: 16}
	base := Sample{RSSKiB: 40 << 10, Threads: 8, FDs: 10}
	tests := []struct {
		name string
		end  Sample
		want int
	}{
		{"steady", Sample{RSSKiB: 50 << 10, Threads: 9, FDs: 12}, 0},
		{"memory leak", Sample{RSSKiB: 90 << 10, Threads: 9, FDs: 12}, 1},
		{"thread and fd leak", Sample{RSSKiB: 40 << 10, Threads: 20, FDs: 100}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := g.Check("x", base, tt.end); len(got) != tt.want {
				t.Errorf("Growth.Check(%+v) = %q, want %d problems", tt.end, got, tt.want)
			}
		})
	}
}
