package app

import (
	"context"
	"net/http"
	"testing"

	"bffsuite.dev/shared/checkout"
	"bffsuite.dev/shared/identity/localidp"
	"bffsuite.dev/shared/payments"
)

// waitCheckout waits until every checkout started in process has ended.
func waitCheckout(t *testing.T, a *testApp) {
	t.Helper()
	ip, ok := a.p.Checkout.(*checkout.InProcess)
	if !ok {
		t.Fatalf("checkout starter = %T, want the in-process runner", a.p.Checkout)
	}
	ip.Wait()
}

// TestCheckoutOutcome: POST answers 202 pending; the saga then confirms or cancels the order
// with a reason, and GET (with an ETag) shows it.
func TestCheckoutOutcome(t *testing.T) {
	a := newTestApp(t, nil)
	b := a.browser(t)
	b.login(localidp.DemoUser, demoPassword)
	addr := map[string]any{"name": "Demo", "line1": "Main St 1", "city": "Berlin", "postal_code": "10115", "country": "DE"}
	pid := stockedProduct(t, a)
	tests := []struct {
		name, product, token string
		wantStatus, reason   string
	}{
		{"approved", pid, "tok_visa", "confirmed", ""},
		{"declined", pid, "tok_card_declined", "cancelled", "payment_declined"},
		{"insufficient funds", pid, "tok_insufficient_funds", "cancelled", "payment_declined"},
		{"out of stock", "p-0013", "tok_visa", "cancelled", "out_of_stock"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := b.do("POST", "/api/orders", map[string]any{"lines": []any{map[string]any{"product_id": tc.product, "quantity": 1}},
				"shipping_address": addr, "payment_token": tc.token})
			var placed webOrder
			res.json(t, &placed)
			if res.status != http.StatusAccepted || placed.Status != "pending" || res.header.Get("Location") != "/api/orders/"+placed.ID {
				t.Fatalf("POST /api/orders = %d %s, want 202 pending with Location", res.status, res.body)
			}
			waitCheckout(t, a)
			res = b.do("GET", "/api/orders/"+placed.ID, nil)
			var got webOrder
			res.json(t, &got)
			if res.status != 200 || got.Status != tc.wantStatus || got.CancellationReason != tc.reason {
				t.Errorf("GET order = %d status %q reason %q, want %s %q", res.status, got.Status, got.CancellationReason, tc.wantStatus, tc.reason)
			}
			tag := res.header.Get("ETag")
			if tag == "" {
				t.Fatalf("GET order has no ETag")
			}
			if again := b.do("GET", "/api/orders/"+placed.ID, nil, "If-None-Match", tag); again.status != http.StatusNotModified {
				t.Errorf("GET with If-None-Match = %d, want 304", again.status)
			}
		})
	}
}

// TestCancelReleasesPayment: a customer's cancel of a confirmed card order refunds the capture,
// once; cancelling again changes nothing.
func TestCancelReleasesPayment(t *testing.T) {
	a := newTestApp(t, nil)
	b := a.browser(t)
	b.login(localidp.DemoUser, demoPassword)
	res := b.do("POST", "/api/orders", map[string]any{"lines": []any{map[string]any{"product_id": stockedProduct(t, a), "quantity": 1}},
		"shipping_address": map[string]any{"name": "Demo", "line1": "Main St 1", "city": "Berlin", "postal_code": "10115", "country": "DE"},
		"payment_token":    "tok_visa"})
	var o webOrder
	res.json(t, &o)
	if res.status != http.StatusAccepted {
		t.Fatalf("POST /api/orders = %d %s, want 202", res.status, res.body)
	}
	waitCheckout(t, a)
	if p, err := a.p.Payments.Get(context.Background(), o.ID); err != nil || p.Status != payments.StatusCaptured {
		t.Fatalf("payment after checkout = %+v, %v, want captured", p, err)
	}
	for i := range 2 {
		if r := b.do("POST", "/api/orders/"+o.ID+"/cancel", nil); r.status != 200 {
			t.Fatalf("cancel #%d = %d %s, want 200", i+1, r.status, r.body)
		}
		p, err := a.p.Payments.Get(context.Background(), o.ID)
		if err != nil || p.Status != payments.StatusRefunded || p.Version != 3 {
			t.Errorf("payment after cancel #%d = %+v, %v, want refunded once (version 3)", i+1, p, err)
		}
	}
}
