package apidocs_test

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"bffsuite.dev/shared/apidocs"
	"bffsuite.dev/shared/problem"
	"github.com/gin-gonic/gin"
)

const doc = `{"openapi":"3.1.0","info":{"title":"Shop <b>API</b>","version":"2.1.0","description":"First paragraph.\n\nSecond <script>alert(1)</script>."},
"security":[{"bearer":[]}],
"paths":{
 "/healthz":{"get":{"operationId":"health","summary":"Liveness","security":[],"responses":{"200":{"description":"ok","content":{"application/json":{"schema":{"type":"object"},"example":{"status":"ok"}}}}}}},
 "/orders":{"post":{"operationId":"placeOrder","summary":"Place an order","security":[{"session":[],"csrf":[]}],
   "parameters":[{"name":"Idempotency-Key","in":"header","required":true,"schema":{"type":"string"},"example":"k-1"}],
   "requestBody":{"content":{"application/json":{"schema":{"$ref":"#/components/schemas/PlaceOrder"},"example":{"sku":"A-1"}}}},
   "responses":{"201":{"description":"placed","content":{"application/json":{"schema":{"$ref":"#/components/schemas/Session"},"example":{"authenticated":true}}}},"4XX":{"$ref":"#/components/responses/Problem"}}}},
 "/me":{"get":{"operationId":"me","summary":"Who am I","responses":{"200":{"description":"me","content":{"application/json":{"schema":{"type":"object"}}}}}}},
 "/partner":{"get":{"operationId":"partner","security":[{},{"oauth":["shop/orders.read"]}],"responses":{"204":{"description":"none"}}}}},
"components":{
 "securitySchemes":{
  "bearer":{"type":"http","scheme":"bearer","bearerFormat":"JWT","description":"Access token."},
  "session":{"type":"apiKey","in":"cookie","name":"__Host-sid","description":"Session cookie."},
  "csrf":{"type":"apiKey","in":"header","name":"X-CSRF-Token"},
  "oauth":{"type":"oauth2","flows":{"clientCredentials":{"tokenUrl":"/oauth2/token","scopes":{"shop/orders.read":"Read orders."}}}}},
 "responses":{"Problem":{"description":"problem","content":{"application/problem+json":{"schema":{"type":"object"}}}}},
 "schemas":{
  "PlaceOrder":{"type":"object","required":["sku"],"properties":{"sku":{"type":"string","description":"Stock unit."},"note":{"type":"string"}}},
  "Session":{"oneOf":[{"title":"signed in","type":"object","required":["authenticated","user"],"properties":{"authenticated":{"const":true},"user":{"type":"string"}}},
                      {"title":"signed out","type":"object","properties":{"authenticated":{"const":false}}}]}}}}`

func TestRender(t *testing.T) {
	b, err := apidocs.Render([]byte(doc))
	if err != nil {
		t.Fatalf("Render = %v", err)
	}
	page := string(b)
	if err := apidocs.CheckPage(page, []byte(doc)); err != nil {
		t.Errorf("CheckPage(Render) = %v, want nil", err)
	}
	for _, want := range []string{
		"<h1>Shop &lt;b&gt;API&lt;/b&gt; <small>v2.1.0</small></h1>",
		"Second &lt;script&gt;alert(1)&lt;/script&gt;.",
		`<code>bearer</code>: Authorization: Bearer (JWT)`,
		`<code>session</code>: cookie __Host-sid`,
		`<code>csrf</code>: header X-CSRF-Token`,
		"<code>POST /oauth2/token</code>",
		"<code>shop/orders.read</code></td><td>Read orders.",
		"credentials: <code>csrf + session</code>",
		"credentials: <code>none</code> or <code>oauth scope shop/orders.read</code>",
		"credentials: <code>bearer</code>", // root security applies to /me
		"Operation ID <code>health</code>; no credentials needed",
		"Example: <code>k-1</code>",
		"&#34;sku&#34;: &#34;A-1&#34;", // request example
		"Example 201 response",
		"<code>sku</code> (required)",
		"<h4>signed in</h4>", "<h4>signed out</h4>", "Always true.",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
}

func TestRenderRejects(t *testing.T) {
	for _, bad := range []string{`{`, `[]`, `{"openapi":"3.1.0"}`} {
		if _, err := apidocs.Render([]byte(bad)); err == nil {
			t.Errorf("Render(%s) = nil error, want one", bad)
		}
	}
}

func TestCheckPage(t *testing.T) {
	b, err := apidocs.Render([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	page := string(b)
	tests := []struct{ name, page, want string }{
		{"operation missing", strings.ReplaceAll(page, `data-operation="me"`, ""), "lacks operation me"},
		{"scheme missing", strings.ReplaceAll(page, `id="scheme-csrf"`, ""), "lacks security scheme csrf"},
		{"script", page + "<script>x()</script>", "contains a script"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := apidocs.CheckPage(tt.page, []byte(doc)); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("CheckPage = %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

// TestHandler: the page renders on the first request, not when the route is built (a broken
// document does not fail the cold start), and carries its CSP and cache headers.
func TestHandler(t *testing.T) {
	gin.SetMode(gin.TestMode)
	tests := []struct {
		name       string
		doc        string
		wantStatus int
		wantType   string
	}{
		{"valid document", doc, http.StatusOK, "text/html; charset=utf-8"},
		{"broken document fails on request", `{"paths":`, http.StatusInternalServerError, "application/problem+json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := gin.New()
			r.Use(problem.Middleware(slog.New(slog.DiscardHandler)))
			r.GET("/docs", apidocs.Handler([]byte(tt.doc)))
			for range 2 {
				rec := httptest.NewRecorder()
				r.ServeHTTP(rec, httptest.NewRequest("GET", "/docs", nil))
				if rec.Code != tt.wantStatus || !strings.HasPrefix(rec.Header().Get("Content-Type"), tt.wantType) {
					t.Fatalf("GET /docs = %d %q, want %d %q", rec.Code, rec.Header().Get("Content-Type"), tt.wantStatus, tt.wantType)
				}
				if got := rec.Header().Get("Content-Security-Policy"); got != apidocs.ContentSecurityPolicy {
					t.Errorf("CSP = %q, want %q", got, apidocs.ContentSecurityPolicy)
				}
			}
		})
	}
}
