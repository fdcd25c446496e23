package app

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestPagesGzippedAuthNot: /api pages are gzipped for browsers that accept it (API Gateway
// HTTP APIs do not compress), /auth responses, which carry the CSRF token, never are.
func TestPagesGzippedAuthNot(t *testing.T) {
	a := newTestApp(t, nil)
	b := a.browser(t)
	b.login("demo@example.com", "Demo-Passw0rd!")
	tests := []struct {
		path     string
		wantGzip bool
	}{
		{"/api/home", true},
		{"/api/products?page_size=24", true},
		{"/auth/session", false},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			req := httptest.NewRequest("GET", tt.path, nil)
			req.Header.Set("Accept-Encoding", "gzip, deflate, br")
			for name, value := range b.jar {
				req.AddCookie(&http.Cookie{Name: name, Value: value})
			}
			rec := httptest.NewRecorder()
			a.engine.ServeHTTP(rec, req)
			gotGzip := rec.Header().Get("Content-Encoding") == "gzip"
			if rec.Code != 200 || gotGzip != tt.wantGzip {
				t.Fatalf("GET %s = %d gzip=%v, want 200 gzip=%v", tt.path, rec.Code, gotGzip, tt.wantGzip)
			}
			body := rec.Body.Bytes()
			if gotGzip {
				zr, err := gzip.NewReader(bytes.NewReader(body))
				if err != nil {
					t.Fatalf("gzip.NewReader: %v", err)
				}
				if body, err = io.ReadAll(zr); err != nil {
					t.Fatalf("gunzip: %v", err)
				}
			}
			if !json.Valid(body) {
				t.Errorf("GET %s body is not JSON after decoding: %.100q", tt.path, body)
			}
		})
	}
}
