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

// TestLambdaStartsWithoutPartners runs the bootstrap as Terraform deploys it with partners = {}
// (the default of both envs): a user pool, no app client IDs, an empty registry. Partners are
// onboarded while the BFF runs, so it must start, answer /healthz and refuse every token (403
// partner_not_registered: validly signed, but no partner owns the client)
// until one exists.
func TestLambdaStartsWithoutPartners(t *testing.T) {
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
	rie := testenv.StartRIE(t, testenv.BuildLocalBootstrap(t, "."), map[string]string{
		"BFF_COGNITO_ISSUER":     issuer,
		"BFF_COGNITO_JWKS":       string(idp.JWKS()),
		"BFF_COGNITO_CLIENT_IDS": "", // join(",", values({})) in Terraform
		"BFF_PARTNER_REGISTRY":   `{"partners":[]}`,
		"BFF_LOG_LEVEL":          "warn",
	})
	r := httptest.NewRequest(http.MethodPost, "/oauth2/token", strings.NewReader("grant_type=client_credentials"))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.SetBasicAuth("acme-client", "acme-secret")
	w := httptest.NewRecorder()
	idp.TokenHandler().ServeHTTP(w, r)
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &tok); err != nil || tok.AccessToken == "" {
		t.Fatalf("token = %d %s", w.Code, w.Body)
	}

	tests := []struct {
		name, path string
		headers    map[string]string
		want       int
		code       string
	}{
		{name: "health", path: "/healthz", want: http.StatusOK},
		{name: "token of a client no partner owns", path: "/v1/products", headers: map[string]string{"Authorization": "Bearer " + tok.AccessToken}, want: http.StatusForbidden, code: "partner_not_registered"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw, err := os.ReadFile("testdata/events/rest-v1-request.json")
			if err != nil {
				t.Fatal(err)
			}
			var ev map[string]any
			if err := json.Unmarshal(raw, &ev); err != nil {
				t.Fatal(err)
			}
			ev["httpMethod"], ev["path"], ev["resource"] = http.MethodGet, tt.path, "/{proxy+}"
			ev["queryStringParameters"], ev["multiValueQueryStringParameters"] = nil, nil
			h, mh := ev["headers"].(map[string]any), ev["multiValueHeaders"].(map[string]any)
			for k, v := range tt.headers {
				h[k], mh[k] = v, []string{v}
			}
			b, _ := json.Marshal(ev)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			out, err := rie.Invoke(ctx, b)
			if err != nil {
				t.Fatalf("invoke GET %s: %v (the function did not start?)\n%s", tt.path, err, rie.Logs())
			}
			var resp struct {
				StatusCode int    `json:"statusCode"`
				Body       string `json:"body"`
			}
			if err := json.Unmarshal(out, &resp); err != nil || resp.StatusCode == 0 {
				t.Fatalf("GET %s: response %s (%v): the function did not start\n%s", tt.path, out, err, rie.Logs())
			}
			if resp.StatusCode != tt.want {
				t.Errorf("GET %s = %d, want %d", tt.path, resp.StatusCode, tt.want)
			}
			if tt.code != "" && !strings.Contains(resp.Body, `"code":"`+tt.code+`"`) {
				t.Errorf("GET %s body = %s, want problem code %q", tt.path, resp.Body, tt.code)
			}
		})
	}
}
