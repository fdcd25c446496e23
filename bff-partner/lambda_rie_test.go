package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"bffsuite.dev/shared/identity/localidp"
	"bffsuite.dev/shared/testenv"
)

// TestLambdaRESTv1 runs the real bff-partner bootstrap under the Lambda Runtime Interface
// Emulator and sends REST API (payload 1.0) events, as the partner REST API does in AWS.
// Tokens come from a local IdP whose JWKS the function gets inline (BFF_COGNITO_JWKS), as a
// Cognito pool's JWKS from Terraform, so no network call is needed.
func TestLambdaRESTv1(t *testing.T) {
	testenv.RequireTool(t, "bin/aws-lambda-rie")
	keyFile := filepath.Join(t.TempDir(), "key.pem")
	if err := localidp.WriteKeyFile(keyFile); err != nil {
		t.Fatal(err)
	}
	issuer := "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_TestPool"
	idp, err := localidp.New(localidp.Config{Issuer: issuer, KeyFile: keyFile, PartnersFile: "app/testdata/idp_partners.json"},
		slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	registry := `{"partners":[{"id":"partner-acme","name":"Acme","client_ids":["acme-client"],"status":"active","rate_tier":"gold"}]}`
	rie := testenv.StartRIE(t, testenv.BuildLocalBootstrap(t, "."), map[string]string{
		"BFF_COGNITO_ISSUER":   issuer,
		"BFF_COGNITO_JWKS":     string(idp.JWKS()),
		"BFF_PARTNER_REGISTRY": registry,
		"BFF_LOG_LEVEL":        "warn",
	})
	token := func() string {
		r := httptest.NewRequest(http.MethodPost, "/oauth2/token", strings.NewReader("grant_type=client_credentials"))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.SetBasicAuth("acme-client", "acme-secret")
		w := httptest.NewRecorder()
		idp.TokenHandler().ServeHTTP(w, r)
		var out struct {
			AccessToken string `json:"access_token"`
		}
		if err := json.Unmarshal(w.Body.Bytes(), &out); err != nil || out.AccessToken == "" {
			t.Fatalf("token = %d %s", w.Code, w.Body)
		}
		return out.AccessToken
	}()

	type v1Response struct {
		StatusCode        int                 `json:"statusCode"`
		Headers           map[string]string   `json:"headers"`
		MultiValueHeaders map[string][]string `json:"multiValueHeaders"`
		Body              string              `json:"body"`
	}
	invoke := func(method, path, body string, headers map[string]string) v1Response {
		t.Helper()
		raw, err := os.ReadFile("testdata/events/rest-v1-request.json")
		if err != nil {
			t.Fatal(err)
		}
		var ev map[string]any
		if err := json.Unmarshal(raw, &ev); err != nil {
			t.Fatal(err)
		}
		p, q, _ := strings.Cut(path, "?")
		ev["httpMethod"], ev["path"], ev["resource"] = method, p, "/{proxy+}"
		ev["queryStringParameters"], ev["multiValueQueryStringParameters"] = nil, nil
		if q != "" {
			k, v, _ := strings.Cut(q, "=")
			ev["queryStringParameters"] = map[string]string{k: v}
			ev["multiValueQueryStringParameters"] = map[string][]string{k: {v}}
		}
		h := ev["headers"].(map[string]any)
		mh := ev["multiValueHeaders"].(map[string]any)
		for k, v := range headers {
			h[k], mh[k] = v, []string{v}
		}
		if body != "" {
			ev["body"] = body
		}
		b, _ := json.Marshal(ev)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		out, err := rie.Invoke(ctx, b)
		if err != nil {
			t.Fatalf("invoke %s %s: %v", method, path, err)
		}
		var r v1Response
		if err := json.Unmarshal(out, &r); err != nil {
			t.Fatalf("response %s: %v", out, err)
		}
		return r
	}
	header := func(r v1Response, name string) string {
		for k, v := range r.Headers {
			if strings.EqualFold(k, name) {
				return v
			}
		}
		for k, vs := range r.MultiValueHeaders {
			if strings.EqualFold(k, name) && len(vs) > 0 {
				return vs[0]
			}
		}
		return ""
	}
	auth := map[string]string{"Authorization": "Bearer " + token}

	t.Run("GET /v1/products", func(t *testing.T) {
		r := invoke("GET", "/v1/products?limit=2", "", auth)
		var page struct {
			Items []map[string]any `json:"items"`
		}
		if err := json.Unmarshal([]byte(r.Body), &page); r.StatusCode != 200 || err != nil || len(page.Items) != 2 {
			t.Fatalf("GET /v1/products = %d %s, want 200 with 2 items", r.StatusCode, r.Body)
		}
		if header(r, "RateLimit-Policy") != `"gold";q=200;w=2` || header(r, "X-Correlation-ID") == "" {
			t.Errorf("headers = %v, want the gold RateLimit-Policy and a correlation ID", r.Headers)
		}
	})
	t.Run("no token is a 401 problem", func(t *testing.T) {
		r := invoke("GET", "/v1/products", "", nil)
		if r.StatusCode != 401 || !strings.HasPrefix(header(r, "Content-Type"), "application/problem+json") {
			t.Errorf("GET without token = %d %q %s, want 401 problem+json", r.StatusCode, header(r, "Content-Type"), r.Body)
		}
	})
	t.Run("POST /v1/orders twice with one key", func(t *testing.T) {
		body := `{"lines":[{"sku":"HEA-AUR-0002","quantity":1}],"shipping_address":{"name":"Grace Hopper","line1":"12 Harbour Road","city":"Hamburg","postal_code":"20457","country":"DE"}}`
		h := map[string]string{"Authorization": "Bearer " + token, "Content-Type": "application/json", "Idempotency-Key": `"rie-order-1"`}
		first := invoke("POST", "/v1/orders", body, h)
		second := invoke("POST", "/v1/orders", body, h)
		if first.StatusCode != 201 || second.StatusCode != 201 || first.Body != second.Body || header(second, "Idempotent-Replayed") != "true" {
			t.Errorf("POST twice = %d, %d (replayed %q), bodies equal %v; want 201 and a 201 replay of the same body",
				first.StatusCode, second.StatusCode, header(second, "Idempotent-Replayed"), first.Body == second.Body)
		}
		if loc := header(first, "Location"); !strings.HasPrefix(loc, "/v1/orders/ord_") {
			t.Errorf("Location = %q, want /v1/orders/ord_...", loc)
		}
	})
}
