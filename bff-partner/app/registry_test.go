package app_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"bffsuite.dev/bff-partner/app"
	"bffsuite.dev/shared/config"
	"bffsuite.dev/shared/identity/localidp"
	"bffsuite.dev/shared/partners"
	"bffsuite.dev/shared/platform"
	"bffsuite.dev/shared/store/embedded"
)

type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// TestRegistryAtRunTime runs bff-partner as on AWS (a user pool issuer with its JWKS, no
// BFF_COGNITO_CLIENT_IDS) over an empty registry: it starts, and a partner written to the
// registry afterwards - as `bffdeploy partner add` does - is served within the cache TTL
// without a restart; its suspension bites within the TTL as well.
func TestRegistryAtRunTime(t *testing.T) {
	issuer := "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_RegistryPool"
	idp, err := localidp.New(localidp.Config{Issuer: issuer, KeyFile: keyFile, PartnersFile: "testdata/idp_partners.json"},
		slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{
		"AWS_REGION": "eu-west-1", "BFF_COGNITO_USER_POOL_ID": "eu-west-1_RegistryPool",
		"BFF_COGNITO_ISSUER": issuer, "BFF_COGNITO_JWKS": string(idp.JWKS()),
		"BFF_LOG_LEVEL": "error", "BFF_PARTNER_CACHE_TTL": "30s",
	}
	var cfg app.Config
	if err := config.LoadFrom(func(n string) (string, bool) { v, ok := vars[n]; return v, ok }, &cfg); err != nil {
		t.Fatalf("config.LoadFrom(no BFF_COGNITO_CLIENT_IDS) = %v, want nil", err)
	}
	if _, err := platform.Open(context.Background(), "bff-partner", cfg.Platform); err == nil || !strings.Contains(err.Error(), "BFF_COGNITO_CLIENT_IDS") {
		t.Errorf("platform.Open(Platform without the registry flag) = %v, want the BFF_COGNITO_CLIENT_IDS error", err)
	}
	p, err := platform.Open(context.Background(), "bff-partner", cfg.PlatformConfig())
	if err != nil {
		t.Fatalf("platform.Open(PlatformConfig) with zero partners = %v, want nil", err)
	}
	reg, err := embedded.NewPartners(nil)
	if err != nil {
		t.Fatal(err)
	}
	clk := &testClock{t: time.Now()}
	a, err := app.New(context.Background(), cfg, p, app.Deps{Partners: reg, Now: clk.now})
	if err != nil {
		t.Fatalf("app.New(zero partners) = %v", err)
	}
	token := func(client string) string {
		t.Helper()
		r := httptest.NewRequest(http.MethodPost, "/oauth2/token", strings.NewReader("grant_type=client_credentials"))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.SetBasicAuth(client, strings.TrimSuffix(client, "-client")+"-secret")
		w := httptest.NewRecorder()
		idp.TokenHandler().ServeHTTP(w, r)
		var out struct {
			AccessToken string `json:"access_token"`
		}
		if err := json.Unmarshal(w.Body.Bytes(), &out); err != nil || out.AccessToken == "" {
			t.Fatalf("token of %s = %d %s", client, w.Code, w.Body)
		}
		return out.AccessToken
	}
	get := func(path, tok string) (int, string) {
		t.Helper()
		r := httptest.NewRequest(http.MethodGet, path, nil)
		if tok != "" {
			r.Header.Set("Authorization", "Bearer "+tok)
		}
		w := httptest.NewRecorder()
		a.ServeHTTP(w, r)
		var pb struct {
			Code string `json:"code"`
		}
		_ = json.Unmarshal(w.Body.Bytes(), &pb)
		return w.Code, pb.Code
	}
	if code, _ := get("/healthz", ""); code != 200 {
		t.Fatalf("GET /healthz with zero partners = %d, want 200", code)
	}
	acme := token("acme-client")
	if code, pc := get("/v1/products?limit=1", acme); code != 403 || pc != app.CodePartnerUnknown {
		t.Errorf("GET /v1/products before add = %d %s, want 403 %s", code, pc, app.CodePartnerUnknown)
	}

	// bffdeploy partner add writes the record; the negative cache entry expires within the TTL.
	rec := partners.Partner{ID: "partner-acme", Name: "Acme", ClientID: "acme-client", RateTier: "gold", Status: partners.StatusActive,
		Scopes: []string{"partner-api/catalog.read", "partner-api/inventory.read"}}
	if err := reg.Create(context.Background(), rec); err != nil {
		t.Fatal(err)
	}
	if code, _ := get("/v1/products?limit=1", acme); code != 403 {
		t.Errorf("GET /v1/products right after add = %d, want 403 (cached absence)", code)
	}
	clk.add(30 * time.Second)
	if code, pc := get("/v1/products?limit=1", acme); code != 200 {
		t.Errorf("GET /v1/products a TTL after add = %d %s, want 200", code, pc)
	}
	// The record's scopes narrow the token's: orders.* are in the token, not in the record.
	if code, pc := get("/v1/orders", acme); code != 403 || pc != "insufficient_scope" {
		t.Errorf("GET /v1/orders with orders.read in the token but not the record = %d %s, want 403 insufficient_scope", code, pc)
	}
	// Another client of the pool that is not in the registry stays out.
	if code, pc := get("/v1/products?limit=1", token("globex-client")); code != 403 || pc != app.CodePartnerUnknown {
		t.Errorf("GET /v1/products as an unregistered client of the pool = %d %s, want 403 %s", code, pc, app.CodePartnerUnknown)
	}

	// bffdeploy partner disable: suspended within the TTL.
	if _, err := reg.SetStatus(context.Background(), "acme-client", partners.StatusSuspended, clk.now()); err != nil {
		t.Fatal(err)
	}
	clk.add(29 * time.Second)
	if code, _ := get("/v1/products?limit=1", acme); code != 200 {
		t.Errorf("GET /v1/products 29 s after disable = %d, want 200 (cached)", code)
	}
	clk.add(time.Second)
	if code, pc := get("/v1/products?limit=1", acme); code != 403 || pc != app.CodePartnerSuspended {
		t.Errorf("GET /v1/products a TTL after disable = %d %s, want 403 %s", code, pc, app.CodePartnerSuspended)
	}
}

// TestLocalSeedPartner: without a static registry the embedded backend serves the local demo
// partner, so `make run` works with the local IdP's demo-partner client.
func TestLocalSeedPartner(t *testing.T) {
	vars := testVars(nil)
	delete(vars, "BFF_LOCAL_IDP_PARTNERS_FILE")
	delete(vars, "BFF_PARTNER_REGISTRY_FILE")
	vars["BFF_PARTNER_RATE_TIERS"] = "bronze=5/10,silver=25/50,gold=100/200"
	e := newEnv(t, vars, app.Deps{})
	r := httptest.NewRequest(http.MethodPost, "/oauth2/token", strings.NewReader("grant_type=client_credentials"))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.SetBasicAuth("demo-partner", "demo-partner-secret")
	w := httptest.NewRecorder()
	e.engine.ServeHTTP(w, r)
	var out struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &out); err != nil || out.AccessToken == "" {
		t.Fatalf("demo-partner token = %d %s", w.Code, w.Body)
	}
	if got := e.do(req{method: "GET", path: "/v1/products?limit=1", token: out.AccessToken}); got.Status != 200 {
		t.Errorf("GET /v1/products as the demo partner = %d %s, want 200", got.Status, got.Body)
	}
}
