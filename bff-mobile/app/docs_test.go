package app

import (
	"net/http/httptest"
	"strings"
	"testing"

	"bffsuite.dev/shared/apidocs"
	"bffsuite.dev/shared/testenv"
)

// TestDocs: GET /docs serves the offline reference of openapi.json (every operation, the
// bearer scheme, no script) under the page's own CSP, without an app version header.
func TestDocs(t *testing.T) {
	f := newFixture(t, nil)
	f.version, f.platform = "", ""
	r := f.do(req{method: "GET", path: "/docs"})
	if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") {
		t.Fatalf("GET /docs = %d %q, want 200 text/html", r.status, r.header.Get("Content-Type"))
	}
	if got := r.header.Get("Content-Security-Policy"); got != apidocs.ContentSecurityPolicy {
		t.Errorf("GET /docs CSP = %q, want %q", got, apidocs.ContentSecurityPolicy)
	}
	page := string(r.body)
	if err := apidocs.CheckPage(page, OpenAPIDocument); err != nil {
		t.Errorf("GET /docs: %v", err)
	}
	for _, want := range []string{"Authorization: Bearer", "Idempotency-Key", `id="schema-OrderDetail"`, "Example request body"} {
		if !strings.Contains(page, want) {
			t.Errorf("GET /docs lacks %q", want)
		}
	}
}

// TestDocsPage renders GET /docs in headless Chromium: every documented operation appears.
func TestDocsPage(t *testing.T) {
	f := newFixture(t, nil)
	srv := httptest.NewServer(f.engine)
	defer srv.Close()
	if err := apidocs.CheckPage(testenv.DumpDOM(t, srv.URL+"/docs"), OpenAPIDocument); err != nil {
		t.Errorf("rendered /docs: %v", err)
	}
}
