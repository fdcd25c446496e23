package tfcheck

import (
	"slices"
	"strings"
	"testing"

	"bffsuite.dev/shared/config"
	"bffsuite.dev/shared/identity"
	"bffsuite.dev/shared/store"
)

// ssmReadProblems names the SSM parameters a BFF's secret loader (shared/secrets) will request at
// cold start that its role may not read. The loader asks for <prefix><NAME> of every
// `secret:"true"` variable of the config in one GetParameters call per 10 names, and IAM denies
// such a call as a whole when any one name is not allowed: the function then cannot start.
func ssmReadProblems(bff string, vars []config.Var, readable []string) []string {
	var problems []string
	for _, v := range vars {
		if !v.Secret || slices.Contains(readable, v.Name) {
			continue
		}
		problems = append(problems, bff+": the SSM secret loader requests <prefix>"+v.Name+" (config field "+v.Field+
			`, secret:"true") but the role may read only `+strings.Join(readable, ", ")+
			": IAM denies the whole GetParameters call and the function cannot start (grant it in local.secret_env, or drop the secret tag)")
	}
	return problems
}

// The names each BFF's loader requests are a subset of the SSM parameters its role may read.
func TestSSMSecretsReadableByRole(t *testing.T) {
	s := loadSuite(t)
	secrets, err := s.SecretEnvironment()
	if err != nil {
		t.Fatalf("SecretEnvironment(): %v", err)
	}
	sources, _ := configSources(t)
	for bff, vars := range sources {
		for _, p := range ssmReadProblems(bff, vars, secrets[bff]) {
			t.Error(p)
		}
	}
	// The role's policy is built from local.secret_env: the lambda module gets exactly those ARNs.
	call, err := s.Suite.Block("module", "lambda")
	if err != nil {
		t.Fatalf(`module "lambda": %v`, err)
	}
	arns, err := Attr(call, "ssm_parameter_arns")
	if err != nil {
		t.Fatalf(`module "lambda": %v`, err)
	}
	if ref, _ := Traversal(arns); !strings.HasPrefix(ref, "local.secret_parameter_arns") {
		t.Errorf(`module "lambda" ssm_parameter_arns = %q, want local.secret_parameter_arns[each.key] (built from local.secret_env)`, ref)
	}
}

// The check finds the mobile breakage: a config with the confidential-client secret field (the
// pre-fix bff-mobile shape) against a role that may read only BFF_CURSOR_KEY.
func TestSSMReadProblemsFindsUnreadableSecret(t *testing.T) {
	type mobileBefore struct {
		Store    store.Config
		Identity identity.Config
	}
	type mobileAfter struct {
		Store    store.Config
		Identity identity.PublicConfig
	}
	tests := []struct {
		name string
		vars []config.Var
		want []string
	}{
		{name: "confidential client config", vars: config.Vars(mobileBefore{}), want: []string{"BFF_COGNITO_APP_CLIENT_SECRET"}},
		{name: "public client config", vars: config.Vars(mobileAfter{}), want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ssmReadProblems("mobile", tt.vars, []string{"BFF_CURSOR_KEY"})
			if len(got) != len(tt.want) {
				t.Fatalf("ssmReadProblems = %q, want %d problem(s) naming %v", got, len(tt.want), tt.want)
			}
			for i, name := range tt.want {
				if !strings.Contains(got[i], name) || !strings.Contains(got[i], "IAM denies") {
					t.Errorf("problem %q, want it to name %s and the IAM denial", got[i], name)
				}
			}
		})
	}
}
