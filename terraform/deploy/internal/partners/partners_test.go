package partners

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"bffsuite.dev/shared/domain"
	"bffsuite.dev/shared/testenv"
)

const resourceServer = "https://partner.bffsuite.dev"

func TestManagerCognitoLocal(t *testing.T) {
	cl := testenv.StartCognito(t)
	client, pool := cl.API, cl.UserPoolID
	ctx := context.Background()
	m, err := New(client, pool, resourceServer)
	if err != nil {
		t.Fatal(err)
	}
	// A non-partner app client (like the web BFF's) must not show up in List.
	if _, err := client.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{
		UserPoolId: aws.String(pool), ClientName: aws.String("web"),
	}); err != nil {
		t.Fatal(err)
	}

	// A partner from the Terraform partners map (modules/cognito naming).
	tfClient, err := client.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{
		UserPoolId: aws.String(pool), ClientName: aws.String("bffsuite-dev-partner-initech"), GenerateSecret: true,
		AllowedOAuthFlows: []types.OAuthFlowType{types.OAuthFlowTypeClientCredentials}, AllowedOAuthFlowsUserPoolClient: true,
		AllowedOAuthScopes: []string{resourceServer + "/catalog.read"},
	})
	if err != nil {
		t.Fatal(err)
	}

	acme, err := m.Add(ctx, "acme", []string{"orders.write", "orders.read", "orders.read"})
	if err != nil {
		t.Fatalf("Add(acme) = %v", err)
	}
	wantScopes := []string{resourceServer + "/orders.read", resourceServer + "/orders.write"}
	if acme.ClientSecret == "" || acme.ClientID == "" || !acme.Enabled || !reflect.DeepEqual(acme.Scopes, wantScopes) {
		t.Errorf("Add(acme) = %+v, want secret, id, enabled, scopes %q", acme, wantScopes)
	}
	if _, err := m.Add(ctx, "globex", []string{"catalog.read"}); err != nil {
		t.Fatalf("Add(globex) = %v", err)
	}
	for _, name := range []string{"acme", "initech"} {
		if _, err := m.Add(ctx, name, []string{"orders.read"}); !errors.Is(err, domain.ErrConflict) {
			t.Errorf("Add(%s) of an existing partner = %v, want ErrConflict", name, err)
		}
	}

	list, err := m.List(ctx)
	if err != nil {
		t.Fatalf("List() = %v", err)
	}
	var names []string
	for _, p := range list {
		names = append(names, p.Name)
	}
	if want := []string{"acme", "globex", "initech"}; !reflect.DeepEqual(names, want) {
		t.Fatalf("List() names = %q, want %q", names, want)
	}
	if list[0].ClientID != acme.ClientID || !reflect.DeepEqual(list[0].Scopes, wantScopes) || !list[0].Enabled || list[0].ManagedBy != ManagedByBffdeploy {
		t.Errorf("List()[0] = %+v, want acme as added, managed by bffdeploy", list[0])
	}
	if p := list[2]; p.ClientID != aws.ToString(tfClient.UserPoolClient.ClientId) || p.ManagedBy != ManagedByTerraform || !p.Enabled {
		t.Errorf("List()[2] = %+v, want initech, enabled, managed by terraform", p)
	}
	if _, err := m.Disable(ctx, "initech"); !errors.Is(err, ErrManagedByTerraform) {
		t.Errorf("Disable(initech) = %v, want ErrManagedByTerraform", err)
	}

	disabled, err := m.Disable(ctx, "acme")
	if err != nil {
		t.Fatalf("Disable(acme) = %v", err)
	}
	if disabled.Enabled || len(disabled.Scopes) != 0 || disabled.ClientID != acme.ClientID {
		t.Errorf("Disable(acme) = %+v, want same client, disabled, no scopes", disabled)
	}
	list, err = m.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if list[0].Enabled || !list[1].Enabled || !list[2].Enabled {
		t.Errorf("List() after Disable(acme) = %+v, want acme disabled, the others enabled", list)
	}
	if _, err := m.Disable(ctx, "nobody"); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("Disable(nobody) = %v, want ErrNotFound", err)
	}
}

func TestAddValidation(t *testing.T) {
	// Validation fails before any call: a client without endpoint proves no request is needed.
	m, err := New(cip.New(cip.Options{Region: "local"}), "eu-west-1_x", resourceServer)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		scopes []string
		field  string
	}{
		{"Acme", []string{"orders.read"}, "name"},
		{"a", []string{"orders.read"}, "name"},
		{"-acme", []string{"orders.read"}, "name"},
		{"acme", nil, "scopes"},
		{"acme", []string{resourceServer + "/orders.read"}, "scopes[0]"},
		{"acme", []string{"orders read"}, "scopes[0]"},
	}
	for _, tt := range tests {
		t.Run(tt.name+"/"+strings.Join(tt.scopes, ","), func(t *testing.T) {
			_, err := m.Add(context.Background(), tt.name, tt.scopes)
			var v *domain.ValidationError
			if !errors.As(err, &v) || v.Fields[0].Field != tt.field {
				t.Errorf("Add(%q, %q) = %v, want ValidationError on %s", tt.name, tt.scopes, err, tt.field)
			}
		})
	}
}

func TestNewValidation(t *testing.T) {
	c := cip.New(cip.Options{Region: "local"})
	tests := []struct {
		name         string
		pool, server string
	}{
		{"no pool", "", resourceServer},
		{"no server", "eu-west-1_x", ""},
		{"trailing slash", "eu-west-1_x", resourceServer + "/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := New(c, tt.pool, tt.server); err == nil {
				t.Errorf("New(%q, %q) = nil error, want validation error", tt.pool, tt.server)
			}
		})
	}
}

func TestParseClientName(t *testing.T) {
	tests := []struct {
		client, name, managedBy string
		ok                      bool
	}{
		{"partner-acme", "acme", ManagedByBffdeploy, true},
		{"bffsuite-prod-partner-globex", "globex", ManagedByTerraform, true},
		{"bffsuite-dev-web", "", "", false},
		{"partner-", "", "", false},
		{"web", "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.client, func(t *testing.T) {
			name, by, ok := parseClientName(tt.client)
			if name != tt.name || by != tt.managedBy || ok != tt.ok {
				t.Errorf("parseClientName(%q) = %q, %q, %v, want %q, %q, %v", tt.client, name, by, ok, tt.name, tt.managedBy, tt.ok)
			}
		})
	}
}
