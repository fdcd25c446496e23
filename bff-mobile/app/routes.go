package app

import (
	"net/http"
	"net/url"

	"bffsuite.dev/shared/apidocs"
	"bffsuite.dev/shared/domain"
	"bffsuite.dev/shared/idempotency"
	"bffsuite.dev/shared/problem"
	"github.com/gin-gonic/gin"
)

// routes is the route table of the mobile BFF: every route and the handler serving it. A
// handler lives in the file of its resource: /v1/auth/* auth.go, /v1/feed feed.go, /v1/products
// products.go, /v1/me me.go, /v1/orders orders.go, /v1/devices devices.go.
func (h *App) routes(r *gin.Engine) {
	r.GET("/openapi.json", func(c *gin.Context) {
		c.Header("Cache-Control", "public, max-age=300")
		c.Data(http.StatusOK, "application/json", OpenAPIDocument)
	})
	// The readable reference of the document, rendered on its first request.
	r.GET("/docs", apidocs.Handler(OpenAPIDocument))

	v1 := r.Group("/v1", h.gate.handle, strictQuery)
	auth := v1.Group("/auth")
	auth.POST("/login", h.login)
	auth.POST("/refresh", h.refresh)
	auth.POST("/logout", h.logout)
	auth.POST("/signup", h.signup)
	auth.POST("/confirm", h.confirm)

	user := v1.Group("", h.requireUser)
	user.GET("/feed", h.feed)
	user.GET("/products", h.listProducts)
	user.GET("/products/:id", h.getProduct)
	user.GET("/me", h.getMe)
	user.PATCH("/me", h.patchMe)
	user.GET("/orders", h.listOrders)
	user.POST("/orders", idempotency.Middleware(h.idem, idempotency.Options{
		Scope:  func(c *gin.Context) string { return "mobile-user:" + subject(c) },
		Logger: h.logger,
	}), h.placeOrder)
	user.GET("/orders/:id", h.getOrder)
	user.POST("/orders/:id/cancel", h.cancelOrder)
	user.PUT("/devices/:token", h.putDevice)
	user.DELETE("/devices/:token", h.deleteDevice)
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
