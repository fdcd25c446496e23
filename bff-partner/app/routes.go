package app

import (
	"net/http"
	"strconv"
	"strings"

	"bffsuite.dev/shared/apidocs"
	"bffsuite.dev/shared/auth"
	"bffsuite.dev/shared/idempotency"
	"bffsuite.dev/shared/imports"
	"bffsuite.dev/shared/ratelimit"
	"github.com/gin-gonic/gin"
)

// routes is the route table of bff-partner: every route, the scope it requires and the handler
// serving it. A handler lives in the file of its resource: /v1/products and /v1/inventory
// products.go, /v1/orders orders.go; the partner middleware in registry.go.
func (h *App) routes(r *gin.Engine) {
	r.GET("/v1/openapi.json", func(c *gin.Context) {
		c.Header("Cache-Control", "public, max-age=300")
		c.Data(http.StatusOK, "application/json", h.docJSON)
	})
	// The reference page is rendered on its first request, not at cold start.
	r.GET("/docs", apidocs.Handler(h.docJSON))

	// Any app client of the pool passes the token check; h.partner then admits only clients of
	// active partners in the registry.
	v1 := r.Group("/v1", h.authn, h.partner)
	if h.cfg.RateLimit {
		v1.Use(ratelimit.Middleware(h.limiter, h.rateIdentity))
	}
	idem := idempotency.Middleware(h.deps.Idempotency, idempotency.Options{
		Required: true, TTL: h.cfg.IdempotencyTTL, Logger: h.log,
		Scope: func(c *gin.Context) string { return "partner:" + partnerOf(c).ID },
	})
	route := func(method, path, scope string, handlers ...gin.HandlerFunc) {
		chain := []gin.HandlerFunc{auth.RequireScope(h.cfg.Scope(scope))}
		if d, ok := h.depr[method+" "+ginToOpenAPI(path)]; ok {
			chain = append(chain, deprecated(d))
		}
		v1.Handle(method, strings.TrimPrefix(path, "/v1"), append(chain, handlers...)...)
	}
	route(http.MethodGet, "/v1/products", ScopeCatalogRead, h.listProducts)
	route(http.MethodGet, "/v1/products/:sku", ScopeCatalogRead, h.getProduct)
	route(http.MethodGet, "/v1/inventory", ScopeInventoryRead, h.inventory)
	route(http.MethodPost, "/v1/orders", ScopeOrdersWrite, idem, h.placeOrder)
	route(http.MethodGet, "/v1/orders", ScopeOrdersRead, h.listOrders)
	route(http.MethodGet, "/v1/orders/:id", ScopeOrdersRead, h.getOrder)
	route(http.MethodPost, "/v1/orders/:id/cancel", ScopeOrdersWrite, idem, h.cancelOrder)

	// Bulk imports (imports.go). Locally (no bucket) this BFF also serves the signed upload
	// and report URLs under imports.DirPathPrefix; the signature is their only credential.
	route(http.MethodPost, "/v1/imports", ScopeImportsWrite, idem, h.createImport)
	route(http.MethodGet, "/v1/imports", ScopeImportsRead, h.listImports)
	route(http.MethodGet, "/v1/imports/:id", ScopeImportsRead, h.getImport)
	if h.imports.upload != nil {
		// It stands in for S3, so it is outside the API's middleware chain (body limit, JSON
		// rule, request budget): routes registered while the engine's chain is empty get none.
		chain := r.Handlers
		r.Handlers = nil
		r.PUT(imports.DirPathPrefix+"*key", gin.WrapH(h.imports.upload))
		r.GET(imports.DirPathPrefix+"*key", gin.WrapH(h.imports.upload))
		r.Handlers = chain
	}

	// --- partner webhooks and the event pull feed (issue 18; webhooks.go) ---
	// No Idempotency-Key on these POSTs: create and rotate return a secret that must not be
	// stored in the idempotency table; redeliver is idempotent by nature (same webhook-id).
	route(http.MethodGet, "/v1/events", ScopeOrdersRead, h.listEvents)
	route(http.MethodPost, "/v1/webhooks", ScopeWebhooksManage, h.createWebhook)
	route(http.MethodGet, "/v1/webhooks", ScopeWebhooksManage, h.listWebhooks)
	route(http.MethodGet, "/v1/webhooks/:id", ScopeWebhooksManage, h.getWebhook)
	route(http.MethodDelete, "/v1/webhooks/:id", ScopeWebhooksManage, h.deleteWebhook)
	route(http.MethodPost, "/v1/webhooks/:id/rotate-secret", ScopeWebhooksManage, h.rotateWebhookSecret)
	route(http.MethodGet, "/v1/webhooks/:id/deliveries", ScopeWebhooksManage, h.listWebhookDeliveries)
	route(http.MethodPost, "/v1/webhooks/:id/deliveries/:delivery_id/redeliver", ScopeWebhooksManage, h.redeliverWebhook)
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
