package app

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"bffsuite.dev/shared/identity/localidp"
)

func TestBearerTokens(t *testing.T) {
	f := newFixture(t, nil)
	tk := f.login(demoUser, demoPassword)
	good := f.principal(tk.AccessToken)

	// A token of the web app client: same pool (issuer, key), another client.
	webIdP, err := localidp.New(localidp.Config{KeyFile: keyPath, ClientID: webClient}, nil)
	if err != nil {
		t.Fatalf("localidp.New(web): %v", err)
	}
	webTokens, err := webIdP.SignIn(context.Background(), demoUser, demoPassword)
	if err != nil {
		t.Fatalf("web SignIn: %v", err)
	}

	// A partner's client_credentials token from the same pool.
	form := url.Values{"grant_type": {"client_credentials"}}
	tr := httptest.NewRequest("POST", "/oauth2/token", strings.NewReader(form.Encode()))
	tr.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	tr.SetBasicAuth("demo-partner", "demo-partner-secret")
	rec := httptest.NewRecorder()
	f.idp.TokenHandler().ServeHTTP(rec, tr)
	var m2m struct {
		AccessToken string `json:"access_token"`
	}
	resp{status: rec.Code, body: rec.Body.Bytes()}.json(t, &m2m)
	if m2m.AccessToken == "" {
		t.Fatalf("client_credentials = %d %s, want a token", rec.Code, rec.Body)
	}

	now := time.Now()
	claims := func(mod func(map[string]any)) map[string]any {
		c := map[string]any{"sub": good.Subject, "iss": f.idp.Issuer(), "client_id": mobileClient, "token_use": "access",
			"scope": "aws.cognito.signin.user.admin", "username": good.Username, "jti": "t-1",
			"iat": now.Add(-time.Minute).Unix(), "auth_time": now.Add(-time.Minute).Unix(), "exp": now.Add(time.Hour).Unix()}
		mod(c)
		return c
	}
	tampered := func(tok string) string {
		parts := strings.Split(tok, ".")
		payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
		payload = []byte(strings.Replace(string(payload), mobileClient, "local-mobile-clienT", 1))
		return parts[0] + "." + base64.RawURLEncoding.EncodeToString(payload) + "." + parts[2]
	}

	tests := []struct {
		name       string
		header     string
		wantStatus int
		wantCode   string
	}{
		{"mobile access token", "Bearer " + tk.AccessToken, 200, ""},
		{"self-signed valid control", "Bearer " + f.signToken(claims(func(map[string]any) {})), 200, ""},
		{"no token", "", 401, "unauthenticated"},
		{"basic scheme", "Basic ZGVtbzpwdw==", 401, "unauthenticated"},
		{"empty bearer", "Bearer ", 401, "invalid_token"},
		{"garbage", "Bearer not.a.jwt", 401, "invalid_token"},
		{"other app client", "Bearer " + webTokens.AccessToken, 401, "invalid_token"},
		{"id token", "Bearer " + tk.IDToken, 401, "invalid_token"},
		{"partner machine token", "Bearer " + m2m.AccessToken, 401, "invalid_token"},
		{"expired", "Bearer " + f.signToken(claims(func(c map[string]any) {
			c["iat"], c["exp"] = now.Add(-2*time.Hour).Unix(), now.Add(-time.Hour).Unix()
		})), 401, "invalid_token"},
		{"expired within leeway is still valid", "Bearer " + f.signToken(claims(func(c map[string]any) {
			c["exp"] = now.Add(-10 * time.Second).Unix()
		})), 200, ""},
		{"wrong issuer", "Bearer " + f.signToken(claims(func(c map[string]any) { c["iss"] = "http://127.0.0.1:9/other" })), 401, "invalid_token"},
		{"tampered payload", "Bearer " + tampered(tk.AccessToken), 401, "invalid_token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := f.do(req{method: "GET", path: "/v1/me", header: map[string]string{"Authorization": tt.header}})
			if r.status != tt.wantStatus {
				t.Fatalf("GET /v1/me with %s = %d %s, want %d", tt.name, r.status, r.body, tt.wantStatus)
			}
			if tt.wantStatus == 401 {
				if got := r.problemCode(t); got != tt.wantCode {
					t.Errorf("problem code = %q, want %q", got, tt.wantCode)
				}
				if !strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Bearer") {
					t.Errorf("WWW-Authenticate = %q, want a Bearer challenge", r.header.Get("WWW-Authenticate"))
				}
				if strings.Contains(string(r.body), "expired") || strings.Contains(string(r.body), "client_id") {
					t.Errorf("401 body %s reveals why the token failed", r.body)
				}
			}
		})
	}
}

func TestAuthFlows(t *testing.T) {
	f := newFixture(t, nil)
	post := func(path string, body any) resp {
		return f.do(req{method: "POST", path: path, body: body})
	}
	tests := []struct {
		name       string
		path       string
		body       any
		wantStatus int
		wantCode   string
		wantFields []string
	}{
		{"login wrong password", "/v1/auth/login", map[string]string{"username": demoUser, "password": "Wrong-Passw0rd!"}, 401, "invalid_credentials", nil},
		{"login unknown user", "/v1/auth/login", map[string]string{"username": "nobody@example.com", "password": "Wrong-Passw0rd!"}, 401, "invalid_credentials", nil},
		{"login missing fields", "/v1/auth/login", map[string]string{}, 400, "validation_failed", []string{"username", "password"}},
		{"login unknown member", "/v1/auth/login", map[string]string{"username": "a", "password": "b", "otp": "1"}, 400, "validation_failed", []string{"otp"}},
		{"login wrong type", "/v1/auth/login", `{"username":1,"password":"x"}`, 400, "validation_failed", []string{"username"}},
		{"login not json", "/v1/auth/login", `{"username":`, 400, "validation_failed", []string{"body"}},
		{"login empty body", "/v1/auth/login", "", 400, "validation_failed", []string{"body"}},
		{"refresh bad token", "/v1/auth/refresh", map[string]string{"refresh_token": "nope"}, 401, "token_revoked", nil},
		{"signup weak password", "/v1/auth/signup", map[string]string{"email": "weak@example.com", "password": "short"}, 400, "invalid_password", nil},
		{"signup bad email", "/v1/auth/signup", map[string]string{"email": "nope", "password": "Str0ng-Passw0rd!"}, 400, "validation_failed", []string{"email"}},
		{"signup existing", "/v1/auth/signup", map[string]string{"email": demoUser, "password": "Str0ng-Passw0rd!"}, 409, "user_exists", nil},
		{"confirm wrong code", "/v1/auth/confirm", map[string]string{"email": demoUser, "code": "000000"}, 400, "code_mismatch", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := post(tt.path, tt.body)
			if r.status != tt.wantStatus {
				t.Fatalf("POST %s = %d %s, want %d", tt.path, r.status, r.body, tt.wantStatus)
			}
			if got := r.problemCode(t); got != tt.wantCode {
				t.Errorf("problem code = %q, want %q", got, tt.wantCode)
			}
			if got := strings.Join(r.fieldErrors(t), ","); got != strings.Join(tt.wantFields, ",") {
				t.Errorf("field errors = %q, want %q", got, strings.Join(tt.wantFields, ","))
			}
			if ct := r.header.Get("Content-Type"); ct != "application/problem+json" {
				t.Errorf("Content-Type = %q, want application/problem+json", ct)
			}
		})
	}

	t.Run("signup confirm login refresh logout", func(t *testing.T) {
		email := "new.user@example.com"
		r := post("/v1/auth/signup", map[string]string{"email": email, "password": "Str0ng-Passw0rd!", "name": "New User"})
		if r.status != http.StatusCreated {
			t.Fatalf("signup = %d %s, want 201", r.status, r.body)
		}
		var su SignupResult
		r.json(t, &su)
		if su.Confirmed || su.CodeDestination == "" {
			t.Errorf("signup = %+v, want unconfirmed with a code destination", su)
		}
		if r := post("/v1/auth/login", map[string]string{"username": email, "password": "Str0ng-Passw0rd!"}); r.status != http.StatusForbidden || r.problemCode(t) != "user_not_confirmed" {
			t.Errorf("login before confirm = %d %s, want 403 user_not_confirmed", r.status, r.body)
		}
		if r := post("/v1/auth/confirm", map[string]string{"email": email, "code": "123456"}); r.status != http.StatusNoContent {
			t.Fatalf("confirm = %d %s, want 204", r.status, r.body)
		}
		tk := f.login(email, "Str0ng-Passw0rd!")
		if tk.AccessToken == "" || tk.RefreshToken == "" || tk.TokenType != "Bearer" || tk.ExpiresIn <= 0 {
			t.Errorf("login tokens = %+v, want access and refresh tokens", tk)
		}
		r = post("/v1/auth/refresh", map[string]string{"refresh_token": tk.RefreshToken})
		if r.status != http.StatusOK {
			t.Fatalf("refresh = %d %s, want 200", r.status, r.body)
		}
		if cc := r.header.Get("Cache-Control"); cc != "no-store" && cc != "private, no-store" {
			t.Errorf("refresh Cache-Control = %q, want no-store", cc)
		}
		var rt tokens
		r.json(t, &rt)
		if me := f.do(req{method: "GET", path: "/v1/me", token: rt.AccessToken}); me.status != http.StatusOK {
			t.Errorf("GET /v1/me with refreshed token = %d, want 200", me.status)
		}
		if r := post("/v1/auth/logout", map[string]string{"refresh_token": tk.RefreshToken}); r.status != http.StatusNoContent {
			t.Fatalf("logout = %d %s, want 204", r.status, r.body)
		}
		if r := post("/v1/auth/refresh", map[string]string{"refresh_token": tk.RefreshToken}); r.status != http.StatusUnauthorized || r.problemCode(t) != "token_revoked" {
			t.Errorf("refresh after logout = %d %s, want 401 token_revoked", r.status, r.body)
		}
	})
}
