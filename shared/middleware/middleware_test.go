package middleware_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"bffsuite.dev/shared/domain"
	"bffsuite.dev/shared/logging"
	"bffsuite.dev/shared/middleware"
	"bffsuite.dev/shared/problem"
	"github.com/gin-gonic/gin"
)

func init() { gin.SetMode(gin.TestMode) }

func TestValidCorrelationID(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"abcd1234", true},
		{"c6af9ac6-7b61-11e6-9a41-93e8deadbeef", true},
		{"Root:1.5e9f_x", true},
		{"short", false},
		{strings.Repeat("a", 129), false},
		{"has space 1234", false},
		{"new\nline12345", false},
		{"quote\"123456", false},
		{"LV7fzho-PHcEJPw=", false},
	}
	for _, tt := range tests {
		if got := middleware.ValidCorrelationID(tt.in); got != tt.want {
			t.Errorf("ValidCorrelationID(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestEffectiveDeadline(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	cfg := middleware.DeadlineConfig{Budget: 10 * time.Second, GatewayLimit: 29 * time.Second, GatewayMargin: time.Second, LambdaMargin: 500 * time.Millisecond}
	tests := []struct {
		name   string
		lambda time.Duration // remaining Lambda time, 0 = none
		cfg    middleware.DeadlineConfig
		want   time.Duration
	}{
		{"budget wins", 0, cfg, 10 * time.Second},
		{"lambda deadline minus margin wins", 3 * time.Second, cfg, 2500 * time.Millisecond},
		{"gateway limit wins over a long budget", 0, middleware.DeadlineConfig{Budget: time.Minute, GatewayLimit: 29 * time.Second, GatewayMargin: time.Second}, 28 * time.Second},
		{"nothing configured falls back to 29s", 0, middleware.DeadlineConfig{}, 29 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			if tt.lambda > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithDeadline(ctx, start.Add(tt.lambda))
				defer cancel()
			}
			if got := middleware.EffectiveDeadline(ctx, start, tt.cfg).Sub(start); got != tt.want {
				t.Errorf("EffectiveDeadline(%s) = %v, want %v", tt.name, got, tt.want)
			}
		})
	}
}

func newEngine(logs io.Writer, mw ...gin.HandlerFunc) *gin.Engine {
	logger := slog.New(slog.NewJSONHandler(logs, nil))
	r := gin.New()
	r.Use(middleware.Recovery(logger), middleware.Correlation(), middleware.RequestLog(logger), problem.Middleware(logger))
	r.Use(mw...)
	return r
}

func decodeProblem(t *testing.T, w *httptest.ResponseRecorder) problem.Problem {
	t.Helper()
	var p problem.Problem
	if ct := w.Header().Get("Content-Type"); ct != problem.ContentType {
		t.Fatalf("Content-Type = %q, want %q (body %s)", ct, problem.ContentType, w.Body)
	}
	if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil {
		t.Fatalf("decode problem %s: %v", w.Body, err)
	}
	return p
}

func TestErrorMapping(t *testing.T) {
	verr := &domain.ValidationError{}
	verr.Add("lines[0].quantity", "out_of_range", "must be between 1 and 99")
	tests := []struct {
		err        error
		wantStatus int
		wantCode   string
	}{
		{fmt.Errorf("get product p1: %w", domain.ErrNotFound), 404, "not_found"},
		{fmt.Errorf("place order: %w", domain.ErrInsufficientStock), 409, "insufficient_stock"},
		{fmt.Errorf("cancel: %w", domain.ErrInvalidTransition), 409, "invalid_transition"},
		{domain.ErrConflict, 409, "conflict"},
		{domain.ErrInvalidCursor, 400, "invalid_cursor"},
		{fmt.Errorf("orders: %w", domain.ErrUnavailable), 502, "dependency_unavailable"},
		{fmt.Errorf("orders: %w: %w", domain.ErrUnavailable, context.DeadlineExceeded), 504, "timeout"},
		{context.DeadlineExceeded, 504, "timeout"},
		{fmt.Errorf("place order: %w", verr), 400, "validation_failed"},
		{problem.New(http.StatusTooManyRequests, "rate_limited", "slow down").WithHeader("Retry-After", "3"), 429, "rate_limited"},
		{errors.New("dynamodb: connection refused at 10.0.0.1 secret-table"), 500, "internal_error"},
	}
	for _, tt := range tests {
		t.Run(tt.wantCode, func(t *testing.T) {
			var logs bytes.Buffer
			r := newEngine(&logs)
			r.GET("/x", func(c *gin.Context) { problem.Abort(c, tt.err) })
			w := httptest.NewRecorder()
			r.ServeHTTP(w, httptest.NewRequest("GET", "/x", nil))
			p := decodeProblem(t, w)
			if w.Code != tt.wantStatus || p.Code != tt.wantCode || p.Status != tt.wantStatus {
				t.Errorf("Abort(%v) = %d %q, want %d %q", tt.err, w.Code, p.Code, tt.wantStatus, tt.wantCode)
			}
			if p.CorrelationID == "" || p.CorrelationID != w.Header().Get(middleware.HeaderCorrelationID) {
				t.Errorf("correlation_id = %q, header %q, want equal and set", p.CorrelationID, w.Header().Get(middleware.HeaderCorrelationID))
			}
			if strings.Contains(w.Body.String(), "10.0.0.1") || strings.Contains(w.Body.String(), "secret") {
				t.Errorf("body %s leaks the internal error", w.Body)
			}
			if tt.wantCode == "validation_failed" && (len(p.Errors) != 1 || p.Errors[0].Field != "lines[0].quantity") {
				t.Errorf("errors = %+v, want the field error", p.Errors)
			}
			if tt.wantCode == "rate_limited" && w.Header().Get("Retry-After") != "3" {
				t.Errorf("Retry-After = %q, want 3", w.Header().Get("Retry-After"))
			}
			if n := strings.Count(logs.String(), `"msg":"request failed"`) + strings.Count(logs.String(), `"msg":"request rejected"`); n != 1 {
				t.Errorf("error logged %d times, want once:\n%s", n, logs.String())
			}
		})
	}
}

func TestRecoveryAndRequestLog(t *testing.T) {
	var logs bytes.Buffer
	r := newEngine(&logs)
	r.GET("/boom/:id", func(c *gin.Context) { panic("internal detail xyz") })
	req := httptest.NewRequest("GET", "/boom/7?token=sekret", nil)
	req.Header.Set("Authorization", "Bearer eyJhbGciOi.secret.sig")
	req.Header.Set("Cookie", "session=topsecret")
	req.Header.Set(middleware.HeaderCorrelationID, "corr-12345678")
	w := httptest.NewRecorder()
	r.ServeHTTP(w, req)
	p := decodeProblem(t, w)
	if w.Code != 500 || p.Code != "internal_error" || strings.Contains(w.Body.String(), "xyz") {
		t.Fatalf("panic = %d %s, want a 500 problem without internals", w.Code, w.Body)
	}
	out := logs.String()
	for _, secret := range []string{"eyJhbGciOi", "topsecret", "sekret"} {
		if strings.Contains(out, secret) {
			t.Errorf("logs contain %q:\n%s", secret, out)
		}
	}
	var line map[string]any
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		var m map[string]any
		_ = json.Unmarshal([]byte(l), &m)
		if m["msg"] == "request" {
			line = m
		}
	}
	if line == nil || line["route"] != "/boom/:id" || line["status"] != float64(500) || line["method"] != "GET" {
		t.Errorf("request log = %v, want route template, method and status 500", line)
	}
}

func TestCorrelationContext(t *testing.T) {
	r := newEngine(io.Discard)
	var seen string
	r.GET("/x", func(c *gin.Context) { seen = logging.CorrelationID(c.Request.Context()); c.Status(204) })
	tests := []struct {
		header string
		adopt  bool
	}{{"abc-12345678", true}, {"bad id", false}, {"", false}}
	for _, tt := range tests {
		req := httptest.NewRequest("GET", "/x", nil)
		if tt.header != "" {
			req.Header.Set(middleware.HeaderCorrelationID, tt.header)
		}
		w := httptest.NewRecorder()
		r.ServeHTTP(w, req)
		got := w.Header().Get(middleware.HeaderCorrelationID)
		if got != seen || (tt.adopt && got != tt.header) || (!tt.adopt && (got == tt.header || len(got) != 36)) {
			t.Errorf("Correlation(%q) = header %q ctx %q, want adopt=%v", tt.header, got, seen, tt.adopt)
		}
	}
}

func TestBodyLimit(t *testing.T) {
	r := newEngine(io.Discard, middleware.BodyLimit(10))
	r.POST("/x", func(c *gin.Context) {
		if _, err := io.ReadAll(c.Request.Body); err != nil {
			problem.Abort(c, err)
			return
		}
		c.Status(204)
	})
	tests := []struct {
		name   string
		body   string
		length int64
		want   int
	}{
		{"small", "0123456789", 10, 204},
		{"declared too large", strings.Repeat("x", 11), 11, 413},
		{"undeclared too large", strings.Repeat("x", 50), -1, 413},
	}
	for _, tt := range tests {
		req := httptest.NewRequest("POST", "/x", strings.NewReader(tt.body))
		req.ContentLength = tt.length
		w := httptest.NewRecorder()
		r.ServeHTTP(w, req)
		if w.Code != tt.want {
			t.Errorf("BodyLimit(%s) = %d, want %d", tt.name, w.Code, tt.want)
		}
	}
}

func TestCORS(t *testing.T) {
	r := newEngine(io.Discard, middleware.CORS(middleware.CORSConfig{Origins: []string{"https://app.example.com"}, Credentials: true, MaxAge: time.Minute}))
	r.GET("/x", func(c *gin.Context) { c.Status(204) })
	r.OPTIONS("/x", func(c *gin.Context) { c.Status(204) })
	tests := []struct {
		name, method, origin string
		preflight            bool
		wantStatus           int
		wantACAO, wantCreds  string
	}{
		{"allowed simple", "GET", "https://app.example.com", false, 204, "https://app.example.com", "true"},
		{"foreign simple gets no CORS headers", "GET", "https://evil.example", false, 204, "", ""},
		{"allowed preflight", "OPTIONS", "https://app.example.com", true, 204, "https://app.example.com", "true"},
		{"foreign preflight refused", "OPTIONS", "https://evil.example", true, 403, "", ""},
		{"no origin", "GET", "", false, 204, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(tt.method, "/x", nil)
			if tt.origin != "" {
				req.Header.Set("Origin", tt.origin)
			}
			if tt.preflight {
				req.Header.Set("Access-Control-Request-Method", "POST")
			}
			w := httptest.NewRecorder()
			r.ServeHTTP(w, req)
			if w.Code != tt.wantStatus || w.Header().Get("Access-Control-Allow-Origin") != tt.wantACAO || w.Header().Get("Access-Control-Allow-Credentials") != tt.wantCreds {
				t.Errorf("CORS(%s) = %d ACAO %q creds %q, want %d %q %q", tt.name, w.Code,
					w.Header().Get("Access-Control-Allow-Origin"), w.Header().Get("Access-Control-Allow-Credentials"), tt.wantStatus, tt.wantACAO, tt.wantCreds)
			}
		})
	}
}

func TestRequireJSON(t *testing.T) {
	r := newEngine(io.Discard, middleware.RequireJSON(func(p string) bool { return p == "/form" }))
	r.POST("/x", func(c *gin.Context) { c.Status(204) })
	r.POST("/form", func(c *gin.Context) { c.Status(204) })
	tests := []struct {
		path, ct, body string
		want           int
	}{
		{"/x", "application/json", "{}", 204},
		{"/x", "application/merge-patch+json; charset=utf-8", "{}", 204},
		{"/x", "text/plain", "hi", 415},
		{"/x", "", "hi", 415},
		{"/x", "", "", 204},
		{"/form", "application/x-www-form-urlencoded", "a=b", 204},
	}
	for _, tt := range tests {
		req := httptest.NewRequest("POST", tt.path, strings.NewReader(tt.body))
		if tt.ct != "" {
			req.Header.Set("Content-Type", tt.ct)
		}
		w := httptest.NewRecorder()
		r.ServeHTTP(w, req)
		if w.Code != tt.want {
			t.Errorf("RequireJSON(%s %q) = %d, want %d", tt.path, tt.ct, w.Code, tt.want)
		}
	}
}
