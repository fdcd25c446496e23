package app_test

import (
	"bffsuite.dev/shared/imports"
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"bffsuite.dev/bff-partner/app"
	"bffsuite.dev/shared/apidocs"
	"bffsuite.dev/shared/openapi"
	"bffsuite.dev/shared/ratelimit"
	"bffsuite.dev/shared/testenv"
)

// TestRateLimit: a burst over the partner's tier gets 429 with Retry-After and RateLimit
// headers; a partner of a larger tier sending the same burst gets none.
func TestRateLimit(t *testing.T) {
	now := time.Unix(1_900_000_000, 0)
	clock := func() time.Time { return now } // frozen: no refill during the burst
	e := newEnv(t, testVars(nil), app.Deps{Now: clock})
	small, gold := e.token("bronze-client"), e.token("acme-client")

	t.Run("burst over the bronze tier", func(t *testing.T) {
		var statuses []int
		var limited resp
		for range 8 {
			r := e.do(req{method: "GET", path: "/v1/products?limit=1", token: small})
			statuses = append(statuses, r.Status)
			if r.Status == http.StatusTooManyRequests && limited.Status == 0 {
				limited = r
			}
		}
		want := []int{200, 200, 200, 200, 200, 429, 429, 429} // bronze in tests: burst 5
		if fmt.Sprint(statuses) != fmt.Sprint(want) {
			t.Fatalf("8 requests at once = %v, want %v", statuses, want)
		}
		if ra, err := strconv.Atoi(limited.Header.Get("Retry-After")); err != nil || ra < 1 {
			t.Errorf("429 Retry-After = %q, want a positive number of seconds", limited.Header.Get("Retry-After"))
		}
		if limited.code(t) != ratelimit.CodeRateLimited || limited.Header.Get("RateLimit-Policy") != `"bronze";q=5;w=5` ||
			!strings.HasPrefix(limited.Header.Get("RateLimit"), `"bronze";r=0;`) {
			t.Errorf("429 = %s RateLimit-Policy %q RateLimit %q, want rate_limited with the bronze policy and r=0",
				limited.Body, limited.Header.Get("RateLimit-Policy"), limited.Header.Get("RateLimit"))
		}
	})
	t.Run("same burst under the gold tier", func(t *testing.T) {
		for i := range 8 {
			r := e.do(req{method: "GET", path: "/v1/products?limit=1", token: gold})
			if r.Status != 200 || r.Header.Get("RateLimit") == "" {
				t.Fatalf("gold request %d = %d RateLimit %q, want 200 with RateLimit", i+1, r.Status, r.Header.Get("RateLimit"))
			}
		}
	})
	t.Run("refill after Retry-After", func(t *testing.T) {
		now = now.Add(time.Second)
		if r := e.do(req{method: "GET", path: "/v1/products?limit=1", token: small}); r.Status != 200 {
			t.Errorf("bronze request after 1 s = %d, want 200", r.Status)
		}
	})
}

// TestOpenAPIMatchesRouter: every route is documented and every documented operation served.
func TestOpenAPIMatchesRouter(t *testing.T) {
	e := newEnv(t, testVars(nil), app.Deps{})
	if err := doc.CheckRoutes(e.engine.Routes(), "/local-idp/", "/oauth2/token", "/healthz", "/readyz", imports.DirPathPrefix); err != nil {
		t.Error(err)
	}
	r := e.do(req{method: "GET", path: "/v1/openapi.json"})
	if r.Status != 200 || !bytes.Equal(r.Body, app.OpenAPIDocument) {
		t.Errorf("GET /v1/openapi.json = %d (%d bytes), want 200 with the embedded document", r.Status, len(r.Body))
	}
}

// TestDeprecation: a route marked deprecated announces it in headers and in the document.
func TestDeprecation(t *testing.T) {
	e := newEnv(t, testVars(map[string]string{
		"BFF_PARTNER_DEPRECATIONS": "GET /v1/inventory|2026-12-01|2027-06-01",
	}), app.Deps{})
	e.validate = false // the served document differs from the embedded one here
	tok := e.token("acme-client")
	r := e.do(req{method: "GET", path: "/v1/inventory?skus=HEA-AUR-0002", token: tok})
	if r.Status != 200 || r.Header.Get("Deprecation") != "@1796083200" || r.Header.Get("Sunset") != "Tue, 01 Jun 2027 00:00:00 GMT" ||
		!strings.Contains(r.Header.Get("Link"), `rel="deprecation"`) {
		t.Errorf("GET deprecated route = %d Deprecation %q Sunset %q Link %q, want 200 @1796083200, Tue, 01 Jun 2027 00:00:00 GMT and a deprecation link",
			r.Status, r.Header.Get("Deprecation"), r.Header.Get("Sunset"), r.Header.Get("Link"))
	}
	if r := e.do(req{method: "GET", path: "/v1/products?limit=1", token: tok}); r.Header.Get("Deprecation") != "" {
		t.Errorf("GET /v1/products Deprecation = %q, want none", r.Header.Get("Deprecation"))
	}
	served := e.do(req{method: "GET", path: "/v1/openapi.json"})
	var d struct {
		Paths map[string]map[string]struct {
			Deprecated bool `json:"deprecated"`
		} `json:"paths"`
	}
	served.json(t, &d)
	if !d.Paths["/v1/inventory"]["get"].Deprecated || d.Paths["/v1/products"]["get"].Deprecated {
		t.Errorf("served document deprecated flags: inventory %v, products %v, want true, false",
			d.Paths["/v1/inventory"]["get"].Deprecated, d.Paths["/v1/products"]["get"].Deprecated)
	}
	if _, err := openapi.Load(served.Body); err != nil {
		t.Errorf("served document does not load: %v", err)
	}

	t.Run("scope prefix", func(t *testing.T) {
		e := newEnv(t, testVars(map[string]string{"BFF_PARTNER_SCOPE_PREFIX": "https://api.example.com/partner"}), app.Deps{})
		served := e.do(req{method: "GET", path: "/v1/openapi.json"})
		var d struct {
			Paths map[string]map[string]struct {
				Security []map[string][]string
			} `json:"paths"`
		}
		served.json(t, &d)
		if got := d.Paths["/v1/products"]["get"].Security[0]["partnerOAuth"]; len(got) != 1 || got[0] != "https://api.example.com/partner/catalog.read" {
			t.Errorf("served document scope of listProducts = %v, want https://api.example.com/partner/catalog.read", got)
		}
		tok := e.token("acme-client") // scopes under partner-api/: the wrong resource server here
		if r := e.do(req{method: "GET", path: "/v1/products", token: tok}); r.Status != 403 {
			t.Errorf("GET /v1/products with scopes of another resource server = %d, want 403", r.Status)
		}
	})
}

// TestLocalOnboarding: with the defaults `make run` uses, the demo partner gets a token from
// POST /oauth2/token and lists products, as the devstack banner's curl line does.
func TestLocalOnboarding(t *testing.T) {
	e := newEnv(t, map[string]string{"BFF_LOG_LEVEL": "error", "BFF_LOCAL_IDP_KEY_FILE": keyFile, "BFF_LOCAL_IDP_CLIENT_ID": "local-partner-portal"}, app.Deps{})
	hr := httptest.NewRequest(http.MethodPost, "/oauth2/token", strings.NewReader("grant_type=client_credentials"))
	hr.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	hr.SetBasicAuth("demo-partner", "demo-partner-secret")
	w := httptest.NewRecorder()
	e.engine.ServeHTTP(w, hr)
	var tok struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &tok); w.Code != 200 || err != nil || tok.TokenType != "Bearer" {
		t.Fatalf("POST /oauth2/token = %d %s, want 200 with a Bearer token", w.Code, w.Body)
	}
	r := e.do(req{method: "GET", path: "/v1/products?limit=3", token: tok.AccessToken})
	var p app.ProductPage
	r.json(t, &p)
	if r.Status != 200 || len(p.Items) != 3 {
		t.Errorf("GET /v1/products?limit=3 as demo-partner = %d with %d items, want 200 with 3", r.Status, len(p.Items))
	}
	if r := e.do(req{method: "GET", path: "/v1/orders?limit=1", token: tok.AccessToken}); r.Status != 200 {
		t.Errorf("GET /v1/orders as demo-partner = %d %s, want 200", r.Status, r.Body)
	}
}

// TestDocsPage renders GET /docs in headless Chromium: every documented operation appears.
func TestDocsPage(t *testing.T) {
	e := newEnv(t, testVars(nil), app.Deps{})
	srv := httptest.NewServer(e.engine)
	defer srv.Close()
	page := testenv.DumpDOM(t, srv.URL+"/docs")
	if len(doc.Operations()) < 9 {
		t.Fatalf("document has %d operations, want at least 9", len(doc.Operations()))
	}
	if err := apidocs.CheckPage(page, app.OpenAPIDocument); err != nil {
		t.Errorf("rendered /docs: %v", err)
	}
	for _, want := range []string{"Authentication", "/oauth2/token", "partner-api/orders.write", `id="schema-Order"`, "Idempotency-Key"} {
		if !strings.Contains(page, want) {
			t.Errorf("rendered /docs lacks %q", want)
		}
	}
}
