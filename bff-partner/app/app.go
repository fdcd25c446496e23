// Package app is bff-partner: the stable, scoped, idempotent /v1 API for partner integrations
// (resellers syncing the catalog and placing orders for their customers). Partners call it
// machine-to-machine with client_credentials access tokens; every route needs one scope of
// the resource server BFF_PARTNER_SCOPE_PREFIX; the token's client_id maps to a partner record
// (registry: name, status, rate tier); a partner sees only its own orders.
//
// Request path of a /v1 call: standard chain (server.NewEngine) → token (auth.Require,
// machine clients only) → partner record (403 unknown or suspended) → rate limit of its tier
// (429) → scope (403) → deprecation headers → Idempotency-Key (POST) → handler → view model.
//
// Layout (the same in every BFF): app.go wiring (App, Deps, New), routes.go the route table,
// one file per resource for its handlers (products, orders), views.go the view models, request
// bodies and their mapping, config.go the configuration; registry.go is the partner registry and
// its middleware, docs.go the OpenAPI document, request.go the request-reading helpers.
package app

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"bffsuite.dev/shared/auth"
	"bffsuite.dev/shared/catalog"
	"bffsuite.dev/shared/checkout"
	"bffsuite.dev/shared/idempotency"
	"bffsuite.dev/shared/orders"
	"bffsuite.dev/shared/partners"
	"bffsuite.dev/shared/platform"
	"bffsuite.dev/shared/ratelimit"
	"bffsuite.dev/shared/server"
	"bffsuite.dev/shared/webhooks"
	"github.com/gin-gonic/gin"
)

// Name is the service name of this BFF (logs, Lambda function).
const Name = "bff-partner"

// Problem codes of this BFF.
const (
	CodePartnerUnknown   = "partner_not_registered"
	CodePartnerSuspended = "partner_suspended"
)

// Scope names (the part after the resource server identifier).
const (
	ScopeCatalogRead   = "catalog.read"
	ScopeInventoryRead = "inventory.read"
	ScopeOrdersRead    = "orders.read"
	ScopeOrdersWrite   = "orders.write"
)

// MaxInventorySKUs bounds GET /v1/inventory?skus=.
const MaxInventorySKUs = 100

// Deps are what New takes besides the configuration and the platform. A zero field is built
// from the platform (production); tests may replace single parts (e.g. the idempotency store).
type Deps struct {
	Catalog *catalog.Client
	Orders  *orders.Client
	// Checkout starts the saga of a placed order (issue 19; on account, it skips payment);
	// nil: the platform's.
	Checkout checkout.Starter
	// Idempotency is the key store; nil: DynamoDB when the platform has a DynamoDB client,
	// else the in-memory store.
	Idempotency idempotency.Store
	// Partners is the partner registry backend; nil: the table BFF_TABLE_PARTNERS when the
	// platform has a DynamoDB client, else a static registry or the local seed in memory.
	Partners partners.Backend
	// Webhooks is the webhooks and event feed client (issue 18); nil: built by newWebhooks.
	Webhooks *webhooks.Client
	// Now is the clock of the rate limiter and the registry cache (tests); nil: time.Now.
	Now func() time.Time
}

// App is bff-partner: its dependencies, the handlers of every route (methods of App, one file
// per resource) and the engine that serves them.
type App struct {
	engine   *gin.Engine
	cfg      Config
	deps     Deps
	registry *partners.Registry
	limiter  *ratelimit.Limiter
	depr     map[string]Deprecation
	// docJSON is the OpenAPI document of this configuration (scopes, deprecations).
	docJSON []byte
	// authn admits client_credentials access tokens of any app client of the pool.
	authn gin.HandlerFunc
	log   *slog.Logger
	// imports is the bulk imports client and, locally, its upload endpoint (imports.go).
	imports importsSetup
}

// New builds bff-partner over the platform p (built once per cold start). It makes no
// start-up call today; ctx is the caller's, for the same signature as every BFF.
func New(ctx context.Context, cfg Config, p *platform.Platform, d Deps) (*App, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if d.Catalog == nil {
		d.Catalog = p.Catalog
	}
	if d.Orders == nil {
		d.Orders = p.Orders
	}
	if d.Checkout == nil {
		d.Checkout = p.Checkout
	}
	if d.Idempotency == nil {
		if p.DynamoDB != nil {
			d.Idempotency = idempotency.NewDynamoDB(p.DynamoDB, cfg.TableIdempotency)
		} else {
			d.Idempotency = idempotency.NewMemory()
		}
	}
	if d.Webhooks == nil {
		w, err := newWebhooks(ctx, cfg, p)
		if err != nil {
			return nil, err
		}
		d.Webhooks = w
	}
	tiers, _ := ratelimit.ParseTiers(cfg.RateTiers) // validated above
	tierNames := map[string]bool{}
	for _, t := range tiers {
		tierNames[t.Name] = true
	}
	if d.Partners == nil {
		b, err := partnerBackend(cfg, p, tierNames)
		if err != nil {
			return nil, err
		}
		d.Partners = b
	}
	reg := partners.NewRegistry(d.Partners, partners.Options{TTL: cfg.PartnerCacheTTL, Now: d.Now})
	lim, err := ratelimit.New(tiers, d.Now)
	if err != nil {
		return nil, fmt.Errorf("BFF_PARTNER_RATE_TIERS: %w", err)
	}
	depr, _ := parseDeprecations(cfg.Deprecations) // validated above
	docJSON, err := buildDocument(cfg.ScopePrefix, depr)
	if err != nil {
		return nil, fmt.Errorf("openapi document: %w", err)
	}
	h := &App{cfg: cfg, deps: d, registry: reg, limiter: lim, depr: depr, docJSON: docJSON, log: p.Logger,
		authn: auth.Require(p.Verifier, auth.Access{MachinesOnly: true, AnyClient: true})}
	if h.imports, err = newImports(ctx, cfg, p, d); err != nil {
		return nil, err
	}
	h.engine = p.Engine(platform.EngineOptions{
		EngineOptions: server.EngineOptions{
			CORSHeaders: []string{"Content-Type", "Authorization", "X-Correlation-ID", idempotency.HeaderKey},
		},
		ServeTokenEndpoint: true,
	})
	h.routes(h.engine)
	return h, nil
}

// Engine is the Gin engine serving the routes (Platform.Run serves it locally or on Lambda).
func (h *App) Engine() *gin.Engine { return h.engine }

// ServeHTTP serves one request (tests, benchmarks).
func (h *App) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.engine.ServeHTTP(w, r) }
