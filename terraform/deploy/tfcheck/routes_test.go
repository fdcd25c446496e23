package tfcheck

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// repoRoot is the repository root (terraform/deploy/tfcheck → ../../..).
var repoRoot = filepath.Join("..", "..", "..")

// engineRoutes are served by shared/server for every BFF but are not in the OpenAPI documents.
var engineRoutes = map[string]bool{"GET /healthz": true, "GET /readyz": true}

func TestPartnerRoutesMatchOpenAPI(t *testing.T) {
	s := loadSuite(t)
	routes, err := s.PartnerRoutes()
	if err != nil {
		t.Fatalf("PartnerRoutes(): %v", err)
	}
	ops, err := OpenAPIOperations(filepath.Join(repoRoot, "bff-partner", "app", "openapi.json"))
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, op := range ops {
		seen[op.Key] = true
		r, ok := routes[op.Key]
		if !ok {
			t.Errorf("partner operation %s has no REST API route in local.partner_routes", op.Key)
			continue
		}
		if r.Public != op.Public {
			t.Errorf("partner route %s public = %t, want %t (OpenAPI)", op.Key, r.Public, op.Public)
		}
		var want []string
		for _, sc := range op.Scopes {
			_, name, _ := strings.Cut(sc, "/") // "partner-api/orders.read" → "orders.read"
			want = append(want, name)
		}
		if !slices.Equal(r.Scopes, want) {
			t.Errorf("partner route %s scopes = %v, want %v (OpenAPI)", op.Key, r.Scopes, want)
		}
	}
	for key := range routes {
		if !seen[key] && !engineRoutes[key] {
			t.Errorf("REST API route %s is not an operation of bff-partner's OpenAPI document", key)
		}
	}
}

func TestMobileRoutesMatchOpenAPI(t *testing.T) {
	s := loadSuite(t)
	routes, err := s.MobileRoutes()
	if err != nil {
		t.Fatalf("MobileRoutes(): %v", err)
	}
	ops, err := OpenAPIOperations(filepath.Join(repoRoot, "bff-mobile", "app", "openapi.json"))
	if err != nil {
		t.Fatal(err)
	}
	used := map[string]bool{}
	for _, op := range ops {
		r, ok := MatchRoute(routes, op.Key)
		if !ok {
			t.Errorf("MatchRoute(%s): no HTTP API route serves it", op.Key)
			continue
		}
		used[r.Key] = true
		if r.Public != op.Public {
			t.Errorf("MatchRoute(%s) = %s with public %t, want public %t (OpenAPI)", op.Key, r.Key, r.Public, op.Public)
		}
	}
	for key := range routes {
		if !used[key] && !engineRoutes[key] {
			t.Errorf("HTTP API route %s serves no operation of bff-mobile's OpenAPI document", key)
		}
	}
}

func TestMatchRoute(t *testing.T) {
	routes := map[string]Route{
		"$default":               {Key: "$default"},
		"POST /v1/auth/{proxy+}": {Key: "POST /v1/auth/{proxy+}", Public: true},
		"ANY /v1/{proxy+}":       {Key: "ANY /v1/{proxy+}"},
		"GET /healthz":           {Key: "GET /healthz", Public: true},
	}
	tests := []struct{ in, want string }{
		{"GET /healthz", "GET /healthz"},
		{"POST /v1/auth/login", "POST /v1/auth/{proxy+}"},
		{"GET /v1/auth/login", "ANY /v1/{proxy+}"},
		{"POST /v1/auth/", "ANY /v1/{proxy+}"},
		{"GET /other", "$default"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got, _ := MatchRoute(routes, tt.in); got.Key != tt.want {
				t.Errorf("MatchRoute(%q) = %q, want %q", tt.in, got.Key, tt.want)
			}
		})
	}
}

func TestOpenAPIOperations(t *testing.T) {
	ops, err := OpenAPIOperations(filepath.Join("testdata", "openapi.json"))
	if err != nil {
		t.Fatalf("OpenAPIOperations(testdata/openapi.json): %v", err)
	}
	want := []Operation{
		{Key: "GET /public", Public: true},
		{Key: "GET /secured"},
		{Key: "POST /scoped", Scopes: []string{"api/a.write"}},
	}
	if len(ops) != len(want) {
		t.Fatalf("OpenAPIOperations() = %+v, want %+v", ops, want)
	}
	for i := range want {
		if ops[i].Key != want[i].Key || ops[i].Public != want[i].Public || !slices.Equal(ops[i].Scopes, want[i].Scopes) {
			t.Errorf("OpenAPIOperations()[%d] = %+v, want %+v", i, ops[i], want[i])
		}
	}
}
