//go:build !bff.lambda

// Uses the local defaults (the local IdP), which Lambda builds leave out.

package platform_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"bffsuite.dev/shared/auth"
	"bffsuite.dev/shared/identity/localidp"
	"bffsuite.dev/shared/logging"
	"bffsuite.dev/shared/platform"
	"bffsuite.dev/shared/problem"
	"bffsuite.dev/shared/server"
	"bffsuite.dev/shared/tracing"
	"github.com/gin-gonic/gin"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

// TestLogsCarryNoSecrets runs a BFF-like engine (platform.Open with the local identity
// provider, auth.Require, a login handler that sets a session cookie) at debug level, sends
// requests carrying a bearer token, cookies and a password body (good and bad), and checks
// that neither the log output, the EMF lines nor the span attributes contain any of them,
// while the lines still name the principal by its sub.
func TestLogsCarryNoSecrets(t *testing.T) {
	ctx := context.Background()
	p, err := platform.Open(ctx, "bff-web", loadConfig(t, nil))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	var logs, emf bytes.Buffer
	p.Logger = logging.New(&logs, logging.Options{Level: slog.LevelDebug, Service: p.Name, ClientKind: p.ClientKind})
	spans := tracetest.NewInMemoryExporter()
	if p.Tracing, err = tracing.Setup(ctx, p.Name, p.Config.Tracing, tracing.WithSyncer(spans)); err != nil {
		t.Fatalf("tracing.Setup: %v", err)
	}
	r := p.Engine(platform.EngineOptions{EngineOptions: server.EngineOptions{MetricsOut: &emf}})
	r.POST("/login", func(c *gin.Context) {
		var in struct{ Email, Password string }
		if err := c.ShouldBindJSON(&in); err != nil {
			problem.Abort(c, problem.Wrap(err, http.StatusBadRequest, problem.CodeBadRequest, "Send email and password."))
			return
		}
		tok, err := p.LocalIdP.SignIn(c.Request.Context(), in.Email, in.Password)
		if err != nil {
			problem.Abort(c, problem.Wrap(err, http.StatusUnauthorized, "invalid_credentials", "Wrong email or password."))
			return
		}
		c.SetCookie("session", tok.RefreshToken, 3600, "/", "", true, true)
		c.JSON(http.StatusOK, tok)
	})
	r.GET("/me", auth.Require(p.Verifier, auth.Access{}), func(c *gin.Context) {
		pr, _ := auth.PrincipalFrom(c)
		c.JSON(http.StatusOK, gin.H{"sub": pr.Subject})
	})

	const password = "Demo-Passw0rd!"
	do := func(method, path, body string, hdr map[string]string) *httptest.ResponseRecorder {
		t.Helper()
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		w := httptest.NewRecorder()
		r.ServeHTTP(w, req)
		return w
	}
	w := do("POST", "/login", `{"email":"`+localidp.DemoUser+`","password":"`+password+`"}`, nil)
	var tok struct {
		AccessToken  string `json:"access_token"`
		IDToken      string `json:"id_token"`
		RefreshToken string `json:"refresh_token"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &tok); w.Code != 200 || err != nil || tok.AccessToken == "" {
		t.Fatalf("POST /login = %d %s, want tokens", w.Code, w.Body)
	}
	if w := do("POST", "/login", `{"email":"`+localidp.DemoUser+`","password":"Wrong-`+password+`"}`, nil); w.Code != 401 {
		t.Fatalf("POST /login (wrong password) = %d, want 401", w.Code)
	}
	cookies := "session=" + tok.RefreshToken + "; csrf=csrf-cookie-value-7f3a"
	if w := do("GET", "/me", "", map[string]string{"Authorization": "Bearer " + tok.AccessToken, "Cookie": cookies}); w.Code != 200 {
		t.Fatalf("GET /me = %d %s, want 200", w.Code, w.Body)
	}
	forged := tok.AccessToken[:len(tok.AccessToken)-4] + "AAAA"
	if w := do("GET", "/me", "", map[string]string{"Authorization": "Bearer " + forged, "Cookie": cookies}); w.Code != 401 {
		t.Fatalf("GET /me (forged token) = %d, want 401", w.Code)
	}
	pr, err := p.Verifier.Verify(ctx, tok.AccessToken, auth.Access{})
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}

	var spanText strings.Builder
	for _, s := range spans.GetSpans() {
		for _, a := range s.Attributes {
			spanText.WriteString(string(a.Key) + "=" + a.Value.String() + "\n")
		}
		spanText.WriteString(s.Name + " " + s.Status.Description + "\n")
	}
	outputs := map[string]string{"logs": logs.String(), "EMF": emf.String(), "spans": spanText.String()}
	secrets := map[string]string{
		"access token": tok.AccessToken, "forged token": forged, "ID token": tok.IDToken, "refresh token": tok.RefreshToken,
		"token signature": tok.AccessToken[strings.LastIndex(tok.AccessToken, ".")+1:],
		"password":        password, "email": localidp.DemoUser, "cookie": "csrf-cookie-value-7f3a",
	}
	for where, out := range outputs {
		if out == "" && where != "spans" {
			t.Fatalf("%s output is empty: the test would prove nothing", where)
		}
		for what, secret := range secrets {
			if secret != "" && strings.Contains(out, secret) {
				t.Errorf("%s contain the %s", where, what)
			}
		}
	}

	var meLines, failed int
	for line := range strings.SplitSeq(strings.TrimSpace(logs.String()), "\n") {
		var l map[string]any
		if err := json.Unmarshal([]byte(line), &l); err != nil {
			t.Fatalf("log line %q is not JSON: %v", line, err)
		}
		if l["msg"] == "request" && l["route"] == "/me" && l["status"] == 200.0 {
			meLines++
			if l["principal_id"] != pr.Subject || l["principal_type"] != "user" || l["client_kind"] != "web" || l["trace_id"] == nil || l["correlation_id"] == nil {
				t.Errorf("request line %s, want principal_id %s (user), client_kind web, trace_id, correlation_id", line, pr.Subject)
			}
		}
		if l["msg"] == "request rejected" {
			failed++
		}
	}
	if meLines != 1 || failed != 2 {
		t.Errorf("log has %d /me request lines and %d rejection lines, want 1 and 2 (one per error)", meLines, failed)
	}
}
