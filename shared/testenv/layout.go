package testenv

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// RequireRoutesInRoutesGo keeps routes.go the single route table of the BFF package in dir:
// a route registered (GET, POST, ..., Any, Handle, Group, NoRoute) in any other non-test file
// fails, so every handler is found from routes.go in one step.
func RequireRoutesInRoutesGo(t testing.TB, dir string) {
	t.Helper()
	register := map[string]bool{"GET": true, "POST": true, "PUT": true, "PATCH": true, "DELETE": true, "HEAD": true, "OPTIONS": true, "Any": true, "Handle": true, "Group": true, "NoRoute": true}
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	var inRoutes int
	for _, path := range files {
		name := filepath.Base(path)
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			t.Fatalf("parse %s: %v", path, err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok || !register[sel.Sel.Name] {
				return true
			}
			if name == "routes.go" {
				inRoutes++
				return true
			}
			t.Errorf("%s: route registered with %s outside routes.go, want every route in routes.go", fset.Position(call.Pos()), sel.Sel.Name)
			return true
		})
	}
	if inRoutes == 0 {
		t.Errorf("routes.go registers %d routes, want the route table there", inRoutes)
	}
}
