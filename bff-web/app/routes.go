package app

import (
	"net/http"

	"bffsuite.dev/shared/apidocs"
	"bffsuite.dev/shared/compress"
	"bffsuite.dev/shared/httpcache"
	"bffsuite.dev/shared/idempotency"
	"github.com/gin-gonic/gin"
)

// routes is the route table of bff-web: every route and the handler serving it. A handler lives
// in the file of its resource: /auth/* auth.go, /api/home home.go, /api/products products.go,
// /api/account account.go, /api/orders orders.go; the session middleware in websession.go.
func (h *App) routes(r *gin.Engine) {
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
