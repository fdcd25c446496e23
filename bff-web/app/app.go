// Package app is bff-web, the Backend-for-Frontend of the single-page web shop: cookie
// sessions that keep OAuth tokens out of the browser's JavaScript (/auth), and one
// page-shaped, display-ready endpoint per screen (/api), aggregated in parallel from the
// catalog, customers and orders clients. See docs/bff-web.md.
package app

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"bffsuite.dev/shared/apidocs"
	"bffsuite.dev/shared/catalog"
	"bffsuite.dev/shared/coldstart"
	"bffsuite.dev/shared/compress"
	"bffsuite.dev/shared/customers"
	"bffsuite.dev/shared/httpcache"
	"bffsuite.dev/shared/idempotency"
	"bffsuite.dev/shared/identity"
	"bffsuite.dev/shared/middleware"
	"bffsuite.dev/shared/money"
	"bffsuite.dev/shared/orders"
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

type handlers struct {
	cfg       Config
	log       *slog.Logger
	catalog   catalogReader
	customers customerStore
	orders    orderStore
	idp       identity.Provider
	sess      *sessions
	public    httpcache.Policy
	// idem keeps the Idempotency-Key records of POST /api/orders, scoped per customer.
	idem idempotency.Store

	categories memo[[]catalog.Category]
	featured   memo[catalog.SearchResult]
}

func (h *handlers) listCategories(ctx context.Context) ([]catalog.Category, error) {
	return h.categories.get(ctx, h.catalog.ListCategories)
}

func (h *handlers) featuredProducts(ctx context.Context) (catalog.SearchResult, error) {
	return h.featured.get(ctx, func(ctx context.Context) (catalog.SearchResult, error) {
		return h.catalog.SearchPage(ctx, catalog.Query{Sort: catalog.SortRating, InStock: true}, 1, featuredCount)
	})
}

// New builds the engine of bff-web over the platform p.
func New(cfg Config, p *coldstart.Platform) (*gin.Engine, error) {
	e, _, err := build(cfg, p)
	return e, err
}

func build(cfg Config, p *coldstart.Platform) (*gin.Engine, *handlers, error) {
	if err := cfg.Session.Validate(); err != nil {
		return nil, nil, err
	}
	if err := cfg.Web.Validate(); err != nil {
		return nil, nil, err
	}
	keys := cfg.Session.keyring
	if keys == nil {
		if server.OnLambda() {
			return nil, nil, errors.New("BFF_SESSION_KEYS is required on Lambda")
		}
		var err error
		if keys, err = session.NewKeyring(session.GenerateKey()); err != nil {
			return nil, nil, err
		}
		p.Logger.Warn("BFF_SESSION_KEYS is not set: sealing sessions with an ephemeral key; sessions end when this process stops")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	idp, err := p.Identity(ctx, cfg.Identity)
	if err != nil {
		return nil, nil, fmt.Errorf("identity provider: %w", err)
	}
	origins := map[string]bool{}
	for _, o := range p.Config.HTTP.CORSOrigins {
		origins[o] = true
	}
	var (
		idem    idempotency.Store = idempotency.NewMemory()
		revoked revocation.Store  = revocation.NewMemory()
	)
	if p.DynamoDB != nil {
		idem = idempotency.NewDynamoDB(p.DynamoDB, cfg.IdempotencyTable)
		revoked = revocation.NewDynamoDB(p.DynamoDB, cfg.SessionRevocationsTable)
	}
	h := &handlers{
		cfg: cfg, log: p.Logger, catalog: p.Catalog, customers: p.Customers, orders: p.Orders, idp: idp, idem: idem,
		sess: &sessions{
			keys: keys, cfg: cfg.Session, verifier: p.Verifier, idp: idp, origins: origins, log: p.Logger, now: time.Now,
			revoked: revoked,
			cookies: session.Cookies{Secure: cfg.Session.CookieSecure, SameSite: cfg.Session.sameSite, Domain: cfg.Session.CookieDomain},
		},
		public:     httpcache.Public(cfg.Web.CatalogMaxAge, cfg.Web.CatalogSharedMaxAge).Vary("Accept-Language"),
		categories: memo[[]catalog.Category]{ttl: cfg.Web.CatalogMemo},
		featured:   memo[catalog.SearchResult]{ttl: cfg.Web.CatalogMemo},
	}
	r := p.Engine(coldstart.EngineOptions{EngineOptions: server.EngineOptions{
		CORSCredentials: true,
		CORSHeaders:     []string{"Content-Type", headerCSRF, middleware.HeaderCorrelationID, idempotency.HeaderKey},
	}})
	h.routes(r)
	return r, h, nil
}

func (h *handlers) routes(r *gin.Engine) {
	r.GET("/openapi.json", func(c *gin.Context) {
		httpcache.Write(c, http.StatusOK, h.public, "application/json", OpenAPIDocument)
	})
	// The readable reference of the document, rendered on its first request.
	r.GET("/docs", compress.Gzip(compress.Options{MinSize: compress.DefaultMinSize}), apidocs.Handler(OpenAPIDocument))

	a := r.Group("/auth")
	a.POST("/signup", h.sess.originGuard, h.signup)
	a.POST("/confirm", h.sess.originGuard, h.confirm)
	a.POST("/login", h.sess.originGuard, h.login)
	a.POST("/forgot", h.sess.originGuard, h.forgot)
	a.POST("/reset", h.sess.originGuard, h.reset)
	a.POST("/logout", h.logout)
	a.GET("/session", h.sess.withSession(false), h.whoami)

	// API Gateway HTTP APIs do not compress, so /api pages go out gzipped when the browser
	// accepts it (home: 8.4 KB → 1.6 KB). /auth is left uncompressed: its bodies carry the CSRF
	// token, which must never share a compressed body with reflected input (BREACH).
	api := r.Group("/api", compress.Gzip(compress.Options{MinSize: compress.DefaultMinSize}))
	api.GET("/home", h.sess.withSession(false), h.home)
	api.GET("/products", h.products)
	api.GET("/products/:slug", h.product)
	signedIn := api.Group("", h.sess.withSession(true))
	signedIn.GET("/account", h.account)
	signedIn.PATCH("/account", h.updateAccount)
	signedIn.GET("/orders", h.listOrders)
	// A double-click or a retried fetch sends the same Idempotency-Key: one order, the same
	// answer (the key is optional; the demo app sends one per checkout attempt).
	signedIn.POST("/orders", idempotency.Middleware(h.idem, idempotency.Options{
		Scope:         func(c *gin.Context) string { return "web-customer:" + current(c).Sub },
		ReplayHeaders: []string{"Content-Language"},
		Logger:        h.log,
	}), h.placeOrder)
	signedIn.GET("/orders/:id", h.getOrder)
	signedIn.POST("/orders/:id/cancel", h.cancelOrder)
}

// mapper returns the view mapper of the request's locale (Accept-Language).
func (h *handlers) mapper(c *gin.Context) mapper {
	loc := money.NegotiateLocale(c.GetHeader("Accept-Language"))
	c.Header("Content-Language", loc)
	return mapper{site: h.cfg.Web.SiteURL, locale: loc}
}
