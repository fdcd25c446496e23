package lambdastack

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"bffsuite.dev/shared/apigwlocal"
	"bffsuite.dev/shared/identity/localidp"
)

// TestMobileAPIRefusesIDTokens: the mobile HTTP API, as Terraform creates it, admits the
// mobile client's access tokens on protected routes and refuses its ID tokens (which carry the
// same audience but no scope); public routes need no token.
func TestMobileAPIRefusesIDTokens(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	issuer := "http://" + ln.Addr().String() + "/pool"
	idp, err := localidp.New(localidp.Config{Issuer: issuer, ClientID: MobileClientID}, nil)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /pool/.well-known/jwks.json", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write(idp.JWKS()) })
	mux.HandleFunc("GET /pool/.well-known/openid-configuration", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, `{"issuer":"`+issuer+`","jwks_uri":"`+issuer+`/.well-known/jwks.json"}`)
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })

	tok, err := idp.SignIn(context.Background(), localidp.DemoUser, "Demo-Passw0rd!")
	if err != nil {
		t.Fatal(err)
	}
	invoked := 0
	fn := apigwlocal.InvokerFunc(func(context.Context, []byte) ([]byte, error) {
		invoked++
		return []byte(`{"statusCode":200,"headers":{"content-type":"application/json"},"body":"{}"}`), nil
	})
	g, err := apigwlocal.New(MobileAPI(fn, issuer, 5*time.Second, slog.New(slog.NewTextHandler(io.Discard, nil))))
	if err != nil {
		t.Fatalf("apigwlocal.New(MobileAPI): %v", err)
	}
	tests := []struct {
		name, path, token string
		want              int
	}{
		{"access token on a protected route", "/v1/orders", tok.AccessToken, http.StatusOK},
		{"ID token on a protected route", "/v1/orders", tok.IDToken, http.StatusForbidden},
		{"no token on a protected route", "/v1/orders", "", http.StatusUnauthorized},
		{"no token on a public route", "/healthz", "", http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := invoked
			r := httptest.NewRequest("GET", tt.path, nil)
			if tt.token != "" {
				r.Header.Set("Authorization", "Bearer "+tt.token)
			}
			w := httptest.NewRecorder()
			g.ServeHTTP(w, r)
			if w.Code != tt.want {
				t.Fatalf("GET %s: got status %d %s, want %d", tt.path, w.Code, w.Body.String(), tt.want)
			}
			if got, want := invoked > before, tt.want == http.StatusOK; got != want {
				t.Errorf("function invoked = %v, want %v", got, want)
			}
		})
	}
}
