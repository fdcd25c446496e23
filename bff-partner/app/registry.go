package app

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"regexp"

	"bffsuite.dev/shared/server"
)

// Partner statuses.
const (
	StatusActive    = "active"
	StatusSuspended = "suspended"
)

// Partner is one record of the partner registry. ID is the tenant: orders carry it, and a
// partner sees only orders with its ID. ClientIDs are the Cognito app clients
// (client_credentials) that act for it; several allow rotating a client without downtime.
type Partner struct {
	ID        string   `json:"id"`
	Name      string   `json:"name"`
	ClientIDs []string `json:"client_ids"`
	Status    string   `json:"status"`
	RateTier  string   `json:"rate_tier"`
}

// Registry finds the partner of a token's client_id. It is immutable after load.
type Registry struct {
	byClient map[string]*Partner
	all      []Partner
}

//go:embed partners.json
var defaultRegistry []byte

var partnerIDPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// LoadRegistry reads the registry from the configuration: inline JSON, a file, or the
// embedded local registry. tiers are the configured rate tiers a partner may name.
func LoadRegistry(cfg Config, tiers map[string]bool) (*Registry, error) {
	doc, source := defaultRegistry, "partners.json (embedded)"
	switch {
	case cfg.Registry == "" && cfg.RegistryFile == "" && server.OnLambda():
		return nil, errors.New("BFF_PARTNER_REGISTRY: required on Lambda (the embedded registry lists local demo partners only)")
	case cfg.Registry != "":
		doc, source = []byte(cfg.Registry), "BFF_PARTNER_REGISTRY"
	case cfg.RegistryFile != "":
		b, err := os.ReadFile(cfg.RegistryFile)
		if err != nil {
			return nil, fmt.Errorf("BFF_PARTNER_REGISTRY_FILE: %w", err)
		}
		doc, source = b, "BFF_PARTNER_REGISTRY_FILE "+cfg.RegistryFile
	}
	r, err := ParseRegistry(doc, tiers)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", source, err)
	}
	return r, nil
}

// ParseRegistry parses and validates a registry document {"partners": [...]}.
func ParseRegistry(doc []byte, tiers map[string]bool) (*Registry, error) {
	var f struct {
		Partners []Partner `json:"partners"`
	}
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("parse partner registry: %w", err)
	}
	r := &Registry{byClient: map[string]*Partner{}}
	ids := map[string]bool{}
	for i, p := range f.Partners {
		at := fmt.Sprintf("partners[%d]", i)
		switch {
		case !partnerIDPattern.MatchString(p.ID):
			return nil, fmt.Errorf("%s: id %q must be 1-64 letters, digits, '_' or '-'", at, p.ID)
		case ids[p.ID]:
			return nil, fmt.Errorf("%s: duplicate id %q", at, p.ID)
		case p.Status != StatusActive && p.Status != StatusSuspended:
			return nil, fmt.Errorf("%s: status %q must be active or suspended", at, p.Status)
		case !tiers[p.RateTier]:
			return nil, fmt.Errorf("%s: rate_tier %q is not a configured tier (BFF_PARTNER_RATE_TIERS)", at, p.RateTier)
		case len(p.ClientIDs) == 0:
			return nil, fmt.Errorf("%s: client_ids must not be empty", at)
		}
		ids[p.ID] = true
		r.all = append(r.all, p)
	}
	for i := range r.all {
		p := &r.all[i]
		for _, c := range p.ClientIDs {
			if c == "" {
				return nil, fmt.Errorf("partners[%d]: empty client id", i)
			}
			if other, dup := r.byClient[c]; dup {
				return nil, fmt.Errorf("partners[%d]: client id %q already belongs to %s", i, c, other.ID)
			}
			r.byClient[c] = p
		}
	}
	return r, nil
}

// ByClient returns the partner a client_id acts for.
func (r *Registry) ByClient(clientID string) (Partner, bool) {
	p, ok := r.byClient[clientID]
	if !ok {
		return Partner{}, false
	}
	return *p, true
}

// Len returns the number of partners.
func (r *Registry) Len() int { return len(r.all) }
