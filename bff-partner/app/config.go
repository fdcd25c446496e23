package app

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"bffsuite.dev/shared/imports"
	"bffsuite.dev/shared/platform"
	"bffsuite.dev/shared/ratelimit"
	"bffsuite.dev/shared/store"
)

// Config is the whole configuration of bff-partner, read once at start by shared/config.
type Config struct {
	Addr     string `env:"BFF_ADDR" default:"127.0.0.1:8083"`
	Platform platform.Config

	// ScopePrefix is the identifier of the Cognito resource server whose custom scopes the
	// routes require: "<prefix>/catalog.read", "<prefix>/inventory.read", ...
	ScopePrefix string `env:"BFF_PARTNER_SCOPE_PREFIX" default:"partner-api"`
	// TablePartners is the partner registry table (dynamodb backend): which app client acts for
	// which partner, its scopes, rate tier and status. bffdeploy partner add/disable write it;
	// this BFF only reads it (GetItem), through a cache of PartnerCacheTTL.
	TablePartners string `env:"BFF_TABLE_PARTNERS" default:"bff-partners"`
	// PartnerCacheTTL is how long a registry record (or a client's absence) is reused: a new
	// partner, or a suspension, takes effect within this time.
	PartnerCacheTTL time.Duration `env:"BFF_PARTNER_CACHE_TTL" default:"30s"`
	// Registry is a static partner registry as inline JSON; RegistryFile a path to the same
	// document (local runs and tests, embedded backend only). Neither: the embedded backend
	// serves the local demo partner (shared/store/seed.Partners), dynamodb the table.
	Registry     string `env:"BFF_PARTNER_REGISTRY"`
	RegistryFile string `env:"BFF_PARTNER_REGISTRY_FILE"`
	// RateTiers are the per-partner limits "name=rate/burst,...", the same numbers as the
	// API Gateway usage plans of each tier.
	RateTiers string `env:"BFF_PARTNER_RATE_TIERS" default:"bronze=5/10,silver=25/50,gold=100/200"`
	// RateLimit switches the BFF's own per-partner limit (on by default; API Gateway usage
	// plans limit across instances in AWS).
	RateLimit bool `env:"BFF_PARTNER_RATE_LIMIT" default:"true"`
	// TableIdempotency is the DynamoDB table of Idempotency-Key records (dynamodb backend).
	TableIdempotency string `env:"BFF_TABLE_IDEMPOTENCY" default:"bff-idempotency"`
	// IdempotencyTTL is how long a key and its response are kept.
	IdempotencyTTL time.Duration `env:"BFF_IDEMPOTENCY_TTL" default:"24h"`
	// Deprecations mark routes deprecated: "METHOD /path|deprecated-date|sunset-date" entries,
	// dates as YYYY-MM-DD, e.g. "GET /v1/inventory|2026-12-01|2027-06-01". Marked routes answer
	// with Deprecation and Sunset headers and are flagged in the OpenAPI document.
	Deprecations []string `env:"BFF_PARTNER_DEPRECATIONS"`

	// Imports configures bulk imports (shared/imports): the bucket (or, locally, a blob
	// directory served by this BFF), the imports table and the upload URL lifetime.
	Imports imports.Config

	// --- partner webhooks and the event feed (issue 18; shared/webhooks) ---
	// TableWebhooks holds endpoints, deliveries and the per-partner event feed (dynamodb backend).
	TableWebhooks string `env:"BFF_TABLE_WEBHOOKS" default:"bff-webhooks"`
	// WebhookQueueURL is the delivery queue POST .../redeliver sends to (dynamodb backend;
	// empty: redeliver answers 503).
	WebhookQueueURL string `env:"BFF_WEBHOOK_QUEUE_URL"`
}

// Validate checks the partner settings; each error names its variable.
func (c Config) Validate() error {
	var errs []error
	if c.ScopePrefix == "" || strings.ContainsAny(c.ScopePrefix, " \t\"") || strings.HasSuffix(c.ScopePrefix, "/") {
		errs = append(errs, fmt.Errorf("BFF_PARTNER_SCOPE_PREFIX: %q must be a resource server identifier (no spaces, no trailing '/')", c.ScopePrefix))
	}
	if c.Registry != "" && c.RegistryFile != "" {
		errs = append(errs, errors.New("BFF_PARTNER_REGISTRY_FILE: set either BFF_PARTNER_REGISTRY or BFF_PARTNER_REGISTRY_FILE, not both"))
	}
	if (c.Registry != "" || c.RegistryFile != "") && c.Platform.Store.Backend == store.BackendDynamoDB {
		errs = append(errs, errors.New("BFF_PARTNER_REGISTRY: a static registry is for the embedded backend only; with BFF_DATA_BACKEND=dynamodb the registry is the table BFF_TABLE_PARTNERS (bffdeploy partner add)"))
	}
	if len(c.TablePartners) < 3 || len(c.TablePartners) > 255 {
		errs = append(errs, fmt.Errorf("BFF_TABLE_PARTNERS: table name %q must have 3-255 characters", c.TablePartners))
	}
	if c.PartnerCacheTTL < time.Second || c.PartnerCacheTTL > 5*time.Minute {
		errs = append(errs, fmt.Errorf("BFF_PARTNER_CACHE_TTL: %s must be between 1s and 5m (it is how long a suspension takes to bite)", c.PartnerCacheTTL))
	}
	if _, err := ratelimit.ParseTiers(c.RateTiers); err != nil {
		errs = append(errs, fmt.Errorf("BFF_PARTNER_RATE_TIERS: %w", err))
	}
	if len(c.TableIdempotency) < 3 || len(c.TableIdempotency) > 255 {
		errs = append(errs, fmt.Errorf("BFF_TABLE_IDEMPOTENCY: table name %q must have 3-255 characters", c.TableIdempotency))
	}
	if c.IdempotencyTTL < time.Hour {
		errs = append(errs, fmt.Errorf("BFF_IDEMPOTENCY_TTL: %s is shorter than an hour (partners retry for up to a day)", c.IdempotencyTTL))
	}
	if len(c.TableWebhooks) < 3 || len(c.TableWebhooks) > 255 {
		errs = append(errs, fmt.Errorf("BFF_TABLE_WEBHOOKS: table name %q must have 3-255 characters", c.TableWebhooks))
	}
	if c.WebhookQueueURL != "" && !strings.HasPrefix(c.WebhookQueueURL, "https://") && !strings.HasPrefix(c.WebhookQueueURL, "http://") {
		errs = append(errs, fmt.Errorf("BFF_WEBHOOK_QUEUE_URL: %q is not an SQS queue URL", c.WebhookQueueURL))
	}
	if _, err := parseDeprecations(c.Deprecations); err != nil {
		errs = append(errs, fmt.Errorf("BFF_PARTNER_DEPRECATIONS: %w", err))
	}
	return errors.Join(errs...)
}

// PlatformConfig is the platform configuration to open: Platform with the token verifier
// told that this BFF checks every client_id against its partner registry, so it starts without
// BFF_COGNITO_CLIENT_IDS (and with zero partners).
func (c Config) PlatformConfig() platform.Config {
	p := c.Platform
	p.Auth.ClientRegistry = true
	return p
}

// Scope returns the full name of one of the partner API's scopes.
func (c Config) Scope(name string) string { return c.ScopePrefix + "/" + name }

// Deprecation marks one route.
type Deprecation struct {
	Method, Path string // OpenAPI path, e.g. /v1/orders/{id}
	At, Sunset   time.Time
}

func parseDeprecations(entries []string) (map[string]Deprecation, error) {
	out := map[string]Deprecation{}
	for _, e := range entries {
		parts := strings.Split(strings.TrimSpace(e), "|")
		if len(parts) != 3 {
			return nil, fmt.Errorf("%q: want METHOD /path|YYYY-MM-DD|YYYY-MM-DD", e)
		}
		method, path, ok := strings.Cut(parts[0], " ")
		if !ok || !strings.HasPrefix(path, "/") {
			return nil, fmt.Errorf("%q: want METHOD /path before the first |", e)
		}
		method = strings.ToUpper(method)
		switch method {
		case http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
		default:
			return nil, fmt.Errorf("%q: unknown method %s", e, method)
		}
		at, err1 := time.Parse(time.DateOnly, parts[1])
		sunset, err2 := time.Parse(time.DateOnly, parts[2])
		if err1 != nil || err2 != nil || !sunset.After(at) {
			return nil, fmt.Errorf("%q: dates must be YYYY-MM-DD with the sunset after the deprecation", e)
		}
		out[method+" "+path] = Deprecation{Method: method, Path: path, At: at, Sunset: sunset}
	}
	return out, nil
}
