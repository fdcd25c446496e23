package rootvars

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func write(t *testing.T, dir, name, text string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRead(t *testing.T) {
	root := t.TempDir()
	write(t, root, "variables.tf", `
variable "allowed_account_ids" {
  type    = list(string)
  default = ["111111111111"]
  validation {
    condition     = length(var.allowed_account_ids) > 0
    error_message = "x"
  }
}
variable "protected" {
  type    = bool
  default = false
}
variable "computed" {
  default = upper("x")
}
variable "required" { type = string }
`)
	tests := []struct {
		name      string
		files     map[string]string
		varFiles  []string
		want      []string
		protected bool
	}{
		{name: "defaults", want: []string{"111111111111"}},
		{name: "terraform.tfvars wins over the default", files: map[string]string{"terraform.tfvars": `allowed_account_ids = ["222222222222"]`},
			want: []string{"222222222222"}},
		{name: "auto.tfvars wins over terraform.tfvars",
			files: map[string]string{"terraform.tfvars": `allowed_account_ids = ["222222222222"]`, "a.auto.tfvars": "allowed_account_ids = [\"333333333333\"]\nprotected = true"},
			want:  []string{"333333333333"}, protected: true},
		{name: "var file wins", files: map[string]string{"terraform.tfvars": `allowed_account_ids = ["222222222222"]`},
			varFiles: []string{"prod.tfvars"}, want: []string{"444444444444", "555555555555"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			write(t, dir, "variables.tf", mustRead(t, filepath.Join(root, "variables.tf")))
			for n, s := range tt.files {
				write(t, dir, n, s)
			}
			var vfs []string
			for _, n := range tt.varFiles {
				vfs = append(vfs, write(t, t.TempDir(), n, `allowed_account_ids = ["444444444444", "555555555555"]`))
			}
			vals, err := Read(dir, vfs)
			if err != nil {
				t.Fatalf("Read: %v", err)
			}
			got, err := vals.Strings("allowed_account_ids")
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("allowed_account_ids = %v, %v, want %v", got, err, tt.want)
			}
			if p, _ := vals.Bool("protected"); p != tt.protected {
				t.Errorf("protected = %v, want %v", p, tt.protected)
			}
			if _, ok := vals["computed"]; ok {
				t.Errorf("computed default was read, want it left out")
			}
			if got, _ := vals.Strings("required"); got != nil {
				t.Errorf("required = %v, want nil", got)
			}
		})
	}
}

func TestStringsWrongShape(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "terraform.tfvars", `allowed_account_ids = "111111111111"`)
	vals, err := Read(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := vals.Strings("allowed_account_ids"); err == nil {
		t.Errorf("Strings of a string = nil error, want one")
	}
}

func mustRead(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
