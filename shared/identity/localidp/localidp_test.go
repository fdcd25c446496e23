package localidp

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
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

func TestSignInLockout(t *testing.T) {
	p := newIdP(t)
	ctx := context.Background()
	for i := range maxFailedSignIns {
		if _, err := p.SignIn(ctx, DemoUser, "Wr0ng!pass"); !errors.Is(err, identity.ErrInvalidCredentials) {
			t.Fatalf("SignIn(wrong) #%d error = %v", i, err)
		}
	}
	_, err := p.SignIn(ctx, DemoUser, "Demo-Passw0rd!")
	var te *identity.ThrottleError
	if !errors.As(err, &te) || te.RetryAfter <= 0 || te.RetryAfter > lockout {
		t.Fatalf("SignIn(locked) error = %v, want a ThrottleError", err)
	}
	if st, _ := identity.HTTPStatus(err); st != http.StatusTooManyRequests {
		t.Errorf("HTTPStatus(locked) = %d, want 429", st)
	}
	p.now = func() time.Time { return time.Now().Add(lockout + time.Second) }
	if _, err := p.SignIn(ctx, DemoUser, "Demo-Passw0rd!"); err != nil {
		t.Errorf("SignIn(after lockout) error = %v", err)
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
