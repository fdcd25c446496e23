package app

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"slices"

	"bffsuite.dev/shared/auth"
	"bffsuite.dev/shared/domain"
	"bffsuite.dev/shared/logging"
	"bffsuite.dev/shared/partners"
	"bffsuite.dev/shared/platform"
	"bffsuite.dev/shared/problem"
	"bffsuite.dev/shared/store/dynamo"
	"github.com/gin-gonic/gin"
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

type partnerKey struct{}

// partnerBackend is the registry backend of the configuration: the DynamoDB table, or in
// memory a static registry (BFF_PARTNER_REGISTRY[_FILE]) or the local demo partner.
func partnerBackend(cfg Config, p *platform.Platform, tiers map[string]bool) (partners.Backend, error) {
	recs, static, err := staticRegistry(cfg, tiers)
	if err != nil {
		return nil, err
	}
	if p.DynamoDB != nil && !static {
		return dynamo.NewPartners(p.DynamoDB, cfg.TablePartners), nil
	}
	return memoryPartners(recs, static)
}

// partner resolves the token's client to its registry record: 403 when unknown or
// suspended, 503 when the registry cannot be read. A record listing scopes narrows the token's
// scopes to those (the scope check that follows sees only scopes both allow).
func (h *App) partner(c *gin.Context) {
	pr, ok := auth.PrincipalFrom(c)
	if !ok {
		problem.Abort(c, problem.New(http.StatusUnauthorized, "unauthorized", "A bearer access token is required."))
		return
	}
	pt, err := h.registry.Resolve(c.Request.Context(), pr.ClientID)
	if pt.ID != "" {
		if f := logging.FieldsFrom(c.Request.Context()); f != nil {
			f.Set("partner", pt.ID)
		}
	}
	switch {
	case errors.Is(err, domain.ErrNotFound):
		problem.Abort(c, problem.New(http.StatusForbidden, CodePartnerUnknown, "This client is not registered as a partner."))
		return
	case errors.Is(err, partners.ErrSuspended):
		problem.Abort(c, problem.New(http.StatusForbidden, CodePartnerSuspended, "This partner account is suspended; contact partner support."))
		return
	case err != nil:
		problem.Abort(c, fmt.Errorf("partner registry: %w", err))
		return
	}
	ctx := c.Request.Context()
	if len(pt.Scopes) > 0 {
		narrowed := *pr
		narrowed.Scopes = slices.DeleteFunc(slices.Clone(pr.Scopes), func(s string) bool { return !pt.Allows(s) })
		ctx = auth.WithPrincipal(ctx, &narrowed)
	}
	c.Request = c.Request.WithContext(context.WithValue(ctx, partnerKey{}, pt))
	c.Next()
}

func partnerOf(c *gin.Context) partners.Partner {
	p, _ := c.Request.Context().Value(partnerKey{}).(partners.Partner)
	return p
}

func (h *App) rateIdentity(c *gin.Context) (string, string, bool) {
	p := partnerOf(c)
	return p.ID, p.RateTier, p.ID != ""
}
