package app

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"bffsuite.dev/shared/idempotency"
	"bffsuite.dev/shared/identity/localidp"
)

// TestOrderIdempotency: POST /api/orders with an Idempotency-Key places one order however often
// the same checkout attempt is sent (double-click, retried fetch); the same key with another
// body is 422; keys are scoped per customer; the browser may send the header cross-origin.
func TestOrderIdempotency(t *testing.T) {
	a := newTestApp(t, nil)
	b := a.browser(t)
	s := b.login(localidp.DemoUser, demoPassword)
	pid := stockedProduct(t, a)
	ctx := context.Background()
	addr := map[string]any{"name": "Demo", "line1": "Main St 1", "city": "Berlin", "postal_code": "10115", "country": "DE"}
	body := map[string]any{"lines": []any{map[string]any{"product_id": pid, "quantity": 2}}, "shipping_address": addr, "payment_token": "tok_visa"}
	count := func(sub string) int {
		t.Helper()
		p, err := a.p.Orders.ListOrdersByCustomer(ctx, sub, "", 100)
		if err != nil {
			t.Fatal(err)
		}
		return len(p.Items)
	}
	stock := func() int64 {
		t.Helper()
		p, err := a.p.Catalog.GetProduct(ctx, pid)
		if err != nil {
			t.Fatal(err)
		}
		return p.Stock
	}
	sub := s.User.ID
	before, stockBefore := count(sub), stock()

	first := b.do("POST", "/api/orders", body, idempotency.HeaderKey, "checkout-1")
	if first.status != http.StatusAccepted {
		t.Fatalf("POST /api/orders with a key = %d %s, want 202", first.status, first.body)
	}
	var o webOrder
	first.json(t, &o)
	retry := b.do("POST", "/api/orders", body, idempotency.HeaderKey, "checkout-1")
	var again webOrder
	retry.json(t, &again)
	if retry.status != http.StatusAccepted || again.ID != o.ID || retry.header.Get(idempotency.HeaderReplayed) != "true" {
		t.Errorf("retry with the same key = %d %s (replayed %q), want 202 with order %s replayed", retry.status, again.ID, retry.header.Get(idempotency.HeaderReplayed), o.ID)
	}
	if got := retry.header.Get("Location"); got != "/api/orders/"+o.ID {
		t.Errorf("replayed Location = %q, want /api/orders/%s", got, o.ID)
	}
	if got, want := count(sub), before+1; got != want {
		t.Errorf("orders after one checkout sent twice = %d, want %d", got, want)
	}
	waitCheckout(t, a)
	if got, want := stock(), stockBefore-2; got != want {
		t.Errorf("stock after one checkout sent twice = %d, want %d (reserved once)", got, want)
	}

	other := map[string]any{"lines": []any{map[string]any{"product_id": pid, "quantity": 1}}, "shipping_address": addr, "payment_token": "tok_visa"}
	reused := b.do("POST", "/api/orders", other, idempotency.HeaderKey, "checkout-1")
	if reused.status != http.StatusUnprocessableEntity || reused.problem(t).Code != idempotency.CodeKeyReused {
		t.Errorf("same key, another body = %d %s, want 422 %s", reused.status, reused.body, idempotency.CodeKeyReused)
	}
	if bad := b.do("POST", "/api/orders", body, idempotency.HeaderKey, "caf\u00e9"); bad.status != http.StatusBadRequest || bad.problem(t).Code != idempotency.CodeKeyInvalid {
		t.Errorf("non-ASCII key = %d %s, want 400 %s", bad.status, bad.body, idempotency.CodeKeyInvalid)
	}
	if next := b.do("POST", "/api/orders", body, idempotency.HeaderKey, "checkout-2"); next.status != http.StatusAccepted {
		t.Errorf("a new checkout attempt = %d %s, want 202", next.status, next.body)
	}
	if got, want := count(sub), before+2; got != want {
		t.Errorf("orders after two checkout attempts = %d, want %d", got, want)
	}

	// Another customer's key of the same name is another checkout.
	c := a.browser(t)
	const email, password = "second.buyer@example.com", "Str0ng!Passw0rd"
	if res := c.do("POST", "/auth/signup", signupRequest{Email: email, Password: password, Name: "Second Buyer"}); res.status != http.StatusCreated {
		t.Fatalf("POST /auth/signup = %d %s, want 201", res.status, res.body)
	}
	if res := c.do("POST", "/auth/confirm", confirmRequest{Email: email, Code: "123456"}); res.status != http.StatusNoContent {
		t.Fatalf("POST /auth/confirm = %d %s, want 204", res.status, res.body)
	}
	c.login(email, password)
	res := c.do("POST", "/api/orders", body, idempotency.HeaderKey, "checkout-1")
	var theirs webOrder
	res.json(t, &theirs)
	if res.status != http.StatusAccepted || theirs.ID == o.ID || res.header.Get(idempotency.HeaderReplayed) != "" {
		t.Errorf("another customer's checkout-1 = %d %s (replayed %q), want a new 202 order", res.status, theirs.ID, res.header.Get(idempotency.HeaderReplayed))
	}

	// The demo app is cross-origin: the preflight must allow the header.
	req := httptest.NewRequest("OPTIONS", "/api/orders", nil)
	req.Header.Set("Origin", siteOrigin)
	req.Header.Set("Access-Control-Request-Method", "POST")
	req.Header.Set("Access-Control-Request-Headers", "content-type,x-csrf-token,idempotency-key")
	rec := httptest.NewRecorder()
	a.engine.ServeHTTP(rec, req)
	if rec.Code != http.StatusNoContent || !strings.Contains(strings.ToLower(rec.Header().Get("Access-Control-Allow-Headers")), "idempotency-key") {
		t.Errorf("preflight with Idempotency-Key = %d %v, want 204 allowing it", rec.Code, rec.Header())
	}
}
