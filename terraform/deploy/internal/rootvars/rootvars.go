// Package rootvars reads the literal values a Terraform root's variables will have, before
// init: the defaults in its variable blocks, then terraform.tfvars, *.auto.tfvars (in name
// order) and the -var-file files given, later ones winning, as Terraform orders them. Only
// constant values are read (no expressions, no TF_VAR_ environment variables); a value that
// needs evaluation is left out.
package rootvars

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/zclconf/go-cty/cty"
)

// Values maps variable names to their known constant values.
type Values map[string]cty.Value

var variableSchema = &hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{{Type: "variable", LabelNames: []string{"name"}}}}
var defaultSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{{Name: "default"}}}

// Read reads root's variable defaults and tfvars files, then varFiles in order.
func Read(root string, varFiles []string) (Values, error) {
	p := hclparse.NewParser()
	vals := Values{}
	tfs, err := filepath.Glob(filepath.Join(root, "*.tf"))
	if err != nil {
		return nil, err
	}
	for _, f := range tfs {
		file, diags := p.ParseHCLFile(f)
		if diags.HasErrors() {
			return nil, fmt.Errorf("read %s: %s", f, diags.Error())
		}
		content, _, _ := file.Body.PartialContent(variableSchema)
		for _, b := range content.Blocks {
			vc, _, _ := b.Body.PartialContent(defaultSchema)
			if a, ok := vc.Attributes["default"]; ok {
				if v, d := a.Expr.Value(nil); !d.HasErrors() {
					vals[b.Labels[0]] = v
				}
			}
		}
	}
	files := []string{}
	if p := filepath.Join(root, "terraform.tfvars"); isFile(p) {
		files = append(files, p)
	}
	auto, err := filepath.Glob(filepath.Join(root, "*.auto.tfvars"))
	if err != nil {
		return nil, err
	}
	sort.Strings(auto)
	files = append(files, auto...)
	files = append(files, varFiles...)
	for _, f := range files {
		file, diags := p.ParseHCLFile(f)
		if diags.HasErrors() {
			return nil, fmt.Errorf("read %s: %s", f, diags.Error())
		}
		attrs, diags := file.Body.JustAttributes()
		if diags.HasErrors() {
			return nil, fmt.Errorf("read %s: %s", f, diags.Error())
		}
		for name, a := range attrs {
			if v, d := a.Expr.Value(nil); !d.HasErrors() {
				vals[name] = v
			}
		}
	}
	return vals, nil
}

// Strings returns a list, set or tuple of strings (nil when unset or null), or an error naming
// the variable when it has another shape.
func (v Values) Strings(name string) ([]string, error) {
	val, ok := v[name]
	if !ok || val.IsNull() {
		return nil, nil
	}
	t := val.Type()
	if !(t.IsListType() || t.IsSetType() || t.IsTupleType()) {
		return nil, fmt.Errorf("variable %s: got %s, want a list of strings", name, t.FriendlyName())
	}
	var out []string
	for it := val.ElementIterator(); it.Next(); {
		_, e := it.Element()
		if e.IsNull() || e.Type() != cty.String {
			return nil, fmt.Errorf("variable %s: got an element of type %s, want strings", name, e.Type().FriendlyName())
		}
		out = append(out, e.AsString())
	}
	return out, nil
}

// Bool returns a bool variable and whether it is set to a known bool.
func (v Values) Bool(name string) (value, ok bool) {
	val, found := v[name]
	if !found || val.IsNull() || val.Type() != cty.Bool {
		return false, false
	}
	return val.True(), true
}

func isFile(p string) bool { st, err := os.Stat(p); return err == nil && !st.IsDir() }

var moduleSchema = &hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{{Type: "module", LabelNames: []string{"name"}}}}

// ModuleStrings returns the constant string values given to attr in root's module blocks
// (e.g. environment = "prod" in envs/prod), in file order.
func ModuleStrings(root, attr string) ([]string, error) {
	p := hclparse.NewParser()
	tfs, err := filepath.Glob(filepath.Join(root, "*.tf"))
	if err != nil {
		return nil, err
	}
	var out []string
	for _, f := range tfs {
		file, diags := p.ParseHCLFile(f)
		if diags.HasErrors() {
			return nil, fmt.Errorf("read %s: %s", f, diags.Error())
		}
		content, _, _ := file.Body.PartialContent(moduleSchema)
		for _, b := range content.Blocks {
			attrs, _ := b.Body.JustAttributes()
			a, ok := attrs[attr]
			if !ok {
				continue
			}
			if v, d := a.Expr.Value(nil); !d.HasErrors() && !v.IsNull() && v.Type() == cty.String {
				out = append(out, v.AsString())
			}
		}
	}
	return out, nil
}
