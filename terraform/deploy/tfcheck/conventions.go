package tfcheck

import (
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// ConventionFindings reports the module conventions a directory breaks: every variable has a
// type and a description, every output a description, and the directory pins hashicorp/aws to
// awsConstraint in a terraform { required_providers } block.
func ConventionFindings(m *Module, awsConstraint string) []Finding {
	var out []Finding
	for _, v := range m.Blocks("variable") {
		for _, attr := range []string{"type", "description"} {
			if _, ok := v.Body.Attributes[attr]; !ok {
				out = append(out, Finding{Where: v.DefRange().String(), What: fmt.Sprintf("variable %q has no %s", v.Labels[0], attr)})
			}
		}
	}
	for _, o := range m.Blocks("output") {
		if _, ok := o.Body.Attributes["description"]; !ok {
			out = append(out, Finding{Where: o.DefRange().String(), What: fmt.Sprintf("output %q has no description", o.Labels[0])})
		}
	}
	pinned := false
	for _, tf := range m.Blocks("terraform") {
		for _, rp := range tf.Body.Blocks {
			if rp.Type != "required_providers" {
				continue
			}
			aws, ok := rp.Body.Attributes["aws"]
			if !ok {
				continue
			}
			src, okSrc := ObjectItem(aws.Expr, "source")
			ver, okVer := ObjectItem(aws.Expr, "version")
			if !okSrc || !okVer {
				continue
			}
			s, _ := stringLiteral(src)
			v, _ := stringLiteral(ver)
			if strings.TrimPrefix(s, "registry.terraform.io/") == "hashicorp/aws" && v == awsConstraint {
				pinned = true
			}
		}
	}
	if !pinned {
		out = append(out, Finding{Where: m.Dir, What: fmt.Sprintf("no required_providers aws = { source = \"hashicorp/aws\", version = %q }", awsConstraint)})
	}
	return out
}

// FiniteLogRetention reports aws_cloudwatch_log_group resources without retention_in_days or
// with a literal 0 (never expire).
func FiniteLogRetention(mods ...*Module) []Finding {
	var out []Finding
	for _, m := range mods {
		for _, b := range m.Blocks("resource", "aws_cloudwatch_log_group") {
			a, ok := b.Body.Attributes["retention_in_days"]
			if !ok {
				out = append(out, Finding{Where: b.DefRange().String(), What: "log group without retention_in_days (never expires)"})
				continue
			}
			if lit, ok := a.Expr.(*hclsyntax.LiteralValueExpr); ok && lit.Val.AsBigFloat().Sign() == 0 {
				out = append(out, Finding{Where: a.SrcRange.String(), What: "retention_in_days = 0 (never expires)"})
			}
		}
	}
	return out
}
