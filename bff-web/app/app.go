// Package app is bff-web, the Backend-for-Frontend of the single-page web shop: cookie
// sessions that keep OAuth tokens out of the browser's JavaScript (/auth), and one
// page-shaped, display-ready endpoint per screen (/api), aggregated in parallel from the
// catalog, customers and orders clients. See docs/bff-web.md.
//
// Layout (the same in every BFF): app.go wiring (App, Deps, New), routes.go the route table,
// one file per resource for its handlers (auth, home, products, account, orders), views.go the
// view models and their mapping, config.go the configuration; websession.go is the cookie
// session middleware, request.go the request-reading helpers, memo.go the catalog memo.
package app

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"bffsuite.dev/shared/catalog"
	"bffsuite.dev/shared/customers"
	"bffsuite.dev/shared/httpcache"
	"bffsuite.dev/shared/idempotency"
	"bffsuite.dev/shared/identity"
	"bffsuite.dev/shared/middleware"
	"bffsuite.dev/shared/money"
	"bffsuite.dev/shared/orders"
	"bffsuite.dev/shared/platform"
	"bffsuite.dev/shared/readmodels"
	"bffsuite.dev/shared/revocation"
	"bffsuite.dev/shared/server"
	"bffsuite.dev/shared/session"
	"github.com/gin-gonic/gin"
)

// Name is the service name of this BFF (logs, Lambda function).
const Name = "bff-web"

// OpenAPIDocument is the OpenAPI 3.1 description of every route, served at GET /openapi.json.
//
//go:embed openapi.json
var OpenAPIDocument []byte

// The narrow views of the domain clients this BFF uses.
type (
	catalogReader interface {
		ListCategories(ctx context.Context) ([]catalog.Category, error)
		SearchPage(ctx context.Context, q catalog.Query, page, pageSize int) (catalog.SearchResult, error)
		GetProductBySlug(ctx context.Context, slug string) (catalog.Product, error)
		BatchGetProducts(ctx context.Context, ids []string) ([]catalog.Product, []string, error)
	}
	// readModelReader is the order read models (shared/readmodels): the customer summary and
	// the popular products, kept by the projector from the order events.
	readModelReader interface {
		Summary(ctx context.Context, customerID string) (readmodels.Summary, error)
		Popular(ctx context.Context, limit int) ([]readmodels.ProductUnits, error)
	}
	customerStore interface {
		EnsureCustomer(ctx context.Context, sub, email, name string) (customers.Customer, error)
		GetCustomer(ctx context.Context, sub string) (customers.Customer, error)
		UpdateProfile(ctx context.Context, sub string, u customers.ProfileUpdate) (customers.Customer, error)
	}
	orderStore interface {
		PlaceOrder(ctx context.Context, in orders.PlaceOrderInput) (orders.Order, error)
		GetOrder(ctx context.Context, id string) (orders.Order, error)
		ListOrdersByCustomer(ctx context.Context, customerID, cur string, limit int) (orders.Page, error)
		CancelOrder(ctx context.Context, id string) (orders.Order, error)
	}
)

// Names of the optional sections a partial response lists in "unavailable".
const (
	partGreeting     = "greeting"
	partRecentOrders = "recent_orders"
	partRelated      = "related"
	partBreadcrumbs  = "breadcrumbs"
	partMember       = "member"
	partPopular      = "popular"
)

const (
	featuredCount     = 8
	relatedCount      = 4
	homeRecentOrders  = 3
	popularCount      = 4
	accountRecentSize = 5
	defaultPageSize   = 24
	maxPage           = 1000
)

// App is bff-web: its dependencies, the handlers of every route (methods of App, one file per
// resource) and the engine that serves them.
type App struct {
	engine    *gin.Engine
	cfg       Config
	log       *slog.Logger
	catalog   catalogReader
	customers customerStore
	orders    orderStore
	// readModels is the read side of the order events (home: member summary, popular now).
	readModels readModelReader
	idp        identity.Provider
	sess       *sessions
	public     httpcache.Policy
	// idem keeps the Idempotency-Key records of POST /api/orders, scoped per customer.
	idem idempotency.Store

	categories memo[[]catalog.Category]
	featured   memo[catalog.SearchResult]
}

func (h *App) listCategories(ctx context.Context) ([]catalog.Category, error) {
	return h.categories.get(ctx, h.catalog.ListCategories)
}

func (h *App) featuredProducts(ctx context.Context) (catalog.SearchResult, error) {
	return h.featured.get(ctx, func(ctx context.Context) (catalog.SearchResult, error) {
		return h.catalog.SearchPage(ctx, catalog.Query{Sort: catalog.SortRating, InStock: true}, 1, featuredCount)
	})
}

// Deps are what New takes besides the configuration and the platform. A zero field is built
// from the platform: the DynamoDB tables when it has a DynamoDB client, else in memory.
type Deps struct {
	// Idempotency keeps the Idempotency-Key records of POST /api/orders.
	Idempotency idempotency.Store
	// Revocations keeps the sessions ended by logout.
	Revocations revocation.Store
}

// New builds bff-web over the platform p (built once per cold start); ctx bounds the start-up
// calls (the identity client, at most 10 s).
func New(ctx context.Context, cfg Config, p *platform.Platform, deps Deps) (*App, error) {
	if err := cfg.Session.Validate(); err != nil {
		return nil, err
	}
	if err := cfg.Web.Validate(); err != nil {
		return nil, err
	}
	keys := cfg.Session.keyring
	if keys == nil {
		if server.OnLambda() {
			return nil, errors.New("BFF_SESSION_KEYS is required on Lambda")
		}
		var err error
		if keys, err = session.NewKeyring(session.GenerateKey()); err != nil {
			return nil, err
		}
		p.Logger.Warn("BFF_SESSION_KEYS is not set: sealing sessions with an ephemeral key; sessions end when this process stops")
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	idp, err := p.Identity(ctx, cfg.Identity)
	if err != nil {
		return nil, fmt.Errorf("identity provider: %w", err)
	}
	origins := map[string]bool{}
	for _, o := range p.Config.HTTP.CORSOrigins {
		origins[o] = true
	}
	if deps.Idempotency == nil {
		deps.Idempotency = idempotency.NewMemory()
		if p.DynamoDB != nil {
			deps.Idempotency = idempotency.NewDynamoDB(p.DynamoDB, cfg.IdempotencyTable)
		}
	}
	if deps.Revocations == nil {
		deps.Revocations = revocation.NewMemory()
		if p.DynamoDB != nil {
			deps.Revocations = revocation.NewDynamoDB(p.DynamoDB, cfg.SessionRevocationsTable)
		}
	}
	h := &App{
		cfg: cfg, log: p.Logger, catalog: p.Catalog, customers: p.Customers, orders: p.Orders, idp: idp, idem: deps.Idempotency,
		sess: &sessions{
			keys: keys, cfg: cfg.Session, verifier: p.Verifier, idp: idp, origins: origins, log: p.Logger, now: time.Now,
			revoked: deps.Revocations,
			cookies: session.Cookies{Secure: cfg.Session.CookieSecure, SameSite: cfg.Session.sameSite, Domain: cfg.Session.CookieDomain},
		},
		public:     httpcache.Public(cfg.Web.CatalogMaxAge, cfg.Web.CatalogSharedMaxAge).Vary("Accept-Language"),
		categories: memo[[]catalog.Category]{ttl: cfg.Web.CatalogMemo},
		featured:   memo[catalog.SearchResult]{ttl: cfg.Web.CatalogMemo},
	}
	h.readModels = p.ReadModels
	if p.ReadModels == nil { // a platform built by hand (tests): the views are unavailable
		h.readModels = readmodels.NewClient(readmodels.Unavailable("the platform has no read models"), readmodels.Config{}, nil)
	}
	h.engine = p.Engine(platform.EngineOptions{EngineOptions: server.EngineOptions{
		CORSCredentials: true,
		CORSHeaders:     []string{"Content-Type", headerCSRF, middleware.HeaderCorrelationID, idempotency.HeaderKey},
	}})
	h.routes(h.engine)
	return h, nil
}

// Engine is the Gin engine serving the routes (Platform.Run serves it locally or on Lambda).
func (h *App) Engine() *gin.Engine { return h.engine }

// ServeHTTP serves one request (tests, benchmarks).
func (h *App) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.engine.ServeHTTP(w, r) }

// mapper returns the view mapper of the request's locale (Accept-Language).
func (h *App) mapper(c *gin.Context) mapper {
	loc := money.NegotiateLocale(c.GetHeader("Accept-Language"))
	c.Header("Content-Language", loc)
	return mapper{site: h.cfg.Web.SiteURL, locale: loc}
}
