// Package partners is the partner registry: which Cognito app client (client_credentials)
// acts for which partner, with the partner's name, allowed scopes, rate tier and status. The
// partner BFF reads it on every /v1 request through Registry (a bounded cache with a short
// TTL); the deploy CLI (`bffdeploy partner add|list|disable`) writes it. A record is one app
// client: a partner rotating its client has two records with the same partner ID.
//
// Backends: the DynamoDB table "partners" (shared/store/dynamo.NewPartners, hash key
// "client_id", index "by_partner") and the in-memory one (shared/store/embedded.NewPartners)
// seeded with the local demo partner. Errors wrap shared/domain sentinels: domain.ErrNotFound
// (no record), domain.ErrConflict (the client already has a record), domain.ErrUnavailable,
// *domain.ValidationError; Registry.Resolve adds ErrSuspended.
package partners

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"time"

	"bffsuite.dev/shared/domain"
)

// Statuses.
const (
	StatusActive    = "active"
	StatusSuspended = "suspended"
)

// Who manages a record.
const (
	ManagedByBffdeploy = "bffdeploy"
	ManagedByTerraform = "terraform"
	ManagedByLocal     = "local" // seed data of local runs and tests
)

// ErrSuspended: the client belongs to a partner whose status is suspended.
var ErrSuspended = errors.New("partner suspended")

// Partner is one registry record: one app client of one partner.
type Partner struct {
	// ID is the tenant: orders carry it and a partner sees only its own.
	ID   string `json:"id"`
	Name string `json:"name"`
	// ClientID is the Cognito app client (client_credentials) acting for the partner.
	ClientID string `json:"client_id"`
	// Scopes are the full scope names the partner may use ("partner-api/orders.read"); a token
	// scope counts only when it is listed here too. Empty: the token's scopes alone decide.
	Scopes   []string `json:"scopes,omitempty"`
	RateTier string   `json:"rate_tier"`
	Status   string   `json:"status"`
	// APIKeyID is the API Gateway API key of the partner (bffdeploy, Terraform); empty locally.
	APIKeyID  string    `json:"api_key_id,omitempty"`
	ManagedBy string    `json:"managed_by,omitempty"`
	CreatedAt time.Time `json:"created_at,omitzero"`
	UpdatedAt time.Time `json:"updated_at,omitzero"`
}

// Active reports whether the partner may call the API.
func (p Partner) Active() bool { return p.Status == StatusActive }

// Allows reports whether scope is allowed by the record (always when it lists none).
func (p Partner) Allows(scope string) bool {
	return len(p.Scopes) == 0 || slices.Contains(p.Scopes, scope)
}

var (
	idPattern     = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)
	clientPattern = regexp.MustCompile(`^[\w+-]{1,128}$`) // Cognito: [\w+]+, 1-128; local ids use '-'
	scopePattern  = regexp.MustCompile(`^[\x21\x23-\x5B\x5D-\x7E]{1,256}$`)
)

// Validate checks a record before it is stored.
func Validate(p Partner) error {
	v := &domain.ValidationError{}
	if !idPattern.MatchString(p.ID) {
		v.Add("id", "invalid", "must be 1-64 letters, digits, '_' or '-'")
	}
	if p.Name == "" || len(p.Name) > 200 {
		v.Add("name", "invalid", "must be 1-200 characters")
	}
	if !clientPattern.MatchString(p.ClientID) {
		v.Add("client_id", "invalid", "must be 1-128 letters, digits, '_', '+' or '-'")
	}
	for i, s := range p.Scopes {
		if !scopePattern.MatchString(s) {
			v.Add(fmt.Sprintf("scopes[%d]", i), "invalid", "is not an OAuth scope")
		}
	}
	if p.RateTier == "" || len(p.RateTier) > 64 {
		v.Add("rate_tier", "invalid", "must be 1-64 characters")
	}
	if p.Status != StatusActive && p.Status != StatusSuspended {
		v.Add("status", "invalid", "must be active or suspended")
	}
	return v.Err()
}

// Backend is what a storage backend implements.
type Backend interface {
	// GetByClient returns the record of an app client, or an error wrapping domain.ErrNotFound.
	GetByClient(ctx context.Context, clientID string) (Partner, error)
	// ListByPartner returns the records of one partner (all its app clients).
	ListByPartner(ctx context.Context, partnerID string) ([]Partner, error)
	// List returns every record (operators' listing; not for request paths).
	List(ctx context.Context) ([]Partner, error)
	// Create stores a new record; an existing record of the client is domain.ErrConflict.
	Create(ctx context.Context, p Partner) error
	// SetStatus changes the status of the client's record and returns it; domain.ErrNotFound
	// when there is none.
	SetStatus(ctx context.Context, clientID, status string, at time.Time) (Partner, error)
}
