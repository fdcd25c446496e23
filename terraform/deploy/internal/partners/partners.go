// Package partners onboards partners without a Terraform run: per partner one Cognito app client
// (OAuth client_credentials only, a generated secret, scopes of the partner API's resource
// server), one API Gateway API key attached to the usage plan of its rate tier, and one record
// in the partner registry table that bff-partner reads at run time (shared/partners). It
// complements, and must not overlap with, the Terraform map of partners (see docs/deploy.md).
package partners

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	agtypes "github.com/aws/aws-sdk-go-v2/service/apigateway/types"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"bffsuite.dev/shared/domain"
	"bffsuite.dev/shared/partners"
)

// ClientNamePrefix marks app clients made by this package: the client of partner "acme" is
// named "partner-acme".
const ClientNamePrefix = "partner-"

// terraformInfix marks partner clients made by Terraform (modules/cognito names them
// "<name_prefix>-partner-<key>"). List shows them; Add refuses their names; Disable leaves them
// to Terraform.
const terraformInfix = "-partner-"

// Who manages a partner client.
const (
	ManagedByBffdeploy = "bffdeploy"
	ManagedByTerraform = "terraform"
)

// ErrManagedByTerraform: the partner's client belongs to the Terraform partners map.
var ErrManagedByTerraform = errors.New("managed by Terraform")

// parseClientName returns the partner name and manager of an app client name, or ok false
// when the client is not a partner client.
func parseClientName(clientName string) (name, managedBy string, ok bool) {
	if n, found := strings.CutPrefix(clientName, ClientNamePrefix); found && n != "" {
		return n, ManagedByBffdeploy, true
	}
	if i := strings.LastIndex(clientName, terraformInfix); i > 0 && i+len(terraformInfix) < len(clientName) {
		return clientName[i+len(terraformInfix):], ManagedByTerraform, true
	}
	return "", "", false
}

// AccessTokenMinutes is the access token lifetime of partner clients. Disabling a partner stops
// new tokens at once; tokens already issued stay valid for at most this long.
const AccessTokenMinutes = 60

var (
	namePattern  = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,38}[a-z0-9]$`)
	scopePattern = regexp.MustCompile(`^[A-Za-z0-9._:-]+$`)
)

// AppClient is one partner app client as Cognito describes it.
type AppClient struct {
	// Name is the partner name (the app client is named ClientNamePrefix+Name by bffdeploy).
	Name     string   `json:"name"`
	ClientID string   `json:"client_id"`
	Scopes   []string `json:"scopes"`
	// Enabled: the client still has the client_credentials flow (can get tokens).
	Enabled bool `json:"enabled"`
	// ManagedBy is ManagedByBffdeploy or ManagedByTerraform.
	ManagedBy string    `json:"managed_by"`
	Created   time.Time `json:"created,omitzero"`
}

// Config is where a Manager onboards partners: terraform outputs of the env root.
type Config struct {
	// UserPoolID is output user_pool_id.
	UserPoolID string
	// ResourceServer is output resource_server_identifier (scopes become "<identifier>/<scope>").
	ResourceServer string
	// UsagePlans maps rate tiers to usage plan IDs: output partner_usage_plan_ids.
	UsagePlans map[string]string
}

// Manager onboards partners of one environment: its user pool, partner API usage plans and
// partner registry. The identity running it writes the registry; bff-partner only reads it.
type Manager struct {
	cognito  *cip.Client
	apigw    *apigateway.Client
	registry partners.Backend
	cfg      Config
	now      func() time.Time
}

// New returns a manager. registry is the partner registry table (dynamo.NewPartners over output
// partner_registry_table).
func New(cognito *cip.Client, apigw *apigateway.Client, registry partners.Backend, cfg Config) (*Manager, error) {
	v := &domain.ValidationError{}
	if cognito == nil || apigw == nil || registry == nil {
		v.Add("client", "required", "Cognito, API Gateway and registry clients are required")
	}
	if cfg.UserPoolID == "" {
		v.Add("user-pool", "required", "user pool id is required (-user-pool, output user_pool_id)")
	}
	if cfg.ResourceServer == "" || strings.HasSuffix(cfg.ResourceServer, "/") {
		v.Add("resource-server", "invalid", "resource server identifier is required, without a trailing / (-resource-server, output resource_server_identifier)")
	}
	if len(cfg.UsagePlans) == 0 {
		v.Add("usage-plans", "required", "usage plan ids by rate tier are required (-usage-plans gold=ID,..., output partner_usage_plan_ids)")
	}
	for tier, id := range cfg.UsagePlans {
		if tier == "" || id == "" {
			v.Add("usage-plans", "invalid", fmt.Sprintf("usage plan %q=%q: want tier=ID", tier, id))
		}
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	return &Manager{cognito: cognito, apigw: apigw, registry: registry, cfg: cfg, now: time.Now}, nil
}

// ValidateName checks a partner name: 2-40 of a-z, 0-9 and -, not starting or ending with -.
func ValidateName(name string) error {
	if !namePattern.MatchString(name) {
		v := &domain.ValidationError{}
		v.Add("name", "invalid", fmt.Sprintf("partner name %q must be 2-40 characters of a-z, 0-9 and -, "+
			"not starting or ending with -", name))
		return v
	}
	return nil
}

// FullScopes turns short scope names ("orders.read") into Cognito scopes of the resource server
// ("https://partner.api/orders.read"), sorted and without duplicates.
func (m *Manager) FullScopes(scopes []string) ([]string, error) {
	v := &domain.ValidationError{}
	if len(scopes) == 0 {
		v.Add("scopes", "required", "at least one scope is required (-scopes orders.read,orders.write)")
	}
	out := make([]string, 0, len(scopes))
	for i, s := range scopes {
		s = strings.TrimSpace(s)
		if !scopePattern.MatchString(s) {
			v.Add(fmt.Sprintf("scopes[%d]", i), "invalid", fmt.Sprintf("scope %q: use the short name "+
				"(letters, digits, . _ : -); the resource server prefix is added", s))
			continue
		}
		out = append(out, m.cfg.ResourceServer+"/"+s)
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	sort.Strings(out)
	return slices.Compact(out), nil
}

// knownScopes checks full scopes against the resource server (Cognito rejects unknown ones
// too; checking first gives one clear error before anything is created).
func (m *Manager) knownScopes(ctx context.Context, full []string) error {
	out, err := m.cognito.DescribeResourceServer(ctx, &cip.DescribeResourceServerInput{
		UserPoolId: aws.String(m.cfg.UserPoolID), Identifier: aws.String(m.cfg.ResourceServer),
	})
	if err != nil {
		return fmt.Errorf("describe resource server %s: %w", m.cfg.ResourceServer, err)
	}
	have := map[string]bool{}
	for _, s := range out.ResourceServer.Scopes {
		have[m.cfg.ResourceServer+"/"+aws.ToString(s.ScopeName)] = true
	}
	v := &domain.ValidationError{}
	for _, s := range full {
		if !have[s] {
			v.Add("scopes", "unknown", fmt.Sprintf("scope %q is not a scope of the resource server", s))
		}
	}
	return v.Err()
}

// AddInput is one partner to onboard.
type AddInput struct {
	// Name is the partner ID: the tenant of its orders, the app client name suffix.
	Name string
	// DisplayName is the registry's human name; empty: Name.
	DisplayName string
	// Scopes are short scope names of the resource server.
	Scopes []string
	// Tier is a rate tier of Config.UsagePlans.
	Tier string
}

// Onboarded is the result of Add. ClientSecret and APIKey are set only when this call
// registered the partner: the one time they are shown.
type Onboarded struct {
	Partner      partners.Partner `json:"partner"`
	ClientSecret string           `json:"client_secret,omitempty"`
	APIKey       string           `json:"api_key,omitempty"`
	// Created is false when the partner was already registered (nothing new was created).
	Created bool `json:"created"`
}

// apiKeyName names the API key of a partner: unique per user pool, so per environment.
func (m *Manager) apiKeyName(name string) string {
	return ClientNamePrefix + name + "." + m.cfg.UserPoolID
}

// Add onboards a partner: app client, API key on the usage plan of its tier, registry record.
// It is idempotent and resumable: each step first looks for what an earlier (maybe interrupted)
// run created - the app client by name, the API key by name - so re-running never creates a
// second client or key; a partner already in the registry is returned with Created false.
// A partner of the Terraform partners map is ErrManagedByTerraform.
func (m *Manager) Add(ctx context.Context, in AddInput) (Onboarded, error) {
	if err := ValidateName(in.Name); err != nil {
		return Onboarded{}, err
	}
	full, err := m.FullScopes(in.Scopes)
	if err != nil {
		return Onboarded{}, err
	}
	plan, ok := m.cfg.UsagePlans[in.Tier]
	if !ok {
		v := &domain.ValidationError{}
		v.Add("tier", "invalid", fmt.Sprintf("rate tier %q is not one of the usage plans %s", in.Tier, strings.Join(sortedKeys(m.cfg.UsagePlans), ", ")))
		return Onboarded{}, v
	}
	display := in.DisplayName
	if display == "" {
		display = in.Name
	}
	rec := partners.Partner{ID: in.Name, Name: display, Scopes: full, RateTier: in.Tier, Status: partners.StatusActive,
		ManagedBy: partners.ManagedByBffdeploy}
	if err := partners.Validate(withPlaceholderClient(rec)); err != nil {
		return Onboarded{}, err
	}
	if err := m.knownScopes(ctx, full); err != nil {
		return Onboarded{}, err
	}

	// 1. The app client: found by name, else created.
	client, secret, err := m.ensureClient(ctx, in.Name, full)
	if err != nil {
		return Onboarded{}, err
	}
	rec.ClientID = client
	// 2. Already registered: nothing more to create; make sure its key is on its plan.
	if existing, err := m.registry.GetByClient(ctx, client); err == nil {
		if existing.APIKeyID != "" {
			if err := m.attachKey(ctx, m.cfg.UsagePlans[existing.RateTier], existing.APIKeyID); err != nil {
				return Onboarded{}, err
			}
		}
		return Onboarded{Partner: existing}, nil
	} else if !errors.Is(err, domain.ErrNotFound) {
		return Onboarded{}, fmt.Errorf("add partner %s: read registry: %w", in.Name, err)
	}
	// 3. The API key: found by name, else created; attached to the tier's usage plan.
	keyID, keyValue, err := m.ensureKey(ctx, in.Name, in.Tier)
	if err != nil {
		return Onboarded{}, err
	}
	if err := m.attachKey(ctx, plan, keyID); err != nil {
		return Onboarded{}, err
	}
	// 4. The registry record, last: bff-partner admits the partner from here on (within its cache TTL).
	now := m.now().UTC()
	rec.APIKeyID, rec.CreatedAt, rec.UpdatedAt = keyID, now, now
	if err := m.registry.Create(ctx, rec); err != nil {
		if errors.Is(err, domain.ErrConflict) { // a concurrent add won
			existing, gerr := m.registry.GetByClient(ctx, client)
			if gerr != nil {
				return Onboarded{}, fmt.Errorf("add partner %s: %w", in.Name, gerr)
			}
			return Onboarded{Partner: existing}, nil
		}
		return Onboarded{}, fmt.Errorf("add partner %s: write registry: %w", in.Name, err)
	}
	return Onboarded{Partner: rec, ClientSecret: secret, APIKey: keyValue, Created: true}, nil
}

func withPlaceholderClient(p partners.Partner) partners.Partner {
	p.ClientID = "placeholder"
	return p
}

// ensureClient returns the partner's app client id and secret, creating the client when no
// client of that name exists.
func (m *Manager) ensureClient(ctx context.Context, name string, full []string) (id, secret string, err error) {
	existing, err := m.find(ctx, name)
	switch {
	case err == nil && existing.ManagedBy != ManagedByBffdeploy:
		return "", "", fmt.Errorf("add partner %s (client %s): %w: it is in the partners map of the env root; change it there",
			name, existing.ClientID, ErrManagedByTerraform)
	case err == nil:
		c, err := m.describe(ctx, existing.ClientID)
		if err != nil {
			return "", "", err
		}
		return existing.ClientID, aws.ToString(c.ClientSecret), nil
	case !errors.Is(err, domain.ErrNotFound):
		return "", "", err
	}
	out, err := m.cognito.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{
		UserPoolId:                      aws.String(m.cfg.UserPoolID),
		ClientName:                      aws.String(ClientNamePrefix + name),
		GenerateSecret:                  true,
		AllowedOAuthFlows:               []types.OAuthFlowType{types.OAuthFlowTypeClientCredentials},
		AllowedOAuthFlowsUserPoolClient: true,
		AllowedOAuthScopes:              full,
		AccessTokenValidity:             aws.Int32(AccessTokenMinutes),
		TokenValidityUnits:              &types.TokenValidityUnitsType{AccessToken: types.TimeUnitsTypeMinutes},
		EnableTokenRevocation:           aws.Bool(true),
		PreventUserExistenceErrors:      types.PreventUserExistenceErrorTypesEnabled,
	})
	if err != nil {
		return "", "", fmt.Errorf("add partner %s: create app client in %s: %w", name, m.cfg.UserPoolID, err)
	}
	c := out.UserPoolClient
	if c == nil || aws.ToString(c.ClientId) == "" {
		return "", "", fmt.Errorf("add partner %s: Cognito returned no app client", name)
	}
	secret = aws.ToString(c.ClientSecret)
	if secret == "" { // some emulators answer without it; the describe call has it
		d, err := m.describe(ctx, aws.ToString(c.ClientId))
		if err != nil {
			return "", "", err
		}
		secret = aws.ToString(d.ClientSecret)
	}
	if secret == "" {
		return "", "", fmt.Errorf("add partner %s: Cognito returned no client secret", name)
	}
	return aws.ToString(c.ClientId), secret, nil
}

// ensureKey returns the id and value of the partner's API key, creating it when no key of
// its name exists.
func (m *Manager) ensureKey(ctx context.Context, name, tier string) (id, value string, err error) {
	keyName := m.apiKeyName(name)
	out, err := m.apigw.GetApiKeys(ctx, &apigateway.GetApiKeysInput{NameQuery: aws.String(keyName), IncludeValues: aws.Bool(true), Limit: aws.Int32(500)})
	if err != nil {
		return "", "", fmt.Errorf("add partner %s: look up API key %s: %w", name, keyName, err)
	}
	for _, k := range out.Items {
		if aws.ToString(k.Name) == keyName { // NameQuery is a prefix match
			return aws.ToString(k.Id), aws.ToString(k.Value), nil
		}
	}
	k, err := m.apigw.CreateApiKey(ctx, &apigateway.CreateApiKeyInput{
		Name:        aws.String(keyName),
		Description: aws.String(fmt.Sprintf("API key of partner %s (tier %s), made by bffdeploy", name, tier)),
		Enabled:     true,
		Tags:        map[string]string{"bffsuite:partner": name, "bffsuite:managed_by": ManagedByBffdeploy},
	})
	if err != nil {
		return "", "", fmt.Errorf("add partner %s: create API key: %w", name, err)
	}
	return aws.ToString(k.Id), aws.ToString(k.Value), nil
}

// attachKey puts the key on the usage plan; already being there is fine.
func (m *Manager) attachKey(ctx context.Context, plan, keyID string) error {
	if plan == "" {
		return fmt.Errorf("attach API key %s: no usage plan for its tier", keyID)
	}
	_, err := m.apigw.CreateUsagePlanKey(ctx, &apigateway.CreateUsagePlanKeyInput{
		UsagePlanId: aws.String(plan), KeyId: aws.String(keyID), KeyType: aws.String("API_KEY"),
	})
	var conflict *agtypes.ConflictException
	if err != nil && !errors.As(err, &conflict) {
		return fmt.Errorf("attach API key %s to usage plan %s: %w", keyID, plan, err)
	}
	return nil
}

// Listed is one partner as List shows it: a registry record (Registered) joined with its app
// client, or a partner app client without a record (Status "unregistered").
type Listed struct {
	partners.Partner
	Registered bool `json:"registered"`
	// ClientEnabled: the app client can still get tokens (client_credentials flow).
	ClientEnabled bool `json:"client_enabled"`
}

// StatusUnregistered marks a partner app client without a registry record in List: bff-partner
// refuses its tokens (an interrupted add - run it again - or a client made by hand).
const StatusUnregistered = "unregistered"

// List returns every registry record and every partner app client without one, sorted by
// partner and client id.
func (m *Manager) List(ctx context.Context) ([]Listed, error) {
	recs, err := m.registry.List(ctx)
	if err != nil {
		return nil, fmt.Errorf("list partner registry: %w", err)
	}
	clients, err := m.Clients(ctx)
	if err != nil {
		return nil, err
	}
	byID := map[string]AppClient{}
	for _, c := range clients {
		byID[c.ClientID] = c
	}
	out := make([]Listed, 0, len(recs))
	for _, r := range recs {
		c, ok := byID[r.ClientID]
		out = append(out, Listed{Partner: r, Registered: true, ClientEnabled: ok && c.Enabled})
		delete(byID, r.ClientID)
	}
	for _, c := range byID {
		out = append(out, Listed{Partner: partners.Partner{ID: c.Name, Name: c.Name, ClientID: c.ClientID, Scopes: c.Scopes,
			Status: StatusUnregistered, ManagedBy: c.ManagedBy, CreatedAt: c.Created}, ClientEnabled: c.Enabled})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].ID != out[j].ID {
			return out[i].ID < out[j].ID
		}
		return out[i].ClientID < out[j].ClientID
	})
	return out, nil
}

// Clients describes every partner app client of the pool, sorted by name.
func (m *Manager) Clients(ctx context.Context) ([]AppClient, error) {
	var ids []string
	var next *string
	for {
		out, err := m.cognito.ListUserPoolClients(ctx, &cip.ListUserPoolClientsInput{
			UserPoolId: aws.String(m.cfg.UserPoolID), MaxResults: aws.Int32(60), NextToken: next,
		})
		if err != nil {
			return nil, fmt.Errorf("list app clients of %s: %w", m.cfg.UserPoolID, err)
		}
		for _, c := range out.UserPoolClients {
			if _, _, ok := parseClientName(aws.ToString(c.ClientName)); ok {
				ids = append(ids, aws.ToString(c.ClientId))
			}
		}
		next = out.NextToken
		if aws.ToString(next) == "" {
			break
		}
	}
	clients := make([]AppClient, 0, len(ids))
	for _, id := range ids {
		c, err := m.describe(ctx, id)
		if err != nil {
			return nil, err
		}
		clients = append(clients, toAppClient(c))
	}
	sort.Slice(clients, func(i, j int) bool { return clients[i].Name < clients[j].Name })
	return clients, nil
}

// Disable suspends a partner: every registry record of it becomes suspended (bff-partner
// answers 403 partner_suspended within its cache TTL, BFF_PARTNER_CACHE_TTL, 30 s by default),
// its API keys are disabled (API Gateway refuses its calls), and its app client loses its OAuth
// flows and scopes (no new tokens; issued ones expire within AccessTokenMinutes). Records and
// client stay for audit. Partners of the Terraform map are ErrManagedByTerraform.
func (m *Manager) Disable(ctx context.Context, name string) ([]partners.Partner, error) {
	if err := ValidateName(name); err != nil {
		return nil, err
	}
	client, err := m.find(ctx, name)
	if err != nil {
		return nil, err
	}
	if client.ManagedBy != ManagedByBffdeploy {
		return nil, fmt.Errorf("disable partner %s (client %s): %w: remove it from the partners map of the env root instead",
			name, client.ClientID, ErrManagedByTerraform)
	}
	recs, err := m.registry.ListByPartner(ctx, name) // rotated clients too (index: eventually consistent)
	if err != nil {
		return nil, fmt.Errorf("disable partner %s: %w", name, err)
	}
	if !slices.ContainsFunc(recs, func(p partners.Partner) bool { return p.ClientID == client.ClientID }) {
		r, err := m.registry.GetByClient(ctx, client.ClientID)
		switch {
		case err == nil:
			recs = append(recs, r)
		case !errors.Is(err, domain.ErrNotFound):
			return nil, fmt.Errorf("disable partner %s: %w", name, err)
		}
	}
	now := m.now().UTC()
	var out []partners.Partner
	for _, r := range recs {
		if r.ManagedBy == partners.ManagedByTerraform {
			return nil, fmt.Errorf("disable partner %s (client %s): %w", name, r.ClientID, ErrManagedByTerraform)
		}
		p, err := m.registry.SetStatus(ctx, r.ClientID, partners.StatusSuspended, now)
		if err != nil {
			return nil, fmt.Errorf("disable partner %s: suspend client %s: %w", name, r.ClientID, err)
		}
		if p.APIKeyID != "" {
			if _, err := m.apigw.UpdateApiKey(ctx, &apigateway.UpdateApiKeyInput{ApiKey: aws.String(p.APIKeyID),
				PatchOperations: []agtypes.PatchOperation{{Op: agtypes.OpReplace, Path: aws.String("/enabled"), Value: aws.String("false")}},
			}); err != nil {
				return nil, fmt.Errorf("disable partner %s: disable API key %s: %w", name, p.APIKeyID, err)
			}
		}
		out = append(out, p)
	}
	if err := m.disableClient(ctx, client.ClientID); err != nil {
		return nil, fmt.Errorf("disable partner %s: %w", name, err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("disable partner %s: client %s has no registry record (its tokens are refused already); its OAuth flows are removed: %w",
			name, client.ClientID, domain.ErrNotFound)
	}
	return out, nil
}

// disableClient removes the OAuth flows and scopes of an app client.
func (m *Manager) disableClient(ctx context.Context, clientID string) error {
	c, err := m.describe(ctx, clientID)
	if err != nil {
		return err
	}
	// UpdateUserPoolClient resets every omitted setting to its default, so send the current
	// token settings back and clear only the OAuth flows and scopes.
	_, err = m.cognito.UpdateUserPoolClient(ctx, &cip.UpdateUserPoolClientInput{
		UserPoolId:                      aws.String(m.cfg.UserPoolID),
		ClientId:                        c.ClientId,
		ClientName:                      c.ClientName,
		AllowedOAuthFlowsUserPoolClient: false,
		AllowedOAuthFlows:               []types.OAuthFlowType{},
		AllowedOAuthScopes:              []string{},
		AccessTokenValidity:             c.AccessTokenValidity,
		IdTokenValidity:                 c.IdTokenValidity,
		RefreshTokenValidity:            c.RefreshTokenValidity,
		TokenValidityUnits:              c.TokenValidityUnits,
		EnableTokenRevocation:           c.EnableTokenRevocation,
		PreventUserExistenceErrors:      c.PreventUserExistenceErrors,
		ExplicitAuthFlows:               c.ExplicitAuthFlows,
	})
	if err != nil {
		return fmt.Errorf("update app client %s: %w", clientID, err)
	}
	return nil
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// find returns the partner app client of name (made by bffdeploy or Terraform), or domain.ErrNotFound.
func (m *Manager) find(ctx context.Context, name string) (AppClient, error) {
	all, err := m.Clients(ctx)
	if err != nil {
		return AppClient{}, err
	}
	for _, p := range all {
		if p.Name == name {
			return p, nil
		}
	}
	return AppClient{}, fmt.Errorf("partner %s in %s: %w", name, m.cfg.UserPoolID, domain.ErrNotFound)
}

func (m *Manager) describe(ctx context.Context, clientID string) (*types.UserPoolClientType, error) {
	out, err := m.cognito.DescribeUserPoolClient(ctx, &cip.DescribeUserPoolClientInput{
		UserPoolId: aws.String(m.cfg.UserPoolID), ClientId: aws.String(clientID),
	})
	if err != nil {
		var nf *types.ResourceNotFoundException
		if errors.As(err, &nf) {
			return nil, fmt.Errorf("describe app client %s: %w", clientID, domain.ErrNotFound)
		}
		return nil, fmt.Errorf("describe app client %s: %w", clientID, err)
	}
	if out.UserPoolClient == nil {
		return nil, fmt.Errorf("describe app client %s: empty answer", clientID)
	}
	return out.UserPoolClient, nil
}

// toAppClient maps an app client; the secret is never copied.
func toAppClient(c *types.UserPoolClientType) AppClient {
	if c == nil {
		return AppClient{}
	}
	name, managedBy, _ := parseClientName(aws.ToString(c.ClientName))
	p := AppClient{
		Name:      name,
		ManagedBy: managedBy,
		ClientID:  aws.ToString(c.ClientId),
		Scopes:    append([]string{}, c.AllowedOAuthScopes...),
		Enabled:   aws.ToBool(c.AllowedOAuthFlowsUserPoolClient) && slices.Contains(c.AllowedOAuthFlows, types.OAuthFlowTypeClientCredentials),
	}
	sort.Strings(p.Scopes)
	if c.CreationDate != nil {
		p.Created = c.CreationDate.UTC()
	}
	return p
}
