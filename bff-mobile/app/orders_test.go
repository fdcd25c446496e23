package app

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
)

func orderBody(productID string, qty int) map[string]any {
	return map[string]any{"lines": []map[string]any{{"product_id": productID, "quantity": qty}}, "payment_token": "tok_visa"}
}

func (f *fixture) orderCount(t *testing.T, tok string) int {
	t.Helper()
	var l OrderList
	r := f.do(req{method: "GET", path: "/v1/orders?limit=50", token: tok})
	if r.status != http.StatusOK {
		t.Fatalf("GET /v1/orders = %d %s", r.status, r.body)
	}
	r.json(t, &l)
	return len(l.Items)
}

func TestIdempotentOrder(t *testing.T) {
	f := newFixture(t, nil)
	t.Run("retry replays the first response", func(t *testing.T) {
		tok := f.newUser("retry")
		h := map[string]string{"Idempotency-Key": "key-retry-1"}
		first := f.do(req{method: "POST", path: "/v1/orders", token: tok, body: orderBody("p-0002", 2), header: h})
		if first.status != http.StatusAccepted {
			t.Fatalf("POST /v1/orders = %d %s, want 202", first.status, first.body)
		}
		second := f.do(req{method: "POST", path: "/v1/orders", token: tok, body: orderBody("p-0002", 2), header: h})
		if second.status != http.StatusAccepted || !bytes.Equal(first.body, second.body) {
			t.Errorf("retry = %d %s, want 202 and the first body %s", second.status, second.body, first.body)
		}
		if second.header.Get("Idempotent-Replayed") != "true" {
			t.Errorf("retry Idempotent-Replayed = %q, want true", second.header.Get("Idempotent-Replayed"))
		}
		if first.header.Get("Location") == "" || second.header.Get("Location") != first.header.Get("Location") {
			t.Errorf("Location first %q, retry %q; want the same order", first.header.Get("Location"), second.header.Get("Location"))
		}
		if n := f.orderCount(t, tok); n != 1 {
			t.Errorf("orders after a retry = %d, want 1", n)
		}
		other := f.do(req{method: "POST", path: "/v1/orders", token: tok, body: orderBody("p-0003", 1), header: h})
		if other.status != http.StatusUnprocessableEntity {
			t.Errorf("same key, other body = %d %s, want 422", other.status, other.body)
		}
		if n := f.orderCount(t, tok); n != 1 {
			t.Errorf("orders after a reused key = %d, want 1", n)
		}
		fresh := f.do(req{method: "POST", path: "/v1/orders", token: tok, body: orderBody("p-0002", 2), header: map[string]string{"Idempotency-Key": "key-retry-2"}})
		if fresh.status != http.StatusAccepted || bytes.Equal(fresh.body, first.body) {
			t.Errorf("new key = %d, want 202 and a new order", fresh.status)
		}
	})
	t.Run("keys are per user", func(t *testing.T) {
		a, b := f.newUser("keya"), f.newUser("keyb")
		h := map[string]string{"Idempotency-Key": "shared-key"}
		ra := f.do(req{method: "POST", path: "/v1/orders", token: a, body: orderBody("p-0004", 1), header: h})
		rb := f.do(req{method: "POST", path: "/v1/orders", token: b, body: orderBody("p-0004", 1), header: h})
		if ra.status != http.StatusAccepted || rb.status != http.StatusAccepted || bytes.Equal(ra.body, rb.body) {
			t.Errorf("two users, same key = %d / %d, want two different orders", ra.status, rb.status)
		}
	})
	t.Run("concurrent same key", func(t *testing.T) {
		tok := f.newUser("concurrent")
		h := map[string]string{"Idempotency-Key": "key-concurrent"}
		const n = 8
		results := make([]resp, n)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range n {
			wg.Go(func() {
				<-start
				results[i] = f.do(req{method: "POST", path: "/v1/orders", token: tok, body: orderBody("p-0005", 1), header: h})
			})
		}
		close(start)
		wg.Wait()
		var created []resp
		for _, r := range results {
			switch r.status {
			case http.StatusAccepted:
				created = append(created, r)
			case http.StatusConflict:
				if r.problemCode(t) != "idempotency_key_in_progress" {
					t.Errorf("concurrent 409 code = %q, want idempotency_key_in_progress", r.problemCode(t))
				}
			default:
				t.Errorf("concurrent POST = %d %s, want 202 or 409 in progress", r.status, r.body)
			}
		}
		if len(created) == 0 {
			t.Fatal("no concurrent request succeeded")
		}
		for _, r := range created[1:] {
			if !bytes.Equal(r.body, created[0].body) {
				t.Errorf("concurrent 201 bodies differ:\n%s\n%s", r.body, created[0].body)
			}
		}
		after := f.do(req{method: "POST", path: "/v1/orders", token: tok, body: orderBody("p-0005", 1), header: h})
		if !bytes.Equal(after.body, created[0].body) {
			t.Errorf("retry after the race = %d %s, want the first response", after.status, after.body)
		}
		if n := f.orderCount(t, tok); n != 1 {
			t.Errorf("orders after %d concurrent requests with one key = %d, want 1", len(results), n)
		}
	})
	t.Run("bad key", func(t *testing.T) {
		tok := f.newUser("badkey")
		r := f.do(req{method: "POST", path: "/v1/orders", token: tok, body: orderBody("p-0005", 1), header: map[string]string{"Idempotency-Key": strings.Repeat("k", 300)}})
		if r.status != http.StatusBadRequest {
			t.Errorf("POST with a 300-character key = %d, want 400", r.status)
		}
		if n := f.orderCount(t, tok); n != 0 {
			t.Errorf("orders after a rejected key = %d, want 0", n)
		}
	})
}

func TestOrders(t *testing.T) {
	f := newFixture(t, nil)
	tok := f.newUser("orders")
	other := f.newUser("stranger")
	r := f.do(req{method: "POST", path: "/v1/orders", token: tok, body: map[string]any{"lines": []map[string]any{
		{"product_id": "p-0010", "quantity": 2}, {"sku": mustSKU(t, f, "p-0011"), "quantity": 1}}, "payment_token": "tok_visa"}})
	if r.status != http.StatusAccepted {
		t.Fatalf("POST /v1/orders = %d %s", r.status, r.body)
	}
	var od OrderDetail
	r.json(t, &od)
	if od.Status != "pending" || len(od.Lines) != 2 || od.Items != 3 || od.TotalText == "" || !od.Cancellable || od.ShipTo != "orders, Berlin, DE" || od.PaymentMethod != "card" {
		t.Errorf("placed order = %+v, want pending, 2 lines, 3 items, cancellable, shipped to the saved address, paid by card", od)
	}
	f.checkout.Wait() // the order is confirmed before the cancel cases below
	tests := []struct {
		name       string
		method     string
		path       string
		token      string
		body       any
		wantStatus int
		wantCode   string
		wantFields []string
	}{
		{"get own", "GET", "/v1/orders/" + od.ID, tok, nil, 200, "", nil},
		{"get other's", "GET", "/v1/orders/" + od.ID, other, nil, 404, "not_found", nil},
		{"get unknown", "GET", "/v1/orders/ord_nope", tok, nil, 404, "not_found", nil},
		{"cancel other's", "POST", "/v1/orders/" + od.ID + "/cancel", other, nil, 404, "not_found", nil},
		{"list bad cursor", "GET", "/v1/orders?cursor=abc", tok, nil, 400, "invalid_cursor", []string{"cursor"}},
		{"list bad limit", "GET", "/v1/orders?limit=500", tok, nil, 400, "validation_failed", []string{"limit"}},
		{"place no lines", "POST", "/v1/orders", tok, map[string]any{"lines": []any{}, "payment_token": "tok_visa"}, 400, "validation_failed", []string{"lines"}},
		{"place bad quantity", "POST", "/v1/orders", tok, orderBody("p-0010", 0), 400, "validation_failed", []string{"lines[0].quantity"}},
		{"place unknown product", "POST", "/v1/orders", tok, orderBody("p-9999", 1), 400, "validation_failed", nil},
		{"place unknown member", "POST", "/v1/orders", tok, map[string]any{"lines": []any{}, "price": 1}, 400, "validation_failed", []string{"price"}},
		{"place without payment token", "POST", "/v1/orders", tok, map[string]any{"lines": []map[string]any{{"product_id": "p-0010", "quantity": 1}}}, 400, "validation_failed", []string{"payment_token"}},
		{"place without address", "POST", "/v1/orders", f.bareUser("noaddress"), orderBody("p-0010", 1), 400, "validation_failed", []string{"shipping_address"}},
		{"place with bad address", "POST", "/v1/orders", tok, map[string]any{"lines": []map[string]any{{"product_id": "p-0010", "quantity": 1}},
			"shipping_address": map[string]any{"name": "x", "line1": "y", "city": "z", "postal_code": "1", "country": "Germany"}, "payment_token": "tok_visa"}, 400, "validation_failed", []string{"shipping_address.country"}},
		{"place not json", "POST", "/v1/orders", tok, "lines=1", 400, "validation_failed", []string{"body"}},
		{"cancel own", "POST", "/v1/orders/" + od.ID + "/cancel", tok, nil, 200, "", nil},
		{"cancel twice (idempotent)", "POST", "/v1/orders/" + od.ID + "/cancel", tok, nil, 200, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := f.do(req{method: tt.method, path: tt.path, token: tt.token, body: tt.body})
			if r.status != tt.wantStatus {
				t.Fatalf("%s %s = %d %s, want %d", tt.method, tt.path, r.status, r.body, tt.wantStatus)
			}
			if tt.wantStatus >= 400 {
				if got := r.problemCode(t); got != tt.wantCode {
					t.Errorf("problem code = %q, want %q", got, tt.wantCode)
				}
				if tt.wantFields != nil {
					if got := strings.Join(r.fieldErrors(t), ","); got != strings.Join(tt.wantFields, ",") {
						t.Errorf("field errors = %q, want %q", got, strings.Join(tt.wantFields, ","))
					}
				}
			}
		})
	}
	t.Run("list pages newest first", func(t *testing.T) {
		for range 4 {
			f.do(req{method: "POST", path: "/v1/orders", token: tok, body: orderBody("p-0020", 1)})
		}
		var ids []string
		cursor := ""
		for range 10 {
			path := "/v1/orders?limit=2"
			if cursor != "" {
				path += "&cursor=" + cursor
			}
			var l OrderList
			f.do(req{method: "GET", path: path, token: tok}).json(t, &l)
			for _, o := range l.Items {
				ids = append(ids, o.ID+"@"+o.CreatedAt)
			}
			if cursor = l.NextCursor; cursor == "" {
				break
			}
		}
		if len(ids) != 5 || len(dupes(ids)) != 0 {
			t.Errorf("paged orders = %v, want 5 distinct", ids)
		}
	})
	t.Run("feed shows active orders", func(t *testing.T) {
		var fd Feed
		f.do(req{method: "GET", path: "/v1/feed", token: tok}).json(t, &fd)
		if len(fd.ActiveOrders) != 4 {
			t.Errorf("feed active orders = %d, want 4 (the cancelled one is not active)", len(fd.ActiveOrders))
		}
		for _, o := range fd.ActiveOrders {
			if o.Status == "cancelled" {
				t.Errorf("feed lists cancelled order %s", o.ID)
			}
		}
	})
}

func mustSKU(t *testing.T, f *fixture, id string) string {
	t.Helper()
	p, err := f.store.Catalog().GetProduct(context.Background(), id)
	if err != nil {
		t.Fatalf("GetProduct(%s): %v", id, err)
	}
	return p.SKU
}

func TestMe(t *testing.T) {
	f := newFixture(t, nil)
	tok := f.bareUser("profile")
	var me Me
	r := f.do(req{method: "GET", path: "/v1/me", token: tok})
	r.json(t, &me)
	if me.ID == "" || me.Email != "profile@example.com" || me.Language != "en" || me.Version != 1 {
		t.Errorf("GET /v1/me = %+v, want a new profile with the sign-in email", me)
	}
	if strings.Contains(string(r.body), "null") {
		t.Errorf("GET /v1/me has null: %s", r.body)
	}
	tests := []struct {
		name       string
		body       any
		wantStatus int
		wantFields []string
	}{
		{"name and language", map[string]any{"name": "Demo Person", "language": "de-AT", "newsletter": true}, 200, nil},
		{"bad language", map[string]any{"language": "x"}, 400, []string{"language"}},
		{"bad currency", map[string]any{"currency": "euro"}, 400, []string{"currency"}},
		{"bad email", map[string]any{"email": "not-an-email"}, 400, []string{"email"}},
		{"unknown member", map[string]any{"tier": "gold"}, 400, []string{"tier"}},
		{"wrong type", map[string]any{"newsletter": "yes"}, 400, []string{"newsletter"}},
		{"bad address", map[string]any{"addresses": []map[string]any{{"name": "x"}}}, 400, []string{"addresses[0].line1", "addresses[0].city", "addresses[0].postal_code", "addresses[0].country"}},
		{"empty body", "", 400, []string{"body"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := f.do(req{method: "PATCH", path: "/v1/me", token: tok, body: tt.body})
			if r.status != tt.wantStatus {
				t.Fatalf("PATCH /v1/me = %d %s, want %d", r.status, r.body, tt.wantStatus)
			}
			if tt.wantStatus == 400 {
				if got := strings.Join(r.fieldErrors(t), ","); got != strings.Join(tt.wantFields, ",") {
					t.Errorf("field errors = %q, want %q", got, strings.Join(tt.wantFields, ","))
				}
			}
		})
	}
	f.do(req{method: "GET", path: "/v1/me", token: tok}).json(t, &me)
	if demo := f.do(req{method: "GET", path: "/v1/me", token: f.login(demoUser, demoPassword).AccessToken}); demo.status != http.StatusOK {
		t.Errorf("GET /v1/me of the seeded demo customer = %d", demo.status)
	}
	if me.Name != "Demo Person" || me.Language != "de-AT" || !me.Newsletter || me.Currency != "EUR" || me.Version != 2 {
		t.Errorf("profile after PATCH = %+v, want the accepted change only", me)
	}
}

func TestDevices(t *testing.T) {
	f := newFixture(t, nil)
	a, b := f.newUser("deva"), f.newUser("devb")
	const tokA = "fcm:APA91bH-example_token-0001"
	tests := []struct {
		name       string
		method     string
		path       string
		user       string
		body       any
		header     map[string]string
		wantStatus int
		wantFields []string
	}{
		{"register", "PUT", "/v1/devices/" + tokA, a, map[string]any{"platform": "android", "app_version": "3.2.0"}, nil, 201, nil},
		{"register again", "PUT", "/v1/devices/" + tokA, a, map[string]any{"platform": "android", "app_version": "3.3.0"}, nil, 204, nil},
		{"platform from header", "PUT", "/v1/devices/apns-0a1b2c3d", a, nil, nil, 201, nil},
		{"bad platform", "PUT", "/v1/devices/t2", a, map[string]any{"platform": "web"}, nil, 400, []string{"platform"}},
		{"no platform", "PUT", "/v1/devices/t3", a, nil, map[string]string{HeaderPlatform: ""}, 400, []string{"platform"}},
		{"bad app version", "PUT", "/v1/devices/t4", a, map[string]any{"platform": "ios", "app_version": "new"}, nil, 400, []string{"app_version"}},
		{"too long token", "PUT", "/v1/devices/" + strings.Repeat("x", 5000), a, map[string]any{"platform": "ios"}, nil, 400, []string{"token"}},
		{"unknown member", "PUT", "/v1/devices/t5", a, map[string]any{"platform": "ios", "push": true}, nil, 400, []string{"push"}},
		{"other user cannot delete", "DELETE", "/v1/devices/" + tokA, b, nil, nil, 404, nil},
		{"owner deletes", "DELETE", "/v1/devices/" + tokA, a, nil, nil, 204, nil},
		{"delete again", "DELETE", "/v1/devices/" + tokA, a, nil, nil, 404, nil},
		{"token moves to the new user", "PUT", "/v1/devices/apns-0a1b2c3d", b, map[string]any{"platform": "ios"}, nil, 201, nil},
		{"old owner cannot delete it", "DELETE", "/v1/devices/apns-0a1b2c3d", a, nil, nil, 404, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := f.do(req{method: tt.method, path: tt.path, token: tt.user, body: tt.body, header: tt.header})
			if r.status != tt.wantStatus {
				t.Fatalf("%s %s = %d %s, want %d", tt.method, tt.path[:min(len(tt.path), 40)], r.status, r.body, tt.wantStatus)
			}
			if tt.wantFields != nil {
				if got := strings.Join(r.fieldErrors(t), ","); got != strings.Join(tt.wantFields, ",") {
					t.Errorf("field errors = %q, want %q", got, strings.Join(tt.wantFields, ","))
				}
			}
		})
	}
}

func TestFeedPartial(t *testing.T) {
	f := newFixture(t, map[string]string{"BFF_FAULTS": "orders=error:1"})
	tok := f.login(demoUser, demoPassword).AccessToken
	r := f.do(req{method: "GET", path: "/v1/feed", token: tok})
	if r.status != http.StatusOK {
		t.Fatalf("GET /v1/feed with failing orders = %d %s, want 200", r.status, r.body)
	}
	var fd Feed
	r.json(t, &fd)
	if strings.Join(fd.Partial, ",") != "orders" || len(fd.Featured) != defaultLimit || len(fd.Categories) == 0 {
		t.Errorf("feed = partial %v, %d featured, %d categories; want partial [orders] with the rest", fd.Partial, len(fd.Featured), len(fd.Categories))
	}
	if r.header.Get("ETag") != "" || !strings.Contains(r.header.Get("Cache-Control"), "no-store") {
		t.Errorf("partial feed ETag %q, Cache-Control %q; want no tag and no-store", r.header.Get("ETag"), r.header.Get("Cache-Control"))
	}

	g := newFixture(t, map[string]string{"BFF_FAULTS": "catalog=error:1"})
	tok = g.login(demoUser, demoPassword).AccessToken
	r = g.do(req{method: "GET", path: "/v1/feed", token: tok})
	if r.status != http.StatusBadGateway || r.problemCode(t) != "dependency_unavailable" {
		t.Errorf("GET /v1/feed with failing catalog = %d %s, want 502 dependency_unavailable", r.status, r.body)
	}
}
