package tfcheck

import (
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"

	partnerapp "bffsuite.dev/bff-partner/app"
	"bffsuite.dev/shared/ratelimit"
)

// TestPartnerRegistryParses evaluates the BFF_PARTNER_REGISTRY and BFF_PARTNER_RATE_TIERS
// expressions of the suite for the partners of envs/dev/terraform.tfvars.example and the
// default rate tiers, and feeds the results to bff-partner's own parsers.
func TestPartnerRegistryParses(t *testing.T) {
	s := loadSuite(t)

	tfvars := filepath.Join(terraformRoot, "envs", "dev", "terraform.tfvars.example")
	src, err := os.ReadFile(tfvars)
	if err != nil {
		t.Fatal(err)
	}
	f, diags := hclparse.NewParser().ParseHCL(src, tfvars)
	if diags.HasErrors() {
		t.Fatalf("parse %s: %v", tfvars, diags)
	}
	attrs, diags := f.Body.JustAttributes()
	if diags.HasErrors() {
		t.Fatalf("attributes of %s: %v", tfvars, diags)
	}
	partners, diags := attrs["partners"].Expr.Value(nil)
	if diags.HasErrors() || partners.LengthInt() == 0 {
		t.Fatalf("%s: partners = %#v (%v), want a non-empty map", tfvars, partners, diags)
	}
	tiers, err := VariableDefault(s.Suite, "partner_rate_tiers")
	if err != nil {
		t.Fatal(err)
	}

	// Cognito generates the client IDs; stand-ins keep them distinct per partner.
	clientIDs := map[string]cty.Value{}
	for name := range partners.AsValueMap() {
		clientIDs[name] = cty.StringVal("client-" + name)
	}
	ctx := &hcl.EvalContext{
		Variables: map[string]cty.Value{
			"var": cty.ObjectVal(map[string]cty.Value{"partners": partners, "partner_rate_tiers": tiers}),
			"module": cty.ObjectVal(map[string]cty.Value{
				"cognito": cty.ObjectVal(map[string]cty.Value{"partner_client_ids": cty.MapVal(clientIDs)}),
			}),
		},
		Functions: map[string]function.Function{"jsonencode": stdlib.JSONEncodeFunc, "join": stdlib.JoinFunc},
	}
	eval := func(name string) string {
		t.Helper()
		e, err := s.EnvironmentValue("partner", name)
		if err != nil {
			t.Fatal(err)
		}
		v, diags := e.Value(ctx)
		if diags.HasErrors() {
			t.Fatalf("evaluate %s: %v", name, diags)
		}
		return v.AsString()
	}

	tierList, err := ratelimit.ParseTiers(eval("BFF_PARTNER_RATE_TIERS"))
	if err != nil {
		t.Fatalf("ratelimit.ParseTiers(BFF_PARTNER_RATE_TIERS) error: %v", err)
	}
	tierNames := map[string]bool{}
	var got []string
	for _, tier := range tierList {
		tierNames[tier.Name] = true
		got = append(got, tier.Name)
	}
	want := sortedKeys(tiers.AsValueMap())
	sort.Strings(got)
	if len(got) != len(want) {
		t.Errorf("ParseTiers(BFF_PARTNER_RATE_TIERS) tiers = %v, want the usage plans %v", got, want)
	}

	reg, err := partnerapp.ParseRegistry([]byte(eval("BFF_PARTNER_REGISTRY")), tierNames)
	if err != nil {
		t.Fatalf("ParseRegistry(BFF_PARTNER_REGISTRY) error: %v", err)
	}
	for name, p := range partners.AsValueMap() {
		pt, ok := reg.ByClient("client-" + name)
		if !ok {
			t.Errorf("ByClient(client-%s) found no partner", name)
			continue
		}
		if want := p.GetAttr("rate_tier").AsString(); pt.RateTier != want || pt.ID != name {
			t.Errorf("ByClient(client-%s) = {ID:%s RateTier:%s}, want {ID:%s RateTier:%s}", name, pt.ID, pt.RateTier, name, want)
		}
	}
}
