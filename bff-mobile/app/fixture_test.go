package app

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"bffsuite.dev/shared/auth"
	"bffsuite.dev/shared/catalog"
	"bffsuite.dev/shared/config"
	"bffsuite.dev/shared/customers"
	"bffsuite.dev/shared/events"
	"bffsuite.dev/shared/faults"
	"bffsuite.dev/shared/identity/localidp"
	"bffsuite.dev/shared/orders"
	"bffsuite.dev/shared/platform"
	"bffsuite.dev/shared/readmodels"
	"bffsuite.dev/shared/readmodels/projector"
	"bffsuite.dev/shared/store/embedded"
	"bffsuite.dev/shared/store/seed"
	"github.com/gin-gonic/gin"
)

const (
	mobileClient = "local-mobile-client"
	webClient    = "local-web-client"
	demoUser     = localidp.DemoUser
	demoPassword = "Demo-Passw0rd!"
)

// fixture is the mobile BFF over the embedded backend with seeded data and the local IdP,
// as shared/platform builds it in local mode, plus handles tests need (the store, the signing key).
type fixture struct {
	t      testing.TB
	engine *gin.Engine
	store  *embedded.Store
	idp    *localidp.IdP
	key    *rsa.PrivateKey
	cfg    Config
	// App headers sent by do unless a request sets its own.
	version, platform string
}

var (
	keyOnce sync.Once
	keyPath string
	keyErr  error
)

// sharedKey writes one RSA key for the whole test binary (key generation is slow).
func sharedKey(t testing.TB) (string, *rsa.PrivateKey) {
	t.Helper()
	keyOnce.Do(func() {
		dir, err := os.MkdirTemp("", "bff-mobile-key")
		if err != nil {
			keyErr = err
			return
		}
		keyPath = filepath.Join(dir, "idp.pem")
		keyErr = localidp.WriteKeyFile(keyPath)
	})
	if keyErr != nil {
		t.Fatalf("write key: %v", keyErr)
	}
	b, err := os.ReadFile(keyPath)
	if err != nil {
		t.Fatalf("read key: %v", err)
	}
	blk, _ := pem.Decode(b)
	k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		t.Fatalf("parse key: %v", err)
	}
	return keyPath, k.(*rsa.PrivateKey)
}

func newFixture(t testing.TB, env map[string]string) *fixture {
	t.Helper()
	keyFile, key := sharedKey(t)
	base := map[string]string{"BFF_LOCAL_IDP_KEY_FILE": keyFile, "BFF_LOCAL_IDP_CLIENT_ID": mobileClient}
	for k, v := range env {
		base[k] = v
	}
	var cfg Config
	if err := config.LoadFrom(func(n string) (string, bool) { v, ok := base[n]; return v, ok }, &cfg); err != nil {
		t.Fatalf("config.LoadFrom: %v", err)
	}
	ctx := context.Background()
	inj := faults.New(nil, 1)
	st := embedded.New(inj)
	if err := seed.Load(ctx, seed.Backends{Catalog: st.Catalog(), Customers: st.Customers(), Orders: st.Orders()}, seed.Generate()); err != nil {
		t.Fatalf("seed: %v", err)
	}
	for client, rule := range cfg.Platform.Store.Faults { // BFF_FAULTS applies after seeding
		inj.Set(client, rule)
	}
	logger := slog.New(slog.DiscardHandler)
	idp, err := localidp.New(cfg.Platform.LocalIdP, logger)
	if err != nil {
		t.Fatalf("localidp.New: %v", err)
	}
	// Like shared/platform, the verifier knows several clients of the pool; the mobile routes must
	// still accept only the mobile client.
	v, err := idp.NewVerifier(mobileClient, webClient, "demo-partner")
	if err != nil {
		t.Fatalf("NewVerifier: %v", err)
	}
	cat := catalog.New(st.Catalog(), catalog.Options{})
	// The read models, kept synchronously here (make run uses the in-process bus).
	rm := embedded.NewReadModels()
	proj := projector.New(rm, cfg.Platform.Store.ReadModels, nil)
	for _, o := range st.AllOrders() {
		if err := proj.Handle(ctx, events.Snapshot(o)); err != nil {
			t.Fatal(err)
		}
	}
	st.OnOrderChange(func(old *orders.Order, cur orders.Order) {
		if e := events.FromChange(old, cur); e != nil {
			if err := proj.Handle(context.Background(), *e); err != nil {
				t.Errorf("project %s: %v", e.ID, err)
			}
		}
	})
	p := &platform.Platform{
		Name: Name, Config: cfg.Platform, Logger: logger, Catalog: cat,
		Customers: customers.New(st.Customers(), nil), Orders: orders.New(st.Orders(), cat, orders.Options{}),
		Verifier: v, LocalIdP: idp, ReadModels: readmodels.NewClient(rm, readmodels.Config{}, nil),
	}
	a, err := New(ctx, cfg, p, Deps{})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return &fixture{t: t, engine: a.Engine(), store: st, idp: idp, key: key, cfg: cfg, version: "2.0.0", platform: "ios"}
}

type req struct {
	method, path string
	body         any // string or a value to encode
	token        string
	header       map[string]string
}

type resp struct {
	status int
	header http.Header
	body   []byte
}

func (r resp) json(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
}

func (r resp) problemCode(t testing.TB) string {
	t.Helper()
	var p struct {
		Code string `json:"code"`
	}
	r.json(t, &p)
	return p.Code
}

func (r resp) fieldErrors(t testing.TB) []string {
	t.Helper()
	var p struct {
		Errors []struct {
			Field string `json:"field"`
		} `json:"errors"`
	}
	r.json(t, &p)
	var out []string
	for _, e := range p.Errors {
		out = append(out, e.Field)
	}
	return out
}

func (f *fixture) do(r req) resp {
	f.t.Helper()
	var body io.Reader
	switch b := r.body.(type) {
	case nil:
	case string:
		body = strings.NewReader(b)
	default:
		buf, err := json.Marshal(b)
		if err != nil {
			f.t.Fatalf("encode body: %v", err)
		}
		body = bytes.NewReader(buf)
	}
	hr := httptest.NewRequest(r.method, r.path, body)
	if body != nil {
		hr.Header.Set("Content-Type", "application/json")
	}
	if f.version != "" {
		hr.Header.Set(HeaderAppVersion, f.version)
	}
	if f.platform != "" {
		hr.Header.Set(HeaderPlatform, f.platform)
	}
	if r.token != "" {
		hr.Header.Set("Authorization", "Bearer "+r.token)
	}
	for k, v := range r.header {
		if v == "" {
			hr.Header.Del(k)
			continue
		}
		hr.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	f.engine.ServeHTTP(rec, hr)
	captured.add(r.method, r.path, rec)
	return resp{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
}

// login signs a user in through the API and returns the token response.
func (f *fixture) login(username, password string) tokens {
	f.t.Helper()
	r := f.do(req{method: "POST", path: "/v1/auth/login", body: map[string]string{"username": username, "password": password}})
	if r.status != http.StatusOK {
		f.t.Fatalf("POST /v1/auth/login = %d %s, want 200", r.status, r.body)
	}
	var tk tokens
	r.json(f.t, &tk)
	return tk
}

type tokens struct {
	AccessToken  string `json:"access_token"`
	IDToken      string `json:"id_token"`
	RefreshToken string `json:"refresh_token"`
	ExpiresIn    int    `json:"expires_in"`
	TokenType    string `json:"token_type"`
}

// bareUser adds a confirmed user without a profile and returns its access token.
func (f *fixture) bareUser(name string) string {
	f.t.Helper()
	if err := f.idp.AddUser(name+"@example.com", demoPassword, []string{"customers"}, false); err != nil {
		f.t.Fatalf("AddUser: %v", err)
	}
	return f.login(name+"@example.com", demoPassword).AccessToken
}

// newUser adds a confirmed user with an address and returns its access token.
func (f *fixture) newUser(name string) string {
	f.t.Helper()
	tk := f.bareUser(name)
	r := f.do(req{method: "PATCH", path: "/v1/me", token: tk, body: map[string]any{
		"name": strings.ToUpper(name[:1]) + name[1:] + " Example",
		"addresses": []map[string]any{{"name": name, "line1": "Main St 1", "city": "Berlin",
			"postal_code": "10115", "country": "DE", "default": true}},
	}})
	if r.status != http.StatusOK {
		f.t.Fatalf("PATCH /v1/me = %d %s, want 200", r.status, r.body)
	}
	return tk
}

// signToken signs claims with the IdP's key, as the IdP would (same kid), for tokens the IdP
// never issues (expired ones).
func (f *fixture) signToken(claims map[string]any) string {
	f.t.Helper()
	der, _ := x509.MarshalPKIXPublicKey(&f.key.PublicKey)
	sum := sha256.Sum256(der)
	h, _ := json.Marshal(map[string]string{"kid": base64.StdEncoding.EncodeToString(sum[:]), "alg": "RS256"})
	c, _ := json.Marshal(claims)
	input := base64.RawURLEncoding.EncodeToString(h) + "." + base64.RawURLEncoding.EncodeToString(c)
	digest := sha256.Sum256([]byte(input))
	sig, err := rsa.SignPKCS1v15(rand.Reader, f.key, crypto.SHA256, digest[:])
	if err != nil {
		f.t.Fatalf("sign: %v", err)
	}
	return input + "." + base64.RawURLEncoding.EncodeToString(sig)
}

// principal verifies a token with the fixture's IdP (any client) to read its claims.
func (f *fixture) principal(tok string) *auth.Principal {
	f.t.Helper()
	v, err := f.idp.NewVerifier(mobileClient, webClient)
	if err != nil {
		f.t.Fatal(err)
	}
	p, err := v.Verify(context.Background(), tok, auth.Access{})
	if err != nil {
		f.t.Fatalf("Verify: %v", err)
	}
	return p
}

// captured keeps one response per (method, route, status) for the OpenAPI test.
var captured = &responses{seen: map[string]capturedResponse{}}

type capturedResponse struct {
	method, path string
	status       int
	header       http.Header
	body         []byte
}

type responses struct {
	mu   sync.Mutex
	seen map[string]capturedResponse
}

func (r *responses) add(method, path string, rec *httptest.ResponseRecorder) {
	body := rec.Body.Bytes()
	if rec.Header().Get("Content-Encoding") == "gzip" {
		return // validated decoded in the gzip tests
	}
	key := method + " " + strings.SplitN(path, "?", 2)[0] + " " + http.StatusText(rec.Code)
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.seen[key]; !ok {
		r.seen[key] = capturedResponse{method, path, rec.Code, rec.Header().Clone(), append([]byte(nil), body...)}
	}
}

func (r *responses) all() []capturedResponse {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]capturedResponse, 0, len(r.seen))
	for _, c := range r.seen {
		out = append(out, c)
	}
	return out
}
