package app

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"bffsuite.dev/shared/openapi"
)

func loadDoc(t *testing.T) *openapi.Doc {
	t.Helper()
	doc, err := openapi.Load(OpenAPIDocument)
	if err != nil {
		t.Fatalf("openapi.Load: %v", err)
	}
	return doc
}

func TestOpenAPIRoutes(t *testing.T) {
	f := newFixture(t, nil)
	if err := loadDoc(t).CheckRoutes(f.engine.Routes(), "/local-idp/"); err != nil {
		t.Errorf("CheckRoutes: %v", err)
	}
	r := f.do(req{method: "GET", path: "/openapi.json"})
	if r.status != http.StatusOK || string(r.body) != string(OpenAPIDocument) {
		t.Errorf("GET /openapi.json = %d, want 200 and the embedded document", r.status)
	}
}

// TestOpenAPIResponses runs every operation with success and failure cases and validates each
// real response against the document (plus whatever other tests of this run recorded).
func TestOpenAPIResponses(t *testing.T) {
	doc := loadDoc(t)
	f := newFixture(t, nil)
	tok := f.newUser("openapi")
	tk := f.login("openapi@example.com", demoPassword)
	placed := f.do(req{method: "POST", path: "/v1/orders", token: tok, body: orderBody("p-0007", 1), header: map[string]string{"Idempotency-Key": "oa-1"}})
	var od OrderDetail
	placed.json(t, &od)
	var list ProductList
	f.do(req{method: "GET", path: "/v1/products?limit=3", token: tok}).json(t, &list)
	steps := []req{
		{method: "GET", path: "/healthz"},
		{method: "GET", path: "/readyz"},
		{method: "GET", path: "/v1/feed", token: tok},
		{method: "GET", path: "/v1/feed?fields=name", token: tok},
		{method: "GET", path: "/v1/products?cursor=" + list.NextCursor, token: tok},
		{method: "GET", path: "/v1/products?category=nothing", token: tok},
		{method: "GET", path: "/v1/products/p-0001", token: tok},
		{method: "GET", path: "/v1/products/p-0001", token: tok, header: map[string]string{"If-None-Match": "*"}},
		{method: "GET", path: "/v1/products/p-9999", token: tok},
		{method: "GET", path: "/v1/products?limit=99", token: tok},
		{method: "GET", path: "/v1/me", token: tok},
		{method: "PATCH", path: "/v1/me", token: tok, body: map[string]any{"newsletter": true}},
		{method: "GET", path: "/v1/orders", token: tok},
		{method: "GET", path: "/v1/orders/" + od.ID, token: tok},
		{method: "POST", path: "/v1/orders", token: tok, body: orderBody("p-0007", 1), header: map[string]string{"Idempotency-Key": "oa-1"}},
		{method: "POST", path: "/v1/orders", token: tok, body: orderBody("p-0008", 1), header: map[string]string{"Idempotency-Key": "oa-1"}},
		{method: "POST", path: "/v1/orders/" + od.ID + "/cancel", token: tok},
		{method: "POST", path: "/v1/orders/" + od.ID + "/cancel", token: tok},
		{method: "PUT", path: "/v1/devices/tok-openapi", token: tok, body: map[string]any{"platform": "ios"}},
		{method: "DELETE", path: "/v1/devices/tok-openapi", token: tok},
		{method: "GET", path: "/v1/me"},
		{method: "POST", path: "/v1/auth/refresh", body: map[string]string{"refresh_token": tk.RefreshToken}},
		{method: "POST", path: "/v1/auth/signup", body: map[string]string{"email": "oa.new@example.com", "password": "Str0ng-Passw0rd!"}},
		{method: "POST", path: "/v1/auth/confirm", body: map[string]string{"email": "oa.new@example.com", "code": "123456"}},
		{method: "POST", path: "/v1/auth/logout", body: map[string]string{"refresh_token": tk.RefreshToken}},
		{method: "POST", path: "/v1/auth/login", body: map[string]string{"username": "x@example.com", "password": "nope"}},
		{method: "GET", path: "/v1/nothing", token: tok},
		{method: "DELETE", path: "/v1/feed", token: tok},
	}
	for _, s := range steps {
		f.do(s)
	}
	old := *f
	old.version = "0.1.0"
	old.do(req{method: "GET", path: "/v1/feed", token: tok})

	all := captured.all()
	if len(all) < len(steps) {
		t.Fatalf("captured %d responses, want at least %d", len(all), len(steps))
	}
	statuses := map[int]bool{}
	for _, c := range all {
		statuses[c.status] = true
		hr := httptest.NewRequest(c.method, c.path, nil)
		if _, ok := doc.Find(c.method, strings.SplitN(c.path, "?", 2)[0]); !ok && c.status != http.StatusNotFound && c.status != http.StatusMethodNotAllowed {
			t.Errorf("%s %s is not documented", c.method, c.path)
			continue
		}
		if c.status == http.StatusNotFound || c.status == http.StatusMethodNotAllowed {
			if _, ok := doc.Find(c.method, strings.SplitN(c.path, "?", 2)[0]); !ok {
				continue // unrouted: no operation to check against
			}
		}
		if err := doc.ValidateHTTP(hr, c.status, c.header, c.body); err != nil {
			t.Errorf("%s %s → %d does not match the document: %v\n%s", c.method, c.path, c.status, err, c.body)
		}
	}
	for _, want := range []int{200, 201, 204, 304, 400, 401, 404, 409, 422, 426} {
		if !statuses[want] {
			t.Errorf("no %d response was validated", want)
		}
	}
}
