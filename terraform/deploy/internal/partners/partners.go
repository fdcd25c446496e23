// Package partners onboards partner (machine-to-machine) clients in a Cognito user pool without a
// Terraform run: one app client per partner, OAuth client_credentials flow only, a generated
// secret, and scopes of the partner API's resource server. It complements, and must not overlap
// with, the Terraform map of partners (see docs/deploy.md).
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
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"bffsuite.dev/shared/domain"
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

// Partner is one partner client as Cognito describes it.
type Partner struct {
	Name     string   `json:"name"`
	ClientID string   `json:"client_id"`
	Scopes   []string `json:"scopes"`
	Enabled  bool     `json:"enabled"`
	// ManagedBy is ManagedByBffdeploy or ManagedByTerraform.
	ManagedBy string    `json:"managed_by"`
	Created   time.Time `json:"created,omitzero"`
}

// Credentials is the result of Add: the only time the client secret is shown.
type Credentials struct {
	Partner
	ClientSecret string `json:"client_secret"`
}

// Manager onboards partners in one user pool.
type Manager struct {
	client         *cip.Client
	userPoolID     string
	resourceServer string
}

// New returns a manager for the pool; resourceServer is the identifier of the partner API's
// resource server (scopes become "<identifier>/<scope>").
func New(client *cip.Client, userPoolID, resourceServer string) (*Manager, error) {
	v := &domain.ValidationError{}
	if client == nil {
		v.Add("client", "required", "Cognito client is nil")
	}
	if userPoolID == "" {
		v.Add("user-pool", "required", "user pool id is required (-user-pool)")
	}
	if resourceServer == "" || strings.HasSuffix(resourceServer, "/") {
		v.Add("resource-server", "invalid", "resource server identifier is required, without a trailing / (-resource-server)")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	return &Manager{client: client, userPoolID: userPoolID, resourceServer: resourceServer}, nil
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
		out = append(out, m.resourceServer+"/"+s)
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	sort.Strings(out)
	return slices.Compact(out), nil
}

// Add creates the app client of a new partner and returns its credentials. A partner whose
// client name already exists (made by bffdeploy or by Terraform under the same name) is a
// domain.ErrConflict. Unknown scopes are rejected by Cognito.
func (m *Manager) Add(ctx context.Context, name string, scopes []string) (Credentials, error) {
	if err := ValidateName(name); err != nil {
		return Credentials{}, err
	}
	full, err := m.FullScopes(scopes)
	if err != nil {
		return Credentials{}, err
	}
	existing, err := m.find(ctx, name)
	if err != nil && !errors.Is(err, domain.ErrNotFound) {
		return Credentials{}, err
	}
	if err == nil {
		return Credentials{}, fmt.Errorf("add partner %s: an app client for it already exists (%s, managed by %s): %w",
			name, existing.ClientID, existing.ManagedBy, domain.ErrConflict)
	}
	out, err := m.client.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{
		UserPoolId:                      aws.String(m.userPoolID),
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
		return Credentials{}, fmt.Errorf("add partner %s: create app client in %s: %w", name, m.userPoolID, err)
	}
	c := out.UserPoolClient
	if c == nil || aws.ToString(c.ClientSecret) == "" {
		return Credentials{}, fmt.Errorf("add partner %s: Cognito returned no client secret", name)
	}
	return Credentials{Partner: toPartner(c), ClientSecret: aws.ToString(c.ClientSecret)}, nil
}

// List describes every partner client of the pool, sorted by name.
func (m *Manager) List(ctx context.Context) ([]Partner, error) {
	var ids []string
	var next *string
	for {
		out, err := m.client.ListUserPoolClients(ctx, &cip.ListUserPoolClientsInput{
			UserPoolId: aws.String(m.userPoolID), MaxResults: aws.Int32(60), NextToken: next,
		})
		if err != nil {
			return nil, fmt.Errorf("list app clients of %s: %w", m.userPoolID, err)
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
	partners := make([]Partner, 0, len(ids))
	for _, id := range ids {
		c, err := m.describe(ctx, id)
		if err != nil {
			return nil, err
		}
		partners = append(partners, toPartner(c))
	}
	sort.Slice(partners, func(i, j int) bool { return partners[i].Name < partners[j].Name })
	return partners, nil
}

// Disable stops a partner from getting new tokens: the app client stays (same client id, for
// audit and re-enabling with a Terraform import or a new add under another name) but loses its
// OAuth flows and scopes. Already issued access tokens expire within AccessTokenMinutes.
func (m *Manager) Disable(ctx context.Context, name string) (Partner, error) {
	if err := ValidateName(name); err != nil {
		return Partner{}, err
	}
	p, err := m.find(ctx, name)
	if err != nil {
		return Partner{}, err
	}
	if p.ManagedBy != ManagedByBffdeploy {
		return Partner{}, fmt.Errorf("disable partner %s (client %s): %w: remove it from the partners map of the env root instead",
			name, p.ClientID, ErrManagedByTerraform)
	}
	c, err := m.describe(ctx, p.ClientID)
	if err != nil {
		return Partner{}, err
	}
	// UpdateUserPoolClient resets every omitted setting to its default, so send the current
	// token settings back and clear only the OAuth flows and scopes.
	out, err := m.client.UpdateUserPoolClient(ctx, &cip.UpdateUserPoolClientInput{
		UserPoolId:                      aws.String(m.userPoolID),
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
		return Partner{}, fmt.Errorf("disable partner %s: update app client %s: %w", name, p.ClientID, err)
	}
	return toPartner(out.UserPoolClient), nil
}

// find returns the partner client of name (made by bffdeploy or Terraform), or domain.ErrNotFound.
func (m *Manager) find(ctx context.Context, name string) (Partner, error) {
	all, err := m.List(ctx)
	if err != nil {
		return Partner{}, err
	}
	for _, p := range all {
		if p.Name == name {
			return p, nil
		}
	}
	return Partner{}, fmt.Errorf("partner %s in %s: %w", name, m.userPoolID, domain.ErrNotFound)
}

func (m *Manager) describe(ctx context.Context, clientID string) (*types.UserPoolClientType, error) {
	out, err := m.client.DescribeUserPoolClient(ctx, &cip.DescribeUserPoolClientInput{
		UserPoolId: aws.String(m.userPoolID), ClientId: aws.String(clientID),
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

// toPartner maps an app client; the secret is never copied.
func toPartner(c *types.UserPoolClientType) Partner {
	if c == nil {
		return Partner{}
	}
	name, managedBy, _ := parseClientName(aws.ToString(c.ClientName))
	p := Partner{
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
