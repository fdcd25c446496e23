package cli

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"bffsuite.dev/deploy/internal/frontendconfig"
)

// binaries are the Terraform implementations the end-to-end tests run: OpenTofu always (missing
// means Skip locally, Fatal in CI), HashiCorp Terraform when it is on PATH.
func binaries(t *testing.T) map[string]string {
	t.Helper()
	bins := map[string]string{"tofu": requireTofu(t)}
	if p, err := exec.LookPath("terraform"); err == nil {
		bins["terraform"] = p
	}
	return bins
}

// TestLifecycle runs the whole life of an environment on the fixture root (terraform_data and a
// local backend only): plan, apply the reviewed plan, outputs, re-plan without changes, the prod
// destroy guard, apply with confirmation, and destroy with a typed confirmation.
func TestLifecycle(t *testing.T) {
	for name, bin := range binaries(t) {
		t.Run(name, func(t *testing.T) {
			quietCLIConfig(t)
			ctx := context.Background()
			root := fixture(t, "fixture-root")
			changes := filepath.Join(deployDir(t), "testdata", "changes.tfvars")
			common := []string{"-root", root, "-tf-bin", bin}
			step := func(stdin string, code int, args []string, texts ...string) result {
				t.Helper()
				args = append(args, common...)
				r := run(t, ctx, stdin, args...)
				r.want(t, args, code, texts...)
				return r
			}

			planFile := filepath.Join(t.TempDir(), "dev.tfplan")
			step("", ExitOK, []string{"plan", "-env", "dev", "-out", planFile},
				"Plan: 10 to add, 0 to change, 0 to replace, 0 to destroy.",
				`module.api["web"]: 2 to add`, "==> init done in", "==> plan done in",
				"AWS credential check skipped: the root uses no AWS provider")
			step("", ExitOK, []string{"apply", "-env", "dev", "-plan", planFile}, "Applied dev.tfplan to dev.")
			// A consumed plan is stale: Terraform refuses it, with its own message.
			step("", ExitFailed, []string{"apply", "-env", "dev", "-plan", planFile}, "Saved plan is stale")

			out := filepath.Join(t.TempDir(), "frontend-dev.json")
			r := step("", ExitOK, []string{"outputs", "-env", "dev", "-out", out}, `"user_pool_id": "eu-west-1_Fxdev"`)
			b, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			if string(b) != r.stdout {
				t.Errorf("outputs file = %q, printed %q: want the same", b, r.stdout)
			}
			var fc frontendconfig.Config
			if err := json.Unmarshal(b, &fc); err != nil {
				t.Fatalf("outputs file is not JSON: %v", err)
			}
			if fc.APIURLs["partner"] != "https://bff-partner-dev.execute-api.eu-west-1.amazonaws.com/v1" || fc.ClientIDs["web"] != "client-web-dev" {
				t.Errorf("outputs config = %+v, want fixture URLs and client ids", fc)
			}
			if strings.Contains(string(b), "not-for-front-ends") {
				t.Errorf("outputs file contains a sensitive output: %s", b)
			}

			step("", ExitOK, []string{"plan", "-env", "dev"}, "No changes.")
			// -v streams Terraform's own output.
			step("", ExitOK, []string{"plan", "-env", "dev", "-v"}, "Your infrastructure matches the configuration")

			// Replace + delete in prod: refused unless allowed.
			step("", ExitRefused, []string{"plan", "-env", "prod", "-var-file", changes},
				"would destroy or replace 2 resource(s) in prod", `module.api["web"].terraform_data.function (replace)`,
				`terraform_data.partner["acme"] (destroy)`, "-allow-destroy")
			step("", ExitRefused, []string{"apply", "-env", "prod", "-yes", "-var-file", changes}, "would destroy or replace")
			step("", ExitOK, []string{"plan", "-env", "prod", "-allow-destroy", "-var-file", changes},
				"Plan: 1 to add, 3 to change, 1 to replace, 1 to destroy.")

			// apply without a plan file asks; anything but "yes" changes nothing.
			step("no\n", ExitRefused, []string{"apply", "-env", "dev", "-var-file", changes}, "apply cancelled", "nothing was changed")
			step("", ExitOK, []string{"plan", "-env", "dev"}, "No changes.")
			step("yes\n", ExitOK, []string{"apply", "-env", "dev", "-var-file", changes}, "Applied")
			step("", ExitOK, []string{"plan", "-env", "dev", "-var-file", changes}, "No changes.")

			// destroy needs the env name typed.
			step("prod\n", ExitRefused, []string{"destroy", "-env", "dev"}, "Plan: 0 to add, 0 to change, 0 to replace, 10 to destroy.",
				`confirmation "prod" does not match the environment "dev"; nothing was destroyed`)
			step("", ExitRefused, []string{"destroy", "-env", "dev"}, "no answer on stdin")
			step("", ExitRefused, []string{"destroy", "-env", "prod"}, "would destroy or replace 10 resource(s) in prod")
			step("dev\n", ExitOK, []string{"destroy", "-env", "dev"}, "Applied")
			step("", ExitOK, []string{"plan", "-env", "dev"}, "Plan: 10 to add")
			step("", ExitFailed, []string{"outputs", "-env", "dev"}, `output "user_pool_id" is missing`)
		})
	}
}

// TestFailures checks that each kind of failure names its cause.
func TestFailures(t *testing.T) {
	tofu := requireTofu(t)
	quietCLIConfig(t)
	ctx := context.Background()
	notTF := filepath.Join(t.TempDir(), "not-terraform")
	if err := os.WriteFile(notTF, []byte("#!/bin/sh\necho 'Packer v1.9.0'\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		args  []string
		code  int
		texts []string
	}{
		{"missing binary", []string{"plan", "-env", "dev", "-root", fixture(t, "fixture-root"), "-tf-bin", "/nonexistent/tofu"},
			ExitFailed, []string{`-tf-bin "/nonexistent/tofu" is not an executable file`}},
		{"not terraform", []string{"plan", "-env", "dev", "-root", fixture(t, "fixture-root"), "-tf-bin", notTF},
			ExitFailed, []string{`not Terraform or OpenTofu: version output "Packer v1.9.0"`}},
		{"init error", []string{"plan", "-env", "dev", "-root", fixture(t, "badmodule-root"), "-tf-bin", tofu},
			ExitFailed, []string{"==> init failed after", "bffdeploy plan: init ", "Unreadable module directory"}},
		{"plan error with diagnostics", []string{"plan", "-env", "dev", "-root", fixture(t, "broken-root"), "-tf-bin", tofu},
			ExitFailed, []string{"==> plan failed after", "Reference to undeclared input variable", "not_declared"}},
		{"validate error", []string{"validate", "-env", "dev", "-root", fixture(t, "broken-root"), "-tf-bin", tofu},
			ExitFailed, []string{"1 error(s)", "Reference to undeclared input variable (main.tf:8)"}},
		{"no root", []string{"plan", "-env", "dev", "-root", filepath.Join(t.TempDir(), "none"), "-tf-bin", tofu},
			ExitUsage, []string{"does not exist"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			run(t, ctx, "", tt.args...).want(t, tt.args, tt.code, tt.texts...)
		})
	}
}

// TestAWSCredentialCheck: a root using the AWS provider is not planned without credentials.
func TestAWSCredentialCheck(t *testing.T) {
	tofu := requireTofu(t)
	quietCLIConfig(t)
	dir := t.TempDir()
	for k, v := range map[string]string{
		"AWS_CONFIG_FILE": filepath.Join(dir, "config"), "AWS_SHARED_CREDENTIALS_FILE": filepath.Join(dir, "credentials"),
		"AWS_EC2_METADATA_DISABLED": "true", "AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "", "AWS_SESSION_TOKEN": "",
		"AWS_PROFILE": "", "AWS_WEB_IDENTITY_TOKEN_FILE": "", "AWS_CONTAINER_CREDENTIALS_FULL_URI": "",
		"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "",
	} {
		t.Setenv(k, v)
	}
	root := t.TempDir()
	tf := "terraform {\n  required_providers {\n    aws = { source = \"hashicorp/aws\" }\n  }\n}\n"
	if err := os.WriteFile(filepath.Join(root, "main.tf"), []byte(tf), 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{"plan", "-env", "dev", "-root", root, "-tf-bin", tofu}
	r := run(t, context.Background(), "", args...)
	r.want(t, args, ExitFailed, "no AWS credentials", "AWS_PROFILE")
	if strings.Contains(r.stderr, "==> init") {
		t.Errorf("bffdeploy plan ran init before the credential check:\n%s", r.stderr)
	}
}

// TestInterrupt cancels the context during a slow apply (what Ctrl-C does through
// signal.NotifyContext) and expects Terraform to stop cleanly: the command returns soon, and the
// state is not left locked.
func TestInterrupt(t *testing.T) {
	tofu := requireTofu(t)
	quietCLIConfig(t)
	root := fixture(t, "slow-root")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	args := []string{"apply", "-env", "dev", "-yes", "-root", root, "-tf-bin", tofu}
	done := make(chan result, 1)
	go func() { done <- run(t, ctx, "", args...) }()
	// Wait until the provisioner runs (the sleep process exists under the state lock), then cancel.
	deadline := time.Now().Add(60 * time.Second)
	for {
		if _, err := os.Stat(filepath.Join(root, ".terraform.tfstate.lock.info")); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("apply did not take the state lock within 60s")
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(time.Second)
	start := time.Now()
	cancel()
	var r result
	select {
	case r = <-done:
	case <-time.After(50 * time.Second):
		t.Fatal("apply did not return within 50s of the interrupt")
	}
	r.want(t, args, ExitFailed, "interrupted")
	t.Logf("apply returned %s after the interrupt", time.Since(start).Round(time.Millisecond))
	if _, err := os.Stat(filepath.Join(root, ".terraform.tfstate.lock.info")); err == nil {
		t.Errorf("state lock left behind after the interrupt")
	}
	plan := []string{"plan", "-env", "dev", "-root", root, "-tf-bin", tofu}
	run(t, context.Background(), "", plan...).want(t, plan, ExitOK, "Plan:")
}
