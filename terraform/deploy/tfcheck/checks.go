package tfcheck

import (
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// Table is one DynamoDB table's key schema as Terraform declares it (and as the Go definitions
// must declare it too). Attributes holds only key attributes: name => S, N or B.
type Table struct {
	HashKey      string
	RangeKey     string
	Attributes   map[string]string
	TTLAttribute string
	Indexes      map[string]Index
}

// Index is one global secondary index.
type Index struct {
	HashKey    string
	RangeKey   string
	Projection string
}

// Suite is the parsed Terraform of the suite: the composition module and the modules it uses.
type Suite struct {
	Root    string // terraform/
	Suite   *Module
	Lambda  *Module
	Cognito *Module
	HTTPAPI *Module
}

// LoadSuite parses terraform/modules/{suite,bff_lambda,cognito,http_api} under root.
func LoadSuite(root string) (*Suite, error) {
	s := &Suite{Root: root}
	for _, m := range []struct {
		dir string
		dst **Module
	}{
		{"suite", &s.Suite}, {"bff_lambda", &s.Lambda}, {"cognito", &s.Cognito}, {"http_api", &s.HTTPAPI},
	} {
		mod, err := LoadModule(filepath.Join(root, "modules", m.dir))
		if err != nil {
			return nil, err
		}
		*m.dst = mod
	}
	return s, nil
}

// Tables evaluates local.dynamodb_tables of the suite module (a literal) into Tables keyed by
// logical name. Index projection defaults to ALL, as in the dynamodb module's variable.
func (s *Suite) Tables() (map[string]Table, error) {
	expr, ok := s.Suite.Local("dynamodb_tables")
	if !ok {
		return nil, fmt.Errorf("%s: no local.dynamodb_tables", s.Suite.Dir)
	}
	v, diags := expr.Value(nil)
	if diags.HasErrors() {
		return nil, fmt.Errorf("local.dynamodb_tables must be a literal: %w", diags)
	}
	out := map[string]Table{}
	for name, tv := range v.AsValueMap() {
		t := Table{
			HashKey:      str(tv, "hash_key"),
			RangeKey:     str(tv, "range_key"),
			TTLAttribute: str(tv, "ttl_attribute"),
			Attributes:   map[string]string{},
			Indexes:      map[string]Index{},
		}
		if av := attr(tv, "attributes"); av.IsKnown() && !av.IsNull() {
			for k, ty := range av.AsValueMap() {
				t.Attributes[k] = ty.AsString()
			}
		}
		if gv := attr(tv, "global_secondary_indexes"); gv.IsKnown() && !gv.IsNull() {
			for k, iv := range gv.AsValueMap() {
				idx := Index{HashKey: str(iv, "hash_key"), RangeKey: str(iv, "range_key"), Projection: str(iv, "projection_type")}
				if idx.Projection == "" {
					idx.Projection = "ALL"
				}
				t.Indexes[k] = idx
			}
		}
		out[name] = t
	}
	return out, nil
}

func attr(v cty.Value, name string) cty.Value {
	if v.IsNull() || !v.Type().IsObjectType() || !v.Type().HasAttribute(name) {
		return cty.NullVal(cty.DynamicPseudoType)
	}
	return v.GetAttr(name)
}

func str(v cty.Value, name string) string {
	a := attr(v, name)
	if a.IsNull() || !a.IsKnown() || !a.Type().Equals(cty.String) {
		return ""
	}
	return a.AsString()
}

// Environment lists, per BFF (web, mobile, partner), the environment variable names its Lambda
// is given. It follows local.environment in the suite module and checks the wiring on the way:
// the suite's module "lambda" passes local.environment[each.key], and the bff_lambda module puts
// var.environment (through local.environment, which may add the OTLP endpoint) into its
// aws_lambda_function's environment block.
func (s *Suite) Environment() (map[string][]string, error) {
	lb, err := s.Lambda.Block("resource", "aws_lambda_function", "this")
	if err != nil {
		return nil, err
	}
	var envBlock *hclsyntax.Block
	for _, b := range lb.Body.Blocks {
		if b.Type == "environment" {
			envBlock = b
		}
	}
	if envBlock == nil {
		return nil, fmt.Errorf("aws_lambda_function.this has no environment block")
	}
	vars, err := Attr(envBlock, "variables")
	if err != nil {
		return nil, err
	}
	ref, _ := Traversal(vars)
	if ref == "local.environment" {
		// bff_lambda adds OTEL_EXPORTER_OTLP_ENDPOINT to var.environment with the collector layer.
		local, ok := s.Lambda.Local("environment")
		if !ok || !slices.ContainsFunc(local.Variables(), func(tr hcl.Traversal) bool {
			r, _ := renderTraversal(tr)
			return r == "var.environment"
		}) {
			return nil, fmt.Errorf("aws_lambda_function.this environment.variables = local.environment, which is not built from var.environment")
		}
	} else if ref != "var.environment" {
		return nil, fmt.Errorf("aws_lambda_function.this environment.variables = %q, want var.environment (or a local built from it)", ref)
	}

	call, err := s.Suite.Block("module", "lambda")
	if err != nil {
		return nil, err
	}
	arg, err := Attr(call, "environment")
	if err != nil {
		return nil, err
	}
	if ref, _ := Traversal(arg); ref != "local.environment[each.key]" {
		return nil, fmt.Errorf(`module "lambda" environment = %q, want local.environment[each.key]`, ref)
	}

	envExpr, ok := s.Suite.Local("environment")
	if !ok {
		return nil, fmt.Errorf("%s: no local.environment", s.Suite.Dir)
	}
	bffs, _, err := s.Suite.ObjectKeys(envExpr)
	if err != nil {
		return nil, err
	}
	out := map[string][]string{}
	for _, bff := range bffs {
		e, _ := ObjectItem(envExpr, bff)
		keys, _, err := s.Suite.ObjectKeys(e)
		if err != nil {
			return nil, fmt.Errorf("environment of %s: %w", bff, err)
		}
		out[bff] = keys
	}
	return out, nil
}

// SecretEnvironment lists, per BFF, the variables served from SSM (local.secret_env).
func (s *Suite) SecretEnvironment() (map[string][]string, error) {
	expr, ok := s.Suite.Local("secret_env")
	if !ok {
		return nil, fmt.Errorf("%s: no local.secret_env", s.Suite.Dir)
	}
	v, diags := expr.Value(nil)
	if diags.HasErrors() {
		return nil, fmt.Errorf("local.secret_env must be a literal: %w", diags)
	}
	out := map[string][]string{}
	for bff, list := range v.AsValueMap() {
		for _, n := range list.AsValueSlice() {
			out[bff] = append(out[bff], n.AsString())
		}
		sort.Strings(out[bff])
	}
	return out, nil
}

// MobileAudience returns what the mobile API's JWT authorizer accepts as audience, resolved to
// the Cognito resource: e.g. "aws_cognito_user_pool_client.mobile.id".
func (s *Suite) MobileAudience() ([]string, error) {
	call, err := s.Suite.Block("module", "mobile_api")
	if err != nil {
		return nil, err
	}
	ja, err := Attr(call, "jwt_authorizer")
	if err != nil {
		return nil, err
	}
	aud, ok := ObjectItem(ja, "audience")
	if !ok {
		return nil, fmt.Errorf(`module "mobile_api" jwt_authorizer has no literal audience`)
	}
	tuple, ok := aud.(*hclsyntax.TupleConsExpr)
	if !ok {
		return nil, fmt.Errorf(`module "mobile_api" jwt_authorizer.audience is not a list literal`)
	}
	var out []string
	for _, e := range tuple.Exprs {
		ref, ok := Traversal(e)
		if !ok {
			return nil, fmt.Errorf("audience entry at %s is not a reference", e.Range())
		}
		name, isCognito := strings.CutPrefix(ref, "module.cognito.")
		if !isCognito {
			out = append(out, ref)
			continue
		}
		ob, err := s.Cognito.Block("output", name)
		if err != nil {
			return nil, err
		}
		v, err := Attr(ob, "value")
		if err != nil {
			return nil, err
		}
		target, ok := Traversal(v)
		if !ok {
			return nil, fmt.Errorf("cognito output %s is not a plain reference", name)
		}
		out = append(out, target)
	}
	return out, nil
}

// ResourceAttr returns the literal value of attribute name of resource typ.name in m.
func ResourceAttr(m *Module, typ, name, attrName string) (cty.Value, error) {
	b, err := m.Block("resource", typ, name)
	if err != nil {
		return cty.NilVal, err
	}
	e, err := Attr(b, attrName)
	if err != nil {
		return cty.NilVal, err
	}
	v, diags := e.Value(nil)
	if diags.HasErrors() {
		return cty.NilVal, fmt.Errorf("%s.%s.%s is not a literal: %w", typ, name, attrName, diags)
	}
	return v, nil
}

// iamAction matches strings shaped like IAM actions (service:Action), wildcards included.
var iamAction = regexp.MustCompile(`^[a-z0-9-]+:[A-Za-z0-9*?]+$`)

// Finding is one problem found in the configuration.
type Finding struct {
	Where string
	What  string
}

func (f Finding) String() string { return f.Where + ": " + f.What }

// WildcardActions walks every attribute of every block in the modules and reports each string
// literal that is shaped like an IAM action and contains a wildcard, plus any literal "*" in an
// `actions` or `not_actions` attribute.
func WildcardActions(mods ...*Module) []Finding {
	var out []Finding
	for _, m := range mods {
		for _, body := range m.Bodies {
			_ = hclsyntax.VisitAll(body, func(n hclsyntax.Node) hclDiags {
				a, ok := n.(*hclsyntax.Attribute)
				if !ok {
					return nil
				}
				for _, lit := range StringLiterals(a.Expr) {
					isAction := iamAction.MatchString(lit) ||
						((a.Name == "actions" || a.Name == "not_actions" || a.Name == "Action") && lit == "*")
					if isAction && strings.ContainsAny(lit, "*?") {
						out = append(out, Finding{Where: a.SrcRange.String(), What: fmt.Sprintf("wildcard IAM action %q in %s", lit, a.Name)})
					}
				}
				return nil
			})
		}
	}
	return out
}

// WildcardResources reports `resources = [... "*" ...]` in IAM policy statements whose
// actions are not all X-Ray or log-delivery actions (neither has resource-level permissions). KMS key policies
// (policy documents named *_key_policy) are exempt: there "*" means the key itself.
func WildcardResources(mods ...*Module) []Finding {
	var out []Finding
	for _, m := range mods {
		for _, body := range m.Bodies {
			for _, top := range body.Blocks {
				if top.Type == "data" && len(top.Labels) == 2 && top.Labels[0] == "aws_iam_policy_document" && strings.HasSuffix(top.Labels[1], "_key_policy") {
					continue
				}
				out = append(out, wildcardResources(top)...)
			}
		}
	}
	return out
}

// logDeliveryActions are what a state machine's role needs to send its logs to CloudWatch Logs
// (vended logs). AWS documents them on "*" only: none supports resource-level permissions.
var logDeliveryActions = map[string]bool{
	"logs:CreateLogDelivery": true, "logs:GetLogDelivery": true, "logs:UpdateLogDelivery": true,
	"logs:DeleteLogDelivery": true, "logs:ListLogDeliveries": true, "logs:PutResourcePolicy": true,
	"logs:DescribeResourcePolicies": true, "logs:DescribeLogGroups": true,
}

func wildcardResources(top *hclsyntax.Block) []Finding {
	var out []Finding
	_ = hclsyntax.VisitAll(top, func(n hclsyntax.Node) hclDiags {
		b, ok := n.(*hclsyntax.Block)
		if !ok || (b.Type != "statement" && b.Type != "content") {
			return nil
		}
		res, ok := b.Body.Attributes["resources"]
		if !ok {
			return nil
		}
		star := false
		for _, lit := range StringLiterals(res.Expr) {
			if lit == "*" {
				star = true
			}
		}
		if !star {
			return nil
		}
		if act, ok := b.Body.Attributes["actions"]; ok {
			lits := StringLiterals(act.Expr)
			onlyStar := len(lits) > 0
			for _, l := range lits {
				if !strings.HasPrefix(l, "xray:") && !logDeliveryActions[l] {
					onlyStar = false
				}
			}
			if onlyStar {
				return nil
			}
		}
		out = append(out, Finding{Where: res.SrcRange.String(), What: `resources "*" for actions that support resource ARNs`})
		return nil
	})
	return out
}

// EnvironmentValue returns the expression the suite assigns to environment variable name of
// bff's Lambda, to be evaluated by the caller with the variables and functions it needs.
func (s *Suite) EnvironmentValue(bff, name string) (hclsyntax.Expression, error) {
	envExpr, ok := s.Suite.Local("environment")
	if !ok {
		return nil, fmt.Errorf("%s: no local.environment", s.Suite.Dir)
	}
	bffExpr, ok := ObjectItem(envExpr, bff)
	if !ok {
		return nil, fmt.Errorf("local.environment has no %s", bff)
	}
	e, ok := s.Suite.FindObjectItem(bffExpr, name)
	if !ok {
		return nil, fmt.Errorf("the %s Lambda does not set %s", bff, name)
	}
	return e, nil
}

// VariableDefault evaluates the literal default of variable name in m.
func VariableDefault(m *Module, name string) (cty.Value, error) {
	b, err := m.Block("variable", name)
	if err != nil {
		return cty.NilVal, err
	}
	e, err := Attr(b, "default")
	if err != nil {
		return cty.NilVal, err
	}
	v, diags := e.Value(nil)
	if diags.HasErrors() {
		return cty.NilVal, fmt.Errorf("default of variable %s: %w", name, diags)
	}
	return v, nil
}
