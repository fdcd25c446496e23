package tfcheck

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	sharedpartners "bffsuite.dev/shared/partners"
	"bffsuite.dev/shared/ratelimit"
	"bffsuite.dev/shared/store/dynamo"
)

// TestPartnerRegistryParses evaluates BFF_PARTNER_RATE_TIERS and the partner registry items
// the suite writes for the partners of envs/dev/terraform.tfvars.example (with the default
// rate tiers), and feeds the results to the Go parsers: ratelimit.ParseTiers and the registry
// table's own decoder (shared/store/dynamo), then partners.Validate.
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

	// Cognito and API Gateway generate the IDs; stand-ins keep them distinct per partner.
	const resourceServer = "https://partner.bffsuite.dev"
	clientIDs, keyIDs := map[string]cty.Value{}, map[string]cty.Value{}
	for name := range partners.AsValueMap() {
		clientIDs[name] = cty.StringVal("client" + name)
		keyIDs[name] = cty.StringVal("key" + name)
	}
	module := cty.ObjectVal(map[string]cty.Value{
		"cognito": cty.ObjectVal(map[string]cty.Value{
			"partner_client_ids": cty.MapVal(clientIDs), "resource_server_identifier": cty.StringVal(resourceServer)}),
		"partner_api": cty.ObjectVal(map[string]cty.Value{"partner_api_key_ids": cty.MapVal(keyIDs)}),
		"tables": cty.ObjectVal(map[string]cty.Value{
			"table_names": cty.MapVal(map[string]cty.Value{"partners": cty.StringVal("bffsuite-dev-partners")})}),
	})
	funcs := map[string]function.Function{"jsonencode": stdlib.JSONEncodeFunc, "join": stdlib.JoinFunc}
	ctx := &hcl.EvalContext{
		Variables: map[string]cty.Value{
			"var":    cty.ObjectVal(map[string]cty.Value{"partners": partners, "partner_rate_tiers": tiers}),
			"module": module,
		},
		Functions: funcs,
	}
	e, err := s.EnvironmentValue("partner", "BFF_PARTNER_RATE_TIERS")
	if err != nil {
		t.Fatal(err)
	}
	v, diags := e.Value(ctx)
	if diags.HasErrors() {
		t.Fatalf("evaluate BFF_PARTNER_RATE_TIERS: %v", diags)
	}
	tierList, err := ratelimit.ParseTiers(v.AsString())
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

	// The seed partners' registry items, as Terraform writes them, decode into valid records.
	b, err := s.Suite.Block("resource", "aws_dynamodb_table_item", "partner")
	if err != nil {
		t.Fatalf("the suite writes no registry item for var.partners: %v", err)
	}
	itemExpr, err := Attr(b, "item")
	if err != nil {
		t.Fatal(err)
	}
	for name, p := range partners.AsValueMap() {
		ectx := ctx.NewChild()
		ectx.Variables = map[string]cty.Value{"each": cty.ObjectVal(map[string]cty.Value{"key": cty.StringVal(name), "value": p})}
		v, diags := itemExpr.Value(ectx)
		if diags.HasErrors() {
			t.Fatalf("evaluate the registry item of %s: %v", name, diags)
		}
		item, err := dynamoJSON(v.AsString())
		if err != nil {
			t.Fatalf("registry item of %s = %s: %v", name, v.AsString(), err)
		}
		rec, err := dynamo.DecodePartner(item)
		if err != nil {
			t.Fatalf("DecodePartner(item of %s) = %v", name, err)
		}
		if err := sharedpartners.Validate(rec); err != nil {
			t.Errorf("registry item of %s = %+v: %v", name, rec, err)
		}
		wantTier := p.GetAttr("rate_tier").AsString()
		if rec.ID != name || rec.ClientID != "client"+name || rec.RateTier != wantTier || !rec.Active() || rec.APIKeyID != "key"+name ||
			rec.ManagedBy != sharedpartners.ManagedByTerraform || !tierNames[rec.RateTier] {
			t.Errorf("registry item of %s = %+v, want id %s, client client%s, tier %s (configured), active, key key%s, managed by terraform",
				name, rec, name, name, wantTier, name)
		}
		for _, sc := range rec.Scopes {
			if !strings.HasPrefix(sc, resourceServer+"/") {
				t.Errorf("registry item of %s: scope %q lacks the resource server prefix", name, sc)
			}
		}
	}
}

// dynamoJSON converts a DynamoDB JSON item of S and L values (what the suite writes).
func dynamoJSON(doc string) (map[string]types.AttributeValue, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal([]byte(doc), &raw); err != nil {
		return nil, err
	}
	out := map[string]types.AttributeValue{}
	for k, r := range raw {
		av, err := dynamoValue(r)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", k, err)
		}
		out[k] = av
	}
	return out, nil
}

func dynamoValue(r json.RawMessage) (types.AttributeValue, error) {
	var v struct {
		S *string
		L []json.RawMessage
	}
	if err := json.Unmarshal(r, &v); err != nil {
		return nil, err
	}
	switch {
	case v.S != nil:
		return &types.AttributeValueMemberS{Value: *v.S}, nil
	case v.L != nil:
		l := &types.AttributeValueMemberL{}
		for _, e := range v.L {
			av, err := dynamoValue(e)
			if err != nil {
				return nil, err
			}
			l.Value = append(l.Value, av)
		}
		return l, nil
	}
	return nil, fmt.Errorf("unsupported DynamoDB JSON value %s", r)
}
