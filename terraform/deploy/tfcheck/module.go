// Package tfcheck reads the suite's Terraform configuration with the HCL parser (no regexes,
// no Terraform run) so Go tests can check that it agrees with the Go code: DynamoDB table keys
// and indexes, the environment every BFF config reads, the mobile JWT audience and IAM actions.
//
// It understands the subset of the language the suite uses for these facts: literal values,
// object constructors, merge(), concat(), references to locals and string templates. Anything it
// cannot resolve statically is reported as unresolved rather than guessed.
package tfcheck

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// Module is the parsed content of one Terraform directory (all its *.tf files).
type Module struct {
	Dir    string
	Bodies []*hclsyntax.Body
	locals map[string]hclsyntax.Expression
}

// LoadModule parses every *.tf file in dir (not recursively).
func LoadModule(dir string) (*Module, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.tf"))
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", dir, err)
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("load module %s: no *.tf files", dir)
	}
	sort.Strings(paths)
	parser := hclparse.NewParser()
	m := &Module{Dir: dir, locals: map[string]hclsyntax.Expression{}}
	for _, p := range paths {
		src, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("load module %s: %w", dir, err)
		}
		f, diags := parser.ParseHCL(src, p)
		if diags.HasErrors() {
			return nil, fmt.Errorf("parse %s: %w", p, diags)
		}
		body, ok := f.Body.(*hclsyntax.Body)
		if !ok {
			return nil, fmt.Errorf("parse %s: not native HCL syntax", p)
		}
		m.Bodies = append(m.Bodies, body)
		for _, b := range body.Blocks {
			if b.Type != "locals" {
				continue
			}
			for name, attr := range b.Body.Attributes {
				if _, dup := m.locals[name]; dup {
					return nil, fmt.Errorf("load module %s: local.%s defined twice", dir, name)
				}
				m.locals[name] = attr.Expr
			}
		}
	}
	return m, nil
}

// Local returns the expression of local.name.
func (m *Module) Local(name string) (hclsyntax.Expression, bool) {
	e, ok := m.locals[name]
	return e, ok
}

// Blocks returns the top-level blocks of type typ whose labels start with labels.
func (m *Module) Blocks(typ string, labels ...string) []*hclsyntax.Block {
	var out []*hclsyntax.Block
	for _, body := range m.Bodies {
		for _, b := range body.Blocks {
			if b.Type != typ || len(b.Labels) < len(labels) {
				continue
			}
			match := true
			for i, l := range labels {
				if b.Labels[i] != l {
					match = false
					break
				}
			}
			if match {
				out = append(out, b)
			}
		}
	}
	return out
}

// Block returns the single top-level block of type typ with exactly these labels.
func (m *Module) Block(typ string, labels ...string) (*hclsyntax.Block, error) {
	var found []*hclsyntax.Block
	for _, b := range m.Blocks(typ, labels...) {
		if len(b.Labels) == len(labels) {
			found = append(found, b)
		}
	}
	if len(found) != 1 {
		return nil, fmt.Errorf("%s: want one %s %q block, found %d", m.Dir, typ, strings.Join(labels, "."), len(found))
	}
	return found[0], nil
}

// Attr returns the expression of attribute name in block b.
func Attr(b *hclsyntax.Block, name string) (hclsyntax.Expression, error) {
	a, ok := b.Body.Attributes[name]
	if !ok {
		return nil, fmt.Errorf("%s %s: no attribute %q", b.Type, strings.Join(b.Labels, "."), name)
	}
	return a.Expr, nil
}

// Traversal renders a reference expression such as module.cognito.mobile_client_id or
// local.environment["web"] as a dotted path (index keys become path parts); ok is false for
// anything that is not a plain reference.
func Traversal(expr hclsyntax.Expression) (string, bool) {
	var tr hcl.Traversal
	switch e := expr.(type) {
	case *hclsyntax.ScopeTraversalExpr:
		tr = e.Traversal
	case *hclsyntax.RelativeTraversalExpr:
		src, ok := Traversal(e.Source)
		if !ok {
			return "", false
		}
		rest, ok := renderTraversal(e.Traversal)
		return src + rest, ok
	case *hclsyntax.IndexExpr:
		coll, ok := Traversal(e.Collection)
		if !ok {
			return "", false
		}
		if key, ok := stringLiteral(e.Key); ok {
			return coll + "." + key, true
		}
		if keyRef, ok := Traversal(e.Key); ok {
			return coll + "[" + keyRef + "]", true
		}
		return "", false
	default:
		return "", false
	}
	return renderTraversal(tr)
}

func renderTraversal(tr hcl.Traversal) (string, bool) {
	var sb strings.Builder
	for _, step := range tr {
		switch s := step.(type) {
		case hcl.TraverseRoot:
			sb.WriteString(s.Name)
		case hcl.TraverseAttr:
			sb.WriteString("." + s.Name)
		case hcl.TraverseIndex:
			if !s.Key.IsKnown() || s.Key.IsNull() || !s.Key.Type().Equals(cty.String) {
				return "", false
			}
			sb.WriteString("." + s.Key.AsString())
		default:
			return "", false
		}
	}
	return sb.String(), true
}

// stringLiteral returns the value of a plain string literal or a template without
// interpolations.
func stringLiteral(expr hclsyntax.Expression) (string, bool) {
	switch e := expr.(type) {
	case *hclsyntax.TemplateWrapExpr:
		return stringLiteral(e.Wrapped)
	case *hclsyntax.TemplateExpr:
		var sb strings.Builder
		for _, part := range e.Parts {
			s, ok := stringLiteral(part)
			if !ok {
				return "", false
			}
			sb.WriteString(s)
		}
		return sb.String(), true
	case *hclsyntax.LiteralValueExpr:
		if !e.Val.Type().Equals(cty.String) || e.Val.IsNull() {
			return "", false
		}
		return e.Val.AsString(), true
	default:
		return "", false
	}
}

// StringLiterals returns every string literal (template parts included) anywhere inside expr.
func StringLiterals(expr hclsyntax.Node) []string {
	var out []string
	_ = hclsyntax.VisitAll(expr, func(n hclsyntax.Node) hcl.Diagnostics {
		if lit, ok := n.(*hclsyntax.LiteralValueExpr); ok && !lit.Val.IsNull() && lit.Val.Type().Equals(cty.String) {
			out = append(out, lit.Val.AsString())
		}
		return nil
	})
	return out
}

// ObjectKeys resolves the static keys of an object-valued expression: object constructors,
// merge(...) of such objects, and local.* references to them. Parts it cannot resolve
// (variables, lookup(), conditionals) add no keys and are listed in unresolved, so callers can
// see that a key set may be incomplete.
func (m *Module) ObjectKeys(expr hclsyntax.Expression) (keys []string, unresolved []string, err error) {
	seen := map[string]bool{}
	var walk func(e hclsyntax.Expression, depth int) error
	walk = func(e hclsyntax.Expression, depth int) error {
		if depth > 20 {
			return fmt.Errorf("object keys: references nest too deep")
		}
		switch x := e.(type) {
		case *hclsyntax.ObjectConsExpr:
			for _, item := range x.Items {
				k, ok := objectKey(item.KeyExpr)
				if !ok {
					return fmt.Errorf("object keys: non-literal key at %s", item.KeyExpr.Range())
				}
				if !seen[k] {
					seen[k] = true
					keys = append(keys, k)
				}
			}
			return nil
		case *hclsyntax.FunctionCallExpr:
			if x.Name != "merge" {
				unresolved = append(unresolved, x.Name+"(...)")
				return nil
			}
			for _, arg := range x.Args {
				if err := walk(arg, depth+1); err != nil {
					return err
				}
			}
			return nil
		case *hclsyntax.ParenthesesExpr:
			return walk(x.Expression, depth+1)
		}
		ref, ok := Traversal(e)
		if !ok {
			unresolved = append(unresolved, fmt.Sprintf("expression at %s", e.Range()))
			return nil
		}
		target, ok := m.resolveLocal(ref)
		if !ok {
			unresolved = append(unresolved, ref)
			return nil
		}
		return walk(target, depth+1)
	}
	if err := walk(expr, 0); err != nil {
		return nil, nil, err
	}
	sort.Strings(keys)
	return keys, unresolved, nil
}

// resolveLocal follows local.name and local.name.key (a key of an object constructor).
func (m *Module) resolveLocal(ref string) (hclsyntax.Expression, bool) {
	parts := strings.Split(ref, ".")
	if len(parts) < 2 || parts[0] != "local" {
		return nil, false
	}
	e, ok := m.locals[parts[1]]
	if !ok {
		return nil, false
	}
	for _, key := range parts[2:] {
		obj, ok := e.(*hclsyntax.ObjectConsExpr)
		if !ok {
			return nil, false
		}
		var next hclsyntax.Expression
		for _, item := range obj.Items {
			if k, ok := objectKey(item.KeyExpr); ok && k == key {
				next = item.ValueExpr
			}
		}
		if next == nil {
			return nil, false
		}
		e = next
	}
	return e, true
}

// ObjectItem returns the value expression of key in an object constructor.
func ObjectItem(expr hclsyntax.Expression, key string) (hclsyntax.Expression, bool) {
	obj, ok := expr.(*hclsyntax.ObjectConsExpr)
	if !ok {
		return nil, false
	}
	for _, item := range obj.Items {
		if k, ok := objectKey(item.KeyExpr); ok && k == key {
			return item.ValueExpr, true
		}
	}
	return nil, false
}

func objectKey(e hclsyntax.Expression) (string, bool) {
	if k, ok := e.(*hclsyntax.ObjectConsKeyExpr); ok {
		if name := hcl.ExprAsKeyword(k.Wrapped); name != "" && !k.ForceNonLiteral {
			return name, true
		}
		return stringLiteral(k.Wrapped)
	}
	return stringLiteral(e)
}

// hclDiags is the return type of hclsyntax.VisitAll callbacks.
type hclDiags = hcl.Diagnostics

// FindObjectItem finds the value expression of key in an object-valued expression, following
// merge(...) arguments (the last one that sets key wins, as in merge) and local.* references.
func (m *Module) FindObjectItem(expr hclsyntax.Expression, key string) (hclsyntax.Expression, bool) {
	var found hclsyntax.Expression
	var walk func(e hclsyntax.Expression, depth int)
	walk = func(e hclsyntax.Expression, depth int) {
		if depth > 20 {
			return
		}
		switch x := e.(type) {
		case *hclsyntax.ObjectConsExpr:
			if v, ok := ObjectItem(x, key); ok {
				found = v
			}
			return
		case *hclsyntax.FunctionCallExpr:
			if x.Name == "merge" {
				for _, arg := range x.Args {
					walk(arg, depth+1)
				}
			}
			return
		case *hclsyntax.ParenthesesExpr:
			walk(x.Expression, depth+1)
			return
		}
		if ref, ok := Traversal(e); ok {
			if target, ok := m.resolveLocal(ref); ok {
				walk(target, depth+1)
			}
		}
	}
	walk(expr, 0)
	return found, found != nil
}
