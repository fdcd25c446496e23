package rehearse

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// repoRoot is the repository root (this package lives in terraform/deploy/internal/rehearse).
const repoRoot = "../../../.."

// requireTools finds tofu, python with moto, the RIE and the tf-offline toolkit; a missing one
// skips the test, or fails it with CI set.
func requireTools(t *testing.T, rie bool) Options {
	t.Helper()
	missing := func(msg string) {
		t.Helper()
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	repo, err := filepath.Abs(repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	o := Options{Repo: repo, Toolkit: filepath.Join(repo, "..", "shared", "tools", "tf-offline")}
	if o.Tofu, err = findTool("tofu", "bin/tofu"); err != nil {
		missing(err.Error())
	}
	if rie {
		if o.RIE, err = findTool("aws-lambda-rie", "bin/aws-lambda-rie"); err != nil {
			missing(err.Error())
		}
	}
	if o.Python, err = FindPython(); err != nil {
		missing(err.Error())
	}
	if _, err := os.Stat(filepath.Join(o.Toolkit, "setup-real-aws")); err != nil {
		missing("tf-offline toolkit: " + err.Error())
	}
	return o
}

func TestProviderOverride(t *testing.T) {
	got := ProviderOverride("http://127.0.0.1:5000")
	for _, want := range []string{`max_retries                 = 2`, `skip_requesting_account_id  = true`, `region                      = "us-east-1"`} {
		if !strings.Contains(got, want) {
			t.Errorf("ProviderOverride() lacks %q:\n%s", want, got)
		}
	}
	for _, s := range endpointServices {
		if !regexp.MustCompile(`(?m)^\s+` + s + `\s+= "http://127.0.0.1:5000"$`).MatchString(got) {
			t.Errorf("ProviderOverride() has no endpoint for %s", s)
		}
	}
}

// Every AWS service a module uses must have its endpoint in the override, or the rehearsal
// would talk to real AWS (the provider would fail: no network) for it.
func TestOverrideCoversEveryService(t *testing.T) {
	prefixes := map[string]string{
		"aws_api_gateway_": "apigateway", "aws_apigatewayv2_": "apigatewayv2", "aws_cloudwatch_log_": "cloudwatchlogs", "aws_cloudwatch_query_": "cloudwatchlogs",
		"aws_cloudwatch_metric_alarm": "cloudwatch", "aws_cloudwatch_dashboard": "cloudwatch", "aws_cognito_": "cognitoidp",
		"aws_dynamodb_": "dynamodb", "aws_iam_": "iam", "aws_lambda_": "lambda", "aws_ssm_": "ssm", "aws_kms_": "kms",
		"aws_caller_identity": "sts", "aws_sqs_": "sqs", "aws_sns_": "sns", "aws_s3_": "s3", "aws_cloudwatch_event_": "events",
		"aws_sfn_": "sfn",
	}
	re := regexp.MustCompile(`(?m)^(?:resource|data) "(aws_[a-z0-9_]+)"`)
	files, err := filepath.Glob(filepath.Join(repoRoot, "terraform", "modules", "*", "*.tf"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no module files: %v", err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			typ := m[1]
			switch typ {
			case "aws_partition", "aws_region", "aws_iam_policy_document", "aws_route53_record", "aws_acm_certificate":
				continue // computed locally, or only with custom domains (not in the rehearsal)
			}
			svc := ""
			for p, s := range prefixes {
				if strings.HasPrefix(typ, p) && len(p) > len(svc) {
					svc = s
				}
			}
			if svc == "" {
				t.Errorf("%s: %s: unknown service; add its endpoint to endpointServices and this table", f, typ)
				continue
			}
			found := false
			for _, s := range endpointServices {
				found = found || s == svc
			}
			if !found {
				t.Errorf("%s: %s needs the %s endpoint in the provider override", f, typ, svc)
			}
		}
	}
}

// The zip precondition makes plan fail, naming the zip and the command that builds it; with it
// reverted, plan passes without zips (and apply would stop halfway: the breakage it prevents).
func TestPlanWithoutZips(t *testing.T) {
	base := requireTools(t, false)
	tests := []struct {
		name    string
		mutate  func(tf string) error
		wantErr []string
	}{
		{name: "precondition in place", wantErr: []string{"bffsuite-dev-", ".zip", "is missing", "make lambda"}},
		{name: "precondition reverted", mutate: dropZipPrecondition},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := base
			o.Until, o.SkipBuild, o.WorkDir, o.Mutate = "plan", true, t.TempDir(), tt.mutate
			var out bytes.Buffer
			o.Out = &out
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
			defer cancel()
			_, err := Run(ctx, o)
			if len(tt.wantErr) == 0 {
				if err != nil {
					t.Fatalf("Run(plan, no zips, precondition dropped) = %v, want the plan to pass (what the precondition exists for)\n%s", err, out.String())
				}
				return
			}
			if err == nil {
				t.Fatalf("Run(plan, no zips) = nil, want the plan to fail naming the zip\n%s", out.String())
			}
			for _, w := range tt.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Run(plan, no zips) error = %v\nwant it to contain %q", err, w)
				}
			}
		})
	}
}

func dropZipPrecondition(tf string) error {
	p := filepath.Join(tf, "modules", "bff_lambda", "main.tf")
	b, err := os.ReadFile(p)
	if err != nil {
		return err
	}
	re := regexp.MustCompile(`(?s)    precondition \{\n      condition     = fileexists\(var\.zip_path\).*?\n    \}\n`)
	if !re.Match(b) {
		return os.ErrNotExist
	}
	return os.WriteFile(p, re.ReplaceAll(b, nil), 0o644)
}

// A role that may not read a secret its BFF's loader requests (the bff-mobile breakage: the
// loader asked for a parameter the role could not read) makes the function fail its cold start
// under the emulator, with IAM enforced, and the rehearsal names the function and the denial.
func TestRoleWithoutSecretPermissionFailsColdStart(t *testing.T) {
	o := requireTools(t, true)
	if testing.Short() {
		t.Skip("applies the whole dev stack (about 2 minutes)")
	}
	o.WorkDir, o.Only, o.NoDestroy = t.TempDir(), []string{"mobile"}, true
	o.Mutate = func(tf string) error {
		p := filepath.Join(tf, "modules", "suite", "main.tf")
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		old := []byte(`mobile  = ["BFF_CURSOR_KEY"]`)
		if !bytes.Contains(b, old) {
			return os.ErrNotExist
		}
		return os.WriteFile(p, bytes.Replace(b, old, []byte(`mobile  = []`), 1), 0o644)
	}
	var out bytes.Buffer
	o.Out = &out
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	_, err := Run(ctx, o)
	if err == nil {
		t.Fatalf("Run(mobile role without its SSM permission) = nil, want the mobile function to fail its cold start\n%s", out.String())
	}
	t.Logf("rehearsal error (expected):\n%v", err)
	for _, want := range []string{"bffsuite-dev-mobile", "did not start", "BFF_CURSOR_KEY", "403"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error = %v\nwant it to contain %q", err, want)
		}
	}
}

func TestFindPythonNamesInstall(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	t.Setenv("REHEARSE_PYTHON", "")
	_, err := FindPython()
	if err == nil || !strings.Contains(err.Error(), MotoInstall) {
		t.Errorf("FindPython() with no python = %v, want an error with %q", err, MotoInstall)
	}
}

// The env refuses partners bff-partner could not start with (unknown rate tier) or the apply
// would fail on halfway (unknown scope), at plan time, naming the variable.
func TestEnvRefusesPartnersThatCannotStart(t *testing.T) {
	base := requireTools(t, false)
	tests := []struct {
		name, tfvars, want string
	}{
		{name: "unknown tier", tfvars: `partners = { acme = { scopes = ["catalog.read"], rate_tier = "platinum" } }`, want: "rate_tier must be bronze, silver or gold"},
		{name: "unknown scope", tfvars: `partners = { acme = { scopes = ["catalog.write"], rate_tier = "gold" } }`, want: "scopes must be catalog.read"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := base
			o.Until, o.SkipBuild, o.WorkDir = "plan", true, t.TempDir()
			o.Mutate = func(tf string) error {
				return os.WriteFile(filepath.Join(tf, "envs", "dev", "partners.auto.tfvars"), []byte(tt.tfvars+"\n"), 0o644)
			}
			var out bytes.Buffer
			o.Out = &out
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
			defer cancel()
			_, err := Run(ctx, o)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "var.partners") {
				t.Errorf("Run(plan, %s) = %v, want an error naming var.partners and %q", tt.tfvars, err, tt.want)
			}
		})
	}
}

func TestHTTPEvent(t *testing.T) {
	tests := []struct {
		bff, target, wantVersion, wantPath, wantQuery string
	}{
		{bff: "web", target: "/api/products?page_size=2", wantVersion: "2.0", wantPath: "/api/products", wantQuery: "2"},
		{bff: "mobile", target: "/healthz", wantVersion: "2.0", wantPath: "/healthz"},
		{bff: "partner", target: "/readyz", wantVersion: "", wantPath: "/readyz"},
	}
	for _, tt := range tests {
		t.Run(tt.bff+tt.target, func(t *testing.T) {
			raw, err := HTTPEvent(tt.bff, "v1", tt.target)
			if err != nil {
				t.Fatal(err)
			}
			var ev struct {
				Version    string            `json:"version"`
				RawPath    string            `json:"rawPath"`
				Path       string            `json:"path"`
				HTTPMethod string            `json:"httpMethod"`
				Query      map[string]string `json:"queryStringParameters"`
				Ctx        struct {
					Stage string `json:"stage"`
				} `json:"requestContext"`
			}
			if err := json.Unmarshal(raw, &ev); err != nil {
				t.Fatal(err)
			}
			path := ev.RawPath
			if tt.bff == "partner" {
				path = ev.Path
				if ev.HTTPMethod != "GET" || ev.Ctx.Stage != "v1" {
					t.Errorf("payload 1.0 method %q stage %q, want GET v1", ev.HTTPMethod, ev.Ctx.Stage)
				}
			}
			if ev.Version != tt.wantVersion || path != tt.wantPath || ev.Query["page_size"] != tt.wantQuery {
				t.Errorf("HTTPEvent(%s, %s) = version %q path %q page_size %q, want %q %q %q", tt.bff, tt.target,
					ev.Version, path, ev.Query["page_size"], tt.wantVersion, tt.wantPath, tt.wantQuery)
			}
		})
	}
}
