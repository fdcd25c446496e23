package app

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"bffsuite.dev/shared/config"
	"bffsuite.dev/shared/identity/localidp"
	"bffsuite.dev/shared/openapi"
	"bffsuite.dev/shared/platform"
	"bffsuite.dev/shared/problem"
	"github.com/gin-gonic/gin"
)

// testKey is the session key of the tests (base64 of 32 bytes).
const testKey = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="

const siteOrigin = "http://127.0.0.1:8080"

var apiDoc *openapi.Doc

func doc(t testing.TB) *openapi.Doc {
	t.Helper()
	if apiDoc == nil {
		d, err := openapi.Load(OpenAPIDocument)
		if err != nil {
			t.Fatalf("openapi.Load(openapi.json) = %v", err)
		}
		apiDoc = d
	}
	return apiDoc
}

type testApp struct {
	engine *gin.Engine
	h      *App
	p      *platform.Platform
	cfg    Config
}

// newTestApp builds bff-web over the embedded backend and the local IdP, configured from the
// defaults plus env, exactly as main does.
func newTestApp(t testing.TB, env map[string]string) *testApp {
	t.Helper()
	vars := map[string]string{
		"BFF_LOCAL_IDP_KEY_FILE": idpKeyFile(t),
		"BFF_SESSION_KEYS":       testKey,
		"BFF_CORS_ORIGINS":       siteOrigin,
		"BFF_LOG_LEVEL":          "error",
	}
	for k, v := range env {
		vars[k] = v
	}
	var cfg Config
	if err := config.LoadFrom(func(name string) (string, bool) { v, ok := vars[name]; return v, ok }, &cfg); err != nil {
		t.Fatalf("config.LoadFrom() = %v", err)
	}
	p, err := platform.Open(context.Background(), Name, cfg.Platform)
	if err != nil {
		t.Fatalf("platform.Open() = %v", err)
	}
	h, err := New(context.Background(), cfg, p, Deps{})
	if err != nil {
		t.Fatalf("New() = %v", err)
	}
	return &testApp{engine: h.Engine(), h: h, p: p, cfg: cfg}
}

// browser is a minimal browser: it keeps the cookies the BFF sets (honouring deletion),
// sends them back, sends the page's Origin on unsafe requests, and echoes the CSRF token.
type browser struct {
	t      testing.TB
	app    *testApp
	jar    map[string]string
	csrf   string
	origin string
}

func (a *testApp) browser(t testing.TB) *browser {
	return &browser{t: t, app: a, jar: map[string]string{}, origin: siteOrigin}
}

type result struct {
	status int
	header http.Header
	body   []byte
}

func (r result) json(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
}

func (r result) problem(t testing.TB) problem.Problem {
	t.Helper()
	var p problem.Problem
	if ct := r.header.Get("Content-Type"); ct != problem.ContentType {
		t.Fatalf("Content-Type = %q, want %s (body %s)", ct, problem.ContentType, r.body)
	}
	r.json(t, &p)
	if p.CorrelationID == "" || p.Code == "" {
		t.Errorf("problem = %+v, want a code and a correlation id", p)
	}
	return p
}

// do sends one request and validates the response against the OpenAPI document.
func (b *browser) do(method, path string, body any, headers ...string) result {
	b.t.Helper()
	var rd io.Reader
	if body != nil {
		if s, ok := body.(string); ok {
			rd = strings.NewReader(s)
		} else {
			raw, _ := json.Marshal(body)
			rd = bytes.NewReader(raw)
		}
	}
	req := httptest.NewRequest(method, path, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if unsafeMethod(method) {
		if b.origin != "" {
			req.Header.Set("Origin", b.origin)
		}
		if b.csrf != "" {
			req.Header.Set(headerCSRF, b.csrf)
		}
	}
	for name, value := range b.jar {
		req.AddCookie(&http.Cookie{Name: name, Value: value})
	}
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i+1] == "" {
			req.Header.Del(headers[i])
			continue
		}
		req.Header.Set(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	b.app.engine.ServeHTTP(rec, req)
	res := result{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
	for _, c := range (&http.Response{Header: rec.Header()}).Cookies() {
		if c.MaxAge < 0 {
			delete(b.jar, c.Name)
		} else {
			b.jar[c.Name] = c.Value
		}
	}
	if err := doc(b.t).ValidateResponse(method, strings.SplitN(path, "?", 2)[0], res.status, res.header.Get("Content-Type"), res.body); err != nil {
		b.t.Errorf("%s %s: response does not match openapi.json: %v\nbody: %.600s", method, path, err, res.body)
	}
	return res
}

// login signs in through /auth/login and keeps the CSRF token.
func (b *browser) login(email, password string) sessionResponse {
	b.t.Helper()
	res := b.do("POST", "/auth/login", credentials{Email: email, Password: password})
	if res.status != http.StatusOK {
		b.t.Fatalf("POST /auth/login = %d %s, want 200", res.status, res.body)
	}
	var s sessionResponse
	res.json(b.t, &s)
	b.csrf = s.CSRFToken
	return s
}

var (
	keyFileOnce sync.Once
	keyFile     string
)

// idpKeyFile is one local IdP signing key shared by the apps of this test binary, as
// devstack shares one between the BFF processes: tokens of one app verify in another.
func idpKeyFile(t testing.TB) string {
	t.Helper()
	keyFileOnce.Do(func() {
		dir, err := os.MkdirTemp("", "bffweb-idp")
		if err != nil {
			t.Fatal(err)
		}
		keyFile = filepath.Join(dir, "idp.pem")
		if err := localidp.WriteKeyFile(keyFile); err != nil {
			t.Fatal(err)
		}
	})
	return keyFile
}

// withFaults returns a second app over the same IdP key and session keys whose embedded
// backend injects faults: a browser signed in on a keeps its session there.
func (a *testApp) withFaults(t testing.TB, faults string, env map[string]string) *testApp {
	t.Helper()
	e := map[string]string{"BFF_FAULTS": faults}
	for k, v := range env {
		e[k] = v
	}
	return newTestApp(t, e)
}

// advanceClock moves the BFF's session clock to at (the IdP and verifier keep real time).
func (a *testApp) advanceClock(at time.Time) {
	offset := time.Until(at)
	a.h.sess.now = func() time.Time { return time.Now().Add(offset) }
}
