package idempotency_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"bffsuite.dev/shared/domain"
	"bffsuite.dev/shared/idempotency"
	"bffsuite.dev/shared/problem"
	"bffsuite.dev/shared/server"
	"github.com/gin-gonic/gin"
)

// testApp is a server engine with idempotent routes whose handlers count their runs.
type testApp struct {
	engine  *gin.Engine
	runs    atomic.Int64
	fails   atomic.Int64 // /fail answers 502 while > 0
	release chan struct{}
	started chan struct{}
}

func newTestApp(t *testing.T, store idempotency.Store) *testApp {
	t.Helper()
	a := &testApp{release: make(chan struct{}), started: make(chan struct{}, 100)}
	e := server.NewEngine(server.EngineOptions{Logger: slog.New(slog.DiscardHandler), Config: server.Config{RequestBudget: 10 * time.Second,
		GatewayTimeout: 29 * time.Second, GatewayMargin: time.Second, MaxBodyBytes: 1 << 20}})
	scope := func(c *gin.Context) string { return c.GetHeader("X-Test-Tenant") }
	required := idempotency.Middleware(store, idempotency.Options{Required: true, Scope: scope})
	created := func(c *gin.Context) {
		n := a.runs.Add(1)
		body, _ := c.GetRawData()
		_, key, _ := idempotency.KeyFrom(c)
		c.Header("Location", fmt.Sprintf("/things/%d", n))
		c.JSON(http.StatusCreated, gin.H{"run": n, "key": key, "body_bytes": len(body)})
	}
	e.POST("/things", required, created)
	e.POST("/fail", required, func(c *gin.Context) {
		if a.fails.Add(-1) >= 0 {
			problem.Abort(c, fmt.Errorf("place thing: %w", domain.ErrUnavailable))
			return
		}
		created(c)
	})
	e.POST("/invalid", required, func(c *gin.Context) {
		a.runs.Add(1)
		v := &domain.ValidationError{}
		v.Add("name", "required", "must not be empty")
		problem.Abort(c, v)
	})
	e.POST("/slow", required, func(c *gin.Context) {
		a.started <- struct{}{}
		<-a.release
		created(c)
	})
	e.POST("/optional", idempotency.Middleware(store, idempotency.Options{Scope: scope}), created)
	a.engine = e
	return a
}

type reply struct {
	status int
	header http.Header
	body   []byte
}

func (a *testApp) post(t *testing.T, path, tenant, key, body string) reply {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if tenant != "" {
		req.Header.Set("X-Test-Tenant", tenant)
	}
	if key != "" {
		req.Header.Set(idempotency.HeaderKey, key)
	}
	w := httptest.NewRecorder()
	a.engine.ServeHTTP(w, req)
	return reply{w.Code, w.Header(), w.Body.Bytes()}
}

func problemCode(t *testing.T, body []byte) string {
	t.Helper()
	var p struct {
		Code string `json:"code"`
	}
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatalf("problem body %q: %v", body, err)
	}
	return p.Code
}

func orderBody(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("testdata/order_request.json")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestMiddlewareKeyValidation(t *testing.T) {
	a := newTestApp(t, idempotency.NewMemory())
	body := orderBody(t)
	tests := []struct {
		name, key  string
		wantStatus int
		wantCode   string
	}{
		{"missing key", "", 400, idempotency.CodeKeyMissing},
		{"too long", strings.Repeat("k", 256), 400, idempotency.CodeKeyInvalid},
		{"control character", "abc\x01", 400, idempotency.CodeKeyInvalid},
		{"bad escape", `"a\b"`, 400, idempotency.CodeKeyInvalid},
		{"empty quoted", `""`, 400, idempotency.CodeKeyInvalid},
		{"bare token", "8e03978e-40d5-43e8-bc93-6894a57f9324", 201, ""},
		{"structured string", `"9f03978e-40d5-43e8-bc93-6894a57f9324"`, 201, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := a.post(t, "/things", "tenant-a", tc.key, body)
			if r.status != tc.wantStatus {
				t.Fatalf("POST /things key %q = %d %s, want %d", tc.key, r.status, r.body, tc.wantStatus)
			}
			if tc.wantCode != "" {
				if got := problemCode(t, r.body); got != tc.wantCode {
					t.Errorf("POST /things key %q code = %s, want %s", tc.key, got, tc.wantCode)
				}
				if ct := r.header.Get("Content-Type"); ct != problem.ContentType {
					t.Errorf("POST /things key %q Content-Type = %s, want %s", tc.key, ct, problem.ContentType)
				}
			}
		})
	}
	t.Run("two headers", func(t *testing.T) {
		req := httptest.NewRequest(http.MethodPost, "/things", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Test-Tenant", "tenant-a")
		req.Header.Add(idempotency.HeaderKey, "one")
		req.Header.Add(idempotency.HeaderKey, "two")
		w := httptest.NewRecorder()
		a.engine.ServeHTTP(w, req)
		if w.Code != 400 {
			t.Errorf("POST /things with two keys = %d, want 400", w.Code)
		}
	})
	t.Run("quoted and bare forms are the same key", func(t *testing.T) {
		first := a.post(t, "/things", "tenant-a", "same-key-1", body)
		second := a.post(t, "/things", "tenant-a", `"same-key-1"`, body)
		if first.status != 201 || second.status != 201 || second.header.Get(idempotency.HeaderReplayed) != "true" {
			t.Errorf("POST bare then quoted = %d, %d replayed=%q, want 201, 201 replayed=true",
				first.status, second.status, second.header.Get(idempotency.HeaderReplayed))
		}
	})
}

func TestMiddlewareSemantics(t *testing.T) {
	for _, st := range stores() {
		t.Run(st.name, func(t *testing.T) {
			a := newTestApp(t, st.open(t))
			body := orderBody(t)

			first := a.post(t, "/things", "tenant-a", "key-1", body)
			if first.status != http.StatusCreated || first.header.Get(idempotency.HeaderReplayed) != "" {
				t.Fatalf("first POST = %d replayed=%q %s, want 201 not replayed", first.status, first.header.Get(idempotency.HeaderReplayed), first.body)
			}
			t.Run("same key same body replays", func(t *testing.T) {
				// Whitespace differences do not change the JSON fingerprint.
				r := a.post(t, "/things", "tenant-a", "key-1", "  "+strings.ReplaceAll(body, "\n", " "))
				if r.status != first.status || !bytes.Equal(r.body, first.body) || r.header.Get("Location") != first.header.Get("Location") {
					t.Errorf("replay = %d %s Location %q, want %d %s Location %q", r.status, r.body, r.header.Get("Location"),
						first.status, first.body, first.header.Get("Location"))
				}
				if r.header.Get(idempotency.HeaderReplayed) != "true" {
					t.Errorf("replay Idempotent-Replayed = %q, want true", r.header.Get(idempotency.HeaderReplayed))
				}
				if got := a.runs.Load(); got != 1 {
					t.Errorf("handler runs = %d, want 1", got)
				}
			})
			t.Run("same key other body is 422", func(t *testing.T) {
				r := a.post(t, "/things", "tenant-a", "key-1", `{"lines":[]}`)
				if r.status != http.StatusUnprocessableEntity || problemCode(t, r.body) != idempotency.CodeKeyReused {
					t.Errorf("POST other body = %d %s, want 422 %s", r.status, r.body, idempotency.CodeKeyReused)
				}
			})
			t.Run("same key other path is 422", func(t *testing.T) {
				r := a.post(t, "/optional", "tenant-a", "key-1", body)
				if r.status != http.StatusUnprocessableEntity {
					t.Errorf("POST /optional with key-1 = %d %s, want 422", r.status, r.body)
				}
			})
			t.Run("keys are scoped per tenant", func(t *testing.T) {
				r := a.post(t, "/things", "tenant-b", "key-1", body)
				if r.status != http.StatusCreated || r.header.Get(idempotency.HeaderReplayed) != "" {
					t.Errorf("tenant-b POST key-1 = %d replayed=%q, want a fresh 201", r.status, r.header.Get(idempotency.HeaderReplayed))
				}
			})
			t.Run("server error releases the key", func(t *testing.T) {
				a.fails.Store(1)
				r1 := a.post(t, "/fail", "tenant-a", "key-fail", body)
				r2 := a.post(t, "/fail", "tenant-a", "key-fail", body)
				if r1.status != http.StatusBadGateway || r2.status != http.StatusCreated || r2.header.Get(idempotency.HeaderReplayed) != "" {
					t.Errorf("POST /fail twice = %d, %d (replayed %q), want 502 then a fresh 201", r1.status, r2.status, r2.header.Get(idempotency.HeaderReplayed))
				}
			})
			t.Run("client error is stored and replayed", func(t *testing.T) {
				before := a.runs.Load()
				r1 := a.post(t, "/invalid", "tenant-a", "key-invalid", body)
				r2 := a.post(t, "/invalid", "tenant-a", "key-invalid", body)
				if r1.status != 400 || r2.status != 400 || !bytes.Equal(r1.body, r2.body) || r2.header.Get(idempotency.HeaderReplayed) != "true" {
					t.Errorf("POST /invalid twice = %d, %d replayed=%q, want 400 twice, second replayed", r1.status, r2.status, r2.header.Get(idempotency.HeaderReplayed))
				}
				if r2.header.Get("Content-Type") != problem.ContentType {
					t.Errorf("replayed problem Content-Type = %q, want %s", r2.header.Get("Content-Type"), problem.ContentType)
				}
				if got := a.runs.Load() - before; got != 1 {
					t.Errorf("handler runs = %d, want 1", got)
				}
			})
			t.Run("optional without key runs every time", func(t *testing.T) {
				before := a.runs.Load()
				a.post(t, "/optional", "tenant-a", "", body)
				a.post(t, "/optional", "tenant-a", "", body)
				if got := a.runs.Load() - before; got != 2 {
					t.Errorf("handler runs = %d, want 2", got)
				}
			})
			t.Run("in progress is 409 with Retry-After", func(t *testing.T) {
				done := make(chan reply, 1)
				go func() { done <- a.post(t, "/slow", "tenant-a", "key-slow", body) }()
				<-a.started
				r := a.post(t, "/slow", "tenant-a", "key-slow", body)
				close(a.release)
				if r.status != http.StatusConflict || problemCode(t, r.body) != idempotency.CodeKeyInProgress || r.header.Get("Retry-After") == "" {
					t.Errorf("POST while running = %d %s Retry-After %q, want 409 %s with Retry-After", r.status, r.body, r.header.Get("Retry-After"), idempotency.CodeKeyInProgress)
				}
				if first := <-done; first.status != http.StatusCreated {
					t.Errorf("slow POST = %d, want 201", first.status)
				}
			})
		})
	}
}

// TestMiddlewareConcurrent: 50 concurrent requests with one key run the handler once; every
// other one is a replay or a 409.
func TestMiddlewareConcurrent(t *testing.T) {
	for _, st := range stores() {
		t.Run(st.name, func(t *testing.T) {
			a := newTestApp(t, st.open(t))
			body := orderBody(t)
			const n = 50
			replies := make([]reply, n)
			var wg sync.WaitGroup
			for i := range n {
				wg.Go(func() { replies[i] = a.post(t, "/things", "tenant-c", "key-race", body) })
			}
			wg.Wait()
			counts := map[string]int{}
			for _, r := range replies {
				switch {
				case r.status == 201 && r.header.Get(idempotency.HeaderReplayed) == "true":
					counts["replay"]++
				case r.status == 201:
					counts["created"]++
				case r.status == 409:
					counts["conflict"]++
				default:
					counts[fmt.Sprint(r.status)]++
				}
			}
			if counts["created"] != 1 || counts["created"]+counts["replay"]+counts["conflict"] != n {
				t.Errorf("50 concurrent POSTs = %v, want exactly 1 created and the rest replays or 409s", counts)
			}
			if got := a.runs.Load(); got != 1 {
				t.Errorf("handler runs = %d, want 1", got)
			}
		})
	}
}

func TestDeriveID(t *testing.T) {
	a := idempotency.DeriveID("ord_", "orders", "partner:acme", "k1")
	tests := []struct {
		name            string
		ns, scope, key  string
		wantSameAsFirst bool
	}{
		{"same inputs", "orders", "partner:acme", "k1", true},
		{"other scope", "orders", "partner:globex", "k1", false},
		{"other key", "orders", "partner:acme", "k2", false},
		{"other namespace", "carts", "partner:acme", "k1", false},
		{"separator is not ambiguous", "orders", "partner:acme\x00k", "1", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := idempotency.DeriveID("ord_", tc.ns, tc.scope, tc.key)
			if (got == a) != tc.wantSameAsFirst {
				t.Errorf("DeriveID(%q, %q, %q) = %s, first = %s, want same=%v", tc.ns, tc.scope, tc.key, got, a, tc.wantSameAsFirst)
			}
			if len(got) != 30 || !strings.HasPrefix(got, "ord_") {
				t.Errorf("DeriveID(...) = %q, want ord_ and 26 characters", got)
			}
		})
	}
}

func TestStoreFailureIsUnavailable(t *testing.T) {
	a := newTestApp(t, failingStore{idempotency.NewMemory()})
	r := a.post(t, "/things", "tenant-a", "key-x", orderBody(t))
	if r.status != http.StatusBadGateway || problemCode(t, r.body) != problem.CodeUnavailable {
		t.Errorf("POST with a failing store = %d %s, want 502 %s", r.status, r.body, problem.CodeUnavailable)
	}
	if strings.Contains(string(r.body), "boom") {
		t.Errorf("problem body %s leaks the internal error", r.body)
	}
}

type failingStore struct{ *idempotency.Memory }

func (failingStore) Acquire(context.Context, string, idempotency.Record, time.Time) (*idempotency.Record, error) {
	return nil, errors.New("boom")
}

type noopStore struct{}

func (noopStore) Acquire(context.Context, string, idempotency.Record, time.Time) (*idempotency.Record, error) {
	return nil, nil
}
func (noopStore) Complete(context.Context, string, idempotency.Record) error { return nil }
func (noopStore) Release(context.Context, string, string) error              { return nil }

// BenchmarkMiddleware measures the layer in process: a POST with a fresh key through the
// middleware with the memory store, with a store that keeps nothing, and without the middleware.
func BenchmarkMiddleware(b *testing.B) {
	body := []byte(`{"lines":[{"sku":"HEA-AUR-0002","quantity":1}],"shipping_address":{"name":"Grace Hopper","line1":"12 Harbour Road","city":"Hamburg","postal_code":"20457","country":"DE"}}`)
	gin.SetMode(gin.ReleaseMode)
	handler := func(c *gin.Context) {
		_, _ = c.GetRawData()
		c.JSON(http.StatusCreated, gin.H{"id": "ord_x", "status": "pending"})
	}
	scope := func(*gin.Context) string { return "partner:acme" }
	for _, tc := range []struct {
		name string
		mw   []gin.HandlerFunc
	}{
		{"memory", []gin.HandlerFunc{idempotency.Middleware(idempotency.NewMemory(), idempotency.Options{Required: true, Scope: scope})}},
		{"no-store", []gin.HandlerFunc{idempotency.Middleware(noopStore{}, idempotency.Options{Required: true, Scope: scope})}},
		{"no-middleware", nil},
	} {
		b.Run(tc.name, func(b *testing.B) {
			e := gin.New()
			e.POST("/orders", append(tc.mw, handler)...)
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				req := httptest.NewRequest(http.MethodPost, "/orders", bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set(idempotency.HeaderKey, fmt.Sprintf("key-%d", i))
				w := httptest.NewRecorder()
				e.ServeHTTP(w, req)
				if w.Code != http.StatusCreated {
					b.Fatalf("POST = %d", w.Code)
				}
			}
		})
	}
}
