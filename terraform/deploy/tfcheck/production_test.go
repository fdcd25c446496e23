package tfcheck

// Tests of the production review decisions (docs/deploy.md, "Production review decisions"):
// each one fails on the shape the review found.

import (
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"bffsuite.dev/shared/lambdastack"
	"bffsuite.dev/shared/logging"
	"bffsuite.dev/shared/tracing"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
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

// kms:Decrypt on an alias ARN matches the alias resource, never the key behind it: the role's
// decrypt grant must name key ARNs (the AWS managed SSM key resolved through its alias).
func TestSSMDecryptGrantsKeyARNs(t *testing.T) {
	lambda := loadModule(t, "modules/bff_lambda")
	e, ok := lambda.Local("ssm_kms_key_arns")
	if !ok {
		t.Fatal("bff_lambda has no local.ssm_kms_key_arns")
	}
	for _, s := range StringLiterals(e) {
		if strings.Contains(s, "alias/") {
			t.Errorf("local.ssm_kms_key_arns holds %q: a grant on an alias ARN allows nothing", s)
		}
	}
	resolved := false
	for _, tr := range e.Variables() {
		if tr.RootName() == "data" && len(tr) > 1 {
			if a, ok := tr[1].(hcl.TraverseAttr); ok && a.Name == "aws_kms_alias" {
				resolved = true
			}
		}
	}
	if !resolved {
		t.Errorf("local.ssm_kms_key_arns does not resolve the managed key through data.aws_kms_alias")
	}
	d, err := lambda.Block("data", "aws_kms_alias", "ssm")
	if err != nil {
		t.Fatal(err)
	}
	if n, err := Attr(d, "name"); err != nil || evalString(t, n, map[string]cty.Value{}) != "alias/aws/ssm" {
		t.Errorf("data.aws_kms_alias.ssm name: want alias/aws/ssm (%v)", err)
	}
	for _, tc := range []struct {
		arn    string
		refuse bool
	}{
		{"arn:aws:kms:eu-central-1:123456789012:alias/aws/ssm", true},
		{"arn:aws:kms:eu-central-1:123456789012:alias/my-key", true},
		{"arn:aws:kms:eu-central-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab", false},
	} {
		wantValidation(t, lambda, "kms_key_arns", map[string]cty.Value{"kms_key_arns": cty.ListVal([]cty.Value{cty.StringVal(tc.arn)})}, tc.refuse)
	}
}

// The API Gateway CloudWatch role is one setting per account and region: two env roots managing
// it overwrite each other, so only prod does by default. Its trust policy is the documented
// service-principal-only one (no aws:SourceAccount API Gateway is not documented to send).
func TestAPIGatewayAccountRoleSingleOwner(t *testing.T) {
	for env, want := range map[string]bool{"dev": false, "prod": true} {
		m := loadModule(t, "envs/"+env)
		got, err := VariableDefault(m, "manage_apigw_account_role")
		if err != nil {
			t.Fatal(err)
		}
		if got.True() != want {
			t.Errorf("envs/%s manage_apigw_account_role default = %v, want %v", env, got.True(), want)
		}
	}
	rest := loadModule(t, "modules/rest_api")
	d, err := rest.Block("data", "aws_iam_policy_document", "apigw_assume")
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range d.Body.Blocks {
		for _, c := range st.Body.Blocks {
			if c.Type == "condition" {
				t.Errorf("apigw_assume has a condition block: AWS documents none for the API Gateway CloudWatch role")
			}
		}
	}
}

// The REST deployment is a snapshot: its trigger must change when a method, integration,
// resource or gateway response is replaced, not only when the route inputs change.
func TestRESTDeploymentTriggerHashesIDs(t *testing.T) {
	rest := loadModule(t, "modules/rest_api")
	d, err := rest.Block("resource", "aws_api_gateway_deployment", "this")
	if err != nil {
		t.Fatal(err)
	}
	var trig *hclsyntax.Attribute
	if a, ok := d.Body.Attributes["triggers"]; ok {
		trig = a
	} else {
		t.Fatal("aws_api_gateway_deployment.this has no triggers")
	}
	refs := map[string]bool{}
	for _, tr := range trig.Expr.Variables() {
		if len(tr) < 2 {
			continue
		}
		if a, ok := tr[1].(hcl.TraverseAttr); ok {
			refs[tr.RootName()+"."+a.Name] = true
		}
	}
	for _, want := range []string{
		"aws_api_gateway_method.this", "aws_api_gateway_integration.this",
		"aws_api_gateway_gateway_response.problem", "aws_api_gateway_authorizer.cognito", "local.resource_ids",
	} {
		if !refs[want] {
			t.Errorf("deployment triggers do not reference %s: a replaced one would not be redeployed", want)
		}
	}
}

// prod refuses a web API without a custom domain on the shop's site: the SameSite session
// cookie is never sent to the execute-api host from the shop's pages.
func TestProdWebNeedsSameSiteDomain(t *testing.T) {
	prod := loadModule(t, "envs/prod")
	web := func(domain string) cty.Value {
		return cty.MapVal(map[string]cty.Value{"web": cty.ObjectVal(map[string]cty.Value{
			"domain_name": cty.StringVal(domain), "certificate_arn": cty.StringVal("arn:aws:acm:eu-central-1:123456789012:certificate/x"),
			"base_path": cty.NullVal(cty.String), "route53_zone_id": cty.NullVal(cty.String),
		})})
	}
	noDomains := cty.MapValEmpty(cty.Object(map[string]cty.Type{"domain_name": cty.String, "certificate_arn": cty.String, "base_path": cty.String, "route53_zone_id": cty.String}))
	wantValidation(t, prod, "custom_domains", map[string]cty.Value{"custom_domains": noDomains}, true)
	wantValidation(t, prod, "custom_domains", map[string]cty.Value{"custom_domains": web("api.shop.example.com")}, false)

	out, err := prod.Block("output", "web_api_url")
	if err != nil {
		t.Fatal(err)
	}
	var cond hclsyntax.Expression
	for _, b := range out.Body.Blocks {
		if b.Type == "precondition" {
			cond, _ = Attr(b, "condition")
		}
	}
	if cond == nil {
		t.Fatal("output web_api_url has no precondition on the web domain's site")
	}
	for _, tc := range []struct {
		domain string
		origin string
		ok     bool
	}{
		{"api.shop.example.com", "https://shop.example.com", true},
		{"api.example.com", "https://www.example.com", true},
		{"api.shop.example.com", "https://www.shop.example.com:8443", true},
		{"api.other-site.com", "https://shop.example.com", false},
		{"", "https://shop.example.com", false},
	} {
		vars := map[string]cty.Value{"web_origins": cty.ListVal([]cty.Value{cty.StringVal(tc.origin)}), "custom_domains": web(tc.domain)}
		if tc.domain == "" {
			vars["custom_domains"] = noDomains
		}
		locals := map[string]cty.Value{}
		ctx := &hcl.EvalContext{Functions: validationFuncs, Variables: map[string]cty.Value{"var": cty.ObjectVal(vars)}}
		for _, name := range []string{"web_domain", "web_domain_parent", "web_origin_hosts"} {
			e, ok := prod.Local(name)
			if !ok {
				t.Fatalf("envs/prod has no local.%s", name)
			}
			v, diags := e.Value(ctx)
			if diags.HasErrors() {
				t.Fatalf("local.%s: %v", name, diags)
			}
			locals[name] = v
			ctx.Variables["local"] = cty.ObjectVal(locals)
		}
		got, diags := cond.Value(ctx)
		if diags.HasErrors() {
			t.Fatalf("precondition: %v", diags)
		}
		if got.True() != tc.ok {
			t.Errorf("web domain %q with origin %s: precondition holds = %v, want %v", tc.domain, tc.origin, got.True(), tc.ok)
		}
	}
}

// Both env roots wire allowed_account_ids into the provider; prod requires it.
func TestAllowedAccountIDs(t *testing.T) {
	for _, env := range []string{"dev", "prod"} {
		m := loadModule(t, "envs/"+env)
		p, err := m.Block("provider", "aws")
		if err != nil {
			t.Fatal(err)
		}
		e, err := Attr(p, "allowed_account_ids")
		if err != nil {
			t.Errorf("envs/%s: %v", env, err)
			continue
		}
		found := false
		for _, tr := range e.Variables() {
			if len(tr) > 1 && tr.RootName() == "var" {
				if a, ok := tr[1].(hcl.TraverseAttr); ok && a.Name == "allowed_account_ids" {
					found = true
				}
			}
		}
		if !found {
			t.Errorf("envs/%s provider allowed_account_ids does not use var.allowed_account_ids", env)
		}
		list := func(ids ...string) map[string]cty.Value {
			if len(ids) == 0 {
				return map[string]cty.Value{"allowed_account_ids": cty.ListValEmpty(cty.String)}
			}
			var vs []cty.Value
			for _, id := range ids {
				vs = append(vs, cty.StringVal(id))
			}
			return map[string]cty.Value{"allowed_account_ids": cty.ListVal(vs)}
		}
		wantValidation(t, m, "allowed_account_ids", list("1234"), true)
		wantValidation(t, m, "allowed_account_ids", list("123456789012"), false)
		wantValidation(t, m, "allowed_account_ids", list(), env == "prod")
	}
	if _, err := VariableDefault(loadModule(t, "envs/prod"), "allowed_account_ids"); err == nil {
		t.Error("envs/prod allowed_account_ids has a default, want it required")
	}
}

// No alarm fires to nobody: without alarm_topic_arn the suite creates a topic encrypted with a
// key CloudWatch may use (the AWS managed alias/aws/sns key refuses it), and the alarms of web
// and mobile cover Cognito, which login depends on.
func TestAlarmsHaveATopicAndCoverCognito(t *testing.T) {
	s := loadSuite(t)
	for _, name := range []string{"alarms", "observability"} {
		mod, err := s.Suite.Block("module", name)
		if err != nil {
			t.Fatal(err)
		}
		e, err := Attr(mod, "alarm_topic_arn")
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := Traversal(e); got != "local.alarm_topic_arn" {
			t.Errorf("module.%s alarm_topic_arn = %s, want local.alarm_topic_arn (the given or the created topic)", name, got)
		}
	}
	topic, err := s.Suite.Block("resource", "aws_sns_topic", "alarms")
	if err != nil {
		t.Fatal(err)
	}
	k, err := Attr(topic, "kms_master_key_id")
	if err != nil {
		t.Fatalf("alarm topic: %v (unencrypted)", err)
	}
	own := false
	for _, tr := range k.Variables() {
		if a, ok := tr[len(tr)-1].(hcl.TraverseAttr); ok && tr.RootName() == "aws_kms_key" && a.Name == "arn" {
			own = true
		}
	}
	if !own || slicesContains(StringLiterals(k), "alias/aws/sns") {
		t.Errorf("alarm topic kms_master_key_id is not the arn of the suite's own aws_kms_key (CloudWatch cannot use alias/aws/sns)")
	}
	pol, err := s.Suite.Block("data", "aws_iam_policy_document", "alarm_key_policy")
	if err != nil {
		t.Fatal(err)
	}
	if lits := StringLiterals(pol.Body); !slicesContains(lits, "cloudwatch.amazonaws.com") || !slicesContains(lits, "kms:GenerateDataKey") {
		t.Errorf("alarm key policy does not let cloudwatch.amazonaws.com encrypt (literals %v)", lits)
	}

	obs, err := s.Suite.Block("module", "observability")
	if err != nil {
		t.Fatal(err)
	}
	deps, err := Attr(obs, "dependencies")
	if err != nil {
		t.Fatalf("module.observability: %v (DynamoDB only)", err)
	}
	for bff, want := range map[string]bool{"web": true, "mobile": true, "partner": false} {
		v, diags := deps.Value(&hcl.EvalContext{Variables: map[string]cty.Value{"each": cty.ObjectVal(map[string]cty.Value{"key": cty.StringVal(bff)})}})
		if diags.HasErrors() {
			t.Fatalf("dependencies for %s: %v", bff, diags)
		}
		got := false
		for it := v.ElementIterator(); it.Next(); {
			_, e := it.Element()
			if e.AsString() == cognitoidentityprovider.ServiceID {
				got = true
			}
		}
		if got != want {
			t.Errorf("%s dependency alarms cover %q = %v, want %v (the Dependency dimension is the SDK service ID)", bff, cognitoidentityprovider.ServiceID, got, want)
		}
	}
}

func slicesContains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// Gateway answers a client can act on: a 429 says when to retry, the REST 401 says a token may
// lack the scope (the Cognito authorizer answers 401, not 403, then), the web API lets the
// browser read X-Trace-ID, and the env roots export what operators look for.
func TestGatewayAnswersAndEnvOutputs(t *testing.T) {
	rest := loadModule(t, "modules/rest_api")
	gp, ok := rest.Local("gateway_problems")
	if !ok {
		t.Fatal("rest_api has no local.gateway_problems")
	}
	v, diags := gp.Value(nil)
	if diags.HasErrors() {
		t.Fatalf("local.gateway_problems: %v", diags)
	}
	problems := v.AsValueMap()
	if ra := attr(problems["THROTTLED"], "retry_after"); ra.IsNull() {
		t.Error("THROTTLED gateway response has no retry_after")
	}
	if title := str(problems["UNAUTHORIZED"], "title"); !strings.Contains(title, "scope") {
		t.Errorf("UNAUTHORIZED title = %q, want it to say the token may lack the scope", title)
	}
	resp, err := rest.Block("resource", "aws_api_gateway_gateway_response", "problem")
	if err != nil {
		t.Fatal(err)
	}
	rp, err := Attr(resp, "response_parameters")
	if err != nil {
		t.Fatal(err)
	}
	if !slicesContains(StringLiterals(rp), "gatewayresponse.header.Retry-After") {
		t.Error("gateway responses never set the Retry-After header")
	}
	// lambdastack's local REST front answers with the same titles.
	for typ, r := range lambdastack.PartnerGatewayResponses() {
		if p, ok := problems[string(typ)]; ok && !strings.Contains(r.Body, fmt.Sprintf("%q", str(p, "title"))) {
			t.Errorf("lambdastack gateway response %s body %s, want Terraform's title %q", typ, r.Body, str(p, "title"))
		}
	}

	s := loadSuite(t)
	web, err := s.Suite.Block("module", "web_api")
	if err != nil {
		t.Fatal(err)
	}
	cors, err := Attr(web, "cors")
	if err != nil {
		t.Fatal(err)
	}
	if !slicesContains(StringLiterals(cors), "x-trace-id") {
		t.Error("web API CORS does not expose x-trace-id")
	}
	def, err := s.HTTPAPI.Block("variable", "cors")
	if err != nil {
		t.Fatal(err)
	}
	if !slicesContains(StringLiterals(def.Body), "x-trace-id") {
		t.Error("http_api's default expose_headers lack x-trace-id")
	}

	for _, env := range []string{"dev", "prod"} {
		m := loadModule(t, "envs/"+env)
		for _, name := range []string{"dashboards", "alarm_arns", "alarm_topic_arn", "region", "cognito_domain_url"} {
			if _, err := m.Block("output", name); err != nil {
				t.Errorf("envs/%s: %v", env, err)
			}
		}
	}
}

// Cost: per-method REST metrics only where prod asks for them, and the execution log group
// declared with retention before API Gateway creates it without.
func TestRESTMetricsAndExecutionLogs(t *testing.T) {
	rest := loadModule(t, "modules/rest_api")
	ms, err := rest.Block("resource", "aws_api_gateway_method_settings", "all")
	if err != nil {
		t.Fatal(err)
	}
	settings := nestedBlock(ms, "settings")
	if settings == nil {
		t.Fatal("method settings without a settings block")
	}
	me, err := Attr(settings, "metrics_enabled")
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := Traversal(me); got != "var.detailed_metrics" {
		t.Errorf("metrics_enabled = %q, want var.detailed_metrics", got)
	}
	if got, err := VariableDefault(rest, "detailed_metrics"); err != nil || got.True() {
		t.Errorf("rest_api detailed_metrics default = %#v (%v), want false", got, err)
	}
	lg, err := rest.Block("resource", "aws_cloudwatch_log_group", "execution")
	if err != nil {
		t.Fatal(err)
	}
	name, err := Attr(lg, "name")
	if err != nil {
		t.Fatal(err)
	}
	if lits := StringLiterals(name); len(lits) == 0 || lits[0] != "API-Gateway-Execution-Logs_" {
		t.Errorf("execution log group name literals %v, want API-Gateway-Execution-Logs_{rest_api_id}/{stage}", lits)
	}
	if _, err := Attr(lg, "retention_in_days"); err != nil {
		t.Error(err)
	}
	for env, want := range map[string]bool{"dev": false, "prod": true} {
		m := loadModule(t, "envs/"+env)
		suite, err := m.Block("module", "suite")
		if err != nil {
			t.Fatal(err)
		}
		got := false
		if e, err := Attr(suite, "detailed_api_metrics"); err == nil {
			v, d := e.Value(nil)
			got = !d.HasErrors() && v.True()
		}
		if got != want {
			t.Errorf("envs/%s detailed_api_metrics = %v, want %v", env, got, want)
		}
	}
}

// Cognito's own mail (COGNITO_DEFAULT) stops after a few dozen mails a day: prod must name an
// SES identity, and the pool sends through it (DEVELOPER) whenever one is given.
func TestCognitoEmailThroughSES(t *testing.T) {
	sesType := cty.Object(map[string]cty.Type{"identity_arn": cty.String, "from_address": cty.String, "reply_to": cty.String})
	ses := cty.ObjectVal(map[string]cty.Value{
		"identity_arn": cty.StringVal("arn:aws:ses:eu-central-1:123456789012:identity/shop.example.com"),
		"from_address": cty.StringVal("Shop <no-reply@shop.example.com>"), "reply_to": cty.NullVal(cty.String),
	})
	prod := loadModule(t, "envs/prod")
	wantValidation(t, prod, "ses_email", map[string]cty.Value{"ses_email": cty.NullVal(sesType)}, true)
	wantValidation(t, prod, "ses_email", map[string]cty.Value{"ses_email": ses}, false)
	if _, err := VariableDefault(prod, "ses_email"); err == nil {
		t.Error("envs/prod ses_email has a default, want it required")
	}
	bad := cty.ObjectVal(map[string]cty.Value{"identity_arn": cty.StringVal("shop.example.com"), "from_address": cty.StringVal("x@y"), "reply_to": cty.NullVal(cty.String)})
	wantValidation(t, prod, "ses_email", map[string]cty.Value{"ses_email": bad}, true)

	cog := loadModule(t, "modules/cognito")
	pool, err := cog.Block("resource", "aws_cognito_user_pool", "this")
	if err != nil {
		t.Fatal(err)
	}
	ec := nestedBlock(pool, "email_configuration")
	if ec == nil {
		t.Fatal("user pool without email_configuration")
	}
	acct, err := Attr(ec, "email_sending_account")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		ses  cty.Value
		want string
	}{{cty.NullVal(sesType), "COGNITO_DEFAULT"}, {ses, "DEVELOPER"}} {
		if got := evalString(t, acct, map[string]cty.Value{"ses_email": tc.ses}); got != tc.want {
			t.Errorf("email_sending_account with ses_email %#v = %q, want %q", tc.ses, got, tc.want)
		}
	}
	src, err := Attr(ec, "source_arn")
	if err != nil {
		t.Fatal(err)
	}
	v, diags := src.Value(&hcl.EvalContext{Variables: map[string]cty.Value{"var": cty.ObjectVal(map[string]cty.Value{"ses_email": ses})}, Functions: validationFuncs})
	if diags.HasErrors() || v.IsNull() || v.AsString() != ses.GetAttr("identity_arn").AsString() {
		t.Errorf("source_arn = %#v (%v), want the SES identity ARN", v, diags)
	}
}

// X-Ray shows the BFFs' spans (DynamoDB, Cognito calls) only when shared/tracing can export them:
// it needs an OTLP endpoint, which the ADOT collector layer provides on localhost:4318. Tracing on
// without the layer must be refused, and the layer must bring the endpoint variable with it.
func TestTracingHasACollector(t *testing.T) {
	const endpointVar, endpoint = "OTEL_EXPORTER_OTLP_ENDPOINT", "http://localhost:4318"
	read := false
	ct := reflect.TypeFor[tracing.Config]()
	for i := range ct.NumField() {
		if ct.Field(i).Tag.Get("env") == endpointVar {
			read = true
		}
	}
	if !read {
		t.Fatalf("shared/tracing.Config reads no %s: the Terraform side sets the wrong variable", endpointVar)
	}

	const arm = "arn:aws:lambda:eu-central-1:901920570463:layer:aws-otel-collector-arm64-ver-0-117-0:1"
	const amd = "arn:aws:lambda:eu-central-1:901920570463:layer:aws-otel-collector-amd64-ver-0-117-0:1"
	lambda := loadModule(t, "modules/bff_lambda")
	fn, err := lambda.Block("resource", "aws_lambda_function", "this")
	if err != nil {
		t.Fatal(err)
	}
	layers, err := Attr(fn, "layers")
	if err != nil {
		t.Fatalf("aws_lambda_function.this: %v (no collector layer)", err)
	}
	envExpr, ok := lambda.Local("environment")
	if !ok {
		t.Fatal("bff_lambda has no local.environment")
	}
	if got, _ := Traversal(mustAttr(t, nestedBlock(fn, "environment"), "variables")); got != "local.environment" {
		t.Errorf("environment.variables = %q, want local.environment", got)
	}
	str := func(s string) cty.Value {
		if s == "" {
			return cty.NullVal(cty.String)
		}
		return cty.StringVal(s)
	}
	for _, tc := range []struct {
		tracing      bool
		layer, arch  string
		refused      bool
		wantEndpoint bool
	}{
		{tracing: true, layer: "", arch: "arm64", refused: true},
		{tracing: true, layer: arm, arch: "arm64", wantEndpoint: true},
		{tracing: true, layer: amd, arch: "x86_64", wantEndpoint: true},
		{tracing: true, layer: amd, arch: "arm64", refused: true, wantEndpoint: true},
		{tracing: false, layer: "", arch: "arm64"},
	} {
		vars := map[string]cty.Value{
			"xray_tracing": cty.BoolVal(tc.tracing), "otel_collector_layer_arn": str(tc.layer),
			"architecture": cty.StringVal(tc.arch), "function_name": cty.StringVal("bffsuite-prod-web"),
			"environment": cty.MapVal(map[string]cty.Value{"BFF_LOG_LEVEL": cty.StringVal("info")}),
		}
		ctx := &hcl.EvalContext{Functions: validationFuncs, Variables: map[string]cty.Value{"var": cty.ObjectVal(vars)}}
		env, diags := envExpr.Value(ctx)
		if diags.HasErrors() {
			t.Fatalf("local.environment: %v", diags)
		}
		got := ""
		if m := env.AsValueMap(); m[endpointVar] != cty.NilVal {
			got = m[endpointVar].AsString()
		}
		if want := map[bool]string{true: endpoint}[tc.wantEndpoint]; got != want {
			t.Errorf("tracing %v, layer %q: %s = %q, want %q", tc.tracing, tc.layer, endpointVar, got, want)
		}
		lv, diags := layers.Value(ctx)
		if diags.HasErrors() {
			t.Fatalf("layers: %v", diags)
		}
		if got, want := lv.LengthInt(), map[bool]int{true: 1}[tc.layer != ""]; got != want {
			t.Errorf("tracing %v, layer %q: %d layers, want %d", tc.tracing, tc.layer, got, want)
		}
		ctx.Variables["local"] = cty.ObjectVal(map[string]cty.Value{"environment": env})
		refused := false
		for _, b := range nestedBlock(fn, "lifecycle").Body.Blocks {
			if b.Type != "precondition" {
				continue
			}
			cond := mustAttr(t, b, "condition")
			if !referencesVar(cond, "otel_collector_layer_arn") {
				continue
			}
			v, diags := cond.Value(ctx)
			if diags.HasErrors() {
				t.Fatalf("precondition: %v", diags)
			}
			refused = refused || v.False()
		}
		if refused != tc.refused {
			t.Errorf("tracing %v, layer %q on %s: refused = %v, want %v", tc.tracing, tc.layer, tc.arch, refused, tc.refused)
		}
	}
	wantValidation(t, lambda, "otel_collector_layer_arn", map[string]cty.Value{"otel_collector_layer_arn": str("alias/collector")}, true)
	wantValidation(t, lambda, "otel_collector_layer_arn", map[string]cty.Value{"otel_collector_layer_arn": str(arm)}, false)

	// prod traces: the layer is a required, validated variable of the root, handed down.
	prod := loadModule(t, "envs/prod")
	for _, tc := range []struct {
		layer   string
		refused bool
	}{{"", true}, {"arn:aws:lambda:eu-central-1:123456789012:layer:something-else:3", true}, {arm, false}, {amd, false}} {
		wantValidation(t, prod, "otel_collector_layer_arn", map[string]cty.Value{"otel_collector_layer_arn": str(tc.layer)}, tc.refused)
	}
	for _, hop := range []struct {
		m          *Module
		module     string
		wantSuffix string
	}{{prod, "suite", "var.otel_collector_layer_arn"}, {loadModule(t, "modules/suite"), "lambda", "var.otel_collector_layer_arn"}} {
		b, err := hop.m.Block("module", hop.module)
		if err != nil {
			t.Fatal(err)
		}
		e, err := Attr(b, "otel_collector_layer_arn")
		if err != nil {
			t.Errorf("module.%s in %s: %v", hop.module, hop.m.Dir, err)
			continue
		}
		if !referencesVar(e, "otel_collector_layer_arn") {
			t.Errorf("module.%s.otel_collector_layer_arn does not use %s", hop.module, hop.wantSuffix)
		}
	}
}

func mustAttr(t *testing.T, b *hclsyntax.Block, name string) hclsyntax.Expression {
	t.Helper()
	if b == nil {
		t.Fatalf("no block holding %s", name)
	}
	e, err := Attr(b, name)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func referencesVar(e hclsyntax.Expression, name string) bool {
	for _, tr := range e.Variables() {
		if got, ok := renderTraversal(tr); ok && got == "var."+name {
			return true
		}
	}
	return false
}

// MFA OPTIONAL with no enrolment in any BFF let a user enrol TOTP straight against Cognito and
// then fail every BFF login (no BFF answers SOFTWARE_TOKEN_MFA): it is OFF and refuses more.
// Threat protection is managed through user_pool_add_ons (in 5.46 and 6.x; user_pool_tier is
// 6.x only and must not appear), and prod must choose a mode explicitly.
func TestCognitoMFAAndThreatProtection(t *testing.T) {
	cognito := loadModule(t, "modules/cognito")
	if got, err := VariableDefault(cognito, "mfa_configuration"); err != nil || got.AsString() != "OFF" {
		t.Errorf("default mfa_configuration = %#v (%v), want OFF", got, err)
	}
	for _, tc := range []struct {
		mode    string
		refused bool
	}{{"OFF", false}, {"OPTIONAL", true}, {"ON", true}} {
		wantValidation(t, cognito, "mfa_configuration", map[string]cty.Value{"mfa_configuration": cty.StringVal(tc.mode)}, tc.refused)
	}

	pool, err := cognito.Block("resource", "aws_cognito_user_pool", "this")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Attr(pool, "user_pool_tier"); err == nil {
		t.Error("aws_cognito_user_pool.this sets user_pool_tier, which hashicorp/aws 5.46 does not know")
	}
	addOns := nestedBlock(pool, "user_pool_add_ons")
	if addOns == nil {
		t.Fatal("aws_cognito_user_pool.this has no user_pool_add_ons: threat protection is not decided")
	}
	if got, _ := Traversal(mustAttr(t, addOns, "advanced_security_mode")); got != "var.threat_protection" {
		t.Errorf("advanced_security_mode = %q, want var.threat_protection", got)
	}
	null := cty.NullVal(cty.String)
	for _, tc := range []struct {
		mode    cty.Value
		refused bool
	}{{null, false}, {cty.StringVal("OFF"), false}, {cty.StringVal("ENFORCED"), false}, {cty.StringVal("FULL"), true}} {
		wantValidation(t, cognito, "threat_protection", map[string]cty.Value{"threat_protection": tc.mode}, tc.refused)
	}

	prod := loadModule(t, "envs/prod")
	for _, tc := range []struct {
		mode    cty.Value
		refused bool
	}{{null, true}, {cty.StringVal("AUDIT"), false}, {cty.StringVal("ENFORCED"), false}, {cty.StringVal("OFF"), false}, {cty.StringVal("on"), true}} {
		wantValidation(t, prod, "cognito_threat_protection", map[string]cty.Value{"cognito_threat_protection": tc.mode}, tc.refused)
	}
	suite := loadModule(t, "modules/suite")
	for _, hop := range []struct {
		m              *Module
		module, arg, v string
	}{{prod, "suite", "cognito_threat_protection", "cognito_threat_protection"}, {suite, "cognito", "threat_protection", "cognito_threat_protection"}} {
		b, err := hop.m.Block("module", hop.module)
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := Traversal(mustAttr(t, b, hop.arg)); got != "var."+hop.v {
			t.Errorf("module.%s.%s = %q, want var.%s", hop.module, hop.arg, got, hop.v)
		}
	}
	// dev leaves the setting unmanaged (a new pool starts with it off; moto has no add-ons).
	if got, err := VariableDefault(suite, "cognito_threat_protection"); err != nil || !got.IsNull() {
		t.Errorf("suite default cognito_threat_protection = %#v (%v), want null", got, err)
	}
}
