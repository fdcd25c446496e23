package tfrun

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/go-version"
)

func TestParseVersion(t *testing.T) {
	tests := []struct {
		name    string
		out     string
		flavor  Flavor
		version string
		wantErr string
	}{
		{name: "tofu", out: readFile(t, "testdata/version-tofu-1.12.6.txt"), flavor: OpenTofu, version: "1.12.6"},
		{name: "terraform", out: readFile(t, "testdata/version-terraform-1.11.4.txt"), flavor: Terraform, version: "1.11.4"},
		{name: "with warning first", out: "Warning: x\n\nOpenTofu v1.6.0-rc1\non linux_arm64\n", flavor: OpenTofu, version: "1.6.0-rc1"},
		{name: "other tool", out: "Packer v1.9.0\n", wantErr: `not Terraform or OpenTofu: version output "Packer v1.9.0"`},
		{name: "empty", out: "", wantErr: "not Terraform or OpenTofu"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, v, err := ParseVersion(tt.out)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseVersion(%q) = %v, want error %q", tt.out, err, tt.wantErr)
				}
				return
			}
			if err != nil || f != tt.flavor || v.String() != tt.version {
				t.Fatalf("ParseVersion(%q) = %s %v %v, want %s %s", tt.out, f, v, err, tt.flavor, tt.version)
			}
		})
	}
}

func TestCheckVersion(t *testing.T) {
	tests := []struct {
		flavor  Flavor
		version string
		ok      bool
	}{
		{OpenTofu, "1.12.6", true},
		{OpenTofu, "1.6.0", true},
		{OpenTofu, "1.6.0-rc1", false},
		{OpenTofu, "1.5.7", false},
		{Terraform, "1.5.0", true},
		{Terraform, "1.11.4", true},
		{Terraform, "1.4.6", false},
		{Terraform, "0.15.5", false},
	}
	for _, tt := range tests {
		t.Run(string(tt.flavor)+"-"+tt.version, func(t *testing.T) {
			err := CheckVersion(tt.flavor, version.Must(version.NewVersion(tt.version)))
			if (err == nil) != tt.ok {
				t.Fatalf("CheckVersion(%s, %s) = %v, want ok %v", tt.flavor, tt.version, err, tt.ok)
			}
			if err != nil && !strings.Contains(err.Error(), "too old") {
				t.Errorf("CheckVersion(%s, %s) = %q, want a 'too old' message", tt.flavor, tt.version, err)
			}
		})
	}
}

func TestUsesAWS(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  bool
	}{
		{"terraform_data only", map[string]string{"main.tf": `resource "terraform_data" "x" {}`}, false},
		{"required provider", map[string]string{"versions.tf": `terraform { required_providers { aws = { source = "hashicorp/aws" } } }`}, true},
		{"s3 backend", map[string]string{"main.tf": "terraform {\n  backend \"s3\" {}\n}"}, true},
		{"aws resource in local module", map[string]string{
			"main.tf":        `module "m" { source = "./modules/m" }`,
			"modules/m/m.tf": `resource "aws_s3_bucket" "b" {}`,
		}, true},
		{"module cycle without aws", map[string]string{
			"main.tf":        `module "m" { source = "./modules/m" }`,
			"modules/m/m.tf": `module "up" { source = "../.." }`,
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			for name, body := range tt.files {
				p := filepath.Join(root, name)
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			got, err := UsesAWS(root)
			if err != nil || got != tt.want {
				t.Errorf("UsesAWS(%v) = %v, %v, want %v", tt.files, got, err, tt.want)
			}
		})
	}
	if got, err := UsesAWS(filepath.Join("..", "..", "testdata", "fixture-root")); err != nil || got {
		t.Errorf("UsesAWS(fixture-root) = %v, %v, want false", got, err)
	}
}

func TestAbsVarFiles(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "dev.tfvars")
	if err := os.WriteFile(f, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	got, err := AbsVarFiles([]string{"dev.tfvars"})
	if err != nil || len(got) != 1 || got[0] != f {
		t.Errorf("AbsVarFiles(dev.tfvars) = %q, %v, want [%s]", got, err, f)
	}
	if _, err := AbsVarFiles([]string{"missing.tfvars"}); err == nil {
		t.Errorf("AbsVarFiles(missing.tfvars) = nil error, want error")
	}
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
