//go:build !bff.lambda

// The local pieces tested here are left out of Lambda builds (buildtags.LambdaTag).

package platform_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"bffsuite.dev/shared/auth"
	"bffsuite.dev/shared/config"
	"bffsuite.dev/shared/identity/localidp"
	"bffsuite.dev/shared/platform"
)

func loadConfig(t *testing.T, env map[string]string) platform.Config {
	t.Helper()
	var cfg platform.Config
	if err := config.LoadFrom(func(k string) (string, bool) { v, ok := env[k]; return v, ok }, &cfg); err != nil {
		t.Fatalf("LoadFrom: %v", err)
	}
	return cfg
}

func TestOpenLocalDefaults(t *testing.T) {
	ctx := context.Background()
	p, err := platform.Open(ctx, "bff-test", loadConfig(t, nil))
	if err != nil {
		t.Fatalf("Open(defaults) = %v, want nil", err)
	}
	if p.LocalIdP == nil || p.Catalog == nil || p.Orders == nil || p.Customers == nil || p.Verifier == nil {
		t.Fatalf("Open(defaults) = %+v, want local IdP, domain clients and verifier", p)
	}
	tokens, err := p.LocalIdP.SignIn(ctx, localidp.DemoUser, "Demo-Passw0rd!")
	if err != nil {
		t.Fatalf("SignIn(demo) = %v", err)
	}
	pr, err := p.Verifier.Verify(ctx, tokens.AccessToken, auth.Access{})
	if err != nil || pr.Username == "" {
		t.Fatalf("Verify(local access token) = %+v, %v; want a user principal", pr, err)
	}

	r := p.Engine(platform.EngineOptions{ServeTokenEndpoint: true})
	w := httptest.NewRecorder()
	r.ServeHTTP(w, httptest.NewRequest("GET", p.LocalIdP.Path()+"/.well-known/jwks.json", nil))
	var jwks struct{ Keys []map[string]any }
	if w.Code != 200 || json.Unmarshal(w.Body.Bytes(), &jwks) != nil || len(jwks.Keys) == 0 {
		t.Errorf("GET jwks = %d %s, want a JWKS", w.Code, w.Body)
	}
	form := url.Values{"grant_type": {"client_credentials"}}
	req := httptest.NewRequest("POST", "/oauth2/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth("demo-partner", "demo-partner-secret")
	w = httptest.NewRecorder()
	r.ServeHTTP(w, req)
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if w.Code != 200 || json.Unmarshal(w.Body.Bytes(), &tok) != nil || tok.AccessToken == "" {
		t.Fatalf("POST /oauth2/token = %d %s, want a token", w.Code, w.Body)
	}
	if pr, err := p.Verifier.Verify(ctx, tok.AccessToken, auth.Access{MachinesOnly: true}); err != nil || pr.ClientID != "demo-partner" {
		t.Errorf("Verify(partner token) = %+v, %v; want client demo-partner", pr, err)
	}
	w = httptest.NewRecorder()
	r.ServeHTTP(w, httptest.NewRequest("GET", "/readyz", nil))
	if w.Code != http.StatusOK {
		t.Errorf("GET /readyz = %d %s, want 200", w.Code, w.Body)
	}
}

func TestOpenRefusesLocalIdPOnLambda(t *testing.T) {
	t.Setenv("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:9001")
	_, err := platform.Open(context.Background(), "bff-test", loadConfig(t, nil))
	if err == nil || !strings.Contains(err.Error(), "BFF_COGNITO_USER_POOL_ID") {
		t.Fatalf("Open(on Lambda, no pool) = %v, want an error naming BFF_COGNITO_USER_POOL_ID", err)
	}
}

func TestOpenBadLogLevel(t *testing.T) {
	cfg := loadConfig(t, map[string]string{"BFF_LOG_LEVEL": "chatty"})
	if _, err := platform.Open(context.Background(), "bff-test", cfg); err == nil || !strings.Contains(err.Error(), "BFF_LOG_LEVEL") {
		t.Fatalf("Open(BFF_LOG_LEVEL=chatty) = %v, want an error naming BFF_LOG_LEVEL", err)
	}
}
