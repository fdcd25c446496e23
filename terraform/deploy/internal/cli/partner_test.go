package cli

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"bffsuite.dev/deploy/internal/motoserver"
	"bffsuite.dev/deploy/internal/partners"
	sharedpartners "bffsuite.dev/shared/partners"
	"bffsuite.dev/shared/store/dynamo"
)

// TestPartnerCommands onboards, lists and disables a partner through the CLI against moto_server
// (Cognito, API Gateway, DynamoDB), configured from a `tofu output -json` document.
func TestPartnerCommands(t *testing.T) {
	srv := motoserver.Start(t)
	env := srv.PartnerEnv(t)
	outputs := filepath.Join(t.TempDir(), "outputs.json")
	if err := os.WriteFile(outputs, env.OutputsJSON(t), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	common := []string{"-endpoint", srv.Endpoint, "-outputs", outputs}
	step := func(code int, args []string, texts ...string) result {
		t.Helper()
		args = append(args, common...)
		r := run(t, ctx, "", args...)
		r.want(t, args, code, texts...)
		return r
	}

	r := step(ExitOK, []string{"partner", "add", "-name", "acme", "-display-name", "Acme Retail", "-scopes", "orders.read,orders.write", "-tier", "silver", "-json"})
	var res partners.Onboarded
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil {
		t.Fatalf("partner add -json printed %q: %v", r.stdout, err)
	}
	if !res.Created || res.Partner.ID != "acme" || res.Partner.ClientID == "" || res.ClientSecret == "" || res.APIKey == "" ||
		res.Partner.APIKeyID == "" || res.Partner.RateTier != "silver" || !res.Partner.Active() {
		t.Errorf("partner add -json = %+v, want acme created with client id, secret, API key, silver, active", res)
	}
	step(ExitOK, []string{"partner", "add", "-name", "globex", "-scopes", "catalog.read", "-tier", "gold"},
		"partner globex added", "client_secret ", "api_key ", "https://partner.bffsuite.dev/catalog.read", "shown only now", "30 s")
	step(ExitOK, []string{"partner", "add", "-name", "acme", "-scopes", "orders.read", "-tier", "silver"},
		"partner acme already registered", res.Partner.ClientID, "Nothing was created")
	step(ExitFailed, []string{"partner", "add", "-name", "Bad_Name", "-scopes", "orders.read", "-tier", "gold"}, `partner name "Bad_Name"`)
	step(ExitFailed, []string{"partner", "add", "-name", "umbrella", "-scopes", "orders.read", "-tier", "platinum"}, `rate tier "platinum"`)
	step(ExitOK, []string{"partner", "list"}, "PARTNER", "acme", "Acme Retail", res.Partner.ClientID, "active", "silver", "bffdeploy", res.Partner.APIKeyID)
	step(ExitOK, []string{"partner", "disable", "-name", "acme"}, "partner acme suspended", res.Partner.APIKeyID)
	r = step(ExitOK, []string{"partner", "list", "-json"})
	var list []partners.Listed
	if err := json.Unmarshal([]byte(r.stdout), &list); err != nil {
		t.Fatalf("partner list -json printed %q: %v", r.stdout, err)
	}
	if len(list) != 2 || list[0].ID != "acme" || list[0].Status != sharedpartners.StatusSuspended || list[0].ClientEnabled ||
		list[1].ID != "globex" || !list[1].Active() || !list[1].ClientEnabled {
		t.Errorf("partner list -json = %+v, want acme suspended without tokens, globex active", list)
	}
	step(ExitFailed, []string{"partner", "disable", "-name", "nobody"}, "partner nobody", "not found")

	// The record is where bff-partner looks (the table named by the outputs).
	got, err := dynamo.NewPartners(dynamo.NewClient(srv.AWSConfig(), srv.Endpoint), env.Table).GetByClient(ctx, res.Partner.ClientID)
	if err != nil || got.ID != "acme" || got.Status != sharedpartners.StatusSuspended {
		t.Errorf("registry record of acme = %+v, %v, want acme suspended", got, err)
	}
}
