package app

import (
	"log/slog"
	"net/http"
	"net/url"

	"bffsuite.dev/shared/apidocs"
	"bffsuite.dev/shared/domain"
	"bffsuite.dev/shared/idempotency"
	"bffsuite.dev/shared/problem"
	"github.com/gin-gonic/gin"
)

// routeDeps are the middlewares New builds for the route table.
type routeDeps struct {
	gate *versionGate
	// user admits bearer access tokens of the mobile app client only.
	user gin.HandlerFunc
	idem idempotency.Store
	log  *slog.Logger
}

// routes is the route table of the mobile BFF: every route and the handler serving it. A
// handler lives in the file of its resource: /v1/auth/* auth.go, /v1/feed feed.go, /v1/products
// products.go, /v1/me me.go, /v1/orders orders.go, /v1/devices devices.go.
func (h *App) routes(r *gin.Engine, d routeDeps) {
	r.GET("/openapi.json", func(c *gin.Context) {
		c.Header("Cache-Control", "public, max-age=300")
		c.Data(http.StatusOK, "application/json", OpenAPIDocument)
	})
	// The readable reference of the document, rendered on its first request.
	r.GET("/docs", apidocs.Handler(OpenAPIDocument))

	v1 := r.Group("/v1", d.gate.handle, strictQuery)
	auth := v1.Group("/auth") // auth.go
	auth.POST("/login", h.login)
	auth.POST("/refresh", h.refresh)
	auth.POST("/logout", h.logout)
	auth.POST("/signup", h.signup)
	auth.POST("/confirm", h.confirm)

	user := v1.Group("", d.user)
	user.GET("/feed", h.feed)               // feed.go
	user.GET("/products", h.listProducts)   // products.go
	user.GET("/products/:id", h.getProduct) // products.go
	user.GET("/me", h.getMe)                // me.go
	user.PATCH("/me", h.patchMe)            // me.go
	user.GET("/orders", h.listOrders)       // orders.go
	user.POST("/orders", idempotency.Middleware(d.idem, idempotency.Options{
		Scope:  func(c *gin.Context) string { return "mobile-user:" + subject(c) },
		Logger: d.log,
	}), h.placeOrder)
	user.GET("/orders/:id", h.getOrder)            // orders.go
	user.POST("/orders/:id/cancel", h.cancelOrder) // orders.go
	user.PUT("/devices/:token", h.putDevice)       // devices.go
	user.DELETE("/devices/:token", h.deleteDevice) // devices.go
}

// strictQuery answers 400 when the query string cannot be parsed (e.g. a bad %-escape), which
// Gin would otherwise drop silently, turning "cursor=%zz" into "no cursor".
func strictQuery(c *gin.Context) {
	if _, err := url.ParseQuery(c.Request.URL.RawQuery); err != nil {
		v := &domain.ValidationError{}
		v.Add("query", "malformed", "the query string is not valid URL encoding")
		problem.Abort(c, v)
		return
	}
	c.Next()
}
