package cli

import (
	"context"
	"encoding/json"
	"testing"

	"bffsuite.dev/deploy/internal/partners"
	"bffsuite.dev/shared/testenv"
)

// TestPartnerCommands onboards, lists and disables a partner through the CLI against cognito-local.
func TestPartnerCommands(t *testing.T) {
	cl := testenv.StartCognito(t)
	ctx := context.Background()
	common := []string{"-endpoint", cl.Endpoint, "-user-pool", cl.UserPoolID, "-resource-server", "https://partner.bffsuite.dev"}
	step := func(code int, args []string, texts ...string) result {
		t.Helper()
		args = append(args, common...)
		r := run(t, ctx, "", args...)
		r.want(t, args, code, texts...)
		return r
	}

	r := step(ExitOK, []string{"partner", "add", "-name", "acme", "-scopes", "orders.read,orders.write", "-json"})
	var creds partners.Credentials
	if err := json.Unmarshal([]byte(r.stdout), &creds); err != nil {
		t.Fatalf("partner add -json printed %q: %v", r.stdout, err)
	}
	if creds.Name != "acme" || creds.ClientID == "" || creds.ClientSecret == "" || !creds.Enabled {
		t.Errorf("partner add -json = %+v, want acme with id and secret, enabled", creds)
	}
	step(ExitOK, []string{"partner", "add", "-name", "globex", "-scopes", "catalog.read"},
		"partner globex added", "client_secret ", "https://partner.bffsuite.dev/catalog.read", "shown only now")
	step(ExitFailed, []string{"partner", "add", "-name", "acme", "-scopes", "orders.read"}, "already exists", "conflict")
	step(ExitFailed, []string{"partner", "add", "-name", "Bad_Name", "-scopes", "orders.read"}, `partner name "Bad_Name"`)
	step(ExitOK, []string{"partner", "list"}, "NAME", "acme", creds.ClientID, "enabled", "bffdeploy")
	step(ExitOK, []string{"partner", "disable", "-name", "acme"}, "partner acme disabled")
	r = step(ExitOK, []string{"partner", "list", "-json"})
	var list []partners.Partner
	if err := json.Unmarshal([]byte(r.stdout), &list); err != nil {
		t.Fatalf("partner list -json printed %q: %v", r.stdout, err)
	}
	if len(list) != 2 || list[0].Name != "acme" || list[0].Enabled || !list[1].Enabled {
		t.Errorf("partner list -json = %+v, want acme disabled, globex enabled", list)
	}
	for _, p := range list {
		if p.Name == "acme" && len(p.Scopes) != 0 {
			t.Errorf("disabled partner scopes = %q, want none", p.Scopes)
		}
	}
	step(ExitFailed, []string{"partner", "disable", "-name", "nobody"}, "partner nobody", "not found")
}
