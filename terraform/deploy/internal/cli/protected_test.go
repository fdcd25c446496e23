package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRootProtection: the prod guard follows the root, not only -env.
func TestRootProtection(t *testing.T) {
	tofu := requireTofu(t)
	realProd := filepath.Join(deployDir(t), "..", "envs", "prod")
	plain := "variable \"x\" {\n  default = 1\n}\n"
	tests := []struct {
		name    string
		dir     string            // root directory name ("" = real terraform/envs/prod)
		files   map[string]string // files of the root
		wantWhy string            // "" = not protected
	}{
		{name: "real envs/prod with -env dev", wantWhy: "directory prod"},
		{name: "a copy named prod", dir: "prod", files: map[string]string{"main.tf": plain}, wantWhy: "directory prod"},
		{name: "module environment prod", dir: "live", files: map[string]string{"main.tf": "module \"suite\" {\n  source      = \"./m\"\n  environment = \"prod\"\n}\n"},
			wantWhy: `a module gets environment = "prod"`},
		{name: "tfvars protected", dir: "live", files: map[string]string{"main.tf": "variable \"protected\" {\n  type    = bool\n  default = false\n}\n", "terraform.tfvars": "protected = true\n"},
			wantWhy: "variable protected = true"},
		{name: "variable environment prod", dir: "live", files: map[string]string{"main.tf": "variable \"environment\" {\n  default = \"prod\"\n}\n"},
			wantWhy: `variable environment = "prod"`},
		{name: "dev-like root", dir: "live", files: map[string]string{"main.tf": "module \"suite\" {\n  source      = \"./m\"\n  environment = \"dev\"\n}\n", "terraform.tfvars": "protected = false\n"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := realProd
			if tt.dir != "" {
				root = filepath.Join(t.TempDir(), tt.dir)
				if err := os.MkdirAll(root, 0o755); err != nil {
					t.Fatal(err)
				}
				for n, text := range tt.files {
					if err := os.WriteFile(filepath.Join(root, n), []byte(text), 0o644); err != nil {
						t.Fatal(err)
					}
				}
			}
			var stderr bytes.Buffer
			a := &App{Stdout: &stderr, Stderr: &stderr, Dir: deployDir(t)}
			s, err := a.open(context.Background(), &tfFlags{env: "dev", root: root, tfBin: tofu})
			if err != nil {
				t.Fatalf("open: %v", err)
			}
			if got, want := s.cfg.Protected, tt.wantWhy != ""; got != want {
				t.Fatalf("protected = %v, want %v\n%s", got, want, stderr.String())
			}
			if tt.wantWhy != "" && !strings.Contains(stderr.String(), "is protected ("+tt.wantWhy+")") {
				t.Errorf("stderr = %q, want the reason %q", stderr.String(), tt.wantWhy)
			}
		})
	}
}

// TestRootGuardWithDevEnv: a root named prod, planned with -env dev, is still refused a plan
// that destroys or replaces, unless -allow-destroy.
func TestRootGuardWithDevEnv(t *testing.T) {
	tofu := requireTofu(t)
	quietCLIConfig(t)
	ctx := context.Background()
	root := filepath.Join(t.TempDir(), "prod")
	copyDir(t, filepath.Join(deployDir(t), "testdata", "fixture-root"), root)
	changes := filepath.Join(deployDir(t), "testdata", "changes.tfvars")
	common := []string{"-root", root, "-tf-bin", tofu}
	args := append([]string{"apply", "-env", "dev", "-yes"}, common...)
	run(t, ctx, "", args...).want(t, args, ExitOK)
	args = append([]string{"plan", "-env", "dev", "-var-file", changes}, common...)
	run(t, ctx, "", args...).want(t, args, ExitRefused, "is protected (directory prod)", "-allow-destroy")
	args = append([]string{"plan", "-env", "dev", "-var-file", changes, "-allow-destroy"}, common...)
	run(t, ctx, "", args...).want(t, args, ExitOK)
}
