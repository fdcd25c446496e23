package app

import (
	"net/http"
	"slices"
	"testing"
)

// TestReadModels: /v1/me carries the order summary read model and the feed "Popular now",
// both updated by orders placed through the BFF (the projector runs on every order change).
func TestReadModels(t *testing.T) {
	f := newFixture(t, map[string]string{"BFF_POPULAR_CACHE_TTL": "0s"})
	tok := f.newUser("summary")
	me := func() Me {
		t.Helper()
		var m Me
		r := f.do(req{method: "GET", path: "/v1/me", token: tok})
		if r.status != http.StatusOK {
			t.Fatalf("GET /v1/me = %d %s", r.status, r.body)
		}
		r.json(t, &m)
		if m.OrdersSummary == nil {
			t.Fatalf("GET /v1/me = %s, want orders_summary", r.body)
		}
		return m
	}
	if s := me().OrdersSummary; s.OrderCount != 0 || s.LifetimeValue != 0 || s.Tier != "standard" {
		t.Errorf("new customer's summary = %+v, want 0 orders, standard tier", s)
	}
	var placed OrderDetail
	r := f.do(req{method: "POST", path: "/v1/orders", token: tok, body: orderBody("p-0020", 3)})
	if r.status != http.StatusCreated {
		t.Fatalf("POST /v1/orders = %d %s", r.status, r.body)
	}
	r.json(t, &placed)
	s := me().OrdersSummary
	if s.OrderCount != 1 || s.LifetimeValue != placed.Total || s.LifetimeValueText == "" || s.Currency == "" {
		t.Errorf("summary after an order = %+v, want 1 order worth %d with its text", s, placed.Total)
	}
	var fd Feed
	f.do(req{method: "GET", path: "/v1/feed", token: tok}).json(t, &fd)
	if !slices.ContainsFunc(fd.Popular, func(p Product) bool { return p.ID == "p-0020" }) || len(fd.Partial) != 0 {
		t.Errorf("feed popular = %+v partial %v, want p-0020 (3 units just ordered)", fd.Popular, fd.Partial)
	}
	if r := f.do(req{method: "POST", path: "/v1/orders/" + placed.ID + "/cancel", token: tok}); r.status != http.StatusOK {
		t.Fatalf("cancel = %d %s", r.status, r.body)
	}
	if s := me().OrdersSummary; s.OrderCount != 0 || s.LifetimeValue != 0 {
		t.Errorf("summary after cancelling = %+v, want 0 orders", s)
	}
}
