package app_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"bffsuite.dev/bff-partner/app"
	"bffsuite.dev/shared/events"
	"bffsuite.dev/shared/webhooks"
)

// TestWebhookRoutes: the endpoint lifecycle over HTTP, secrets shown once, tenant isolation
// (another partner's endpoint is a 404 on every route), deliveries and redeliver.
func TestWebhookRoutes(t *testing.T) {
	var mu sync.Mutex
	var queued []webhooks.Task
	wh := webhooks.New(webhooks.NewMemory(), webhooks.Options{AllowHTTP: true, Enqueue: func(_ context.Context, tk webhooks.Task) error {
		mu.Lock()
		defer mu.Unlock()
		queued = append(queued, tk)
		return nil
	}})
	e := newEnv(t, testVars(nil), app.Deps{Webhooks: wh})
	acme, globex := e.token("acme-client"), e.token("globex-client")

	r := e.do(req{method: "POST", path: "/v1/webhooks", token: acme, body: `{"url":"http://127.0.0.1:9/hook","event_types":["order.placed"]}`})
	if r.Status != http.StatusCreated {
		t.Fatalf("POST /v1/webhooks = %d %s, want 201", r.Status, r.Body)
	}
	var created app.WebhookEndpointWithSecret
	r.json(t, &created)
	if created.Secret == "" || r.Header.Get("Location") != "/v1/webhooks/"+created.ID || r.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("create: secret %q, Location %q, Cache-Control %q; want a secret, the location, no-store", created.Secret, r.Header.Get("Location"), r.Header.Get("Cache-Control"))
	}
	base := "/v1/webhooks/" + created.ID

	bad := []struct{ name, body string }{
		{"no url", `{}`},
		{"unknown type", `{"url":"http://127.0.0.1:9/x","event_types":["order.eaten"]}`},
		{"unknown member", `{"url":"http://127.0.0.1:9/x","secret":"mine"}`},
	}
	for _, b := range bad {
		if r := e.do(req{method: "POST", path: "/v1/webhooks", token: acme, body: b.body}); r.Status != http.StatusBadRequest {
			t.Errorf("POST /v1/webhooks %s = %d %s, want 400", b.name, r.Status, r.Body)
		}
	}

	// Reads never show a secret.
	for _, path := range []string{base, "/v1/webhooks"} {
		r := e.do(req{method: "GET", path: path, token: acme})
		if r.Status != 200 {
			t.Errorf("GET %s = %d, want 200", path, r.Status)
		}
		if strings.Contains(string(r.Body), created.Secret) {
			t.Errorf("GET %s shows the secret", path)
		}
	}

	// Another tenant: 404 everywhere, and its list is empty.
	for _, rt := range []struct{ method, path string }{
		{"GET", base}, {"DELETE", base}, {"POST", base + "/rotate-secret"}, {"GET", base + "/deliveries"},
		{"POST", base + "/deliveries/msg_x/redeliver"},
	} {
		if r := e.do(req{method: rt.method, path: rt.path, token: globex}); r.Status != http.StatusNotFound {
			t.Errorf("%s %s as globex = %d %s, want 404", rt.method, rt.path, r.Status, r.Body)
		}
	}
	var list app.WebhookEndpointList
	e.do(req{method: "GET", path: "/v1/webhooks", token: globex}).json(t, &list)
	if len(list.Items) != 0 {
		t.Errorf("globex list: got %d endpoints, want 0", len(list.Items))
	}

	// Rotation: a new secret, the previous one still signing for a while.
	r = e.do(req{method: "POST", path: base + "/rotate-secret", token: acme})
	var rotated app.WebhookEndpointWithSecret
	r.json(t, &rotated)
	if r.Status != 200 || rotated.Secret == "" || rotated.Secret == created.Secret || rotated.PreviousSecretExpiresAt == "" {
		t.Errorf("rotate = %d %s, want 200 with a new secret and previous_secret_expires_at", r.Status, r.Body)
	}

	// An event of acme's order: one delivery listed; redeliver queues it again.
	ev := events.Event{ID: events.ID("ord_1", 1), Type: events.OrderPlaced, SpecVersion: "1", OccurredAt: time.Now().UTC(), OrderID: "ord_1",
		OrderVersion: 1, Owner: events.Owner{CustomerID: "c1", PartnerID: "partner-acme", Channel: "partner"}, Status: "pending",
		Total: events.Money{Amount: 100, Currency: "EUR"}, Lines: []events.Line{}}
	if _, err := wh.Fanout(context.Background(), ev, func(context.Context, webhooks.Task) error { return nil }); err != nil {
		t.Fatalf("Fanout: %v", err)
	}
	var dl app.WebhookDeliveryList
	r = e.do(req{method: "GET", path: base + "/deliveries", token: acme})
	r.json(t, &dl)
	if r.Status != 200 || len(dl.Items) != 1 || dl.Items[0].EventID != ev.ID || dl.Items[0].State != "pending" {
		t.Fatalf("deliveries = %d %s, want one pending for %s", r.Status, r.Body, ev.ID)
	}
	r = e.do(req{method: "POST", path: base + "/deliveries/" + dl.Items[0].ID + "/redeliver", token: acme})
	if r.Status != http.StatusAccepted || len(queued) != 1 || queued[0].DeliveryID != dl.Items[0].ID {
		t.Errorf("redeliver = %d %s (queued %v), want 202 and one task", r.Status, r.Body, queued)
	}

	// The pull feed: acme sees its event, globex nothing; a tampered cursor is a 400.
	var page app.EventPage
	r = e.do(req{method: "GET", path: "/v1/events?limit=10", token: acme})
	r.json(t, &page)
	if r.Status != 200 || len(page.Items) != 1 || page.Items[0].ID != ev.ID || page.NextCursor == "" {
		t.Errorf("GET /v1/events as acme = %d %s, want the one event and a cursor", r.Status, r.Body)
	}
	var empty app.EventPage
	e.do(req{method: "GET", path: "/v1/events", token: globex}).json(t, &empty)
	if len(empty.Items) != 0 {
		t.Errorf("GET /v1/events as globex: got %d events, want 0", len(empty.Items))
	}
	if r := e.do(req{method: "GET", path: "/v1/events?after=" + page.NextCursor, token: globex}); r.Status != http.StatusBadRequest {
		t.Errorf("acme's cursor used by globex = %d, want 400", r.Status)
	}

	if r := e.do(req{method: "DELETE", path: base, token: acme}); r.Status != http.StatusNoContent {
		t.Errorf("DELETE = %d %s, want 204", r.Status, r.Body)
	}
	if r := e.do(req{method: "GET", path: base, token: acme}); r.Status != http.StatusNotFound {
		t.Errorf("GET after DELETE = %d, want 404", r.Status)
	}
}

// TestWebhookScope: the /v1/webhooks routes need webhooks.manage, /v1/events orders.read.
func TestWebhookScope(t *testing.T) {
	e := newEnv(t, testVars(nil), app.Deps{})
	for _, rt := range []struct{ path, scope, without string }{
		{"/v1/webhooks", app.ScopeWebhooksManage, app.ScopeOrdersRead},
		{"/v1/events", app.ScopeOrdersRead, app.ScopeWebhooksManage},
	} {
		if r := e.do(req{method: "GET", path: rt.path, token: e.token("acme-client", rt.without)}); r.Status != http.StatusForbidden || r.code(t) != "insufficient_scope" {
			t.Errorf("GET %s with only %s = %d %s, want 403 insufficient_scope", rt.path, rt.without, r.Status, r.Body)
		}
		if r := e.do(req{method: "GET", path: rt.path, token: e.token("acme-client", rt.scope)}); r.Status != http.StatusOK {
			t.Errorf("GET %s with %s = %d %s, want 200", rt.path, rt.scope, r.Status, r.Body)
		}
	}
}

// TestOrderToWebhookInProcess is the make-run path: an order placed through bff-partner on the
// embedded store becomes an order.placed event on the in-process bus; the same fanout and
// sender code delivers it, signed, to the partner's endpoint, with the order request's
// correlation id.
func TestOrderToWebhookInProcess(t *testing.T) {
	e := newEnv(t, testVars(nil), app.Deps{})
	e.stockUp(t)
	type got struct {
		header http.Header
		body   []byte
	}
	arrived := make(chan got, 4)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		arrived <- got{r.Header.Clone(), b}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	// Only order.placed: the checkout saga confirms the order right after, and webhooks carry no
	// ordering promise, so order.confirmed may arrive first on an endpoint taking both.
	r := e.do(req{method: "POST", path: "/v1/webhooks", token: e.token("acme-client"), body: `{"url":"` + srv.URL + `/hooks","event_types":["order.placed"]}`})
	var ep app.WebhookEndpointWithSecret
	r.json(t, &ep)
	if r.Status != http.StatusCreated {
		t.Fatalf("POST /v1/webhooks = %d %s", r.Status, r.Body)
	}
	const corr = "corr-order-to-webhook"
	placed := e.do(req{method: "POST", path: "/v1/orders", token: e.token("acme-client"), key: "webhook-e2e", body: readFile(t, "order.json"),
		header: map[string]string{"X-Correlation-ID": corr}})
	if placed.Status != http.StatusCreated {
		t.Fatalf("POST /v1/orders = %d %s", placed.Status, placed.Body)
	}
	var o app.Order
	placed.json(t, &o)
	select {
	case g := <-arrived:
		v, _ := webhooks.NewVerifier(ep.Secret)
		if err := v.Verify(g.header, g.body); err != nil {
			t.Errorf("signature: %v", err)
		}
		var pl webhooks.Payload
		if err := json.Unmarshal(g.body, &pl); err != nil {
			t.Fatalf("payload: %v", err)
		}
		if pl.Type != events.OrderPlaced || pl.Data.OrderID != o.ID || pl.Data.Owner.PartnerID != "partner-acme" || pl.Data.CorrelationID != corr {
			t.Errorf("payload: got type %s order %s partner %s correlation %q; want order.placed of %s for partner-acme with %q",
				pl.Type, pl.Data.OrderID, pl.Data.Owner.PartnerID, pl.Data.CorrelationID, o.ID, corr)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no webhook within 5 s of the order")
	}
}
