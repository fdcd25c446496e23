package tfcheck

import (
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/tryfunc"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"
)

// validationFuncs are the Terraform functions the suite's validation and precondition rules
// use, with Terraform's semantics (go-cty's stdlib is what Terraform itself builds on).
var validationFuncs = map[string]function.Function{
	"alltrue":     allTrueFunc,
	"anytrue":     anyTrueFunc,
	"can":         tryfunc.CanFunc,
	"contains":    stdlib.ContainsFunc,
	"length":      lengthFunc,
	"lower":       stdlib.LowerFunc,
	"regex":       stdlib.RegexFunc,
	"upper":       stdlib.UpperFunc,
	"values":      stdlib.ValuesFunc,
	"keys":        stdlib.KeysFunc,
	"join":        stdlib.JoinFunc,
	"slice":       stdlib.SliceFunc,
	"split":       stdlib.SplitFunc,
	"trimprefix":  stdlib.TrimPrefixFunc,
	"endswith":    endsWithFunc,
	"try":         tryfunc.TryFunc,
	"merge":       stdlib.MergeFunc,
	"coalesce":    stdlib.CoalesceFunc,
	"strcontains": strContainsFunc,
}

// strContainsFunc is Terraform's strcontains(string, substr).
var strContainsFunc = function.New(&function.Spec{
	Params: []function.Parameter{{Name: "str", Type: cty.String}, {Name: "substr", Type: cty.String}},
	Type:   function.StaticReturnType(cty.Bool),
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		return cty.BoolVal(strings.Contains(args[0].AsString(), args[1].AsString())), nil
	},
})

// lengthFunc is Terraform's length: characters of a string, elements of a collection.
var lengthFunc = function.New(&function.Spec{
	Params: []function.Parameter{{Name: "value", Type: cty.DynamicPseudoType, AllowDynamicType: true, AllowUnknown: true}},
	Type:   function.StaticReturnType(cty.Number),
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		if args[0].Type() == cty.String {
			return stdlib.Strlen(args[0])
		}
		return stdlib.Length(args[0])
	},
})

// endsWithFunc is Terraform's endswith(string, suffix).
var endsWithFunc = function.New(&function.Spec{
	Params: []function.Parameter{{Name: "str", Type: cty.String}, {Name: "suffix", Type: cty.String}},
	Type:   function.StaticReturnType(cty.Bool),
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		return cty.BoolVal(strings.HasSuffix(args[0].AsString(), args[1].AsString())), nil
	},
})

func boolListFunc(all bool) function.Function {
	return function.New(&function.Spec{
		Params: []function.Parameter{{Name: "list", Type: cty.List(cty.Bool)}},
		Type:   function.StaticReturnType(cty.Bool),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			for it := args[0].ElementIterator(); it.Next(); {
				_, v := it.Element()
				if v.IsNull() || !v.IsKnown() {
					return cty.False, nil
				}
				if v.True() != all {
					return cty.BoolVal(!all), nil
				}
			}
			return cty.BoolVal(all), nil
		},
	})
}

var (
	allTrueFunc = boolListFunc(true)
	anyTrueFunc = boolListFunc(false)
)

// FailingValidations evaluates every validation rule of variable name in m with the variables
// vars (var.<key>; name itself among them) and returns the error messages of the rules that do
// not hold, so a test can show that a rule refuses a shape and accepts another.
func FailingValidations(m *Module, name string, vars map[string]cty.Value) ([]string, error) {
	b, err := m.Block("variable", name)
	if err != nil {
		return nil, err
	}
	ctx := &hcl.EvalContext{
		Variables: map[string]cty.Value{"var": cty.ObjectVal(vars)},
		Functions: validationFuncs,
	}
	var failed []string
	rules := 0
	for _, v := range b.Body.Blocks {
		if v.Type != "validation" {
			continue
		}
		rules++
		cond, err := Attr(v, "condition")
		if err != nil {
			return nil, err
		}
		got, diags := cond.Value(ctx)
		if diags.HasErrors() {
			return nil, fmt.Errorf("variable %s: validation condition: %w", name, diags)
		}
		if got.IsNull() || !got.Type().Equals(cty.Bool) {
			return nil, fmt.Errorf("variable %s: validation condition is %#v, not a bool", name, got)
		}
		if got.False() {
			msg := "(no message)"
			if e, err := Attr(v, "error_message"); err == nil {
				if mv, d := e.Value(ctx); !d.HasErrors() && mv.Type() == cty.String {
					msg = mv.AsString()
				}
			}
			failed = append(failed, msg)
		}
	}
	if rules == 0 {
		return nil, fmt.Errorf("variable %s in %s has no validation rule", name, m.Dir)
	}
	return failed, nil
}
