package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
	tfjson "github.com/hashicorp/terraform-json"
)

// TestRequiredSecrets: the names of the secret_parameters output minus those an
// aws_ssm_parameter of the plan writes (in any module), sorted and unique.
func TestRequiredSecrets(t *testing.T) {
	out := func(v any) map[string]*tfjson.StateOutput {
		return map[string]*tfjson.StateOutput{secretsOutput: {Value: v}}
	}
	suite := map[string]any{
		"web":     []any{"/bffsuite/dev/web/BFF_COGNITO_APP_CLIENT_SECRET", "/bffsuite/dev/web/BFF_SESSION_KEYS", "/bffsuite/dev/web/BFF_CURSOR_KEY"},
		"mobile":  []any{"/bffsuite/dev/mobile/BFF_CURSOR_KEY"},
		"partner": []any{"/bffsuite/dev/partner/BFF_CURSOR_KEY", "/bffsuite/dev/mobile/BFF_CURSOR_KEY"},
	}
	managedWeb := &tfjson.StateModule{ChildModules: []*tfjson.StateModule{{Address: "module.suite", Resources: []*tfjson.StateResource{
		{Address: "module.suite.aws_ssm_parameter.web_client_secret", Mode: tfjson.ManagedResourceMode, Type: "aws_ssm_parameter",
			AttributeValues: map[string]any{"name": "/bffsuite/dev/web/BFF_COGNITO_APP_CLIENT_SECRET"}},
		{Address: "module.suite.data.aws_ssm_parameter.x", Mode: tfjson.DataResourceMode, Type: "aws_ssm_parameter",
			AttributeValues: map[string]any{"name": "/bffsuite/dev/web/BFF_CURSOR_KEY"}},
	}}}}
	tests := []struct {
		name   string
		plan   *tfjson.Plan
		want   string
		wantOK bool
	}{
		{name: "no plan", plan: nil},
		{name: "no output (fixture roots)", plan: &tfjson.Plan{PlannedValues: &tfjson.StateValues{Outputs: map[string]*tfjson.StateOutput{}}}},
		{name: "suite with the Terraform-written client secret", plan: &tfjson.Plan{PlannedValues: &tfjson.StateValues{Outputs: out(suite), RootModule: managedWeb}},
			wantOK: true, want: "/bffsuite/dev/mobile/BFF_CURSOR_KEY,/bffsuite/dev/partner/BFF_CURSOR_KEY,/bffsuite/dev/web/BFF_CURSOR_KEY,/bffsuite/dev/web/BFF_SESSION_KEYS"},
		{name: "nothing managed", plan: &tfjson.Plan{PlannedValues: &tfjson.StateValues{Outputs: out(map[string]any{"web": []any{"/a"}})}},
			wantOK: true, want: "/a"},
		{name: "unknown output value", plan: &tfjson.Plan{PlannedValues: &tfjson.StateValues{Outputs: out(nil)}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := requiredSecrets(tt.plan)
			if ok != tt.wantOK || strings.Join(got, ",") != tt.want {
				t.Errorf("requiredSecrets = %v, %v; want %s, %v", got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

// secretsRoot is an S3-backend root (so bffdeploy runs its AWS checks) whose
// secret_parameters output names two parameters nothing in it writes.
func secretsRoot(t *testing.T) string {
	t.Helper()
	root := s3Root(t, "dev")
	tf := `output "secret_parameters" {
  value = {
    web    = ["/bffsuite/dev/web/BFF_SESSION_KEYS", "/bffsuite/dev/web/BFF_CURSOR_KEY"]
    mobile = ["/bffsuite/dev/web/BFF_CURSOR_KEY"]
  }
}

output "region" {
  value = var.region
}
`
	if err := os.WriteFile(filepath.Join(root, "outputs.tf"), []byte(tf), 0o644); err != nil {
		t.Fatal(err)
	}
	return root
}

// TestApplyRefusesMissingSecrets on moto: apply is refused (exit 3, nothing applied) while a
// required parameter is missing, naming each missing one with its put-parameter command; once
// they exist, the apply goes through.
func TestApplyRefusesMissingSecrets(t *testing.T) {
	tofu := requireTofu(t)
	quietCLIConfig(t)
	motoCaller(t)
	ctx := context.Background()
	root := secretsRoot(t)
	common := []string{"-env", "dev", "-root", root}
	run(t, ctx, "", append([]string{"init-state"}, common...)...).want(t, common, ExitOK, "wrote ")
	c := ssm.NewFromConfig(aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("testing", "testing", ""),
		BaseEndpoint: aws.String(os.Getenv("AWS_ENDPOINT_URL"))})
	put := func(name string) {
		t.Helper()
		if _, err := c.PutParameter(ctx, &ssm.PutParameterInput{Name: &name, Value: aws.String("dGVzdA=="), Type: ssmtypes.ParameterTypeSecureString}); err != nil {
			t.Fatal(err)
		}
	}
	apply := append([]string{"apply", "-yes", "-tf-bin", tofu}, common...)

	plan := append([]string{"plan", "-tf-bin", tofu}, common...)
	run(t, ctx, "", plan...).want(t, plan, ExitOK, "warning: apply will stop here: refused: 2 of the 2 SSM parameters")

	r := run(t, ctx, "", apply...)
	r.want(t, apply, ExitRefused, "2 of the 2 SSM parameters the functions read at cold start do not exist in us-east-1",
		"\n  /bffsuite/dev/web/BFF_CURSOR_KEY\n  /bffsuite/dev/web/BFF_SESSION_KEYS\n",
		`aws ssm put-parameter --region us-east-1 --type SecureString --name /bffsuite/dev/web/BFF_CURSOR_KEY --value "$(openssl rand -base64 32)"`)
	if strings.Contains(r.stderr, "==> apply") {
		t.Fatalf("apply ran with missing secrets:\n%s", r.stderr)
	}

	put("/bffsuite/dev/web/BFF_CURSOR_KEY")
	r = run(t, ctx, "", apply...)
	r.want(t, apply, ExitRefused, "1 of the 2 SSM parameters", "/bffsuite/dev/web/BFF_SESSION_KEYS")
	if strings.Contains(r.stderr, "name /bffsuite/dev/web/BFF_CURSOR_KEY") {
		t.Errorf("an existing parameter is listed as missing:\n%s", r.stderr)
	}

	put("/bffsuite/dev/web/BFF_SESSION_KEYS")
	run(t, ctx, "", apply...).want(t, apply, ExitOK, "SSM secrets: all 2 required parameters exist (region us-east-1)", "Applied ")
}
