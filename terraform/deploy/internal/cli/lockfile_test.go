package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const awsLock = `provider "registry.opentofu.org/hashicorp/aws" {
  version     = "6.20.0"
  constraints = ">= 5.46.0, < 7.0.0"
  hashes = ["h1:aaaa"]
}
`

// TestLockFilePolicy: a protected root requiring registry providers needs a lock file pinning
// each of them; unprotected roots and roots with only built-in providers do not.
func TestLockFilePolicy(t *testing.T) {
	const req = "terraform {\n  required_providers {\n    aws = { source = \"hashicorp/aws\", version = \">= 5.46\" }\n    random = \"~> 3.0\"\n  }\n}\n"
	tests := []struct {
		name      string
		protected bool
		tf, lock  string // lock "" = no file
		wantErr   string // "" = accepted
	}{
		{name: "dev without lock file", tf: req},
		{name: "prod without lock file", protected: true, tf: req, wantErr: "has no .terraform.lock.hcl (providers hashicorp/aws, hashicorp/random would be installed unpinned)"},
		{name: "prod lock misses a provider", protected: true, tf: req, lock: awsLock, wantErr: "does not lock hashicorp/random"},
		{name: "prod fully locked (tofu and terraform registries)", protected: true, tf: req,
			lock: awsLock + "provider \"registry.terraform.io/hashicorp/random\" {\n  version = \"3.6.0\"\n}\n"},
		{name: "prod with built-in providers only", protected: true, tf: "terraform {\n  backend \"local\" {}\n}\nresource \"terraform_data\" \"x\" {}\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			if err := os.WriteFile(filepath.Join(root, "versions.tf"), []byte(tt.tf), 0o644); err != nil {
				t.Fatal(err)
			}
			if tt.lock != "" {
				if err := os.WriteFile(filepath.Join(root, lockFileName), []byte(tt.lock), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			err := checkLockFile(tfConfig{Env: "prod", Root: root, Protected: tt.protected})
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("checkLockFile = %v, want nil", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("checkLockFile = %v, want an error with %q", err, tt.wantErr)
			case tt.wantErr != "" && !strings.Contains(err.Error(), "tofu providers lock"):
				t.Errorf("checkLockFile = %v, want the command that makes the lock file", err)
			}
		})
	}
}

// TestRealProdNeedsLockFile: plan of the real envs/prod (copied, with a backend.hcl so the
// backend check passes) is refused before init for want of a lock file: the policy is on.
func TestRealProdNeedsLockFile(t *testing.T) {
	tofu := requireTofu(t)
	repo := filepath.Dir(filepath.Dir(deployDir(t)))
	tmp := t.TempDir()
	for _, d := range []string{"envs", "modules"} {
		copyDir(t, filepath.Join(repo, "terraform", d), filepath.Join(tmp, "terraform", d))
	}
	root := filepath.Join(tmp, "terraform", "envs", "prod")
	if err := os.WriteFile(filepath.Join(root, "backend.hcl"), []byte("bucket = \"b\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(tmp, "dist"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"bff-web", "bff-mobile", "bff-partner"} {
		writeZip(t, filepath.Join(tmp, "dist", n+".zip"), "bootstrap")
	}
	args := []string{"plan", "-env", "prod", "-root", root, "-tf-bin", tofu, "-no-aws-check"}
	r := run(t, context.Background(), "", args...)
	r.want(t, args, ExitRefused, "prod is protected and has no .terraform.lock.hcl", "hashicorp/aws")
	if strings.Contains(r.stderr, "==> init") {
		t.Errorf("plan ran init without a lock file:\n%s", r.stderr)
	}
}
