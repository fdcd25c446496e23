package app

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"os"

	"bffsuite.dev/shared/partners"
)

// Partner statuses (the registry's, shared/partners).
const (
	StatusActive    = partners.StatusActive
	StatusSuspended = partners.StatusSuspended
)

// staticPartner is one entry of a static registry document (BFF_PARTNER_REGISTRY or
// BFF_PARTNER_REGISTRY_FILE): a partner with one or more app clients. It becomes one
// registry record per client.
type staticPartner struct {
	ID        string   `json:"id"`
	Name      string   `json:"name"`
	ClientIDs []string `json:"client_ids"`
	Scopes    []string `json:"scopes"`
	Status    string   `json:"status"`
	RateTier  string   `json:"rate_tier"`
}

// staticRegistry reads the static registry document of the configuration, if any: inline
// JSON or a file. ok is false when neither is set (the embedded seed or the table is used).
func staticRegistry(cfg Config, tiers map[string]bool) (recs []partners.Partner, ok bool, err error) {
	var doc []byte
	var source string
	switch {
	case cfg.Registry != "":
		doc, source = []byte(cfg.Registry), "BFF_PARTNER_REGISTRY"
	case cfg.RegistryFile != "":
		b, err := os.ReadFile(cfg.RegistryFile)
		if err != nil {
			return nil, false, fmt.Errorf("BFF_PARTNER_REGISTRY_FILE: %w", err)
		}
		doc, source = b, "BFF_PARTNER_REGISTRY_FILE "+cfg.RegistryFile
	default:
		return nil, false, nil
	}
	recs, err = ParseRegistry(doc, tiers)
	if err != nil {
		return nil, false, fmt.Errorf("%s: %w", source, err)
	}
	return recs, true, nil
}

// ParseRegistry parses and validates a static registry document {"partners": [...]} into
// registry records, one per app client. tiers are the configured rate tiers.
func ParseRegistry(doc []byte, tiers map[string]bool) ([]partners.Partner, error) {
	var f struct {
		Partners []staticPartner `json:"partners"`
	}
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("parse partner registry: %w", err)
	}
	var out []partners.Partner
	ids := map[string]bool{}
	owner := map[string]string{}
	for i, p := range f.Partners {
		at := fmt.Sprintf("partners[%d]", i)
		switch {
		case ids[p.ID]:
			return nil, fmt.Errorf("%s: duplicate id %q", at, p.ID)
		case !tiers[p.RateTier]:
			return nil, fmt.Errorf("%s: rate_tier %q is not a configured tier (BFF_PARTNER_RATE_TIERS)", at, p.RateTier)
		case len(p.ClientIDs) == 0:
			return nil, fmt.Errorf("%s: client_ids must not be empty", at)
		}
		ids[p.ID] = true
		name := p.Name
		if name == "" {
			name = p.ID
		}
		for _, c := range p.ClientIDs {
			if other, dup := owner[c]; dup {
				return nil, fmt.Errorf("%s: client id %q already belongs to %s", at, c, other)
			}
			owner[c] = p.ID
			rec := partners.Partner{ID: p.ID, Name: name, ClientID: c, Scopes: p.Scopes, Status: p.Status,
				RateTier: p.RateTier, ManagedBy: partners.ManagedByLocal}
			if err := partners.Validate(rec); err != nil {
				return nil, fmt.Errorf("%s: %w", at, err)
			}
			out = append(out, rec)
		}
	}
	return out, nil
}
