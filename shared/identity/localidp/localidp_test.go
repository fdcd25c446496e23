package localidp

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"bffsuite.dev/shared/auth"
	"bffsuite.dev/shared/identity"
)

var (
	keyOnce sync.Once
	keyPath string
)

// sharedKeyFile is one PEM key for the whole test binary, like the file the BFF processes share.
func sharedKeyFile(t *testing.T) string {
	t.Helper()
	keyOnce.Do(func() {
		dir, err := os.MkdirTemp("", "localidp-key")
		if err != nil {
			t.Fatal(err)
		}
		keyPath = filepath.Join(dir, "idp-key.pem")
		if err := WriteKeyFile(keyPath); err != nil {
			t.Fatal(err)
		}
	})
	return keyPath
}

func TestMain(m *testing.M) {
	code := m.Run()
	if keyPath != "" {
		_ = os.RemoveAll(filepath.Dir(keyPath))
	}
	os.Exit(code)
}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func newIdP(t *testing.T) *IdP {
	t.Helper()
	p, err := New(Config{KeyFile: sharedKeyFile(t), PartnersFile: filepath.Join("testdata", "partners.json")}, quietLogger())
	if err != nil {
		t.Fatalf("New() error = %v", err)
	}
	return p
}

func claimsOf(t *testing.T, tok string) map[string]any {
	t.Helper()
	parts := strings.Split(tok, ".")
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// cognitoClaimNames reads the claim names of a Cognito token example from auth's testdata.
func cognitoClaimNames(t *testing.T, file string) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "auth", "testdata", file))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return slices.Sorted(maps.Keys(m))
}

func TestNewRefusesInLambda(t *testing.T) {
	t.Setenv("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:9001")
	if _, err := New(Config{KeyFile: sharedKeyFile(t)}, quietLogger()); !errors.Is(err, ErrInLambda) {
		t.Errorf("New() in Lambda error = %v, want ErrInLambda", err)
	}
}

func TestNewLogsLoudly(t *testing.T) {
	var buf strings.Builder
	var mu sync.Mutex
	log := slog.New(slog.NewTextHandler(writerFunc(func(p []byte) (int, error) { mu.Lock(); defer mu.Unlock(); return buf.Write(p) }), nil))
	if _, err := New(Config{KeyFile: sharedKeyFile(t)}, log); err != nil {
		t.Fatal(err)
	}
	if out := buf.String(); !strings.Contains(out, "level=WARN") || !strings.Contains(out, "local development only") {
		t.Errorf("New() logged %q, want a WARN that it is for local use", out)
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name, wantVar string
		cfg           Config
	}{
		{"issuer with trailing slash", "BFF_LOCAL_IDP_ISSUER", Config{Issuer: "http://127.0.0.1:8081/local-idp/"}},
		{"issuer not a URL", "BFF_LOCAL_IDP_ISSUER", Config{Issuer: "local-idp"}},
		{"weak demo password", "BFF_LOCAL_IDP_DEMO_PASSWORD", Config{DemoPassword: "password"}},
		{"short code", "BFF_LOCAL_IDP_CONFIRMATION_CODE", Config{ConfirmationCode: "12"}},
		{"missing key file", "BFF_LOCAL_IDP_KEY_FILE", Config{KeyFile: "/nonexistent/key.pem"}},
		{"bad partners file", "BFF_LOCAL_IDP_PARTNERS_FILE", Config{PartnersFile: "/nonexistent/partners.json"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.cfg.KeyFile == "" {
				tt.cfg.KeyFile = sharedKeyFile(t)
			}
			_, err := New(tt.cfg, quietLogger())
			if err == nil || !strings.Contains(err.Error(), tt.wantVar) {
				t.Errorf("New(%s) error = %v, want one naming %s", tt.name, err, tt.wantVar)
			}
		})
	}
}

func TestUserFlows(t *testing.T) {
	p := newIdP(t)
	v, err := p.NewVerifier()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	const email, pw = "Jane@Example.com", "Passw0rd!jane"

	res, err := p.SignUp(ctx, identity.SignUpInput{Username: email, Password: pw})
	if err != nil || res.Confirmed || res.UserSub == "" || res.CodeDestination != "j***@e***" {
		t.Fatalf("SignUp() = %+v, %v, want unconfirmed, masked destination", res, err)
	}
	steps := []struct {
		name string
		err  error
		want error
	}{
		{"weak password", second(p.SignUp(ctx, identity.SignUpInput{Username: "x@example.com", Password: "short"})), identity.ErrInvalidPassword},
		{"existing user", second(p.SignUp(ctx, identity.SignUpInput{Username: "jane@example.com", Password: pw})), identity.ErrUserExists},
		{"sign in unconfirmed", second(p.SignIn(ctx, email, pw)), identity.ErrNotConfirmed},
		{"wrong code", p.ConfirmSignUp(ctx, email, "654321"), identity.ErrCodeMismatch},
		{"unknown user confirm", p.ConfirmSignUp(ctx, "nobody@example.com", "123456"), identity.ErrCodeMismatch},
		{"resend to unknown user", p.ResendConfirmationCode(ctx, "nobody@example.com"), nil},
		{"confirm", p.ConfirmSignUp(ctx, email, "123456"), nil},
		{"wrong password", second(p.SignIn(ctx, email, "Wr0ng!pass")), identity.ErrInvalidCredentials},
		{"unknown user", second(p.SignIn(ctx, "nobody@example.com", pw)), identity.ErrInvalidCredentials},
		{"forgot password unknown user", p.ForgotPassword(ctx, "nobody@example.com"), nil},
	}
	for _, s := range steps {
		if !errors.Is(s.err, s.want) || (s.want == nil && s.err != nil) {
			t.Fatalf("%s: error = %v, want %v", s.name, s.err, s.want)
		}
	}

	tok, err := p.SignIn(ctx, email, pw)
	if err != nil {
		t.Fatalf("SignIn() error = %v", err)
	}
	pr, err := v.Verify(ctx, tok.AccessToken, auth.Access{UsersOnly: true})
	if err != nil {
		t.Fatalf("Verify(access) error = %v", err)
	}
	if pr.Subject != res.UserSub || pr.ClientID != p.ClientID() || pr.Username != "jane@example.com" {
		t.Errorf("Verify(access) = %+v, want sub %s", pr, res.UserSub)
	}
	if _, err := v.Verify(ctx, tok.IDToken, auth.Access{Use: auth.UseID}); err != nil {
		t.Errorf("Verify(id) error = %v", err)
	}
	if _, err := v.Verify(ctx, tok.IDToken, auth.Access{}); !errors.Is(err, auth.ErrInvalidToken) {
		t.Errorf("Verify(id as access) error = %v, want ErrInvalidToken", err)
	}

	u, err := p.GetUser(ctx, tok.AccessToken)
	if err != nil || u.Email != "jane@example.com" || !u.Verified || u.Sub != res.UserSub {
		t.Fatalf("GetUser() = %+v, %v", u, err)
	}
	ref, err := p.Refresh(ctx, u.Username, tok.RefreshToken)
	if err != nil || ref.RefreshToken != "" {
		t.Fatalf("Refresh() = %+v, %v, want new tokens without a new refresh token", ref, err)
	}
	if claimsOf(t, ref.AccessToken)["origin_jti"] != claimsOf(t, tok.AccessToken)["origin_jti"] {
		t.Errorf("Refresh() origin_jti changed, want the sign-in's")
	}

	if err := p.ForgotPassword(ctx, email); err != nil {
		t.Fatal(err)
	}
	if _, err := p.SignIn(ctx, email, pw); !errors.Is(err, identity.ErrPasswordResetNeeded) {
		t.Errorf("SignIn(during reset) error = %v, want ErrPasswordResetNeeded", err)
	}
	if err := p.ConfirmForgotPassword(ctx, email, "123456", "N3w!Password"); err != nil {
		t.Fatalf("ConfirmForgotPassword() error = %v", err)
	}
	tok2, err := p.SignIn(ctx, email, "N3w!Password")
	if err != nil {
		t.Fatalf("SignIn(new password) error = %v", err)
	}

	// RevokeToken ends that sign-in's refresh token and its access tokens for GetUser.
	if err := p.RevokeToken(ctx, tok2.RefreshToken); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Refresh(ctx, u.Username, tok2.RefreshToken); !errors.Is(err, identity.ErrTokenRevoked) {
		t.Errorf("Refresh(revoked) error = %v, want ErrTokenRevoked", err)
	}
	if _, err := p.GetUser(ctx, tok2.AccessToken); !errors.Is(err, identity.ErrTokenRevoked) {
		t.Errorf("GetUser(revoked) error = %v, want ErrTokenRevoked", err)
	}
	// The first sign-in is still alive until GlobalSignOut.
	if _, err := p.GetUser(ctx, tok.AccessToken); err != nil {
		t.Fatalf("GetUser(first sign-in) error = %v", err)
	}
	if err := p.GlobalSignOut(ctx, tok.AccessToken); err != nil {
		t.Fatalf("GlobalSignOut() error = %v", err)
	}
	if _, err := p.Refresh(ctx, u.Username, tok.RefreshToken); !errors.Is(err, identity.ErrTokenRevoked) {
		t.Errorf("Refresh(after GlobalSignOut) error = %v, want ErrTokenRevoked", err)
	}
	if _, err := p.GetUser(ctx, tok.AccessToken); !errors.Is(err, identity.ErrTokenRevoked) {
		t.Errorf("GetUser(after GlobalSignOut) error = %v, want ErrTokenRevoked", err)
	}
}

func TestTokensHaveCognitoClaims(t *testing.T) {
	p := newIdP(t)
	tok, err := p.SignIn(context.Background(), DemoUser, "Demo-Passw0rd!")
	if err != nil {
		t.Fatalf("SignIn(demo) error = %v", err)
	}
	tests := []struct {
		name, tok, example string
	}{
		{"access token", tok.AccessToken, "access_token.json"},
		{"id token", tok.IDToken, "id_token.json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := slices.Sorted(maps.Keys(claimsOf(t, tt.tok)))
			if want := cognitoClaimNames(t, tt.example); !slices.Equal(got, want) {
				t.Errorf("claims = %v, want Cognito's %v", got, want)
			}
		})
	}
	c := claimsOf(t, tok.AccessToken)
	if c["iss"] != DefaultIssuer || c["token_use"] != "access" || c["scope"] != "aws.cognito.signin.user.admin" || !slices.Equal(toStrings(c["cognito:groups"]), []string{"customers"}) {
		t.Errorf("access claims = %v", c)
	}
}

func toStrings(v any) []string {
	l, _ := v.([]any)
	out := make([]string, 0, len(l))
	for _, x := range l {
		s, _ := x.(string)
		out = append(out, s)
	}
	return out
}

func TestNewPasswordChallenge(t *testing.T) {
	p := newIdP(t)
	ctx := context.Background()
	if err := p.AddUser("invited@example.com", "Temp0rary!pw", []string{"customers"}, true); err != nil {
		t.Fatal(err)
	}
	_, err := p.SignIn(ctx, "invited@example.com", "Temp0rary!pw")
	var ch *identity.ChallengeError
	if !errors.As(err, &ch) || ch.Name != "NEW_PASSWORD_REQUIRED" {
		t.Fatalf("SignIn() error = %v, want NEW_PASSWORD_REQUIRED", err)
	}
	if _, err := p.RespondNewPassword(ctx, ch.Username, "bogus-session", "Perm4nent!pw"); !errors.Is(err, identity.ErrInvalidCredentials) {
		t.Errorf("RespondNewPassword(bad session) error = %v, want ErrInvalidCredentials", err)
	}
	if _, err := p.RespondNewPassword(ctx, ch.Username, ch.Session, "weak"); !errors.Is(err, identity.ErrInvalidPassword) {
		t.Errorf("RespondNewPassword(weak) error = %v, want ErrInvalidPassword", err)
	}
	if _, err := p.RespondNewPassword(ctx, ch.Username, ch.Session, "Perm4nent!pw"); err != nil {
		t.Fatalf("RespondNewPassword() error = %v", err)
	}
	if _, err := p.SignIn(ctx, "invited@example.com", "Perm4nent!pw"); err != nil {
		t.Errorf("SignIn(new password) error = %v", err)
	}
}

// signInOutcome is what a caller can observe of one sign-in: the error class and Retry-After.
func signInOutcome(err error) string {
	var te *identity.ThrottleError
	switch {
	case err == nil:
		return "ok"
	case errors.As(err, &te):
		return "throttled " + te.RetryAfter.String()
	case errors.Is(err, identity.ErrInvalidCredentials):
		return "invalid_credentials"
	default:
		return err.Error()
	}
}

// TestSignInNoEnumeration: a known and an unknown username get the same answers, throttling
// included, for the same sequence of wrong passwords (Cognito with PreventUserExistenceErrors).
func TestSignInNoEnumeration(t *testing.T) {
	p := newIdP(t)
	clock := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	p.now = func() time.Time { return clock }
	ctx := identity.WithSourceAddress(context.Background(), "198.51.100.7")
	var known, unknown []string
	for range freeFailures + 3 {
		_, err := p.SignIn(ctx, DemoUser, "Wr0ng!pass")
		known = append(known, signInOutcome(err))
		_, err = p.SignIn(ctx, "nobody@example.com", "Wr0ng!pass")
		unknown = append(unknown, signInOutcome(err))
	}
	if !slices.Equal(known, unknown) {
		t.Errorf("known user answers %q, unknown user answers %q: want the same", known, unknown)
	}
	if want := "throttled " + firstWait.String(); known[freeFailures] != want {
		t.Errorf("attempt %d answered %q, want %q", freeFailures+1, known[freeFailures], want)
	}
}

// TestSignInThrottleCannotLockOthersOut: failures from one address throttle that address (429
// with a growing Retry-After, even for the right password) but not the owner elsewhere.
func TestSignInThrottleCannotLockOthersOut(t *testing.T) {
	p := newIdP(t)
	clock := time.Now()
	p.now = func() time.Time { return clock }
	attacker := identity.WithSourceAddress(context.Background(), "203.0.113.9")
	owner := identity.WithSourceAddress(context.Background(), "192.0.2.44")
	for range freeFailures + 5 {
		_, _ = p.SignIn(attacker, DemoUser, "Wr0ng!pass")
	}
	_, err := p.SignIn(attacker, DemoUser, "Demo-Passw0rd!")
	var te *identity.ThrottleError
	if !errors.As(err, &te) || te.RetryAfter <= 0 || te.RetryAfter > maxWait {
		t.Fatalf("SignIn(right password, throttled address) error = %v, want a ThrottleError", err)
	}
	pe := identity.Problem(err)
	if pe.Status != http.StatusTooManyRequests {
		t.Errorf("Problem(throttled).Status = %d, want 429", pe.Status)
	}
	if _, err := p.SignIn(owner, DemoUser, "Demo-Passw0rd!"); err != nil {
		t.Errorf("SignIn(owner from another address) error = %v, want tokens", err)
	}
	clock = clock.Add(te.RetryAfter)
	if _, err := p.SignIn(attacker, DemoUser, "Demo-Passw0rd!"); err != nil {
		t.Errorf("SignIn(after Retry-After) error = %v, want tokens", err)
	}
}

// TestSignInSourceBudget: one address spraying one guess over many usernames is throttled too.
func TestSignInSourceBudget(t *testing.T) {
	p := newIdP(t)
	clock := time.Now()
	p.now = func() time.Time { return clock }
	ctx := identity.WithSourceAddress(context.Background(), "203.0.113.10")
	throttledAt := -1
	for i := range sourceBurst + 5 {
		_, err := p.SignIn(ctx, fmt.Sprintf("user%d@example.com", i), "Spr4y!pass")
		if errors.Is(err, identity.ErrTooManyRequests) {
			throttledAt = i
			break
		}
	}
	if throttledAt != sourceBurst {
		t.Fatalf("first 429 at attempt %d, want %d", throttledAt, sourceBurst)
	}
	if _, err := p.SignIn(identity.WithSourceAddress(context.Background(), "192.0.2.1"), DemoUser, "Demo-Passw0rd!"); err != nil {
		t.Errorf("SignIn(other address) error = %v, want tokens", err)
	}
	clock = clock.Add(sourceRefill)
	if _, err := p.SignIn(ctx, DemoUser, "Demo-Passw0rd!"); err != nil {
		t.Errorf("SignIn(after refill) error = %v, want tokens", err)
	}
}

// TestTokenEndpointThrottle: 300 wrong client secrets in a row get 401 a few times, then 429
// with Retry-After; a known and an unknown client_id are throttled alike; the right secret from
// another address still works.
func TestTokenEndpointThrottle(t *testing.T) {
	p := newIdP(t)
	h := p.TokenHandler()
	post := func(id, secret, remote string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodPost, "/oauth2/token", strings.NewReader("grant_type=client_credentials"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(id, secret)
		req.RemoteAddr = remote
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	for _, id := range []string{"acme-partner", "ghost-partner"} {
		t.Run(id, func(t *testing.T) {
			remote := "203.0.113.20:4711"
			if id == "ghost-partner" {
				remote = "203.0.113.21:4711"
			}
			counts := map[int]int{}
			for i := range 300 {
				rec := post(id, fmt.Sprintf("guess-%d", i), remote)
				counts[rec.Code]++
				if rec.Code == http.StatusTooManyRequests {
					if ra, err := strconv.Atoi(rec.Header().Get("Retry-After")); err != nil || ra < 1 {
						t.Fatalf("429 Retry-After = %q, want whole seconds >= 1", rec.Header().Get("Retry-After"))
					}
					if !strings.Contains(rec.Body.String(), `"error":"too_many_requests"`) {
						t.Fatalf("429 body = %s, want the OAuth error JSON", rec.Body)
					}
				}
			}
			if counts[http.StatusUnauthorized] != freeFailures || counts[http.StatusTooManyRequests] != 300-freeFailures {
				t.Errorf("statuses = %v, want %d × 401 then 429", counts, freeFailures)
			}
		})
	}
	if rec := post("acme-partner", "acme-secret", "203.0.113.20:4711"); rec.Code != http.StatusTooManyRequests {
		t.Errorf("right secret from the throttled address = %d, want 429", rec.Code)
	}
	if rec := post("acme-partner", "acme-secret", "192.0.2.80:5000"); rec.Code != http.StatusOK {
		t.Errorf("right secret from another address = %d %s, want 200", rec.Code, rec.Body)
	}
}

// TestDiscovery: the discovery document names the URLs the IdP serves, and a client that follows
// it gets a token that verifies with the keys at its jwks_uri and carries its issuer.
func TestDiscovery(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	issuer := "http://" + ln.Addr().String() + "/local-idp"
	p, err := New(Config{Issuer: issuer, KeyFile: sharedKeyFile(t), PartnersFile: filepath.Join("testdata", "partners.json")}, quietLogger())
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: p.Handler(), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()

	resp, err := http.Get(issuer + "/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var d map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&d); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("GET discovery = %d %s, want 200 JSON", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	wantStr := map[string]string{"issuer": issuer, "jwks_uri": issuer + "/.well-known/jwks.json", "token_endpoint": issuer + "/oauth2/token"}
	for k, want := range wantStr {
		if got, _ := d[k].(string); got != want {
			t.Errorf("discovery %s = %q, want %q", k, got, want)
		}
	}
	wantList := map[string][]string{
		"grant_types_supported":                 {"client_credentials"},
		"token_endpoint_auth_methods_supported": {"client_secret_basic"},
		"id_token_signing_alg_values_supported": {"RS256"},
		"subject_types_supported":               {"public"},
		"scopes_supported":                      {"aws.cognito.signin.user.admin", "partner-api/catalog.read", "partner-api/orders.write"},
	}
	for k, want := range wantList {
		if got := toStrings(d[k]); !slices.Equal(got, want) {
			t.Errorf("discovery %s = %v, want %v", k, got, want)
		}
	}
	ks, err := auth.NewKeySet(auth.KeySetOptions{URL: d["jwks_uri"].(string)})
	if err != nil {
		t.Fatal(err)
	}
	v, err := auth.NewVerifier(auth.Options{Issuer: d["issuer"].(string), ClientIDs: []string{"acme-partner"}, Keys: ks})
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, d["token_endpoint"].(string), strings.NewReader("grant_type=client_credentials&scope=partner-api%2Fcatalog.read"))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth("acme-partner", "acme-secret")
	tr, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Body.Close()
	var tok tokenResponse
	if err := json.NewDecoder(tr.Body).Decode(&tok); err != nil || tr.StatusCode != http.StatusOK {
		t.Fatalf("POST token_endpoint = %d, %v", tr.StatusCode, err)
	}
	if _, err := v.Verify(context.Background(), tok.AccessToken, auth.Access{MachinesOnly: true, Scopes: []string{"partner-api/catalog.read"}}); err != nil {
		t.Errorf("Verify(token from the discovered endpoint, keys from jwks_uri) error = %v", err)
	}
}

func TestSharedKeyAcrossProcesses(t *testing.T) {
	web, mobile := newIdP(t), newIdP(t)
	tok, err := web.SignIn(context.Background(), DemoUser, "Demo-Passw0rd!")
	if err != nil {
		t.Fatal(err)
	}
	v, err := mobile.NewVerifier()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(context.Background(), tok.AccessToken, auth.Access{}); err != nil {
		t.Errorf("Verify(token of another process with the same key file) error = %v", err)
	}
	ephemeral, err := New(Config{}, quietLogger())
	if err != nil {
		t.Fatal(err)
	}
	ev, err := ephemeral.NewVerifier()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ev.Verify(context.Background(), tok.AccessToken, auth.Access{}); !errors.Is(err, auth.ErrInvalidToken) {
		t.Errorf("Verify(token of another key) error = %v, want ErrInvalidToken", err)
	}
}

func TestTokenEndpoint(t *testing.T) {
	p := newIdP(t)
	srv := httptest.NewServer(p.Handler())
	defer srv.Close()
	v, err := p.NewVerifier()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name         string
		id, secret   string
		form         url.Values
		contentType  string
		wantStatus   int
		wantError    string
		wantScopes   []string
		wantAuthnHdr bool
	}{
		{"all granted scopes", "acme-partner", "acme-secret", url.Values{"grant_type": {"client_credentials"}}, "", 200, "", []string{"partner-api/catalog.read", "partner-api/orders.write"}, false},
		{"requested subset", "acme-partner", "acme-secret", url.Values{"grant_type": {"client_credentials"}, "scope": {"partner-api/catalog.read"}}, "", 200, "", []string{"partner-api/catalog.read"}, false},
		{"scope not granted", "readonly-partner", "ro-secret", url.Values{"grant_type": {"client_credentials"}, "scope": {"partner-api/orders.write"}}, "", 400, "invalid_scope", nil, false},
		{"wrong secret", "acme-partner", "nope", url.Values{"grant_type": {"client_credentials"}}, "", 401, "invalid_client", nil, true},
		{"unknown client", "ghost", "acme-secret", url.Values{"grant_type": {"client_credentials"}}, "", 401, "invalid_client", nil, true},
		{"no client auth", "", "", url.Values{"grant_type": {"client_credentials"}}, "", 401, "invalid_client", nil, true},
		{"password grant", "acme-partner", "acme-secret", url.Values{"grant_type": {"password"}}, "", 400, "unsupported_grant_type", nil, false},
		{"no grant type", "acme-partner", "acme-secret", url.Values{}, "", 400, "invalid_request", nil, false},
		{"json body", "acme-partner", "acme-secret", url.Values{"grant_type": {"client_credentials"}}, "application/json", 400, "invalid_request", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodPost, srv.URL+p.Path()+"/oauth2/token", strings.NewReader(tt.form.Encode()))
			if err != nil {
				t.Fatal(err)
			}
			ct := tt.contentType
			if ct == "" {
				ct = "application/x-www-form-urlencoded"
			}
			req.Header.Set("Content-Type", ct)
			if tt.id != "" {
				req.SetBasicAuth(tt.id, tt.secret)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var body struct {
				AccessToken string `json:"access_token"`
				ExpiresIn   int    `json:"expires_in"`
				TokenType   string `json:"token_type"`
				Error       string `json:"error"`
			}
			if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tt.wantStatus || body.Error != tt.wantError {
				t.Fatalf("POST /oauth2/token = %d %+v, want %d %q", resp.StatusCode, body, tt.wantStatus, tt.wantError)
			}
			if got := resp.Header.Get("WWW-Authenticate") != ""; got != tt.wantAuthnHdr {
				t.Errorf("WWW-Authenticate present = %v, want %v", got, tt.wantAuthnHdr)
			}
			if tt.wantStatus != 200 {
				return
			}
			if body.TokenType != "Bearer" || body.ExpiresIn != 3600 {
				t.Errorf("token response = %+v, want Bearer, 3600", body)
			}
			pr, err := v.Verify(context.Background(), body.AccessToken, auth.Access{MachinesOnly: true, Scopes: tt.wantScopes})
			if err != nil {
				t.Fatalf("Verify(m2m token) error = %v", err)
			}
			if !pr.Machine || pr.ClientID != tt.id || pr.Subject != tt.id || !slices.Equal(pr.Scopes, tt.wantScopes) {
				t.Errorf("Verify(m2m token) = %+v, want machine %s with %v", pr, tt.id, tt.wantScopes)
			}
			got := slices.Sorted(maps.Keys(claimsOf(t, body.AccessToken)))
			if want := cognitoClaimNames(t, "m2m_access_token.json"); !slices.Equal(got, want) {
				t.Errorf("m2m claims = %v, want Cognito's %v", got, want)
			}
		})
	}
}

func TestJWKSEndpointFeedsAFetchingVerifier(t *testing.T) {
	p := newIdP(t)
	srv := httptest.NewServer(p.Handler())
	defer srv.Close()
	ks, err := auth.NewKeySet(auth.KeySetOptions{URL: srv.URL + p.Path() + "/.well-known/jwks.json"})
	if err != nil {
		t.Fatal(err)
	}
	v, err := auth.NewVerifier(auth.Options{Issuer: p.Issuer(), ClientIDs: []string{p.ClientID()}, Keys: ks})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := p.SignIn(context.Background(), AdminUser, "Demo-Passw0rd!")
	if err != nil {
		t.Fatal(err)
	}
	pr, err := v.Verify(context.Background(), tok.AccessToken, auth.Access{Groups: []string{"admins"}})
	if err != nil || ks.Fetches() != 1 {
		t.Fatalf("Verify() = %v, %v after %d fetches, want the admin after 1 fetch", pr, err, ks.Fetches())
	}
}

func TestLoadPartners(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		name, path string
		wantIDs    []string
		wantErr    bool
	}{
		{"embedded default", "", []string{"demo-partner"}, false},
		{"file", filepath.Join("testdata", "partners.json"), []string{"acme-partner", "readonly-partner"}, false},
		{"no secret", write("a.json", `{"clients":[{"client_id":"x","scopes":[]}]}`), nil, true},
		{"duplicate", write("b.json", `{"clients":[{"client_id":"x","client_secret":"s"},{"client_id":"x","client_secret":"t"}]}`), nil, true},
		{"bad scope", write("c.json", `{"clients":[{"client_id":"x","client_secret":"s","scopes":["read"]}]}`), nil, true},
		{"unknown field", write("d.json", `{"clients":[{"client_id":"x","client_secret":"s","secret":"t"}]}`), nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := LoadPartners(tt.path)
			if (err != nil) != tt.wantErr {
				t.Fatalf("LoadPartners(%s) error = %v, want error %v", tt.path, err, tt.wantErr)
			}
			var ids []string
			for _, p := range got {
				ids = append(ids, p.ClientID)
			}
			if !slices.Equal(ids, tt.wantIDs) {
				t.Errorf("LoadPartners(%s) = %v, want %v", tt.path, ids, tt.wantIDs)
			}
		})
	}
}

func second[T any](_ T, err error) error { return err }
