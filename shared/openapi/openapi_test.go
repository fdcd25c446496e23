package openapi_test

import (
	"net/http"
	"os"
	"strings"
	"testing"

	"bffsuite.dev/shared/openapi"
	"github.com/gin-gonic/gin"
)

func load(t *testing.T) *openapi.Doc {
	t.Helper()
	b, err := os.ReadFile("testdata/shop.json")
	if err != nil {
		t.Fatal(err)
	}
	d, err := openapi.Load(b)
	if err != nil {
		t.Fatalf("Load(shop.json) = %v, want nil", err)
	}
	return d
}

func TestLoadRejects(t *testing.T) {
	tests := []struct {
		name, doc, want string
	}{
		{"not json", `{`, "parse document"},
		{"swagger 2", `{"swagger":"2.0","paths":{}}`, "want 3.1.x"},
		{"3.0", `{"openapi":"3.0.3","paths":{"/a":{}}}`, "want 3.1.x"},
		{"no paths", `{"openapi":"3.1.0","paths":{}}`, "no paths"},
		{"no responses", `{"openapi":"3.1.0","paths":{"/a":{"get":{}}}}`, "no responses"},
		{"bad status key", `{"openapi":"3.1.0","paths":{"/a":{"get":{"responses":{"2000":{"description":"x"}}}}}}`, "not a status"},
		{"dangling schema ref", `{"openapi":"3.1.0","paths":{"/a":{"get":{"responses":{"200":{"description":"x","content":{"application/json":{"schema":{"$ref":"#/components/schemas/Nope"}}}}}}}}}`, "compile schema"},
		{"dangling response ref", `{"openapi":"3.1.0","paths":{"/a":{"get":{"responses":{"200":{"$ref":"#/components/responses/Nope"}}}}}}`, "not found"},
		{"invalid schema", `{"openapi":"3.1.0","paths":{"/a":{"get":{"responses":{"200":{"description":"x","content":{"application/json":{"schema":{"type":"nonsense"}}}}}}}}}`, "compile schema"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := openapi.Load([]byte(tt.doc))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Load(%s) = %v, want error containing %q", tt.doc, err, tt.want)
			}
		})
	}
}

func TestOperations(t *testing.T) {
	d := load(t)
	var got []string
	for _, o := range d.Operations() {
		got = append(got, o.Method+" "+o.GinPath())
	}
	want := "GET /healthz,GET /products/featured,GET /products/:slug"
	if strings.Join(got, ",") != want {
		t.Errorf("Operations() = %v, want %s", got, want)
	}
	if d.Title != "Shop" || d.Version != "1.0.0" {
		t.Errorf("Title, Version = %q, %q, want Shop, 1.0.0", d.Title, d.Version)
	}
}

func routes(paths ...string) []gin.RouteInfo {
	var out []gin.RouteInfo
	for _, p := range paths {
		m, path, _ := strings.Cut(p, " ")
		out = append(out, gin.RouteInfo{Method: m, Path: path})
	}
	return out
}

func TestCheckRoutes(t *testing.T) {
	d := load(t)
	tests := []struct {
		name   string
		routes []gin.RouteInfo
		ignore []string
		want   []string // substrings of the error; none: nil error
	}{
		{"all match", routes("GET /healthz", "GET /products/:slug", "GET /products/featured"), nil, nil},
		{"ignored extra", routes("GET /healthz", "GET /products/:slug", "GET /products/featured", "GET /local-idp/.well-known/jwks.json"), []string{"/local-idp/"}, nil},
		{"undocumented route", routes("GET /healthz", "GET /products/:slug", "GET /products/featured", "POST /products/:slug"), nil, []string{"POST /products/{slug} is served but not documented"}},
		{"unserved operation", routes("GET /healthz", "GET /products/:slug"), nil, []string{"GET /products/featured is documented but not served"}},
		{"param name differs", routes("GET /healthz", "GET /products/:id", "GET /products/featured"), nil, []string{"GET /products/{slug} is documented but not served", "GET /products/{id} is served but not documented"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := d.CheckRoutes(tt.routes, tt.ignore...)
			if len(tt.want) == 0 {
				if err != nil {
					t.Errorf("CheckRoutes() = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("CheckRoutes() = nil, want errors %q", tt.want)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("CheckRoutes() = %v, want it to contain %q", err, w)
				}
			}
		})
	}
}

func TestCheckRoutesRealEngine(t *testing.T) {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	h := func(c *gin.Context) {}
	r.GET("/healthz", h)
	r.GET("/products/:slug", h)
	r.GET("/products/featured", h)
	if err := load(t).CheckRoutes(r.Routes()); err != nil {
		t.Errorf("CheckRoutes(engine) = %v, want nil", err)
	}
}

func TestValidateResponse(t *testing.T) {
	d := load(t)
	const problemCT = "application/problem+json"
	tests := []struct {
		name, method, path string
		status             int
		ct, body           string
		want               string // "" = valid
	}{
		{"valid product", "GET", "/products/red-shoe", 200, "application/json; charset=utf-8", `{"slug":"red-shoe","name":"Red","price":1299,"updated_at":"2026-01-02T03:04:05Z","note":null}`, ""},
		{"literal wins over param", "GET", "/products/featured", 200, "application/json", `[{"slug":"a","name":"A","price":1}]`, ""},
		{"query ignored", "GET", "/products/featured?x=1", 200, "application/json", `[]`, ""},
		{"template path", "GET", "/products/{slug}", 200, "application/json", `{"slug":"a","name":"A","price":1}`, ""},
		{"missing required", "GET", "/products/a", 200, "application/json", `{"slug":"a","price":1}`, "does not match"},
		{"extra property", "GET", "/products/a", 200, "application/json", `{"slug":"a","name":"A","price":1,"token":"x"}`, "does not match"},
		{"wrong type", "GET", "/products/a", 200, "application/json", `{"slug":"a","name":"A","price":"1"}`, "does not match"},
		{"bad date-time format", "GET", "/products/a", 200, "application/json", `{"slug":"a","name":"A","price":1,"updated_at":"yesterday"}`, "does not match"},
		{"not json", "GET", "/products/a", 200, "application/json", `<html>`, "not JSON"},
		{"problem via 4XX", "GET", "/products/nope", 404, problemCT, `{"type":"urn:x","title":"Not Found","status":404,"code":"not_found"}`, ""},
		{"problem via default", "GET", "/products/nope", 503, problemCT, `{"type":"urn:x","title":"x","status":503,"code":"x"}`, ""},
		{"problem missing code", "GET", "/products/nope", 404, problemCT, `{"type":"urn:x","title":"x","status":404}`, "does not match"},
		{"wrong content type", "GET", "/products/a", 200, "text/html", `{}`, "not documented"},
		{"304 empty", "GET", "/products/a", 304, "", ``, ""},
		{"304 with body", "GET", "/products/a", 304, "", `{}`, "without content"},
		{"undocumented status", "GET", "/healthz", 500, problemCT, `{}`, "status not documented"},
		{"undocumented path", "GET", "/nope", 200, "application/json", `{}`, "not documented"},
		{"undocumented method", "DELETE", "/healthz", 200, "application/json", `{}`, "not documented"},
		{"const", "GET", "/healthz", 200, "application/json", `{"status":"down"}`, "does not match"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := d.ValidateResponse(tt.method, tt.path, tt.status, tt.ct, []byte(tt.body))
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("ValidateResponse(%s %s %d %s) = %v, want nil", tt.method, tt.path, tt.status, tt.body, err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("ValidateResponse(%s %s %d %s) = %v, want error containing %q", tt.method, tt.path, tt.status, tt.body, err, tt.want)
			}
		})
	}
}

func TestValidateHTTPAndValue(t *testing.T) {
	d := load(t)
	req, _ := http.NewRequest("GET", "http://x/products/a?y=1", nil)
	h := http.Header{"Content-Type": {"application/json"}}
	if err := d.ValidateHTTP(req, 200, h, []byte(`{"slug":"a","name":"A","price":1}`)); err != nil {
		t.Errorf("ValidateHTTP() = %v, want nil", err)
	}
	type product struct {
		Slug  string `json:"slug"`
		Name  string `json:"name"`
		Price int    `json:"price"`
	}
	if err := d.ValidateValue("GET", "/products/a", 200, product{"a", "A", -1}); err == nil {
		t.Errorf("ValidateValue(price -1) = nil, want a schema error")
	}
}
