package apigwlocal

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"bffsuite.dev/shared/auth"
	"bffsuite.dev/shared/identity/localidp"
)

func goListDir(mod string) (string, error) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", mod).Output()
	return strings.TrimSpace(string(out)), err
}

// issuerEnv is a running issuer: the local IdP (real Cognito-shaped tokens) plus a test key in
// the same JWKS for tokens with claims the IdP never issues.
type issuerEnv struct {
	issuer    string
	idp       *localidp.IdP
	key       *rsa.PrivateKey
	rogue     *rsa.PrivateKey // not in the JWKS
	discovery bool
}

func startIssuer(t *testing.T) *issuerEnv {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	e := &issuerEnv{issuer: "http://" + ln.Addr().String() + "/pool"}
	e.idp, err = localidp.New(localidp.Config{Issuer: e.issuer, ClientID: "mobile-client"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if e.key, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
		t.Fatal(err)
	}
	if e.rogue, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
		t.Fatal(err)
	}
	var set auth.JWKSet
	if err := json.Unmarshal(e.idp.JWKS(), &set); err != nil {
		t.Fatal(err)
	}
	set.Keys = append(set.Keys, auth.NewJWK("test-key", &e.key.PublicKey))
	jwks, _ := json.Marshal(set)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /pool/.well-known/jwks.json", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write(jwks) })
	mux.HandleFunc("GET /pool/.well-known/openid-configuration", func(w http.ResponseWriter, _ *http.Request) {
		e.discovery = true
		_ = json.NewEncoder(w).Encode(map[string]string{"issuer": e.issuer, "jwks_uri": e.issuer + "/.well-known/jwks.json"})
	})
	mux.Handle("POST /pool/oauth2/token", e.idp.TokenHandler())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return e
}

// sign mints a token with the test key (or the rogue key) and arbitrary claims.
func (e *issuerEnv) sign(t *testing.T, claims map[string]any, rogue bool) string {
	t.Helper()
	h, _ := json.Marshal(map[string]string{"alg": "RS256", "kid": "test-key"})
	c, _ := json.Marshal(claims)
	in := base64.RawURLEncoding.EncodeToString(h) + "." + base64.RawURLEncoding.EncodeToString(c)
	sum := sha256.Sum256([]byte(in))
	k := e.key
	if rogue {
		k = e.rogue
	}
	sig, err := rsa.SignPKCS1v15(rand.Reader, k, crypto.SHA256, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	return in + "." + base64.RawURLEncoding.EncodeToString(sig)
}

// userTokens signs the demo user in through the local IdP (Cognito-shaped access and ID tokens).
func (e *issuerEnv) userTokens(t *testing.T) (access, id string) {
	t.Helper()
	tok, err := e.idp.SignIn(context.Background(), localidp.DemoUser, "Demo-Passw0rd!")
	if err != nil {
		t.Fatal(err)
	}
	return tok.AccessToken, tok.IDToken
}

// clientToken gets a client_credentials token for the demo partner from the IdP's token endpoint.
func (e *issuerEnv) clientToken(t *testing.T, scope string) string {
	t.Helper()
	form := url.Values{"grant_type": {"client_credentials"}}
	if scope != "" {
		form.Set("scope", scope)
	}
	req, _ := http.NewRequest("POST", e.issuer+"/oauth2/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth("demo-partner", "demo-partner-secret")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || out.AccessToken == "" {
		t.Fatalf("client_credentials: status %d: %v", resp.StatusCode, err)
	}
	return out.AccessToken
}

func TestJWTAuthorizer(t *testing.T) {
	e := startIssuer(t)
	now := time.Now()
	access, id := e.userTokens(t)
	partner := e.clientToken(t, "")
	base := func(extra map[string]any) map[string]any {
		c := map[string]any{"iss": e.issuer, "sub": "u1", "token_use": "access", "client_id": "mobile-client",
			"exp": now.Add(time.Hour).Unix(), "iat": now.Unix(), "scope": "orders/read"}
		for k, v := range extra {
			if v == nil {
				delete(c, k)
			} else {
				c[k] = v
			}
		}
		return c
	}
	fn := &recorder{}
	g := newGateway(t, API{Kind: HTTPAPI,
		JWT: &JWTAuthorizer{Issuer: e.issuer, Audience: []string{"mobile-client", "demo-partner"}, IdentitySource: "$request.header.Authorization"},
		Routes: []Route{
			{Key: "GET /public", Function: fn},
			{Key: "GET /any", Function: fn, Authorized: true},
			{Key: "GET /orders", Function: fn, Authorized: true, Scopes: []string{"orders/read", "orders/admin"}},
			{Key: "GET /partner", Function: fn, Authorized: true, Scopes: []string{"partner-api/catalog.read"}},
		}})
	tests := []struct {
		name       string
		path, auth string
		wantStatus int
	}{
		{"public route without token", "/public", "", 200},
		{"no token", "/any", "", 401},
		{"user access token (client_id)", "/any", "Bearer " + access, 200},
		{"without Bearer prefix", "/any", access, 200},
		{"user ID token (aud)", "/any", "Bearer " + id, 200},
		{"partner token, route scope held", "/partner", "Bearer " + partner, 200},
		{"user token, route scope missing", "/partner", "Bearer " + access, 403},
		{"one of the route scopes", "/orders", "Bearer " + e.sign(t, base(nil), false), 200},
		{"scp claim", "/orders", "Bearer " + e.sign(t, base(map[string]any{"scope": nil, "scp": []string{"orders/admin"}}), false), 200},
		{"no scope claim on scoped route", "/orders", "Bearer " + e.sign(t, base(map[string]any{"scope": nil}), false), 403},
		{"aud wins over client_id", "/any", "Bearer " + e.sign(t, base(map[string]any{"aud": "other"}), false), 401},
		{"aud array with one audience", "/any", "Bearer " + e.sign(t, base(map[string]any{"aud": []string{"x", "mobile-client"}, "client_id": nil}), false), 200},
		{"client_id not an audience", "/any", "Bearer " + e.sign(t, base(map[string]any{"client_id": "other"}), false), 401},
		{"no aud nor client_id", "/any", "Bearer " + e.sign(t, base(map[string]any{"client_id": nil}), false), 401},
		{"any token_use passes", "/any", "Bearer " + e.sign(t, base(map[string]any{"token_use": "refresh"}), false), 200},
		{"wrong issuer", "/any", "Bearer " + e.sign(t, base(map[string]any{"iss": e.issuer + "x"}), false), 401},
		{"expired", "/any", "Bearer " + e.sign(t, base(map[string]any{"exp": now.Add(-time.Second).Unix()}), false), 401},
		{"no exp", "/any", "Bearer " + e.sign(t, base(map[string]any{"exp": nil}), false), 401},
		{"nbf in the future", "/any", "Bearer " + e.sign(t, base(map[string]any{"nbf": now.Add(time.Hour).Unix()}), false), 401},
		{"iat in the future", "/any", "Bearer " + e.sign(t, base(map[string]any{"iat": now.Add(time.Hour).Unix()}), false), 401},
		{"bad signature", "/any", "Bearer " + e.sign(t, base(nil), true), 401},
		{"garbage", "/any", "Bearer abc.def.ghi", 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fn.event = nil
			r := httptest.NewRequest("GET", tt.path, nil)
			if tt.auth != "" {
				r.Header.Set("Authorization", tt.auth)
			}
			resp := serve(t, g, r)
			body := bodyOf(t, resp)
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("status = %d %s, want %d", resp.StatusCode, body, tt.wantStatus)
			}
			switch tt.wantStatus {
			case 401:
				if body != `{"message":"Unauthorized"}` {
					t.Errorf("body = %s, want {\"message\":\"Unauthorized\"}", body)
				}
			case 403:
				if body != `{"message":"Forbidden"}` {
					t.Errorf("body = %s, want {\"message\":\"Forbidden\"}", body)
				}
			}
			if (fn.last() != nil) != (tt.wantStatus == 200) {
				t.Errorf("function invoked = %v, want %v", fn.last() != nil, tt.wantStatus == 200)
			}
		})
	}
	if !e.discovery {
		t.Error("the JWKS was not found through the issuer's openid-configuration")
	}

	// Claims as API Gateway passes them, and as the BFFs' auth package reads them.
	r := httptest.NewRequest("GET", "/any", nil)
	r.Header.Set("Authorization", "Bearer "+access)
	serve(t, g, r)
	var ev events.APIGatewayV2HTTPRequest
	if err := json.Unmarshal(fn.last(), &ev); err != nil {
		t.Fatal(err)
	}
	jwt := ev.RequestContext.Authorizer.JWT
	for k, want := range map[string]string{"iss": e.issuer, "client_id": "mobile-client", "token_use": "access", "cognito:groups": "[customers]", "username": localidp.DemoUser} {
		if got := jwt.Claims[k]; got != want {
			t.Errorf("claims[%s] = %q, want %q", k, got, want)
		}
	}
	if jwt.Claims["exp"] == "" || strings.ContainsAny(jwt.Claims["exp"], "e.") {
		t.Errorf("claims[exp] = %q, want epoch seconds", jwt.Claims["exp"])
	}
	if len(jwt.Scopes) != 1 || jwt.Scopes[0] != "aws.cognito.signin.user.admin" {
		t.Errorf("scopes = %v, want [aws.cognito.signin.user.admin]", jwt.Scopes)
	}
}

func TestCognitoAuthorizer(t *testing.T) {
	e := startIssuer(t)
	other := startIssuer(t) // a second pool the authorizer does not list
	now := time.Now()
	access, id := e.userTokens(t)
	_, otherID := other.userTokens(t)
	partner := e.clientToken(t, "")
	catalogOnly := e.clientToken(t, "partner-api/catalog.read")
	fn := &recorder{}
	g := newGateway(t, API{Kind: RESTAPI, Stage: "v1", StageInPath: true,
		Cognito: &CognitoAuthorizer{Issuers: []string{e.issuer}, IdentitySource: "method.request.header.Authorization"},
		Routes: []Route{
			{Key: "GET /v1/me", Function: fn, Authorized: true},
			{Key: "POST /v1/orders", Function: fn, Authorized: true, Scopes: []string{"partner-api/orders.write"}},
		},
		GatewayResponses: map[ResponseType]GatewayResponse{ResponseUnauthorized: {Status: 401,
			Headers: map[string]string{"Content-Type": "'application/problem+json'"}, Body: `{"code":"unauthorized","correlation_id":"$context.requestId"}`}},
	})
	tests := []struct {
		name, method, path, auth string
		wantStatus               int
	}{
		{"ID token on a method without scopes", "GET", "/v1/v1/me", id, 200},
		{"with Bearer prefix", "GET", "/v1/v1/me", "Bearer " + id, 200},
		{"access token on a method without scopes", "GET", "/v1/v1/me", access, 401},
		{"no token", "GET", "/v1/v1/me", "", 401},
		{"ID token of another pool", "GET", "/v1/v1/me", otherID, 401},
		{"partner token with the scope", "POST", "/v1/v1/orders", "Bearer " + partner, 200},
		{"partner token without the scope", "POST", "/v1/v1/orders", "Bearer " + catalogOnly, 401},
		{"ID token on a scoped method", "POST", "/v1/v1/orders", "Bearer " + id, 401},
		{"expired", "POST", "/v1/v1/orders", "Bearer " + e.sign(t, map[string]any{"iss": e.issuer, "token_use": "access", "scope": "partner-api/orders.write", "exp": now.Add(-time.Minute).Unix()}, false), 401},
		{"forged", "POST", "/v1/v1/orders", "Bearer " + e.sign(t, map[string]any{"iss": e.issuer, "token_use": "access", "scope": "partner-api/orders.write", "exp": now.Add(time.Minute).Unix()}, true), 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fn.event = nil
			r := httptest.NewRequest(tt.method, tt.path, nil)
			if tt.auth != "" {
				r.Header.Set("Authorization", tt.auth)
			}
			resp := serve(t, g, r)
			body := bodyOf(t, resp)
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("status = %d %s, want %d", resp.StatusCode, body, tt.wantStatus)
			}
			if tt.wantStatus == 401 && (!strings.Contains(body, `"code":"unauthorized"`) || !strings.Contains(body, resp.Header.Get("X-Amzn-Requestid"))) {
				t.Errorf("401 body = %s, want the UNAUTHORIZED gateway response with the request ID", body)
			}
			if (fn.last() != nil) != (tt.wantStatus == 200) {
				t.Errorf("function invoked = %v, want %v", fn.last() != nil, tt.wantStatus == 200)
			}
		})
	}
	r := httptest.NewRequest("GET", "/v1/v1/me", nil)
	r.Header.Set("Authorization", id)
	serve(t, g, r)
	var ev events.APIGatewayProxyRequest
	if err := json.Unmarshal(fn.last(), &ev); err != nil {
		t.Fatal(err)
	}
	claims, _ := ev.RequestContext.Authorizer["claims"].(map[string]any)
	for k, want := range map[string]string{"iss": e.issuer, "aud": "mobile-client", "token_use": "id", "cognito:groups": "customers", "email": localidp.DemoUser} {
		if got, _ := claims[k].(string); got != want {
			t.Errorf("claims[%s] = %q, want %q", k, got, want)
		}
	}
	if exp, _ := claims["exp"].(string); !strings.HasSuffix(exp, time.Now().UTC().Format("2006")) || !strings.Contains(exp, " UTC ") {
		t.Errorf("claims[exp] = %q, want a date like \"Mon Jan 02 15:04:05 UTC 2006\"", exp)
	}
}

// TestAuthorizerClaimsReadByBFFs checks that the claims this front passes are what the BFFs'
// auth package accepts when it trusts the gateway's authorizer (BFF_TRUST_APIGW_AUTHORIZER).
func TestAuthorizerClaimsReadByBFFs(t *testing.T) {
	e := startIssuer(t)
	access, _ := e.userTokens(t)
	fn := &recorder{}
	g := newGateway(t, API{Kind: HTTPAPI, JWT: &JWTAuthorizer{Issuer: e.issuer, Audience: []string{"mobile-client"}},
		Routes: []Route{{Key: "$default", Function: fn, Authorized: true}}})
	r := httptest.NewRequest("GET", "/v1/me", nil)
	r.Header.Set("Authorization", "Bearer "+access)
	if resp := serve(t, g, r); resp.StatusCode != 200 {
		t.Fatalf("status = %d, want 200", resp.StatusCode)
	}
	var ev events.APIGatewayV2HTTPRequest
	if err := json.Unmarshal(fn.last(), &ev); err != nil {
		t.Fatal(err)
	}
	got := ev.RequestContext.Authorizer.JWT.Claims
	for _, k := range []string{"sub", "iss", "client_id", "token_use", "exp", "iat", "username", "jti"} {
		if got[k] == "" {
			t.Errorf("claims lack %s: %v", k, sortedKeys(got))
		}
	}
}
