package app

import (
	"net/http/httptest"
	"strings"
	"testing"

	"bffsuite.dev/shared/apidocs"
	"bffsuite.dev/shared/testenv"
)

// TestDocs: GET /docs serves the offline reference of openapi.json (every operation, the
// cookie and CSRF schemes, no script) under the page's own CSP.
func TestDocs(t *testing.T) {
	a := newTestApp(t, nil)
	res := a.browser(t).do("GET", "/docs", nil)
	if res.status != 200 || !strings.HasPrefix(res.header.Get("Content-Type"), "text/html") {
		t.Fatalf("GET /docs = %d %q, want 200 text/html", res.status, res.header.Get("Content-Type"))
	}
	if got := res.header.Get("Content-Security-Policy"); got != apidocs.ContentSecurityPolicy {
		t.Errorf("GET /docs CSP = %q, want %q", got, apidocs.ContentSecurityPolicy)
	}
	page := string(res.body)
	if err := apidocs.CheckPage(page, OpenAPIDocument); err != nil {
		t.Errorf("GET /docs: %v", err)
	}
	// API Gateway does not compress; the page (about 70 KB) goes out gzipped like /api.
	if gz := a.browser(t).do("GET", "/docs", nil, "Accept-Encoding", "gzip"); gz.header.Get("Content-Encoding") != "gzip" || len(gz.body) >= len(res.body)/3 {
		t.Errorf("GET /docs with Accept-Encoding: gzip = %q, %d bytes of %d, want gzip under a third", gz.header.Get("Content-Encoding"), len(gz.body), len(res.body))
	}
	for _, want := range []string{"__Host-bff_session", "X-CSRF-Token", "csrf + session", `id="schema-Session"`, "Example 200 response"} {
		if !strings.Contains(page, want) {
			t.Errorf("GET /docs lacks %q", want)
		}
	}
}

// TestDocsPage renders GET /docs in headless Chromium: every documented operation appears.
func TestDocsPage(t *testing.T) {
	a := newTestApp(t, nil)
	srv := httptest.NewServer(a.engine)
	defer srv.Close()
	if err := apidocs.CheckPage(testenv.DumpDOM(t, srv.URL+"/docs"), OpenAPIDocument); err != nil {
		t.Errorf("rendered /docs: %v", err)
	}
}
