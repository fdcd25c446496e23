package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"bffsuite.dev/bff-partner/app"
	"bffsuite.dev/shared/config"
	"bffsuite.dev/shared/identity/localidp"
	"bffsuite.dev/shared/openapi"
	"bffsuite.dev/shared/platform"
	"bffsuite.dev/shared/testenv"
	"github.com/gin-gonic/gin"
)

var (
	keyFile string
	doc     *openapi.Doc
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "bff-partner-test")
	if err != nil {
		panic(err)
	}
	keyFile = filepath.Join(dir, "idp-key.pem")
	if err := localidp.WriteKeyFile(keyFile); err != nil {
		panic(err)
	}
	if doc, err = openapi.Load(app.OpenAPIDocument); err != nil {
		fmt.Fprintln(os.Stderr, "openapi.Load:", err)
		os.Exit(1)
	}
	code := testenv.RunWithDynamoDB(m)
	os.RemoveAll(dir)
	os.Exit(code)
}

// testVars is the environment of the test BFF: test partners in the local IdP and registry.
func testVars(extra map[string]string) map[string]string {
	v := map[string]string{
		"BFF_LOG_LEVEL":               "error",
		"BFF_LOCAL_IDP_KEY_FILE":      keyFile,
		"BFF_LOCAL_IDP_PARTNERS_FILE": "testdata/idp_partners.json",
		"BFF_LOCAL_IDP_CLIENT_ID":     "local-partner-portal",
		"BFF_PARTNER_REGISTRY_FILE":   "testdata/registry.json",
		"BFF_PARTNER_RATE_TIERS":      "bronze=1/5,gold=10000/20000",
	}
	for k, val := range extra {
		v[k] = val
	}
	return v
}

// env is one bff-partner engine over a platform built exactly as in production.
type env struct {
	t        testing.TB
	engine   *gin.Engine
	platform *platform.Platform
	cfg      app.Config

	mu     sync.Mutex
	tokens map[string]string
	// validate checks every response against the OpenAPI document.
	validate bool
}

func newEnv(t testing.TB, vars map[string]string, deps app.Deps) *env {
	t.Helper()
	var cfg app.Config
	lookup := func(name string) (string, bool) { v, ok := vars[name]; return v, ok }
	if err := config.LoadFrom(lookup, &cfg); err != nil {
		t.Fatalf("config.LoadFrom = %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	p, err := platform.Open(ctx, "bff-partner", cfg.PlatformConfig())
	if err != nil {
		t.Fatalf("platform.Open = %v", err)
	}
	a, err := app.New(ctx, cfg, p, deps)
	if err != nil {
		t.Fatalf("app.New = %v", err)
	}
	return &env{t: t, engine: a.Engine(), platform: p, cfg: cfg, tokens: map[string]string{}, validate: true}
}

// token gets a client_credentials token from the BFF's own /oauth2/token (local IdP), with
// the given scopes (short names; none: every scope of the client).
func (e *env) token(client string, scopes ...string) string {
	e.t.Helper()
	cacheKey := client + "|" + strings.Join(scopes, " ")
	e.mu.Lock()
	tok, ok := e.tokens[cacheKey]
	e.mu.Unlock()
	if ok {
		return tok
	}
	form := url.Values{"grant_type": {"client_credentials"}}
	var full []string
	for _, s := range scopes {
		full = append(full, e.cfg.Scope(s))
	}
	if len(full) > 0 {
		form.Set("scope", strings.Join(full, " "))
	}
	req := httptest.NewRequest(http.MethodPost, "/oauth2/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(client, strings.TrimSuffix(client, "-client")+"-secret")
	w := httptest.NewRecorder()
	e.engine.ServeHTTP(w, req)
	var out struct {
		AccessToken string `json:"access_token"`
	}
	if w.Code != 200 || json.Unmarshal(w.Body.Bytes(), &out) != nil || out.AccessToken == "" {
		e.t.Fatalf("POST /oauth2/token for %s = %d %s, want 200 with a token", client, w.Code, w.Body)
	}
	e.mu.Lock()
	e.tokens[cacheKey] = out.AccessToken
	e.mu.Unlock()
	return out.AccessToken
}

type resp struct {
	Status int
	Header http.Header
	Body   []byte
}

func (r resp) json(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
}

func (r resp) code(t testing.TB) string {
	t.Helper()
	var p struct {
		Code string `json:"code"`
	}
	r.json(t, &p)
	return p.Code
}

type req struct {
	method, path, token, key string
	body                     string
	header                   map[string]string
}

// do serves r and, unless disabled, validates the response against the OpenAPI document.
func (e *env) do(r req) resp {
	e.t.Helper()
	var body io.Reader
	if r.body != "" {
		body = strings.NewReader(r.body)
	}
	hr := httptest.NewRequest(r.method, r.path, body)
	if r.body != "" {
		hr.Header.Set("Content-Type", "application/json")
	}
	if r.token != "" {
		hr.Header.Set("Authorization", "Bearer "+r.token)
	}
	if r.key != "" {
		hr.Header.Set("Idempotency-Key", r.key)
	}
	for k, v := range r.header {
		hr.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	e.engine.ServeHTTP(w, hr)
	out := resp{Status: w.Code, Header: w.Header(), Body: bytes.Clone(w.Body.Bytes())}
	if _, documented := doc.Find(r.method, hr.URL.Path); e.validate && (documented || out.Status != http.StatusNotFound) {
		if err := doc.ValidateHTTP(hr, out.Status, out.Header, out.Body); err != nil {
			e.t.Errorf("%s %s: response does not match the OpenAPI document: %v\n%s", r.method, r.path, err, out.Body)
		}
	}
	return out
}

func readFile(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// stockUp gives the products of testdata/order.json plenty of stock.
func (e *env) stockUp(t testing.TB) {
	t.Helper()
	for _, id := range []string{"p-0002", "p-0004"} {
		if err := e.platform.Catalog.SetStock(context.Background(), id, 100000); err != nil {
			t.Fatalf("SetStock(%s) = %v", id, err)
		}
	}
}
