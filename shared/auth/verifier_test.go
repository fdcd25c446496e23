package auth

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"bffsuite.dev/shared/problem"
	"github.com/gin-gonic/gin"
)

func TestVerifyAcceptsCognitoTokens(t *testing.T) {
	a := loadTestKey(t, "pool-a", "kidA1")
	v := newTestVerifier(t, a)
	tests := []struct {
		name string
		tok  string
		acc  Access
		want Principal
	}{
		{"user access token", sign(t, a, payload(t, "access_token.json")), Access{},
			Principal{Subject: "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee", Username: "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee", ClientID: webClient, TokenUse: UseAccess, Scopes: []string{"aws.cognito.signin.user.admin"}, Groups: []string{"customers"}}},
		{"id token where an id token is meant", sign(t, a, payload(t, "id_token.json")), Access{Use: UseID},
			Principal{Subject: "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee", Username: "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee", ClientID: webClient, TokenUse: UseID, Groups: []string{"customers"}, Email: "jane@example.com", EmailVerified: true}},
		{"m2m token with the route's scope", sign(t, a, payload(t, "m2m_access_token.json")), Access{Scopes: []string{"partner-api/orders.write"}, MachinesOnly: true},
			Principal{Subject: partnerClient, ClientID: partnerClient, TokenUse: UseAccess, Machine: true, Scopes: []string{"partner-api/catalog.read", "partner-api/orders.write"}}},
		{"user in one of the route's groups", sign(t, a, payload(t, "access_token.json", set("cognito:groups", []string{"admins"}))), Access{Groups: []string{"staff", "admins"}},
			Principal{Subject: "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee", Username: "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee", ClientID: webClient, TokenUse: UseAccess, Scopes: []string{"aws.cognito.signin.user.admin"}, Groups: []string{"admins"}}},
		{"expired within leeway", sign(t, a, payload(t, "access_token.json", set("exp", testNow.Unix()-20))), Access{},
			Principal{Subject: "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee", Username: "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee", ClientID: webClient, TokenUse: UseAccess, Scopes: []string{"aws.cognito.signin.user.admin"}, Groups: []string{"customers"}}},
		{"route overrides allowed clients", sign(t, a, payload(t, "access_token.json", set("client_id", mobileClient))), Access{Clients: []string{mobileClient}},
			Principal{Subject: "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee", Username: "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee", ClientID: mobileClient, TokenUse: UseAccess, Scopes: []string{"aws.cognito.signin.user.admin"}, Groups: []string{"customers"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := v.Verify(context.Background(), tt.tok, tt.acc)
			if err != nil {
				t.Fatalf("Verify() error = %v, want nil", err)
			}
			if got.Subject != tt.want.Subject || got.Username != tt.want.Username || got.ClientID != tt.want.ClientID ||
				got.TokenUse != tt.want.TokenUse || got.Machine != tt.want.Machine || got.Email != tt.want.Email ||
				got.EmailVerified != tt.want.EmailVerified || !slices.Equal(got.Scopes, tt.want.Scopes) || !slices.Equal(got.Groups, tt.want.Groups) {
				t.Errorf("Verify() = %+v, want %+v", *got, tt.want)
			}
			if got.Issuer != testIssuer || got.ExpiresAt.IsZero() || got.IssuedAt.IsZero() || got.TokenID == "" {
				t.Errorf("Verify() = %+v, want issuer, exp, iat and jti set", *got)
			}
		})
	}
}

// router is the standard error chain (problem middleware) with one protected route.
func router(v *Verifier, a Access, extra ...gin.HandlerFunc) *gin.Engine {
	gin.SetMode(gin.TestMode)
	r := gin.New()
	r.Use(problem.Middleware(slog.New(slog.NewTextHandler(io.Discard, nil))))
	chain := append([]gin.HandlerFunc{Require(v, a)}, extra...)
	chain = append(chain, func(c *gin.Context) {
		p, ok := PrincipalFrom(c)
		if !ok {
			c.String(http.StatusInternalServerError, "no principal")
			return
		}
		c.JSON(http.StatusOK, gin.H{"sub": p.Subject, "groups": p.Groups, "scopes": p.Scopes, "machine": p.Machine, "via_authorizer": p.ViaAuthorizer})
	})
	r.GET("/r", chain...)
	return r
}

func TestVerifyRejectsAttacks(t *testing.T) {
	a := loadTestKey(t, "pool-a", "kidA1")
	b := loadTestKey(t, "pool-b", "kidB1")
	v := newTestVerifier(t, a)
	access := payload(t, "access_token.json")
	valid := sign(t, a, access)
	parts := strings.Split(valid, ".")
	flip := func(s string) string {
		bs := []byte(s)
		if bs[len(bs)/2] == 'A' {
			bs[len(bs)/2] = 'B'
		} else {
			bs[len(bs)/2] = 'A'
		}
		return string(bs)
	}
	tampered := payload(t, "access_token.json", set("cognito:groups", []string{"admins"}))
	const invalidTok = `Bearer error="invalid_token"`
	tests := []struct {
		name       string
		auth       string
		acc        Access
		wantStatus int
		wantCode   string
		wantAuthn  string
	}{
		{"no Authorization header", "", Access{}, 401, "unauthenticated", "Bearer"},
		{"basic scheme", "Basic dXNlcjpwYXNz", Access{}, 401, "unauthenticated", "Bearer"},
		{"bearer without token", "Bearer ", Access{}, 401, "invalid_token", invalidTok},
		{"alg none, empty signature", "Bearer " + b64JSON(t, map[string]any{"alg": "none", "kid": "kidA1"}) + "." + parts[1] + ".", Access{}, 401, "invalid_token", invalidTok},
		{"alg none with the real signature", "Bearer " + b64JSON(t, map[string]any{"alg": "none", "kid": "kidA1"}) + "." + parts[1] + "." + parts[2], Access{}, 401, "invalid_token", invalidTok},
		{"HS256 signed with the public key", "Bearer " + signHS256(t, a, access), Access{}, 401, "invalid_token", invalidTok},
		{"RS512 header", "Bearer " + signWith(t, a, map[string]any{"alg": "RS512", "kid": "kidA1"}, access), Access{}, 401, "invalid_token", invalidTok},
		{"jku header pointing elsewhere", "Bearer " + signWith(t, a, map[string]any{"alg": "RS256", "kid": "kidA1", "jku": "https://evil.example/jwks.json"}, access), Access{}, 401, "invalid_token", invalidTok},
		{"unknown kid", "Bearer " + signWith(t, a, map[string]any{"alg": "RS256", "kid": "nope"}, access), Access{}, 401, "invalid_token", invalidTok},
		{"kid of another pool", "Bearer " + sign(t, b, access), Access{}, 401, "invalid_token", invalidTok},
		{"signed by another pool under our kid", "Bearer " + signWith(t, b, map[string]any{"alg": "RS256", "kid": "kidA1"}, access), Access{}, 401, "invalid_token", invalidTok},
		{"wrong issuer", "Bearer " + sign(t, a, payload(t, "access_token.json", set("iss", otherIssuer))), Access{}, 401, "invalid_token", invalidTok},
		{"issuer with trailing slash", "Bearer " + sign(t, a, payload(t, "access_token.json", set("iss", testIssuer+"/"))), Access{}, 401, "invalid_token", invalidTok},
		{"id token used as access token", "Bearer " + sign(t, a, payload(t, "id_token.json")), Access{}, 401, "invalid_token", invalidTok},
		{"access token where an id token is meant", "Bearer " + valid, Access{Use: UseID}, 401, "invalid_token", invalidTok},
		{"access token of another app client", "Bearer " + sign(t, a, payload(t, "access_token.json", set("client_id", mobileClient))), Access{}, 401, "invalid_token", invalidTok},
		{"id token of another app client", "Bearer " + sign(t, a, payload(t, "id_token.json", set("aud", mobileClient))), Access{Use: UseID}, 401, "invalid_token", invalidTok},
		{"access token without token_use", "Bearer " + sign(t, a, payload(t, "access_token.json", del("token_use"))), Access{}, 401, "invalid_token", invalidTok},
		{"expired", "Bearer " + sign(t, a, payload(t, "access_token.json", set("exp", testNow.Unix()-31))), Access{}, 401, "invalid_token", invalidTok},
		{"no exp", "Bearer " + sign(t, a, payload(t, "access_token.json", del("exp"))), Access{}, 401, "invalid_token", invalidTok},
		{"exp as a string", "Bearer " + sign(t, a, payload(t, "access_token.json", set("exp", "1999999999"))), Access{}, 401, "invalid_token", invalidTok},
		{"nbf in the future", "Bearer " + sign(t, a, payload(t, "access_token.json", set("nbf", testNow.Unix()+120))), Access{}, 401, "invalid_token", invalidTok},
		{"iat in the future", "Bearer " + sign(t, a, payload(t, "access_token.json", set("iat", testNow.Unix()+120))), Access{}, 401, "invalid_token", invalidTok},
		{"tampered payload", "Bearer " + parts[0] + "." + b64JSON(t, tampered) + "." + parts[2], Access{}, 401, "invalid_token", invalidTok},
		{"tampered signature", "Bearer " + parts[0] + "." + parts[1] + "." + flip(parts[2]), Access{}, 401, "invalid_token", invalidTok},
		{"truncated signature", "Bearer " + parts[0] + "." + parts[1] + "." + parts[2][:40], Access{}, 401, "invalid_token", invalidTok},
		{"malformed base64 header", "Bearer " + "e!!!." + parts[1] + "." + parts[2], Access{}, 401, "invalid_token", invalidTok},
		{"padded base64 signature", "Bearer " + valid + "==", Access{}, 401, "invalid_token", invalidTok},
		{"two segments", "Bearer " + parts[0] + "." + parts[1], Access{}, 401, "invalid_token", invalidTok},
		{"four segments", "Bearer " + valid + ".AAAA", Access{}, 401, "invalid_token", invalidTok},
		{"64 KB token", "Bearer " + parts[0] + "." + strings.Repeat("A", 64<<10) + "." + parts[2], Access{}, 401, "invalid_token", invalidTok},
		{"user token without username", "Bearer " + sign(t, a, payload(t, "access_token.json", del("username"))), Access{}, 401, "invalid_token", invalidTok},
		{"access token with aud", "Bearer " + sign(t, a, payload(t, "access_token.json", set("aud", webClient))), Access{}, 401, "invalid_token", invalidTok},
		{"missing scope", "Bearer " + valid, Access{Scopes: []string{"partner-api/orders.write"}}, 403, "insufficient_scope", `Bearer error="insufficient_scope", scope="partner-api/orders.write"`},
		{"m2m token missing one of two scopes", "Bearer " + sign(t, a, payload(t, "m2m_access_token.json")), Access{Scopes: []string{"partner-api/orders.write", "partner-api/admin"}}, 403, "insufficient_scope", `Bearer error="insufficient_scope", scope="partner-api/orders.write partner-api/admin"`},
		{"not in the route's group", "Bearer " + valid, Access{Groups: []string{"admins"}}, 403, "forbidden", ""},
		{"m2m token on a user route", "Bearer " + sign(t, a, payload(t, "m2m_access_token.json")), Access{UsersOnly: true}, 403, "forbidden", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, "/r", nil)
			if tt.auth != "" {
				req.Header.Set("Authorization", tt.auth)
			}
			rec := httptest.NewRecorder()
			router(v, tt.acc).ServeHTTP(rec, req)
			if rec.Code != tt.wantStatus {
				t.Fatalf("GET /r = %d %s, want %d", rec.Code, rec.Body, tt.wantStatus)
			}
			if got := rec.Header().Get("WWW-Authenticate"); got != tt.wantAuthn {
				t.Errorf("WWW-Authenticate = %q, want %q", got, tt.wantAuthn)
			}
			if got := rec.Header().Get("Content-Type"); got != problem.ContentType {
				t.Errorf("Content-Type = %q, want %q", got, problem.ContentType)
			}
			var body map[string]any
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
				t.Fatalf("body %s: %v", rec.Body, err)
			}
			if body["code"] != tt.wantCode {
				t.Errorf("code = %v, want %s", body["code"], tt.wantCode)
			}
			// Nothing that helps an attacker: no reason, no claim names, no token.
			for _, leak := range []string{"kid", "issuer", "expired", "signature", "alg", "client_id", "scope "} {
				if strings.Contains(strings.ToLower(rec.Body.String()), leak) {
					t.Errorf("body %s leaks %q", rec.Body, leak)
				}
			}
		})
	}
}

func TestVerifyErrorsWrapSentinels(t *testing.T) {
	a := loadTestKey(t, "pool-a", "kidA1")
	v := newTestVerifier(t, a)
	tests := []struct {
		name string
		tok  string
		acc  Access
		want error
	}{
		{"bad token", "x.y.z", Access{}, ErrInvalidToken},
		{"missing scope", sign(t, a, payload(t, "access_token.json")), Access{Scopes: []string{"s/x"}}, ErrInsufficientScope},
		{"wrong group", sign(t, a, payload(t, "access_token.json")), Access{Groups: []string{"admins"}}, ErrForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := v.Verify(context.Background(), tt.tok, tt.acc)
			if !errors.Is(err, tt.want) || p != nil {
				t.Errorf("Verify() = %v, %v, want nil, %v", p, err, tt.want)
			}
		})
	}
}

func TestBearerToken(t *testing.T) {
	tests := []struct {
		name    string
		headers []string
		want    string
		wantErr error
	}{
		{"canonical", []string{"Bearer abc.def.ghi"}, "abc.def.ghi", nil},
		{"lower-case scheme", []string{"bearer abc.def.ghi"}, "abc.def.ghi", nil},
		{"upper-case scheme", []string{"BEARER abc.def.ghi"}, "abc.def.ghi", nil},
		{"extra spaces", []string{"  Bearer   abc.def.ghi  "}, "abc.def.ghi", nil},
		{"none", nil, "", ErrMissingToken},
		{"basic", []string{"Basic Zm9vOmJhcg=="}, "", ErrMissingToken},
		{"scheme only", []string{"Bearer"}, "", ErrInvalidToken},
		{"two headers", []string{"Bearer a.b.c", "Bearer d.e.f"}, "", ErrInvalidToken},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			for _, h := range tt.headers {
				r.Header.Add("Authorization", h)
			}
			got, err := BearerToken(r)
			if got != tt.want || !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && err != nil) {
				t.Errorf("BearerToken(%q) = %q, %v, want %q, %v", tt.headers, got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestRequireScopeAndGroupHelpers(t *testing.T) {
	a := loadTestKey(t, "pool-a", "kidA1")
	v := newTestVerifier(t, a)
	m2m := "Bearer " + sign(t, a, payload(t, "m2m_access_token.json"))
	user := "Bearer " + sign(t, a, payload(t, "access_token.json"))
	tests := []struct {
		name  string
		auth  string
		extra gin.HandlerFunc
		want  int
	}{
		{"scope granted", m2m, RequireScope("partner-api/catalog.read"), 200},
		{"scope missing", m2m, RequireScope("partner-api/admin"), 403},
		{"group granted", user, RequireGroup("customers"), 200},
		{"group missing", user, RequireGroup("admins"), 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, "/r", nil)
			req.Header.Set("Authorization", tt.auth)
			rec := httptest.NewRecorder()
			router(v, Access{}, tt.extra).ServeHTTP(rec, req)
			if rec.Code != tt.want {
				t.Errorf("GET /r = %d %s, want %d", rec.Code, rec.Body, tt.want)
			}
		})
	}
}

func TestParseRejectsMalformed(t *testing.T) {
	long := strings.Repeat("a", MaxTokenSize+1)
	hdr := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"RS256","kid":"k"}`))
	tests := []struct{ name, in string }{
		{"empty", ""},
		{"over the cap", long},
		{"one segment", "abc"},
		{"empty segments", ".."},
		{"header not json", base64.RawURLEncoding.EncodeToString([]byte("nope")) + ".a.b"},
		{"header array", base64.RawURLEncoding.EncodeToString([]byte(`[1]`)) + ".a.b"},
		{"header trailing data", base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"RS256","kid":"k"}{}`)) + ".a.b"},
		{"no kid", base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"RS256"}`)) + ".a.b"},
		{"crit", base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"RS256","kid":"k","crit":["exp"]}`)) + ".a.b"},
		{"signature not base64", hdr + ".a.!!"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := parse(tt.in); !errors.Is(err, ErrInvalidToken) {
				t.Errorf("parse(%.40q) error = %v, want ErrInvalidToken", tt.in, err)
			}
		})
	}
}

// TestClientRegistryVerifier: a verifier without an allow-list (bff-partner) accepts access
// tokens of any client of its pool only on AnyClient routes; every other check still applies.
func TestClientRegistryVerifier(t *testing.T) {
	a := loadTestKey(t, "pool-a", "kidA1")
	other := loadTestKey(t, "pool-b", "kidB1")
	ks, err := NewKeySet(KeySetOptions{Prewarm: jwksOf(t, a)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewVerifier(Options{Issuer: testIssuer, Keys: ks}); err == nil {
		t.Fatal("NewVerifier without clients and without ClientRegistry = nil error, want one")
	}
	v, err := NewVerifier(Options{Issuer: testIssuer, ClientRegistry: true, Keys: ks, Now: func() time.Time { return testNow }})
	if err != nil {
		t.Fatalf("NewVerifier(ClientRegistry) = %v", err)
	}
	newClient := "7b3newpartnerclient"
	m2m := payload(t, "m2m_access_token.json", set("client_id", newClient), set("sub", newClient))
	tests := []struct {
		name string
		tok  string
		acc  Access
		want error // nil: accepted
	}{
		{"any client on an AnyClient route", sign(t, a, m2m), Access{AnyClient: true, MachinesOnly: true}, nil},
		{"same token on a route without AnyClient", sign(t, a, m2m), Access{MachinesOnly: true}, ErrInvalidToken},
		{"key of another pool", sign(t, other, m2m), Access{AnyClient: true}, ErrInvalidToken},
		{"other issuer", sign(t, a, payload(t, "m2m_access_token.json", set("iss", "https://evil.example"))), Access{AnyClient: true}, ErrInvalidToken},
		{"expired", sign(t, a, payload(t, "m2m_access_token.json", set("exp", testNow.Unix()-120))), Access{AnyClient: true}, ErrInvalidToken},
		{"id token is never any-client", sign(t, a, payload(t, "id_token.json")), Access{Use: UseID, AnyClient: true}, ErrInvalidToken},
		{"scope still required", sign(t, a, m2m), Access{AnyClient: true, Scopes: []string{"partner-api/admin"}}, ErrInsufficientScope},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := v.Verify(context.Background(), tt.tok, tt.acc)
			if tt.want == nil {
				if err != nil || p.ClientID != newClient || !p.Machine {
					t.Errorf("Verify() = %+v, %v, want machine principal of %s", p, err, newClient)
				}
				return
			}
			if !errors.Is(err, tt.want) {
				t.Errorf("Verify() error = %v, want %v", err, tt.want)
			}
		})
	}
}
