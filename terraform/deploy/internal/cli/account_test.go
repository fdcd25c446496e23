package cli

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"bffsuite.dev/deploy/internal/motoserver"
)

// motoCaller points the SDK's default chain at a moto_server started for the test, whose
// caller is account 123456789012, with keys that would pass the old presence-only check.
func motoCaller(t *testing.T) {
	t.Helper()
	m := motoserver.Start(t)
	dir := t.TempDir()
	for k, v := range map[string]string{
		"AWS_ENDPOINT_URL": m.Endpoint, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
		"AWS_SESSION_TOKEN": "", "AWS_REGION": motoserver.Region, "AWS_PROFILE": "",
		"AWS_CONFIG_FILE": filepath.Join(dir, "config"), "AWS_SHARED_CREDENTIALS_FILE": filepath.Join(dir, "credentials"),
		"AWS_EC2_METADATA_DISABLED": "true",
	} {
		t.Setenv(k, v)
	}
}

// awsRoot writes a root that uses the AWS provider, with the given tfvars (none when "").
func awsRoot(t *testing.T, tfvars string) string {
	t.Helper()
	root := t.TempDir()
	tf := "terraform {\n  required_providers {\n    aws = { source = \"hashicorp/aws\" }\n  }\n}\n" +
		"variable \"allowed_account_ids\" {\n  type    = list(string)\n  default = []\n}\n"
	if err := os.WriteFile(filepath.Join(root, "main.tf"), []byte(tf), 0o644); err != nil {
		t.Fatal(err)
	}
	if tfvars != "" {
		if err := os.WriteFile(filepath.Join(root, "terraform.tfvars"), []byte(tfvars), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func TestAccountCheck(t *testing.T) {
	motoCaller(t)
	const moto, other = `allowed_account_ids = ["123456789012"]`, `allowed_account_ids = ["111111111111"]`
	tests := []struct {
		name    string
		tfvars  string
		flags   tfFlags
		wantErr string // "" means accepted
	}{
		{name: "tfvars allow the caller", tfvars: moto, flags: tfFlags{env: "dev"}},
		{name: "tfvars name another account", tfvars: other, flags: tfFlags{env: "dev"},
			wantErr: "account 123456789012 is not in allowed_account_ids [111111111111]"},
		{name: "-account wins over tfvars", tfvars: other, flags: tfFlags{env: "dev", accounts: "123456789012"}},
		{name: "-account names another account", tfvars: moto, flags: tfFlags{env: "dev", accounts: "111111111111,222222222222"},
			wantErr: "not in -account [111111111111 222222222222]"},
		{name: "dev without accounts accepts any", flags: tfFlags{env: "dev"}},
		{name: "prod without accounts is refused", flags: tfFlags{env: "prod"}, wantErr: "prod is protected and no account is expected"},
		{name: "-no-aws-check skips it", tfvars: other, flags: tfFlags{env: "prod", noAWSCheck: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := tt.flags
			f.root = awsRoot(t, tt.tfvars)
			var stderr bytes.Buffer
			a := &App{Stdout: &stderr, Stderr: &stderr, Dir: t.TempDir()}
			s, err := a.open(context.Background(), &f)
			if err != nil {
				t.Fatalf("open: %v", err)
			}
			err = a.checkAWS(context.Background(), s, &f)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("checkAWS = %v, want nil\n%s", err, stderr.String())
				}
			} else if err == nil || !errors.Is(err, errRefused) || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("checkAWS = %v, want a refusal containing %q", err, tt.wantErr)
			}
			if !f.noAWSCheck && !strings.Contains(stderr.String(), "AWS caller: account 123456789012, arn:aws:") {
				t.Errorf("stderr = %q, want the caller's account and ARN", stderr.String())
			}
		})
	}
}

// TestWrongAccountRefusedBeforeInit: plan, apply and destroy stop with exit 3 before init when
// the caller is not in the env's allowed_account_ids.
func TestWrongAccountRefusedBeforeInit(t *testing.T) {
	tofu := requireTofu(t)
	quietCLIConfig(t)
	motoCaller(t)
	root := awsRoot(t, `allowed_account_ids = ["111111111111"]`)
	for _, cmd := range [][]string{{"plan"}, {"apply", "-yes"}, {"destroy", "-confirm", "dev"}} {
		args := append(cmd, "-env", "dev", "-root", root, "-tf-bin", tofu)
		r := run(t, context.Background(), "", args...)
		r.want(t, args, ExitRefused, "AWS caller: account 123456789012", "is not in allowed_account_ids [111111111111]")
		if strings.Contains(r.stderr, "==> init") {
			t.Errorf("bffdeploy %s ran init before the account check:\n%s", cmd[0], r.stderr)
		}
	}
}
