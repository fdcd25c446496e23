package cli

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"bffsuite.dev/deploy/internal/rootvars"
)

// envCopy copies terraform/envs and modules to a temp dir and returns the env's root there.
func envCopy(t *testing.T, env string) string {
	t.Helper()
	repo := filepath.Dir(filepath.Dir(deployDir(t)))
	tmp := t.TempDir()
	for _, d := range []string{"envs", "modules"} {
		copyDir(t, filepath.Join(repo, "terraform", d), filepath.Join(tmp, "terraform", d))
	}
	root := filepath.Join(tmp, "terraform", "envs", env)
	_ = os.Remove(filepath.Join(root, "terraform.tfvars"))
	return root
}

// TestGuidedInteractive: scripted answers, invalid ones explained and asked again, defaults
// taken on empty answers; the tfvars read back (as Terraform reads them) hold the answers.
func TestGuidedInteractive(t *testing.T) {
	root := envCopy(t, "dev")
	stdin := strings.Join([]string{
		"",                          // region: default eu-central-1
		"My_Shop",                   // invalid domain prefix
		"aws-shop",                  // invalid: contains aws
		"acme-shop-dev",             // ok
		"https://shop.example.com/", // invalid origin (trailing slash)
		"http://localhost:3000, https://dev.shop.example.com",
		"123", // invalid account
		"123456789012",
		"acme-logistics",            // partner 1
		"catalog.read, orders.read", // scopes
		"platinum",                  // invalid tier
		"gold",
		"Bad Name", // invalid partner name
		"big-retailer",
		"", // default scope catalog.read
		"", // default tier bronze
		"", // no more partners
	}, "\n") + "\n"
	args := []string{"guided", "-env", "dev", "-root", root}
	r := run(t, context.Background(), stdin, args...)
	r.want(t, args, ExitOK, "AWS region [eu-central-1]: ", `domain prefix "My_Shop"`, "without aws, amazon or cognito",
		`web origin "https://shop.example.com/": want scheme://host[:port]`, `account ID "123": want 12 digits`,
		`rate tier "platinum": want bronze, silver, gold`, `partner name "Bad Name"`, "wrote "+filepath.Join(root, "terraform.tfvars"),
		"bffdeploy init-state -env dev")

	vals, err := rootvars.Read(root, nil)
	if err != nil {
		t.Fatalf("read the written tfvars as Terraform would: %v", err)
	}
	str := func(name string) string {
		v := vals[name]
		if v.IsNull() || !v.IsKnown() {
			return ""
		}
		return v.AsString()
	}
	list := func(name string) string {
		l, err := vals.Strings(name)
		if err != nil {
			t.Fatal(err)
		}
		return strings.Join(l, ",")
	}
	if got := str("region"); got != "eu-central-1" {
		t.Errorf("region = %q, want the default eu-central-1", got)
	}
	if got := str("cognito_domain_prefix"); got != "acme-shop-dev" {
		t.Errorf("cognito_domain_prefix = %q, want acme-shop-dev", got)
	}
	if got := list("web_origins"); got != "http://localhost:3000,https://dev.shop.example.com" {
		t.Errorf("web_origins = %q", got)
	}
	if got := list("allowed_account_ids"); got != "123456789012" {
		t.Errorf("allowed_account_ids = %q", got)
	}
	ps := vals["partners"].AsValueMap()
	if len(ps) != 2 {
		t.Fatalf("partners = %#v, want 2", vals["partners"])
	}
	if got := ps["acme-logistics"].GetAttr("rate_tier").AsString(); got != "gold" {
		t.Errorf("acme-logistics tier = %q, want gold", got)
	}
	if got := ps["big-retailer"].GetAttr("scopes").AsValueSlice(); len(got) != 1 || got[0].AsString() != "catalog.read" {
		t.Errorf("big-retailer scopes = %#v, want the default [catalog.read]", got)
	}

	// An existing file is never overwritten without -force.
	before, _ := os.ReadFile(filepath.Join(root, "terraform.tfvars"))
	r = run(t, context.Background(), stdin, args...)
	r.want(t, args, ExitRefused, "terraform.tfvars exists", "-force")
	if after, _ := os.ReadFile(filepath.Join(root, "terraform.tfvars")); string(after) != string(before) {
		t.Error("a refused guided run changed terraform.tfvars")
	}
}

// TestGuidedNonInteractive: flags only; invalid values are usage errors naming the value;
// prod's rules (https origins, accounts required) apply; -force replaces.
func TestGuidedNonInteractive(t *testing.T) {
	tests := []struct {
		name, env string
		flags     []string
		code      int
		texts     []string
	}{
		{name: "dev with partners", env: "dev", code: ExitOK,
			flags: []string{"-domain-prefix", "acme-dev", "-partner", "acme:catalog.read,orders.write:silver", "-partner", "zeta:inventory.read:bronze"},
			texts: []string{"wrote "}},
		{name: "missing domain prefix", env: "dev", code: ExitUsage, texts: []string{`domain prefix ""`}},
		{name: "unknown scope", env: "dev", code: ExitUsage, flags: []string{"-domain-prefix", "acme-dev", "-partner", "acme:orders.delete:gold"},
			texts: []string{`scope "orders.delete": want catalog.read, inventory.read, orders.read, orders.write, imports.write, imports.read, webhooks.manage`}},
		{name: "partner without scopes", env: "dev", code: ExitUsage, flags: []string{"-domain-prefix", "acme-dev", "-partner", "acme::gold"},
			texts: []string{`partner "acme": at least one scope`}},
		{name: "bad region", env: "dev", code: ExitUsage, flags: []string{"-domain-prefix", "acme-dev", "-region", "europe"},
			texts: []string{`region "europe"`}},
		{name: "prod needs https", env: "prod", code: ExitUsage,
			flags: []string{"-domain-prefix", "acme-prod", "-web-origins", "http://shop.example.com", "-account", "123456789012"},
			texts: []string{"protected env accepts https:// origins only"}},
		{name: "prod needs accounts", env: "prod", code: ExitUsage,
			flags: []string{"-domain-prefix", "acme-prod", "-web-origins", "https://shop.example.com"},
			texts: []string{"a protected env needs the account(s)"}},
		{name: "prod ok lists what is left", env: "prod", code: ExitOK,
			flags: []string{"-domain-prefix", "acme-prod", "-web-origins", "https://shop.example.com", "-account", "123456789012"},
			texts: []string{"still to set in it (no default in", "ses_email"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := envCopy(t, tt.env)
			args := append([]string{"guided", "-env", tt.env, "-root", root, "-non-interactive"}, tt.flags...)
			r := run(t, context.Background(), "", args...)
			r.want(t, args, tt.code, tt.texts...)
			_, err := os.Stat(filepath.Join(root, "terraform.tfvars"))
			if wrote := err == nil; wrote != (tt.code == ExitOK) {
				t.Errorf("tfvars written = %v, want %v", wrote, tt.code == ExitOK)
			}
			if tt.code == ExitOK {
				if _, err := rootvars.Read(root, nil); err != nil {
					t.Errorf("written tfvars do not parse: %v", err)
				}
				again := append(args, "-force")
				run(t, context.Background(), "", again...).want(t, again, ExitOK, "wrote ")
			}
		})
	}
}

// TestGuidedRulesMatchRoots: the scopes, rate tiers and domain prefix rule guided enforces are
// the ones the env roots' (and the cognito module's) validations hold.
func TestGuidedRulesMatchRoots(t *testing.T) {
	tf := filepath.Join(filepath.Dir(deployDir(t)))
	lists := regexp.MustCompile(`contains\(\[([^\]]*)\], (p\.rate_tier|s)\)`)
	for _, env := range []string{"dev", "prod"} {
		b, err := os.ReadFile(filepath.Join(tf, "envs", env, "variables.tf"))
		if err != nil {
			t.Fatal(err)
		}
		found := 0
		for _, m := range lists.FindAllStringSubmatch(string(b), -1) {
			var vals []string
			for _, q := range strings.Split(m[1], ",") {
				vals = append(vals, strings.Trim(strings.TrimSpace(q), `"`))
			}
			want := partnerScopes
			if m[2] == "p.rate_tier" {
				want = rateTiers
			}
			if !slices.Equal(vals, want) {
				t.Errorf("%s: root accepts %v, guided %v", env, vals, want)
			}
			found++
		}
		if found != 2 {
			t.Errorf("%s: found %d scope/tier validations, want 2 (did the validation change shape?)", env, found)
		}
	}
	b, err := os.ReadFile(filepath.Join(tf, "modules", "cognito", "variables.tf"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `regex("`+domainPrefix.String()+`"`) || !strings.Contains(string(b), `regex("`+domainBanned.String()+`"`) {
		t.Errorf("modules/cognito domain_prefix validation differs from guided's %s / %s", domainPrefix, domainBanned)
	}
}
