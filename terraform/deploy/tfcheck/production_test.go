package tfcheck

// Tests of the production review decisions (docs/deploy.md, "Production review decisions"):
// each one fails on the shape the review found.

import (
	"path/filepath"
	"testing"

	"bffsuite.dev/shared/logging"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

func loadModule(t *testing.T, rel string) *Module {
	t.Helper()
	m, err := LoadModule(filepath.Join(terraformRoot, rel))
	if err != nil {
		t.Fatalf("LoadModule(%s): %v", rel, err)
	}
	return m
}

// nestedBlock returns the first block of type typ inside b, looking into dynamic "typ" content.
func nestedBlock(b *hclsyntax.Block, typ string) *hclsyntax.Block {
	for _, c := range b.Body.Blocks {
		if c.Type == typ {
			return c
		}
		if c.Type == "dynamic" && len(c.Labels) == 1 && c.Labels[0] == typ {
			for _, cc := range c.Body.Blocks {
				if cc.Type == "content" {
					return cc
				}
			}
		}
	}
	return nil
}

func evalString(t *testing.T, e hclsyntax.Expression, vars map[string]cty.Value) string {
	t.Helper()
	v, diags := e.Value(&hcl.EvalContext{Variables: map[string]cty.Value{"var": cty.ObjectVal(vars)}, Functions: validationFuncs})
	if diags.HasErrors() {
		t.Fatalf("evaluate %T: %v", e, diags)
	}
	if v.Type() != cty.String {
		t.Fatalf("evaluate: got %#v, want a string", v)
	}
	return v.AsString()
}

func wantValidation(t *testing.T, m *Module, name string, vars map[string]cty.Value, wantFail bool) {
	t.Helper()
	failed, err := FailingValidations(m, name, vars)
	if err != nil {
		t.Fatalf("FailingValidations(%s): %v", name, err)
	}
	if got := len(failed) > 0; got != wantFail {
		t.Errorf("variable %s with %#v: refused = %v (%v), want %v", name, vars, got, failed, wantFail)
	}
}

// With log_format JSON, Lambda sets AWS_LAMBDA_LOG_LEVEL from application_log_level (INFO when
// unset) and shared/logging lets it win over BFF_LOG_LEVEL: the suite must pass the env's
// level, and the system level must keep the platform REPORT lines (WARN drops them).
func TestLambdaLogLevels(t *testing.T) {
	lambda := loadModule(t, "modules/bff_lambda")
	fn, err := lambda.Block("resource", "aws_lambda_function", "this")
	if err != nil {
		t.Fatal(err)
	}
	lc := nestedBlock(fn, "logging_config")
	if lc == nil {
		t.Fatal("aws_lambda_function.this has no logging_config")
	}
	for attr, want := range map[string]string{
		"application_log_level": "var.application_log_level",
		"system_log_level":      "var.system_log_level",
	} {
		e, err := Attr(lc, attr)
		if err != nil {
			t.Errorf("logging_config: %v", err)
			continue
		}
		if got, _ := Traversal(e); got != want {
			t.Errorf("logging_config.%s = %q, want %q", attr, got, want)
		}
	}
	if got, err := VariableDefault(lambda, "system_log_level"); err != nil || got.AsString() != "INFO" {
		t.Errorf("default system_log_level = %#v (%v), want INFO", got, err)
	}
	for _, tc := range []struct {
		level  string
		refuse bool
	}{{"WARN", true}, {"INFO", false}, {"DEBUG", false}} {
		wantValidation(t, lambda, "system_log_level", map[string]cty.Value{"system_log_level": cty.StringVal(tc.level)}, tc.refuse)
	}

	suite := loadModule(t, "modules/suite")
	mod, err := suite.Block("module", "lambda")
	if err != nil {
		t.Fatal(err)
	}
	e, err := Attr(mod, "application_log_level")
	if err != nil {
		t.Fatalf("module.lambda: %v (AWS_LAMBDA_LOG_LEVEL would be INFO whatever BFF_LOG_LEVEL says)", err)
	}
	for _, level := range []string{"debug", "info", "warn", "error"} {
		got := evalString(t, e, map[string]cty.Value{"log_level": cty.StringVal(level)})
		wantValidation(t, lambda, "application_log_level", map[string]cty.Value{"application_log_level": cty.StringVal(got)}, false)
		gl, ok1 := logging.ParseLevel(got)
		wl, ok2 := logging.ParseLevel(level)
		if !ok1 || !ok2 || gl != wl {
			t.Errorf("log_level %q: AWS_LAMBDA_LOG_LEVEL %q means %v to shared/logging, want %v", level, got, gl, wl)
		}
	}
}
