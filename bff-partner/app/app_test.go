package app_test

import (
	"bffsuite.dev/shared/checkout"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"bffsuite.dev/bff-partner/app"
	"bffsuite.dev/shared/idempotency"
	"bffsuite.dev/shared/identity/localidp"
	"bffsuite.dev/shared/orders"
)

// placeOrder places testdata/order.json as client and returns the order.
func placeOrder(t *testing.T, e *env, client, key string) app.Order {
	t.Helper()
	r := e.do(req{method: "POST", path: "/v1/orders", token: e.token(client), key: key, body: readFile(t, "order.json")})
	if r.Status != http.StatusCreated {
		t.Fatalf("POST /v1/orders as %s = %d %s, want 201", client, r.Status, r.Body)
	}
	var o app.Order
	r.json(t, &o)
	return o
}

// TestScopes: every route without its scope is 403 insufficient_scope, with only its scope 2xx.
func TestScopes(t *testing.T) {
	e := newEnv(t, testVars(nil), app.Deps{})
	e.stockUp(t)
	own := placeOrder(t, e, "acme-client", "scope-setup")
	all := []string{app.ScopeCatalogRead, app.ScopeInventoryRead, app.ScopeOrdersRead, app.ScopeOrdersWrite}
	routes := []struct {
		method, path, scope, body string
		want                      int
	}{
		{"GET", "/v1/products?limit=2", app.ScopeCatalogRead, "", 200},
		{"GET", "/v1/products/HEA-AUR-0002", app.ScopeCatalogRead, "", 200},
		{"GET", "/v1/inventory?skus=HEA-AUR-0002,HEA-NOR-0004", app.ScopeInventoryRead, "", 200},
		{"POST", "/v1/orders", app.ScopeOrdersWrite, readFile(t, "order.json"), 201},
		{"GET", "/v1/orders?limit=5", app.ScopeOrdersRead, "", 200},
		{"GET", "/v1/orders/" + own.ID, app.ScopeOrdersRead, "", 200},
		{"POST", "/v1/orders/" + own.ID + "/cancel", app.ScopeOrdersWrite, "", 200},
	}
	for i, rt := range routes {
		t.Run(rt.method+" "+rt.path, func(t *testing.T) {
			others := slices.DeleteFunc(slices.Clone(all), func(s string) bool { return s == rt.scope })
			key := ""
			if rt.method == "POST" {
				key = "scope-" + strconv.Itoa(i)
			}
			without := e.do(req{method: rt.method, path: rt.path, token: e.token("acme-client", others...), key: key + "-denied", body: rt.body})
			if without.Status != http.StatusForbidden || without.code(t) != "insufficient_scope" {
				t.Errorf("%s %s without %s = %d %s, want 403 insufficient_scope", rt.method, rt.path, rt.scope, without.Status, without.Body)
			}
			with := e.do(req{method: rt.method, path: rt.path, token: e.token("acme-client", rt.scope), key: key, body: rt.body})
			if with.Status != rt.want {
				t.Errorf("%s %s with only %s = %d %s, want %d", rt.method, rt.path, rt.scope, with.Status, with.Body, rt.want)
			}
		})
	}
}

// TestPartnerAccess: who may call at all.
func TestPartnerAccess(t *testing.T) {
	e := newEnv(t, testVars(nil), app.Deps{})
	user, err := e.platform.LocalIdP.SignIn(context.Background(), localidp.DemoUser, "Demo-Passw0rd!")
	if err != nil {
		t.Fatalf("SignIn(demo user) = %v", err)
	}
	tests := []struct {
		name, token string
		want        int
		wantCode    string
	}{
		{"no token", "", 401, "unauthenticated"},
		{"garbage token", "not-a-jwt", 401, "invalid_token"},
		{"user token", user.AccessToken, 403, "forbidden"},
		{"client not in the registry", e.token("stranger-client"), 403, app.CodePartnerUnknown},
		{"suspended partner", e.token("suspended-client"), 403, app.CodePartnerSuspended},
		{"active partner", e.token("acme-client"), 200, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := e.do(req{method: "GET", path: "/v1/products?limit=1", token: tc.token})
			if r.Status != tc.want {
				t.Fatalf("GET /v1/products (%s) = %d %s, want %d", tc.name, r.Status, r.Body, tc.want)
			}
			if tc.wantCode != "" {
				if got := r.code(t); got != tc.wantCode {
					t.Errorf("GET /v1/products (%s) code = %s, want %s", tc.name, got, tc.wantCode)
				}
				if r.Header.Get("Content-Type") != "application/problem+json" || r.Header.Get("X-Correlation-ID") == "" {
					t.Errorf("GET /v1/products (%s) Content-Type %q correlation %q, want problem+json with a correlation ID",
						tc.name, r.Header.Get("Content-Type"), r.Header.Get("X-Correlation-ID"))
				}
			}
		})
	}
}

// TestTenantIsolation: partner B cannot read, list or cancel partner A's order, and cannot
// tell it from a missing one.
func TestTenantIsolation(t *testing.T) {
	e := newEnv(t, testVars(nil), app.Deps{})
	e.stockUp(t)
	a := placeOrder(t, e, "acme-client", "iso-1")
	b := e.token("globex-client")
	missing := "ord_doesnotexist000000000000000"

	t.Run("read", func(t *testing.T) {
		other := e.do(req{method: "GET", path: "/v1/orders/" + a.ID, token: b})
		none := e.do(req{method: "GET", path: "/v1/orders/" + missing, token: b})
		if other.Status != 404 || none.Status != 404 {
			t.Fatalf("GET other partner's order, missing order = %d, %d, want 404, 404", other.Status, none.Status)
		}
		if strip(other.Body, a.ID) != strip(none.Body, missing) {
			t.Errorf("404 bodies differ:\n%s\n%s\nwant the same apart from the id and correlation", other.Body, none.Body)
		}
	})
	t.Run("list", func(t *testing.T) {
		cur := ""
		for page := 0; page < 50; page++ {
			r := e.do(req{method: "GET", path: "/v1/orders?limit=100&cursor=" + cur, token: b})
			if r.Status != 200 {
				t.Fatalf("GET /v1/orders = %d %s", r.Status, r.Body)
			}
			var p app.OrderPage
			r.json(t, &p)
			for _, o := range p.Items {
				if o.ID == a.ID {
					t.Fatalf("partner B's list contains partner A's order %s", a.ID)
				}
			}
			if !p.HasMore {
				break
			}
			cur = p.NextCursor
		}
		var mine app.OrderPage
		e.do(req{method: "GET", path: "/v1/orders?limit=100", token: e.token("acme-client")}).json(t, &mine)
		if !slices.ContainsFunc(mine.Items, func(o app.Order) bool { return o.ID == a.ID }) {
			t.Errorf("partner A's list lacks its own order %s", a.ID)
		}
	})
	t.Run("cancel", func(t *testing.T) {
		r := e.do(req{method: "POST", path: "/v1/orders/" + a.ID + "/cancel", token: b, key: "iso-cancel"})
		if r.Status != 404 {
			t.Fatalf("partner B cancelling A's order = %d %s, want 404", r.Status, r.Body)
		}
		waitCheckout(t, e)
		o, err := e.platform.Orders.GetOrder(context.Background(), a.ID)
		if err != nil || o.Status != orders.StatusConfirmed {
			t.Errorf("order after B's cancel = %s, %v, want CONFIRMED (by checkout, not cancelled)", o.Status, err)
		}
	})
}

// strip removes the volatile parts of a problem body (the id in instance, the correlation and
// trace IDs) and returns the rest in canonical JSON.
func strip(body []byte, id string) string {
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		return string(body)
	}
	delete(m, "correlation_id")
	delete(m, "trace_id")
	if inst, ok := m["instance"].(string); ok {
		m["instance"] = strings.ReplaceAll(inst, id, "ID")
	}
	b, _ := json.Marshal(m)
	return string(b)
}

func TestOrderLifecycle(t *testing.T) {
	e := newEnv(t, testVars(nil), app.Deps{})
	e.stockUp(t)
	tok := e.token("acme-client")
	o := placeOrder(t, e, "acme-client", "life-1")
	t.Run("placed order", func(t *testing.T) {
		if o.Status != "pending" || len(o.Lines) != 2 || o.ItemCount != 3 || o.Total.Currency != "EUR" ||
			o.Total.Amount != o.Subtotal.Amount+o.Shipping.Amount {
			t.Errorf("placed order = %+v, want pending, 2 lines, 3 items, total = subtotal + shipping in EUR", o)
		}
	})
	t.Run("get", func(t *testing.T) {
		var got app.Order
		e.do(req{method: "GET", path: "/v1/orders/" + o.ID, token: tok}).json(t, &got)
		if got.ID != o.ID || got.Total != o.Total {
			t.Errorf("GET order = %+v, want %+v", got, o)
		}
	})
	t.Run("list by status", func(t *testing.T) {
		waitCheckout(t, e) // on account: checkout skips payment and confirms the order
		var p app.OrderPage
		e.do(req{method: "GET", path: "/v1/orders?status=confirmed&limit=100", token: tok}).json(t, &p)
		if !slices.ContainsFunc(p.Items, func(x app.Order) bool { return x.ID == o.ID }) {
			t.Errorf("confirmed list lacks %s", o.ID)
		}
		for _, x := range p.Items {
			if x.Status != "confirmed" {
				t.Errorf("status=confirmed list has %s in status %s", x.ID, x.Status)
			}
		}
	})
	t.Run("cancel twice", func(t *testing.T) {
		for i, key := range []string{"cancel-1", "cancel-2"} {
			r := e.do(req{method: "POST", path: "/v1/orders/" + o.ID + "/cancel", token: tok, key: key})
			var got app.Order
			r.json(t, &got)
			if r.Status != 200 || got.Status != "cancelled" {
				t.Errorf("cancel #%d = %d %s, want 200 cancelled", i+1, r.Status, got.Status)
			}
		}
	})
	t.Run("cancel without key", func(t *testing.T) {
		r := e.do(req{method: "POST", path: "/v1/orders/" + o.ID + "/cancel", token: tok})
		if r.Status != 400 || r.code(t) != idempotency.CodeKeyMissing {
			t.Errorf("cancel without Idempotency-Key = %d %s, want 400 %s", r.Status, r.Body, idempotency.CodeKeyMissing)
		}
	})
}

// TestValidation: bad input is a 400 naming the field.
func TestValidation(t *testing.T) {
	e := newEnv(t, testVars(nil), app.Deps{})
	tok := e.token("acme-client")
	many := make([]string, 101)
	for i := range many {
		many[i] = fmt.Sprintf("SKU-%03d", i)
	}
	order := func(s string) string { return s }
	tests := []struct {
		name, method, path, body, key string
		wantCode, wantField           string
	}{
		{"limit zero", "GET", "/v1/products?limit=0", "", "", "validation_failed", "limit"},
		{"limit too big", "GET", "/v1/products?limit=101", "", "", "validation_failed", "limit"},
		{"limit not a number", "GET", "/v1/orders?limit=ten", "", "", "validation_failed", "limit"},
		{"updated_since not RFC 3339", "GET", "/v1/products?updated_since=yesterday", "", "", "validation_failed", "updated_since"},
		{"tampered cursor", "GET", "/v1/products?cursor=abc.def", "", "", "invalid_cursor", ""},
		{"orders cursor on another list", "GET", "/v1/orders?status=pending&cursor=abc.def", "", "", "invalid_cursor", ""},
		{"status upper case", "GET", "/v1/orders?status=PENDING", "", "", "validation_failed", "status"},
		{"status unknown", "GET", "/v1/orders?status=lost", "", "", "validation_failed", "status"},
		{"inventory without skus", "GET", "/v1/inventory", "", "", "validation_failed", "skus"},
		{"inventory with 101 skus", "GET", "/v1/inventory?skus=" + strings.Join(many, ","), "", "", "validation_failed", "skus"},
		{"inventory with a bad sku", "GET", "/v1/inventory?skus=ok,bad%23sku", "", "", "validation_failed", "skus[1]"},
		{"order without lines", "POST", "/v1/orders", order(`{"lines":[],"shipping_address":{"name":"a","line1":"b","city":"c","postal_code":"1","country":"DE"}}`), "v-1", "validation_failed", "lines"},
		{"order line quantity 0", "POST", "/v1/orders", order(`{"lines":[{"sku":"HEA-AUR-0002","quantity":0}],"shipping_address":{"name":"a","line1":"b","city":"c","postal_code":"1","country":"DE"}}`), "v-2", "validation_failed", "lines[0].quantity"},
		{"order line without sku", "POST", "/v1/orders", order(`{"lines":[{"quantity":1}],"shipping_address":{"name":"a","line1":"b","city":"c","postal_code":"1","country":"DE"}}`), "v-3", "validation_failed", "lines[0].sku"},
		{"order unknown sku", "POST", "/v1/orders", order(`{"lines":[{"sku":"NOPE","quantity":1}],"shipping_address":{"name":"a","line1":"b","city":"c","postal_code":"1","country":"DE"}}`), "v-4", "validation_failed", "lines[0].sku"},
		{"order bad country", "POST", "/v1/orders", order(`{"lines":[{"sku":"HEA-AUR-0002","quantity":1}],"shipping_address":{"name":"a","line1":"b","city":"c","postal_code":"1","country":"Germany"}}`), "v-5", "validation_failed", "shipping_address.country"},
		{"order unknown member", "POST", "/v1/orders", order(`{"lines":[{"sku":"HEA-AUR-0002","quantity":1}],"price":1,"shipping_address":{"name":"a","line1":"b","city":"c","postal_code":"1","country":"DE"}}`), "v-6", "validation_failed", "price"},
		{"order wrong type", "POST", "/v1/orders", order(`{"lines":[{"sku":"HEA-AUR-0002","quantity":"one"}],"shipping_address":{"name":"a","line1":"b","city":"c","postal_code":"1","country":"DE"}}`), "v-7", "validation_failed", "lines.quantity"},
		{"order not JSON", "POST", "/v1/orders", order(`{"lines":`), "v-8", "bad_request", ""},
		{"order without key", "POST", "/v1/orders", readFile(t, "order.json"), "", idempotency.CodeKeyMissing, "Idempotency-Key"},
		{"order with an invalid key", "POST", "/v1/orders", readFile(t, "order.json"), strings.Repeat("k", 300), idempotency.CodeKeyInvalid, "Idempotency-Key"},
		{"unknown product sku", "GET", "/v1/products/NOPE-0000", "", "", "not_found", ""},
		{"unknown route", "GET", "/v1/nothing", "", "", "not_found", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := e.do(req{method: tc.method, path: tc.path, token: tok, body: tc.body, key: tc.key})
			var p struct {
				Status int    `json:"status"`
				Code   string `json:"code"`
				Errors []struct {
					Field string `json:"field"`
				} `json:"errors"`
			}
			r.json(t, &p)
			if r.Status < 400 || p.Code != tc.wantCode || p.Status != r.Status {
				t.Fatalf("%s %s = %d %s, want code %s", tc.method, tc.path, r.Status, r.Body, tc.wantCode)
			}
			if tc.wantField != "" && !slices.ContainsFunc(p.Errors, func(f struct {
				Field string `json:"field"`
			}) bool {
				return f.Field == tc.wantField
			}) {
				t.Errorf("%s %s errors = %s, want one naming %s", tc.method, tc.path, r.Body, tc.wantField)
			}
		})
	}
	t.Run("wrong content type", func(t *testing.T) {
		r := e.do(req{method: "POST", path: "/v1/orders", token: tok, key: "v-ct", body: readFile(t, "order.json"), header: map[string]string{"Content-Type": "text/plain"}})
		if r.Status != http.StatusUnsupportedMediaType {
			t.Errorf("POST text/plain = %d, want 415", r.Status)
		}
	})
}

func TestInventory(t *testing.T) {
	e := newEnv(t, testVars(nil), app.Deps{})
	r := e.do(req{method: "GET", path: "/v1/inventory?skus=HEA-NOR-0004,NOPE-1,HEA-SON-0001,HEA-NOR-0004", token: e.token("acme-client")})
	var inv app.Inventory
	r.json(t, &inv)
	want := []app.InventoryItem{{SKU: "HEA-NOR-0004", Available: 59, Availability: "in_stock"}, {SKU: "HEA-SON-0001", Available: 1, Availability: "low_stock"}}
	if r.Status != 200 || len(inv.Items) != 2 || !slices.Equal(inv.Missing, []string{"NOPE-1"}) {
		t.Fatalf("GET /v1/inventory = %d %s, want 2 items and NOPE-1 missing", r.Status, r.Body)
	}
	for i, w := range want {
		got := inv.Items[i]
		if got.SKU != w.SKU || got.Available != w.Available || got.Availability != w.Availability {
			t.Errorf("inventory item %d = %+v, want %+v", i, got, w)
		}
	}
}

// TestProductsContract: the shape partners rely on.
func TestProductsContract(t *testing.T) {
	e := newEnv(t, testVars(nil), app.Deps{})
	r := e.do(req{method: "GET", path: "/v1/products/HEA-AUR-0002", token: e.token("acme-client")})
	var p map[string]any
	r.json(t, &p)
	price, _ := p["price"].(map[string]any)
	if _, isFloat := price["amount"].(float64); !isFloat || price["currency"] != "EUR" || p["sku"] != "HEA-AUR-0002" {
		t.Errorf("GET product = %s, want sku and integer minor-unit price with currency", r.Body)
	}
	if s, _ := p["updated_at"].(string); !strings.HasSuffix(s, "Z") {
		t.Errorf("updated_at = %v, want an RFC 3339 UTC timestamp", p["updated_at"])
	}
	for _, internal := range []string{"id", "stock", "rating", "slug"} {
		if _, ok := p[internal]; ok {
			t.Errorf("GET product has internal member %q: %s", internal, r.Body)
		}
	}
}

// waitCheckout waits until every checkout started in process has ended.
func waitCheckout(t *testing.T, e *env) {
	t.Helper()
	ip, ok := e.platform.Checkout.(*checkout.InProcess)
	if !ok {
		t.Fatalf("checkout starter = %T, want the in-process runner", e.platform.Checkout)
	}
	ip.Wait()
}
