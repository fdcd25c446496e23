package main

import (
	"context"
	"fmt"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"

	"bffsuite.dev/shared/identity/localidp"
	"bffsuite.dev/shared/lambdastack"
	"bffsuite.dev/shared/smoke"
	"bffsuite.dev/shared/testenv"
	"bffsuite.dev/shared/workspace"
)

// TestMakeRun starts the suite exactly as `make run` and `make run-lambda` do (on free
// ports), checks that every BFF answers, runs the client journeys (shared/smoke) through it,
// then stops it with the same cancellation Ctrl-C causes.
func TestMakeRun(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and starts the three BFFs")
	}
	if _, err := exec.LookPath("go"); err != nil {
		testenv.Missing(t, "go toolchain not on PATH")
	}
	root, err := workspace.Root()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		args   []string
		stage  string // the partner REST API stage in its URLs
		apiKey string
	}{
		{"make run", nil, "", ""},
		{"make run-lambda", []string{"-lambda"}, "/live", lambdastack.DemoPartnerKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.args != nil {
				testenv.RequireTool(t, "bin/aws-lambda-rie")
			}
			testMakeRun(t, root, tt.args, tt.stage, tt.apiKey)
		})
	}
}

func testMakeRun(t *testing.T, root string, extra []string, stage, apiKey string) {
	t.Helper()
	addrs := map[string]string{}
	for _, n := range []string{"web", "mobile", "partner", "demo"} {
		addrs[n] = fmt.Sprintf("127.0.0.1:%d", testenv.FreePort(t))
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := &testenv.SyncBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, append([]string{"-root", root, "-web", addrs["web"], "-mobile", addrs["mobile"], "-partner", addrs["partner"], "-demo", addrs["demo"]}, extra...), out)
	}()
	deadline := time.Now().Add(4 * time.Minute)
	for !strings.Contains(out.String(), "Ctrl-C stops everything") {
		select {
		case err := <-done:
			t.Fatalf("run() ended early: %v\n%s", err, out.String())
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("suite did not come up:\n%s", out.String())
		}
	}
	for _, n := range []string{"web", "mobile", "partner"} {
		base := "http://" + addrs[n]
		if n == "partner" {
			base += stage
		}
		for _, path := range []string{"/healthz", "/readyz"} {
			resp, err := http.Get(base + path)
			if err != nil {
				t.Fatalf("GET %s%s: %v", n, path, err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK || resp.Header.Get("X-Correlation-ID") == "" {
				t.Errorf("GET %s%s = %d (correlation %q), want 200 with a correlation ID", n, path, resp.StatusCode, resp.Header.Get("X-Correlation-ID"))
			}
		}
	}
	// The client journeys, as against any deployment (shared/smoke).
	sctx, scancel := context.WithTimeout(ctx, 2*time.Minute)
	defer scancel()
	if _, err := smoke.Web(sctx, smoke.WebOptions{BaseURL: "http://" + addrs["web"], RequireReplayRefused: true}); err != nil {
		t.Errorf("smoke.Web: %v", err)
	}
	if _, err := smoke.Mobile(sctx, smoke.MobileOptions{BaseURL: "http://" + addrs["mobile"], Username: localidp.DemoUser, Password: "Demo-Passw0rd!"}); err != nil {
		t.Errorf("smoke.Mobile: %v", err)
	}
	partnerURL := "http://" + addrs["partner"]
	if _, err := smoke.Partner(sctx, smoke.PartnerOptions{BaseURL: partnerURL + stage, APIKey: apiKey,
		Token: smoke.ClientCredentials(nil, partnerURL+"/oauth2/token", "demo-partner", "demo-partner-secret")}); err != nil {
		t.Errorf("smoke.Partner: %v", err)
	}
	for _, want := range []string{addrs["web"], addrs["mobile"], addrs["partner"], "demo@example.com"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("banner does not mention %q", want)
		}
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("run() after Ctrl-C = %v, want nil", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("suite did not stop within 30s of Ctrl-C")
	}
	for _, n := range []string{"web", "mobile", "partner"} {
		if _, err := http.Get("http://" + addrs[n] + "/healthz"); err == nil {
			t.Errorf("%s still answers after stop", n)
		}
	}
}
