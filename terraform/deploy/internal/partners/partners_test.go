package partners

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"bffsuite.dev/deploy/internal/motoserver"
	"bffsuite.dev/shared/auth"
	"bffsuite.dev/shared/domain"
	"bffsuite.dev/shared/identity/localidp"
	"bffsuite.dev/shared/partners"
	"bffsuite.dev/shared/store/dynamo"
)

const resourceServer = motoserver.ResourceServer

// awsEnv is one environment's partner plumbing in moto: user pool with the partner resource
// server, a REST API stage with two usage plans, the registry table.
type awsEnv struct {
	cognito *cip.Client
	apigw   *apigateway.Client
	reg     *dynamo.Partners
	cfg     Config
}

func newAWSEnv(t *testing.T) *awsEnv {
	t.Helper()
	srv := motoserver.Start(t)
	awsCfg := srv.AWSConfig()
	e := &awsEnv{cognito: cip.NewFromConfig(awsCfg), apigw: apigateway.NewFromConfig(awsCfg)}
	pe := srv.PartnerEnv(t)
	db := dynamo.NewClient(awsCfg, srv.Endpoint)
	e.reg = dynamo.NewPartners(db, pe.Table)
	e.cfg = Config{UserPoolID: pe.UserPoolID, ResourceServer: pe.ResourceServer, UsagePlans: pe.UsagePlans}
	return e
}

func (e *awsEnv) manager(t *testing.T) *Manager {
	t.Helper()
	m, err := New(e.cognito, e.apigw, e.reg, e.cfg)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// clientsNamed counts the pool's app clients called name.
func (e *awsEnv) clientsNamed(t *testing.T, name string) int {
	t.Helper()
	out, err := e.cognito.ListUserPoolClients(context.Background(), &cip.ListUserPoolClientsInput{UserPoolId: aws.String(e.cfg.UserPoolID), MaxResults: aws.Int32(60)})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, c := range out.UserPoolClients {
		if aws.ToString(c.ClientName) == name {
			n++
		}
	}
	return n
}

func (e *awsEnv) planKeys(t *testing.T, tier string) []string {
	t.Helper()
	out, err := e.apigw.GetUsagePlanKeys(context.Background(), &apigateway.GetUsagePlanKeysInput{UsagePlanId: aws.String(e.cfg.UsagePlans[tier])})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, k := range out.Items {
		ids = append(ids, aws.ToString(k.Id))
	}
	sort.Strings(ids)
	return slices.Compact(ids)
}

// TestManagerMoto onboards, re-adds, resumes, lists and disables partners against moto_server
// (Cognito, API Gateway, DynamoDB), and reads the result back through the registry bff-partner uses.
func TestManagerMoto(t *testing.T) {
	e := newAWSEnv(t)
	m := e.manager(t)
	ctx := context.Background()

	// A partner of the Terraform partners map: its client and registry record belong to Terraform.
	tf, err := e.cognito.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{
		UserPoolId: aws.String(e.cfg.UserPoolID), ClientName: aws.String("bffsuite-dev-partner-initech"), GenerateSecret: true,
		AllowedOAuthFlows: []types.OAuthFlowType{types.OAuthFlowTypeClientCredentials}, AllowedOAuthFlowsUserPoolClient: true,
		AllowedOAuthScopes: []string{resourceServer + "/catalog.read"},
	})
	if err != nil {
		t.Fatal(err)
	}
	tfClient := aws.ToString(tf.UserPoolClient.ClientId)
	if err := e.reg.Create(ctx, partners.Partner{ID: "initech", Name: "initech", ClientID: tfClient, RateTier: "gold",
		Status: partners.StatusActive, ManagedBy: partners.ManagedByTerraform}); err != nil {
		t.Fatal(err)
	}
	// A non-partner app client (like the web BFF's) must not show up.
	if _, err := e.cognito.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{UserPoolId: aws.String(e.cfg.UserPoolID), ClientName: aws.String("web")}); err != nil {
		t.Fatal(err)
	}

	acme, err := m.Add(ctx, AddInput{Name: "acme", DisplayName: "Acme Retail", Scopes: []string{"orders.write", "orders.read", "orders.read"}, Tier: "silver"})
	if err != nil {
		t.Fatalf("Add(acme) = %v", err)
	}
	wantScopes := []string{resourceServer + "/orders.read", resourceServer + "/orders.write"}
	p := acme.Partner
	if !acme.Created || acme.ClientSecret == "" || acme.APIKey == "" || p.ClientID == "" || p.APIKeyID == "" || p.ID != "acme" ||
		p.Name != "Acme Retail" || p.RateTier != "silver" || !p.Active() || !slices.Equal(p.Scopes, wantScopes) || p.ManagedBy != partners.ManagedByBffdeploy {
		t.Errorf("Add(acme) = %+v, want created with secret, API key, registry record (silver, active, scopes %q)", acme, wantScopes)
	}
	if got, err := e.reg.GetByClient(ctx, p.ClientID); err != nil || got.ID != "acme" || got.APIKeyID != p.APIKeyID {
		t.Errorf("registry record of acme's client = %+v, %v, want acme with its API key", got, err)
	}
	if keys := e.planKeys(t, "silver"); !slices.Equal(keys, []string{p.APIKeyID}) {
		t.Errorf("silver usage plan keys = %q, want acme's key %s", keys, p.APIKeyID)
	}

	// Idempotent: the same add again creates nothing and shows no secret.
	again, err := m.Add(ctx, AddInput{Name: "acme", Scopes: []string{"orders.read"}, Tier: "silver"})
	if err != nil || again.Created || again.ClientSecret != "" || again.APIKey != "" || again.Partner.ClientID != p.ClientID {
		t.Errorf("Add(acme) again = %+v, %v, want the existing record, not created, no secrets", again, err)
	}
	if n := e.clientsNamed(t, "partner-acme"); n != 1 {
		t.Errorf("app clients named partner-acme after two adds = %d, want 1", n)
	}
	keys, err := e.apigw.GetApiKeys(ctx, &apigateway.GetApiKeysInput{NameQuery: aws.String(m.apiKeyName("acme"))})
	if err != nil || len(keys.Items) != 1 {
		t.Errorf("API keys of acme after two adds = %d (%v), want 1", len(keys.Items), err)
	}

	// Resumable: an add interrupted after creating the client reuses that client.
	half, err := e.cognito.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{
		UserPoolId: aws.String(e.cfg.UserPoolID), ClientName: aws.String("partner-globex"), GenerateSecret: true,
		AllowedOAuthFlows: []types.OAuthFlowType{types.OAuthFlowTypeClientCredentials}, AllowedOAuthFlowsUserPoolClient: true,
		AllowedOAuthScopes: []string{resourceServer + "/catalog.read"},
	})
	if err != nil {
		t.Fatal(err)
	}
	globex, err := m.Add(ctx, AddInput{Name: "globex", Scopes: []string{"catalog.read"}, Tier: "gold"})
	if err != nil || !globex.Created || globex.Partner.ClientID != aws.ToString(half.UserPoolClient.ClientId) || globex.ClientSecret == "" {
		t.Errorf("Add(globex) after an interrupted add = %+v, %v, want the half-made client %s registered, with its secret",
			globex, err, aws.ToString(half.UserPoolClient.ClientId))
	}
	if n := e.clientsNamed(t, "partner-globex"); n != 1 {
		t.Errorf("app clients named partner-globex = %d, want 1", n)
	}

	// Refused before anything is created.
	before := e.clientsNamed(t, "partner-umbrella")
	var ve *domain.ValidationError
	if _, err := m.Add(ctx, AddInput{Name: "umbrella", Scopes: []string{"admin.all"}, Tier: "gold"}); !errors.As(err, &ve) || !strings.Contains(err.Error(), "not a scope of the resource server") {
		t.Errorf("Add(unknown scope) = %v, want a validation error naming the scope", err)
	}
	if _, err := m.Add(ctx, AddInput{Name: "umbrella", Scopes: []string{"catalog.read"}, Tier: "platinum"}); !errors.As(err, &ve) || ve.Fields[0].Field != "tier" {
		t.Errorf("Add(unknown tier) = %v, want a validation error on tier", err)
	}
	if n := e.clientsNamed(t, "partner-umbrella"); n != before {
		t.Errorf("app clients after refused adds = %d, want %d", n, before)
	}
	if _, err := m.Add(ctx, AddInput{Name: "initech", Scopes: []string{"catalog.read"}, Tier: "gold"}); !errors.Is(err, ErrManagedByTerraform) {
		t.Errorf("Add(initech) = %v, want ErrManagedByTerraform", err)
	}

	// A partner client without a record (made by hand) shows as unregistered.
	if _, err := e.cognito.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{UserPoolId: aws.String(e.cfg.UserPoolID), ClientName: aws.String("partner-orphan")}); err != nil {
		t.Fatal(err)
	}
	list, err := m.List(ctx)
	if err != nil {
		t.Fatalf("List() = %v", err)
	}
	var rows []string
	for _, l := range list {
		rows = append(rows, fmt.Sprintf("%s:%s:%s:%v", l.ID, l.Status, l.ManagedBy, l.ClientEnabled))
	}
	want := []string{"acme:active:bffdeploy:true", "globex:active:bffdeploy:true", "initech:active:terraform:true", "orphan:unregistered:bffdeploy:false"}
	if !slices.Equal(rows, want) {
		t.Errorf("List() = %q, want %q", rows, want)
	}

	// Disable: registry suspended, API key off, client without flows. bff-partner's registry sees it.
	bff := partners.NewRegistry(e.reg, partners.Options{})
	if _, err := bff.Resolve(ctx, globex.Partner.ClientID); err != nil {
		t.Errorf("registry Resolve(globex) = %v, want active", err)
	}
	recs, err := m.Disable(ctx, "acme")
	if err != nil || len(recs) != 1 || recs[0].Status != partners.StatusSuspended {
		t.Fatalf("Disable(acme) = %+v, %v, want its record suspended", recs, err)
	}
	if _, err := bff.Resolve(ctx, p.ClientID); !errors.Is(err, partners.ErrSuspended) {
		t.Errorf("registry Resolve(acme) after Disable = %v, want ErrSuspended", err)
	}
	key, err := e.apigw.GetApiKey(ctx, &apigateway.GetApiKeyInput{ApiKey: aws.String(p.APIKeyID)})
	if err != nil || key.Enabled {
		t.Errorf("acme's API key after Disable = enabled %v (%v), want disabled", key.Enabled, err)
	}
	c, err := m.describe(ctx, p.ClientID)
	// (moto keeps AllowedOAuthFlowsUserPoolClient when an update omits it - the SDK omits false -
	// where Cognito resets it; the flows and scopes are what decide.)
	if err != nil || toAppClient(c).Enabled || len(c.AllowedOAuthFlows) != 0 || len(c.AllowedOAuthScopes) != 0 {
		t.Errorf("acme's client after Disable = flows %v scopes %v (%v), want no OAuth flows or scopes", c.AllowedOAuthFlows, c.AllowedOAuthScopes, err)
	}
	if _, err := m.Disable(ctx, "initech"); !errors.Is(err, ErrManagedByTerraform) {
		t.Errorf("Disable(initech) = %v, want ErrManagedByTerraform", err)
	}
	if _, err := m.Disable(ctx, "nobody"); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("Disable(nobody) = %v, want ErrNotFound", err)
	}
	// Adding a disabled partner again does not revive it: suspension is an operator decision.
	if again, err := m.Add(ctx, AddInput{Name: "acme", Scopes: []string{"orders.read"}, Tier: "silver"}); err != nil || again.Created || again.Partner.Active() {
		t.Errorf("Add(acme) after Disable = %+v, %v, want the suspended record unchanged", again, err)
	}
}

func TestAddValidation(t *testing.T) {
	// Validation fails before any call: clients without endpoint prove no request is needed.
	m, err := New(cip.New(cip.Options{Region: "local"}), apigateway.New(apigateway.Options{Region: "local"}), noRegistry{},
		Config{UserPoolID: "eu-west-1_x", ResourceServer: resourceServer, UsagePlans: map[string]string{"gold": "p1"}})
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
			_, err := m.Add(context.Background(), AddInput{Name: tt.name, Scopes: tt.scopes, Tier: "gold"})
			var v *domain.ValidationError
			if !errors.As(err, &v) || v.Fields[0].Field != tt.field {
				t.Errorf("Add(%q, %q) = %v, want ValidationError on %s", tt.name, tt.scopes, err, tt.field)
			}
		})
	}
}

func TestNewValidation(t *testing.T) {
	c := cip.New(cip.Options{Region: "local"})
	ag := apigateway.New(apigateway.Options{Region: "local"})
	plans := map[string]string{"gold": "p1"}
	tests := []struct {
		name         string
		pool, server string
		plans        map[string]string
	}{
		{"no pool", "", resourceServer, plans},
		{"no server", "eu-west-1_x", "", plans},
		{"trailing slash", "eu-west-1_x", resourceServer + "/", plans},
		{"no usage plans", "eu-west-1_x", resourceServer, nil},
		{"empty plan id", "eu-west-1_x", resourceServer, map[string]string{"gold": ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := New(c, ag, noRegistry{}, Config{UserPoolID: tt.pool, ResourceServer: tt.server, UsagePlans: tt.plans}); err == nil {
				t.Errorf("New(%q, %q, %v) = nil error, want validation error", tt.pool, tt.server, tt.plans)
			}
		})
	}
}

// noRegistry is a registry no test reaches (validation fails first).
type noRegistry struct{ partners.Backend }

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

// TestOnboardedPartnerTokenVerifies is the whole trust path of a partner added without
// Terraform, on moto: `partner add` makes the client and the record; a client_credentials token
// for it is minted as Cognito would issue it (moto has no /oauth2/token: signed with moto's
// pool key, as localidp.MintClientCredentials does); bff-partner's verifier - built as on AWS
// from the pool (issuer, JWKS URL) without BFF_COGNITO_CLIENT_IDS - accepts it on its
// any-client routes by fetching moto's JWKS, and the registry admits the client. A token signed
// with another key, or for a client the registry does not know, is refused.
func TestOnboardedPartnerTokenVerifies(t *testing.T) {
	srv := motoserver.Start(t)
	pe := srv.PartnerEnv(t)
	awsCfg := srv.AWSConfig()
	reg := dynamo.NewPartners(dynamo.NewClient(awsCfg, srv.Endpoint), pe.Table)
	m, err := New(cip.NewFromConfig(awsCfg), apigateway.NewFromConfig(awsCfg), reg,
		Config{UserPoolID: pe.UserPoolID, ResourceServer: pe.ResourceServer, UsagePlans: pe.UsagePlans})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	added, err := m.Add(ctx, AddInput{Name: "acme", Scopes: []string{"catalog.read", "orders.write"}, Tier: "gold"})
	if err != nil {
		t.Fatalf("Add(acme) = %v", err)
	}
	clientID := added.Partner.ClientID

	v, err := auth.New(auth.Config{Region: motoserver.Region, UserPoolID: pe.UserPoolID, JWKSURL: srv.JWKSURL(pe.UserPoolID),
		Leeway: 30 * time.Second, ClientRegistry: true})
	if err != nil {
		t.Fatalf("auth.New(pool without client ids, registry) = %v", err)
	}
	bff := partners.NewRegistry(reg, partners.Options{})
	key, kid := motoserver.SigningKey(t)
	access := auth.Access{MachinesOnly: true, AnyClient: true, Scopes: []string{pe.ResourceServer + "/catalog.read"}}

	tok, err := localidp.MintClientCredentials(key, kid, motoserver.Issuer(pe.UserPoolID), clientID, added.Partner.Scopes, time.Hour, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	p, err := v.Verify(ctx, tok, access)
	if err != nil || p.ClientID != clientID || !p.Machine {
		t.Fatalf("Verify(token of the added partner) = %+v, %v, want a machine principal of %s", p, err, clientID)
	}
	if pt, err := bff.Resolve(ctx, p.ClientID); err != nil || pt.ID != "acme" || pt.RateTier != "gold" {
		t.Errorf("registry Resolve(%s) = %+v, %v, want acme (gold)", p.ClientID, pt, err)
	}

	other, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	forged, err := localidp.MintClientCredentials(other, kid, motoserver.Issuer(pe.UserPoolID), clientID, added.Partner.Scopes, time.Hour, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(ctx, forged, access); !errors.Is(err, auth.ErrInvalidToken) {
		t.Errorf("Verify(token signed with another key) = %v, want ErrInvalidToken", err)
	}
	stranger, err := localidp.MintClientCredentials(key, kid, motoserver.Issuer(pe.UserPoolID), "3n0tregistered0client", added.Partner.Scopes, time.Hour, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	p, err = v.Verify(ctx, stranger, access)
	if err != nil {
		t.Fatalf("Verify(pool token of an unregistered client) = %v, want a valid token (the registry decides)", err)
	}
	if _, err := bff.Resolve(ctx, p.ClientID); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("registry Resolve(unregistered client) = %v, want ErrNotFound", err)
	}
}
