package server_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"bffsuite.dev/shared/problem"
	"bffsuite.dev/shared/server"
	"github.com/gin-gonic/gin"
)

// startLocal runs an engine with one JSON route (POST /orders) on the local server, as a
// BFF's main does, and returns its address.
func startLocal(t *testing.T) string {
	t.Helper()
	cfg := server.Config{RequestBudget: 5 * time.Second, GatewayTimeout: 29 * time.Second, GatewayMargin: time.Second,
		MaxBodyBytes: 1 << 20, ShutdownTimeout: 2 * time.Second}
	logger := slog.New(slog.NewJSONHandler(io.Discard, nil))
	e := server.NewEngine(server.EngineOptions{Config: cfg, Logger: logger})
	e.POST("/orders", func(c *gin.Context) { c.JSON(http.StatusCreated, gin.H{"ok": true}) })
	ctx, cancel := context.WithCancel(context.Background())
	addr := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- server.Run(ctx, e, server.RunOptions{Name: "test", Addr: "127.0.0.1:0", Config: cfg, Logger: logger,
			Listening: func(a net.Addr) { addr <- a.String() }})
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("server.Run = %v", err)
		}
	})
	select {
	case a := <-addr:
		return a
	case err := <-done:
		t.Fatalf("server.Run = %v before listening", err)
	case <-time.After(10 * time.Second):
		t.Fatal("the local server did not start")
	}
	return ""
}

// rawRequest writes raw bytes on a new connection (while reading, as a client still sending
// would) and parses the response.
func rawRequest(t *testing.T, addr, raw string) (*http.Response, []byte) {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	go func() { _, _ = io.WriteString(conn, raw) }()
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("read response: %v", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read body: %v", err)
	}
	return resp, body
}

// TestProtocolErrors: every error a client can provoke at the HTTP level, including those net/http
// answers by itself before any handler, is RFC 9457 problem+json with a code and a correlation ID;
// form posts to unknown paths are 404, not 415. Sent over raw TCP to the local server.
func TestProtocolErrors(t *testing.T) {
	addr := startLocal(t)
	head := func(lines ...string) string { return strings.Join(lines, "\r\n") + "\r\n\r\n" }
	form := "a=1&b=2"
	tests := []struct {
		name     string
		raw      string
		status   int
		code     string
		wantCorr string // the client's correlation ID, when the request was parsed
	}{
		{"head over 64 KiB", head("GET /healthz HTTP/1.1", "Host: x", "X-Correlation-ID: big-head-1", "X-Big: "+strings.Repeat("a", 70<<10)),
			431, problem.CodeHeaderTooLarge, "big-head-1"},
		{"head over net/http's limit", head("GET /healthz HTTP/1.1", "Host: x", "X-Big: "+strings.Repeat("a", 1<<20+8<<10)),
			431, problem.CodeHeaderTooLarge, ""},
		{"control byte in a header value", head("GET /healthz HTTP/1.1", "Host: x", "X-Note: a\x01b"), 400, problem.CodeMalformedRequest, ""},
		{"NUL in a header value", head("GET /healthz HTTP/1.1", "Host: x", "X-Note: a\x00b"), 400, problem.CodeMalformedRequest, ""},
		{"space in a header name", head("GET /healthz HTTP/1.1", "Host: x", "X Note: a"), 400, problem.CodeMalformedRequest, ""},
		{"missing Host", head("GET /healthz HTTP/1.1"), 400, problem.CodeMalformedRequest, ""},
		{"malformed request line", head("GET/healthz", "Host: x"), 400, problem.CodeMalformedRequest, ""},
		{"HTTP/2.0 request line", head("GET /healthz HTTP/2.0", "Host: x"), 505, problem.CodeHTTPVersion, ""},
		{"unknown Transfer-Encoding", head("POST /orders HTTP/1.1", "Host: x", "Transfer-Encoding: gzip", "Content-Type: application/json"),
			501, problem.CodeTransferEncoding, ""},
		{"Expect other than 100-continue", head("GET /healthz HTTP/1.1", "Host: x", "Expect: teapot"), 417, problem.CodeExpectationFailed, ""},
		{"form POST to an unknown path", head("POST /nope HTTP/1.1", "Host: x", "X-Correlation-ID: form-post-1",
			"Content-Type: application/x-www-form-urlencoded", "Content-Length: 7") + form, 404, problem.CodeNotFound, "form-post-1"},
		{"form POST with a wrong method", head("PUT /orders HTTP/1.1", "Host: x",
			"Content-Type: application/x-www-form-urlencoded", "Content-Length: 7") + form, 405, problem.CodeMethodNotAllowed, ""},
		{"form POST to a JSON route", head("POST /orders HTTP/1.1", "Host: x",
			"Content-Type: application/x-www-form-urlencoded", "Content-Length: 7") + form, 415, problem.CodeUnsupportedMedia, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := rawRequest(t, addr, tt.raw)
			if resp.StatusCode != tt.status {
				t.Fatalf("status = %d %q, want %d", resp.StatusCode, body, tt.status)
			}
			if ct := resp.Header.Get("Content-Type"); ct != problem.ContentType {
				t.Fatalf("Content-Type = %q (body %q), want %s", ct, body, problem.ContentType)
			}
			var p problem.Problem
			if err := json.Unmarshal(body, &p); err != nil {
				t.Fatalf("body %q: %v", body, err)
			}
			if p.Code != tt.code || p.Status != tt.status || p.Type != problem.TypePrefix+tt.code || p.Title == "" || p.Detail == "" {
				t.Errorf("problem = %+v, want code %s, status %d, type, title and detail", p, tt.code, tt.status)
			}
			if p.CorrelationID == "" || resp.Header.Get("X-Correlation-ID") != p.CorrelationID {
				t.Errorf("correlation ID: body %q, header %q, want the same non-empty ID", p.CorrelationID, resp.Header.Get("X-Correlation-ID"))
			}
			if tt.wantCorr != "" && p.CorrelationID != tt.wantCorr {
				t.Errorf("correlation ID = %q, want the client's %q", p.CorrelationID, tt.wantCorr)
			}
		})
	}
	t.Run("a valid request on the same server", func(t *testing.T) {
		resp, body := rawRequest(t, addr, head("POST /orders HTTP/1.1", "Host: x", "Content-Type: application/json", "Content-Length: 2", "Connection: close")+"{}")
		if resp.StatusCode != http.StatusCreated || !strings.Contains(string(body), `"ok":true`) {
			t.Errorf("POST /orders = %d %s, want 201", resp.StatusCode, body)
		}
	})
}
