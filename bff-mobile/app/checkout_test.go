package app

import (
	"net/http"
	"testing"
)

// TestCheckoutOutcome: POST /v1/orders answers 202 pending; the saga then confirms or cancels
// the order with a reason, and GET (ETag, If-None-Match → 304) shows it.
func TestCheckoutOutcome(t *testing.T) {
	f := newFixture(t, nil)
	tok := f.newUser("checkout")
	tests := []struct {
		name, product, token string
		qty                  int
		wantStatus, reason   string
	}{
		{"approved", "p-0010", "tok_visa", 1, "confirmed", ""},
		{"approved after two transient failures", "p-0010", "tok_transient_2", 1, "confirmed", ""},
		{"declined", "p-0010", "tok_card_declined", 1, "cancelled", "payment_declined"},
		{"out of stock", "p-0013", "tok_visa", 100, "cancelled", "out_of_stock"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := f.do(req{method: "POST", path: "/v1/orders", token: tok, body: map[string]any{
				"lines": []map[string]any{{"product_id": tc.product, "quantity": tc.qty}}, "payment_token": tc.token}})
			var placed OrderDetail
			r.json(t, &placed)
			if r.status != http.StatusAccepted || placed.Status != "pending" || r.header.Get("Location") != "/v1/orders/"+placed.ID {
				t.Fatalf("POST /v1/orders = %d %s, want 202 pending with Location", r.status, r.body)
			}
			f.checkout.Wait()
			g := f.do(req{method: "GET", path: "/v1/orders/" + placed.ID, token: tok})
			var got OrderDetail
			g.json(t, &got)
			if g.status != 200 || got.Status != tc.wantStatus || got.CancellationReason != tc.reason {
				t.Errorf("GET order = %d status %q reason %q, want %s %q", g.status, got.Status, got.CancellationReason, tc.wantStatus, tc.reason)
			}
			tag := g.header.Get("ETag")
			if again := f.do(req{method: "GET", path: "/v1/orders/" + placed.ID, token: tok, header: map[string]string{"If-None-Match": tag}}); tag == "" || again.status != http.StatusNotModified {
				t.Errorf("GET with If-None-Match %q = %d, want 304", tag, again.status)
			}
		})
	}
}
