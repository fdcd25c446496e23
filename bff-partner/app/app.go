// Package app is bff-partner: the stable, scoped, idempotent /v1 API for partner integrations
// (resellers syncing the catalog and placing orders for their customers). Partners call it
// machine-to-machine with client_credentials access tokens; every route needs one scope of
// the resource server BFF_PARTNER_SCOPE_PREFIX; the token's client_id maps to a partner record
// (registry: name, status, rate tier); a partner sees only its own orders.
//
// Request path of a /v1 call: standard chain (server.NewEngine) → token (auth.Require,
// machine clients only) → partner record (403 unknown or suspended) → rate limit of its tier
// (429) → scope (403) → deprecation headers → Idempotency-Key (POST) → handler → view model.
package app

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"bffsuite.dev/shared/apidocs"
	"bffsuite.dev/shared/auth"
	"bffsuite.dev/shared/catalog"
	"bffsuite.dev/shared/coldstart"
	"bffsuite.dev/shared/domain"
	"bffsuite.dev/shared/idempotency"
	"bffsuite.dev/shared/logging"
	"bffsuite.dev/shared/orders"
	"bffsuite.dev/shared/partners"
	"bffsuite.dev/shared/problem"
	"bffsuite.dev/shared/ratelimit"
	"bffsuite.dev/shared/server"
	"bffsuite.dev/shared/store/dynamo"
	"bffsuite.dev/shared/store/embedded"
	"bffsuite.dev/shared/store/seed"
	"github.com/gin-gonic/gin"
)

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

// Deps are what New needs besides the configuration; Platform supplies them in production.
// Tests may replace single parts (e.g. the idempotency store).
type Deps struct {
	Catalog *catalog.Client
	Orders  *orders.Client
	// Idempotency is the key store; nil: DynamoDB when the platform has a DynamoDB client,
	// else the in-memory store.
	Idempotency idempotency.Store
	// Partners is the partner registry backend; nil: the table BFF_TABLE_PARTNERS when the
	// platform has a DynamoDB client, else a static registry or the local seed in memory.
	Partners partners.Backend
	// Now is the clock of the rate limiter and the registry cache (tests); nil: time.Now.
	Now func() time.Time
}

type api struct {
	cfg      Config
	deps     Deps
	registry *partners.Registry
	limiter  *ratelimit.Limiter
	depr     map[string]Deprecation
}

// New builds the engine of bff-partner on the platform.
func New(cfg Config, p *coldstart.Platform) (*gin.Engine, error) {
	return NewWith(cfg, p, Deps{})
}

// NewWith is New with some dependencies replaced (tests, benchmarks).
func NewWith(cfg Config, p *coldstart.Platform, d Deps) (*gin.Engine, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if d.Catalog == nil {
		d.Catalog = p.Catalog
	}
	if d.Orders == nil {
		d.Orders = p.Orders
	}
	if d.Idempotency == nil {
		if p.DynamoDB != nil {
			d.Idempotency = idempotency.NewDynamoDB(p.DynamoDB, cfg.TableIdempotency)
		} else {
			d.Idempotency = idempotency.NewMemory()
		}
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
	a := &api{cfg: cfg, deps: d, registry: reg, limiter: lim, depr: depr}

	r := p.Engine(coldstart.EngineOptions{
		EngineOptions: server.EngineOptions{
			CORSHeaders: []string{"Content-Type", "Authorization", "X-Correlation-ID", idempotency.HeaderKey},
		},
		ServeTokenEndpoint: true,
	})
	r.GET("/v1/openapi.json", func(c *gin.Context) {
		c.Header("Cache-Control", "public, max-age=300")
		c.Data(http.StatusOK, "application/json", docJSON)
	})
	// The reference page is rendered on its first request, not at cold start.
	r.GET("/docs", apidocs.Handler(docJSON))

	// Any app client of the pool passes the token check; a.partner then admits only clients of
	// active partners in the registry.
	authn := auth.Require(p.Verifier, auth.Access{MachinesOnly: true, AnyClient: true})
	v1 := r.Group("/v1", authn, a.partner)
	if cfg.RateLimit {
		v1.Use(ratelimit.Middleware(lim, a.rateIdentity))
	}
	idem := idempotency.Middleware(d.Idempotency, idempotency.Options{
		Required: true, TTL: cfg.IdempotencyTTL, Logger: p.Logger,
		Scope: func(c *gin.Context) string { return "partner:" + partnerOf(c).ID },
	})
	route := func(method, path, scope string, h ...gin.HandlerFunc) {
		chain := []gin.HandlerFunc{auth.RequireScope(cfg.Scope(scope))}
		if d, ok := depr[method+" "+ginToOpenAPI(path)]; ok {
			chain = append(chain, deprecated(d))
		}
		v1.Handle(method, strings.TrimPrefix(path, "/v1"), append(chain, h...)...)
	}
	route(http.MethodGet, "/v1/products", ScopeCatalogRead, a.listProducts)
	route(http.MethodGet, "/v1/products/:sku", ScopeCatalogRead, a.getProduct)
	route(http.MethodGet, "/v1/inventory", ScopeInventoryRead, a.inventory)
	route(http.MethodPost, "/v1/orders", ScopeOrdersWrite, idem, a.placeOrder)
	route(http.MethodGet, "/v1/orders", ScopeOrdersRead, a.listOrders)
	route(http.MethodGet, "/v1/orders/:id", ScopeOrdersRead, a.getOrder)
	route(http.MethodPost, "/v1/orders/:id/cancel", ScopeOrdersWrite, idem, a.cancelOrder)
	return r, nil
}

type partnerKey struct{}

// partnerBackend is the registry backend of the configuration: the DynamoDB table, or in
// memory a static registry (BFF_PARTNER_REGISTRY[_FILE]) or the local demo partner.
func partnerBackend(cfg Config, p *coldstart.Platform, tiers map[string]bool) (partners.Backend, error) {
	recs, static, err := staticRegistry(cfg, tiers)
	if err != nil {
		return nil, err
	}
	if p.DynamoDB != nil && !static {
		return dynamo.NewPartners(p.DynamoDB, cfg.TablePartners), nil
	}
	if !static {
		recs = seed.Partners()
	}
	b, err := embedded.NewPartners(recs)
	if err != nil {
		return nil, fmt.Errorf("partner registry: %w", err)
	}
	return b, nil
}

// partner resolves the token's client to its registry record: 403 when unknown or
// suspended, 503 when the registry cannot be read. A record listing scopes narrows the token's
// scopes to those (the scope check that follows sees only scopes both allow).
func (a *api) partner(c *gin.Context) {
	pr, ok := auth.PrincipalFrom(c)
	if !ok {
		problem.Abort(c, problem.New(http.StatusUnauthorized, "unauthorized", "A bearer access token is required."))
		return
	}
	pt, err := a.registry.Resolve(c.Request.Context(), pr.ClientID)
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

func (a *api) rateIdentity(c *gin.Context) (string, string, bool) {
	p := partnerOf(c)
	return p.ID, p.RateTier, p.ID != ""
}

// deprecated announces a route's deprecation (RFC 9745) and sunset (RFC 8594).
func deprecated(d Deprecation) gin.HandlerFunc {
	dep := "@" + strconv.FormatInt(d.At.Unix(), 10)
	sunset := d.Sunset.UTC().Format(http.TimeFormat)
	return func(c *gin.Context) {
		h := c.Writer.Header()
		h.Set("Deprecation", dep)
		h.Set("Sunset", sunset)
		h.Add("Link", `</docs>; rel="deprecation"; type="text/html"`)
		c.Next()
	}
}

// ---- query parsing ----

func parseLimit(v *domain.ValidationError, c *gin.Context, max int) int {
	s, ok := c.GetQuery("limit")
	if !ok {
		return 0
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > max {
		v.Add("limit", "out_of_range", fmt.Sprintf("must be an integer between 1 and %d", max))
		return 0
	}
	return n
}

// ---- catalog ----

func (a *api) listProducts(c *gin.Context) {
	v := &domain.ValidationError{}
	limit := parseLimit(v, c, catalog.MaxLimit)
	var since time.Time
	if s, ok := c.GetQuery("updated_since"); ok {
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			v.Add("updated_since", "invalid", "must be an RFC 3339 timestamp such as 2026-01-05T09:00:00Z")
		}
		since = t
	}
	cur := c.Query("cursor")
	if err := v.Err(); err != nil {
		problem.Abort(c, err)
		return
	}
	page, err := a.deps.Catalog.ChangedSince(c.Request.Context(), since, cur, limit)
	if err != nil {
		problem.Abort(c, err)
		return
	}
	out := ProductPage{Items: make([]Product, 0, len(page.Items)), NextCursor: page.NextCursor, HasMore: page.HasMore}
	for _, p := range page.Items {
		out.Items = append(out.Items, toPartnerProduct(p))
	}
	c.JSON(http.StatusOK, out)
}

func (a *api) getProduct(c *gin.Context) {
	p, err := a.deps.Catalog.GetProductBySKU(c.Request.Context(), c.Param("sku"))
	if err != nil {
		problem.Abort(c, err)
		return
	}
	c.JSON(http.StatusOK, toPartnerProduct(p))
}

func (a *api) inventory(c *gin.Context) {
	v := &domain.ValidationError{}
	var skus []string
	seen := map[string]bool{}
	for _, s := range strings.Split(c.Query("skus"), ",") {
		if s = strings.TrimSpace(s); s != "" && !seen[s] {
			seen[s] = true
			skus = append(skus, s)
		}
	}
	switch {
	case len(skus) == 0:
		v.Add("skus", "required", "list 1 to 100 comma-separated SKUs")
	case len(skus) > MaxInventorySKUs:
		v.Add("skus", "too_many", fmt.Sprintf("at most %d SKUs per call", MaxInventorySKUs))
	}
	if err := v.Err(); err != nil {
		problem.Abort(c, err)
		return
	}
	found, missing, err := a.productsBySKU(c.Request.Context(), skus)
	if err != nil {
		problem.Abort(c, err)
		return
	}
	out := Inventory{Items: make([]InventoryItem, 0, len(found)), Missing: missing}
	if out.Missing == nil {
		out.Missing = []string{}
	}
	for _, p := range found {
		out.Items = append(out.Items, toInventoryItem(p))
	}
	c.JSON(http.StatusOK, out)
}

// productsBySKU looks SKUs up in parallel (bounded), returning found products in request
// order and the SKUs that do not exist. Invalid SKUs are a validation error naming them.
func (a *api) productsBySKU(ctx context.Context, skus []string) ([]catalog.Product, []string, error) {
	type res struct {
		p   catalog.Product
		err error
	}
	out := make([]res, len(skus))
	sem := make(chan struct{}, 16)
	var wg sync.WaitGroup
	for i, s := range skus {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			p, err := a.deps.Catalog.GetProductBySKU(ctx, s)
			out[i] = res{p, err}
		})
	}
	wg.Wait()
	var found []catalog.Product
	var missing []string
	v := &domain.ValidationError{}
	for i, r := range out {
		switch {
		case r.err == nil:
			found = append(found, r.p)
		case errors.Is(r.err, domain.ErrNotFound):
			missing = append(missing, skus[i])
		default:
			if _, ok := domain.AsValidation(r.err); ok {
				v.Add(fmt.Sprintf("skus[%d]", i), "invalid", "is not a valid SKU")
				continue
			}
			return nil, nil, fmt.Errorf("inventory of %s: %w", skus[i], r.err)
		}
	}
	if err := v.Err(); err != nil {
		return nil, nil, err
	}
	return found, missing, nil
}

// ---- orders ----

// orderNamespace separates derived order ids from other derived ids.
const orderNamespace = "bff-partner/orders"

func (a *api) placeOrder(c *gin.Context) {
	var in OrderInput
	if err := decodeJSON(c, &in); err != nil {
		problem.Abort(c, err)
		return
	}
	pt := partnerOf(c)
	scope, key, _ := idempotency.KeyFrom(c)
	// The id derives from the partner and the Idempotency-Key: a retry after a crash between
	// "placed" and "response stored" meets the existing order instead of creating another.
	id := idempotency.DeriveID("ord_", orderNamespace, scope, key)
	ctx := c.Request.Context()
	o, err := a.deps.Orders.PlaceOrder(ctx, toPlaceOrderInput(in, pt.ID, id))
	if errors.Is(err, domain.ErrConflict) {
		existing, gerr := a.deps.Orders.GetOrder(ctx, id)
		switch {
		case gerr == nil && existing.PartnerID == pt.ID && sameLines(existing, in):
			o, err = existing, nil
		case gerr == nil:
			err = problem.New(http.StatusUnprocessableEntity, idempotency.CodeKeyReused,
				"This Idempotency-Key was already used with a different request; use a new key for a new operation.")
		}
	}
	if err != nil {
		problem.Abort(c, err)
		return
	}
	c.Header("Location", "/v1/orders/"+o.ID)
	c.JSON(http.StatusCreated, toPartnerOrder(o))
}

// ownOrder reads an order of the calling partner; another partner's order is a 404 exactly
// like a missing one.
func (a *api) ownOrder(c *gin.Context) (orders.Order, error) {
	o, err := a.deps.Orders.GetOrder(c.Request.Context(), c.Param("id"))
	if err != nil {
		if _, ok := domain.AsValidation(err); ok {
			return orders.Order{}, fmt.Errorf("order %q: %w", c.Param("id"), domain.ErrNotFound)
		}
		return orders.Order{}, err
	}
	if o.PartnerID == "" || o.PartnerID != partnerOf(c).ID {
		return orders.Order{}, fmt.Errorf("order %s of another tenant: %w", o.ID, domain.ErrNotFound)
	}
	return o, nil
}

func (a *api) getOrder(c *gin.Context) {
	o, err := a.ownOrder(c)
	if err != nil {
		problem.Abort(c, err)
		return
	}
	c.JSON(http.StatusOK, toPartnerOrder(o))
}

func (a *api) cancelOrder(c *gin.Context) {
	o, err := a.ownOrder(c)
	if err != nil {
		problem.Abort(c, err)
		return
	}
	// CancelOrder is idempotent: a cancelled order (also one a concurrent request just
	// cancelled) is answered unchanged, and its stock is restored once.
	if o, err = a.deps.Orders.CancelOrder(c.Request.Context(), o.ID); err != nil {
		problem.Abort(c, err)
		return
	}
	c.JSON(http.StatusOK, toPartnerOrder(o))
}

func (a *api) listOrders(c *gin.Context) {
	v := &domain.ValidationError{}
	limit := parseLimit(v, c, orders.MaxLimit)
	var status orders.Status
	if s, ok := c.GetQuery("status"); ok {
		st, valid := parseStatus(s)
		if !valid {
			v.Add("status", "invalid", "must be one of pending, confirmed, shipped, delivered, cancelled")
		}
		status = st
	}
	if err := v.Err(); err != nil {
		problem.Abort(c, err)
		return
	}
	page, err := a.deps.Orders.ListOrdersByPartner(c.Request.Context(), partnerOf(c).ID, status, c.Query("cursor"), limit)
	if err != nil {
		problem.Abort(c, err)
		return
	}
	out := OrderPage{Items: make([]Order, 0, len(page.Items)), NextCursor: page.NextCursor, HasMore: page.NextCursor != ""}
	for _, o := range page.Items {
		out.Items = append(out.Items, toPartnerOrder(o))
	}
	c.JSON(http.StatusOK, out)
}
