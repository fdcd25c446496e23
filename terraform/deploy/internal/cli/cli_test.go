package cli

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	tfjson "github.com/hashicorp/terraform-json"

	"bffsuite.dev/deploy/internal/lambdazip"
	"bffsuite.dev/deploy/internal/plansummary"
)

func TestResolveTFFlags(t *testing.T) {
	repo := t.TempDir()
	for _, d := range []string{"terraform/envs/dev", "terraform/envs/prod", "other/root", "sub"} {
		if err := os.MkdirAll(filepath.Join(repo, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{"go.work", "sub/dev.tfvars"} {
		if err := os.WriteFile(filepath.Join(repo, f), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	sub := filepath.Join(repo, "sub")
	tests := []struct {
		name    string
		flags   tfFlags
		dir     string
		want    tfConfig
		wantErr string
	}{
		{name: "default root from repo", flags: tfFlags{env: "dev"}, dir: sub,
			want: tfConfig{Env: "dev", Repo: repo, Root: filepath.Join(repo, "terraform/envs/dev")}},
		{name: "prod is protected", flags: tfFlags{env: "prod"}, dir: repo,
			want: tfConfig{Env: "prod", Repo: repo, Root: filepath.Join(repo, "terraform/envs/prod"), Protected: true}},
		{name: "relative root and var file", flags: tfFlags{env: "dev", root: "../other/root", varFiles: listFlag{"dev.tfvars"}}, dir: sub,
			want: tfConfig{Env: "dev", Repo: repo, Root: filepath.Join(repo, "other/root"), VarFiles: []string{filepath.Join(sub, "dev.tfvars")}}},
		{name: "missing env", flags: tfFlags{}, dir: repo, wantErr: "-env is required"},
		{name: "bad env", flags: tfFlags{env: "Dev/../x"}, dir: repo, wantErr: `-env "Dev/../x"`},
		{name: "env without root dir", flags: tfFlags{env: "staging"}, dir: repo, wantErr: "terraform/envs/staging does not exist"},
		{name: "missing var file", flags: tfFlags{env: "dev", varFiles: listFlag{"nope.tfvars"}}, dir: sub, wantErr: "-var-file " + filepath.Join(sub, "nope.tfvars")},
		{name: "outside a repo needs -root", flags: tfFlags{env: "dev"}, dir: os.TempDir(), wantErr: "pass -root"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.flags.resolve(tt.dir)
			if tt.wantErr != "" {
				var ue usageError
				if err == nil || !errors.As(err, &ue) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("resolve(%+v) = %v, want usage error containing %q", tt.flags, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("resolve(%+v) = %v", tt.flags, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("resolve(%+v) = %+v, want %+v", tt.flags, got, tt.want)
			}
		})
	}
}

func TestGuard(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "plansummary", "testdata", "plan-changes.json"))
	if err != nil {
		t.Fatal(err)
	}
	var p tfjson.Plan
	if err := json.Unmarshal(b, &p); err != nil {
		t.Fatal(err)
	}
	destructive := plansummary.Summarize(&p)
	tests := []struct {
		name             string
		protected, allow bool
		sum              plansummary.Summary
		refused          bool
	}{
		{"prod refuses", true, false, destructive, true},
		{"prod allowed", true, true, destructive, false},
		{"dev goes on", false, false, destructive, false},
		{"prod without destroys", true, false, plansummary.Summary{Total: plansummary.Counts{Add: 1}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := guard("prod", tt.protected, tt.allow, tt.sum)
			if got := errors.Is(err, errRefused); got != tt.refused {
				t.Fatalf("guard(protected=%v, allow=%v) = %v, want refused %v", tt.protected, tt.allow, err, tt.refused)
			}
			if tt.refused && !strings.Contains(err.Error(), `terraform_data.partner["acme"] (destroy)`) {
				t.Errorf("guard() = %q, want it to list the destroyed resource", err)
			}
		})
	}
}

func TestSelectTargets(t *testing.T) {
	tests := []struct {
		only    string
		want    []string
		wantErr bool
	}{
		{"", []string{"bff-web", "bff-mobile", "bff-partner"}, false},
		{"bff-partner, bff-web,bff-web", []string{"bff-partner", "bff-web"}, false},
		{"bff-admin", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.only, func(t *testing.T) {
			got, err := selectTargets(lambdazip.BFFs, tt.only)
			if (err != nil) != tt.wantErr {
				t.Fatalf("selectTargets(%q) = %v, want error %v", tt.only, err, tt.wantErr)
			}
			var names []string
			for _, g := range got {
				names = append(names, g.Name)
			}
			if !reflect.DeepEqual(names, tt.want) {
				t.Errorf("selectTargets(%q) = %q, want %q", tt.only, names, tt.want)
			}
		})
	}
}

func TestUsage(t *testing.T) {
	tests := []struct {
		args []string
		code int
		text string
	}{
		{nil, ExitUsage, "Usage:"},
		{[]string{"help"}, ExitOK, "Usage:"},
		{[]string{"deploy"}, ExitUsage, `unknown command "deploy"`},
		{[]string{"plan"}, ExitUsage, "-env is required"},
		{[]string{"plan", "-env", "dev", "extra"}, ExitUsage, `unexpected argument "extra"`},
		{[]string{"apply", "-env", "dev", "-nope"}, ExitUsage, "flag provided but not defined: -nope"},
		{[]string{"partner"}, ExitUsage, "add, list or disable"},
		{[]string{"partner", "-h"}, ExitOK, "bffdeploy partner add"},
		{[]string{"partner", "help"}, ExitOK, "bffdeploy partner list"},
		{[]string{"partner", "list", "-h"}, ExitOK, "-user-pool"},
		{[]string{"partner", "add", "-user-pool", "p", "-resource-server", "https://x"}, ExitUsage, "-name is required"},
		{[]string{"partner", "add", "-name", "acme", "-scopes", "catalog.read"}, ExitUsage, "-tier is required"},
		{[]string{"partner", "list", "-endpoint", "http://127.0.0.1:1"}, ExitUsage, "-table"},
		{[]string{"partner", "list", "-endpoint", "http://127.0.0.1:1", "-table", "t", "-usage-plans", "gold=p"}, ExitUsage, "user pool id is required"},
		{[]string{"partner", "list", "-endpoint", "http://127.0.0.1:1", "-table", "t", "-usage-plans", "gold"}, ExitUsage, "not tier=ID"},
		{[]string{"partner", "list", "-outputs", "/nonexistent/outputs.json"}, ExitUsage, "-outputs"},
		{[]string{"version", "-tf-bin", "/nonexistent/tofu"}, ExitFailed, `-tf-bin "/nonexistent/tofu" is not an executable file`},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			run(t, context.Background(), "", tt.args...).want(t, tt.args, tt.code, tt.text)
		})
	}
}
