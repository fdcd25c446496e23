package lambdastack

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"bffsuite.dev/shared/identity/localidp"
	"bffsuite.dev/shared/smoke"
	"bffsuite.dev/shared/testenv"
	"bffsuite.dev/shared/workspace"
)

// TestRunLambda starts the suite as `make run-lambda` does (on free ports): the three BFF
// bootstraps under the RIE behind the API Gateway fronts, and runs the client journeys
// through it, then checks what the gateways themselves answer.
func TestRunLambda(t *testing.T) {
	if testing.Short() {
		t.Skip("builds three bootstraps and runs them under the RIE")
	}
	testenv.RequireTool(t, "bin/aws-lambda-rie")
	root, err := workspace.Root()
	if err != nil {
		t.Fatal(err)
	}
	out := &testenv.SyncBuffer{}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	free := func() string { return fmt.Sprintf("127.0.0.1:%d", testenv.FreePort(t)) }
	s, err := Start(ctx, Options{Root: root, WebAddr: free(), MobileAddr: free(), PartnerAddr: free(), Output: out})
	if err != nil {
		t.Fatalf("Start: %v\n%s", err, out.String())
	}
	defer s.Close()
	defer func() {
		if t.Failed() {
			t.Logf("stack output:\n%s", out.String())
		}
	}()
	log := func(j, step string, status int, d time.Duration) {
		t.Logf("%s: %s %d %v", j, step, status, d.Round(time.Millisecond))
	}
	if _, err := smoke.Web(ctx, smoke.WebOptions{BaseURL: s.WebURL, Log: log, RequireReplayRefused: true}); err != nil {
		t.Errorf("smoke.Web: %v", err)
	}
	if _, err := smoke.Mobile(ctx, smoke.MobileOptions{BaseURL: s.MobileURL, Username: localidp.DemoUser, Password: "Demo-Passw0rd!", Log: log}); err != nil {
		t.Errorf("smoke.Mobile: %v", err)
	}
	if _, err := smoke.Partner(ctx, smoke.PartnerOptions{BaseURL: s.PartnerURL, APIKey: s.PartnerAPIKey, Log: log,
		Token: smoke.ClientCredentials(nil, s.PartnerTokenURL, "demo-partner", "demo-partner-secret")}); err != nil {
		t.Errorf("smoke.Partner: %v", err)
	}
	token, err := smoke.ClientCredentials(nil, s.PartnerTokenURL, "demo-partner", "demo-partner-secret", "partner-api/catalog.read")(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// What the gateways answer themselves, as Terraform configures them.
	tests := []struct {
		name, method, url string
		headers           map[string]string
		wantStatus        int
		wantBody          string
	}{
		{"mobile: protected route without a token", "GET", s.MobileURL + "/v1/feed", nil, 401, `{"message":"Unauthorized"}`},
		{"mobile: public route", "GET", s.MobileURL + "/healthz", nil, 200, ""},
		{"partner: no API key", "GET", s.PartnerURL + "/v1/products", map[string]string{"Authorization": "Bearer " + token}, 403, `"code":"invalid_api_key"`},
		{"partner: no token", "GET", s.PartnerURL + "/v1/products", map[string]string{"X-Api-Key": s.PartnerAPIKey}, 401, `"code":"unauthorized"`},
		{"partner: scope not held", "POST", s.PartnerURL + "/v1/orders", map[string]string{"X-Api-Key": s.PartnerAPIKey, "Authorization": "Bearer " + token}, 401, `"code":"unauthorized"`},
		{"partner: unknown path", "GET", s.PartnerURL + "/v2/nothing", nil, 404, `"code":"not_found"`},
		{"partner: outside the stage", "GET", strings.TrimSuffix(s.PartnerURL, "/live") + "/v1/products", nil, 404, `"code":"not_found"`},
		{"partner: public method", "GET", s.PartnerURL + "/healthz", nil, 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequestWithContext(ctx, tt.method, tt.url, nil)
			for k, v := range tt.headers {
				req.Header.Set(k, v)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.wantStatus || !strings.Contains(string(b), tt.wantBody) {
				t.Errorf("got %d %s, want %d with %s", resp.StatusCode, b, tt.wantStatus, tt.wantBody)
			}
		})
	}
	for name, d := range s.InitDurations() {
		t.Logf("%s cold start under the RIE: %v", name, d)
	}
	if len(s.InitDurations()) != 3 {
		t.Errorf("cold starts reported for %v, want all three functions", s.InitDurations())
	}
}
