// Package app is the mobile BFF: the API of the iOS and Android apps. It answers with compact,
// cacheable payloads (short view models, sparse fieldsets, device-sized images, ETags and
// 304s, gzip), pages with keyset cursors, gates app versions (426 below the minimum, a soft
// deprecation header below the recommended one), takes bearer tokens of the mobile app client
// only, and makes POST /v1/orders idempotent per Idempotency-Key.
//
// main calls config.Load(&cfg), coldstart.Open, New and Platform.Run; tests call New with a
// platform over the embedded backend.
package app

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"bffsuite.dev/shared/auth"
	"bffsuite.dev/shared/coldstart"
	"bffsuite.dev/shared/compress"
	"bffsuite.dev/shared/devices"
	"bffsuite.dev/shared/domain"
	"bffsuite.dev/shared/idempotency"
	"bffsuite.dev/shared/identity"
	"bffsuite.dev/shared/problem"
	"bffsuite.dev/shared/server"
	"github.com/gin-gonic/gin"
)

// Name is the BFF's name in logs and metrics.
const Name = "bff-mobile"

// Config is the mobile BFF's configuration, read once at start with config.Load.
type Config struct {
	Addr     string `env:"BFF_ADDR" default:"127.0.0.1:8082"`
	Platform coldstart.Config
	// Identity is the Cognito app client of the mobile app (sign-in flows); its ClientID is
	// also the only app client whose access tokens this BFF accepts.
	Identity identity.Config
	Versions VersionConfig
	// GzipMinBytes is the smallest response body that is gzipped for clients accepting it.
	GzipMinBytes int `env:"BFF_MOBILE_GZIP_MIN_BYTES" default:"1024"`
	// CatalogMaxAge is how long the app may reuse catalog responses without revalidating.
	CatalogMaxAge time.Duration `env:"BFF_MOBILE_CATALOG_MAX_AGE" default:"60s"`
	// FeedPartTimeout bounds each optional part of the feed (categories, active orders).
	FeedPartTimeout time.Duration `env:"BFF_MOBILE_FEED_PART_TIMEOUT" default:"800ms"`
	// IdempotencyTable and DevicesTable are used with the DynamoDB backend only.
	IdempotencyTable string `env:"BFF_TABLE_IDEMPOTENCY" default:"bff-idempotency"`
	DevicesTable     string `env:"BFF_TABLE_DEVICES" default:"bff-devices"`
}

// Validate checks the mobile BFF's own settings (nested structs validate themselves).
func (c Config) Validate() error {
	var errs []error
	if c.GzipMinBytes < 0 {
		errs = append(errs, fmt.Errorf("BFF_MOBILE_GZIP_MIN_BYTES: %d must not be negative", c.GzipMinBytes))
	}
	if c.CatalogMaxAge < 0 || c.CatalogMaxAge > 24*time.Hour {
		errs = append(errs, fmt.Errorf("BFF_MOBILE_CATALOG_MAX_AGE: %s must be between 0 and 24h", c.CatalogMaxAge))
	}
	if c.FeedPartTimeout <= 0 {
		errs = append(errs, fmt.Errorf("BFF_MOBILE_FEED_PART_TIMEOUT: %s must be positive", c.FeedPartTimeout))
	}
	return errors.Join(errs...)
}

//go:embed openapi.json
var OpenAPIDocument []byte

// New builds the engine of the mobile BFF over the platform p (built once per cold start).
func New(ctx context.Context, cfg Config, p *coldstart.Platform) (*gin.Engine, error) {
	logger := p.Logger
	if logger == nil {
		logger = slog.Default()
	}
	gate, err := newVersionGate(cfg.Versions, logger)
	if err != nil {
		return nil, err
	}
	idp, err := p.Identity(ctx, cfg.Identity)
	if err != nil {
		return nil, err
	}
	clientID := p.UserClientID(cfg.Identity.ClientID)
	if clientID == "" {
		return nil, errors.New("BFF_COGNITO_APP_CLIENT_ID: the mobile app client id is required (it is the only client whose tokens are accepted)")
	}
	if p.Verifier == nil {
		return nil, errors.New("mobile bff: the platform has no token verifier")
	}
	var (
		idem idempotency.Store = idempotency.NewMemory()
		devs devices.Store     = devices.NewMemory()
	)
	if p.DynamoDB != nil {
		idem = idempotency.NewDynamoDB(p.DynamoDB, cfg.IdempotencyTable)
		devs = devices.NewDynamoDB(p.DynamoDB, cfg.DevicesTable)
	}
	h := &handlers{
		catalog: p.Catalog, customers: p.Customers, orders: p.Orders, identity: idp, devices: devs,
		catalogMaxAge: cfg.CatalogMaxAge, partTimeout: cfg.FeedPartTimeout, logger: logger,
	}
	r := p.Engine(coldstart.EngineOptions{EngineOptions: server.EngineOptions{
		Extra: []gin.HandlerFunc{compress.Gzip(compress.Options{MinSize: max(cfg.GzipMinBytes, 1)})},
	}})
	r.GET("/openapi.json", func(c *gin.Context) {
		c.Header("Cache-Control", "public, max-age=300")
		c.Data(http.StatusOK, "application/json", OpenAPIDocument)
	})

	v1 := r.Group("/v1", gate.handle, strictQuery)
	a := v1.Group("/auth")
	a.POST("/login", h.login)
	a.POST("/refresh", h.refresh)
	a.POST("/logout", h.logout)
	a.POST("/signup", h.signup)
	a.POST("/confirm", h.confirm)

	user := v1.Group("", auth.Require(p.Verifier, auth.Access{Use: auth.UseAccess, Clients: []string{clientID}, UsersOnly: true}))
	user.GET("/feed", h.feed)
	user.GET("/products", h.listProducts)
	user.GET("/products/:id", h.getProduct)
	user.GET("/me", h.getMe)
	user.PATCH("/me", h.patchMe)
	user.GET("/orders", h.listOrders)
	user.POST("/orders", idempotency.Middleware(idem, idempotency.Options{
		Scope:  func(c *gin.Context) string { return "mobile-user:" + subject(c) },
		Logger: logger,
	}), h.placeOrder)
	user.GET("/orders/:id", h.getOrder)
	user.POST("/orders/:id/cancel", h.cancelOrder)
	user.PUT("/devices/:token", h.putDevice)
	user.DELETE("/devices/:token", h.deleteDevice)
	return r, nil
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

// subject returns the verified caller's sub ("" only if a route forgot auth.Require).
func subject(c *gin.Context) string {
	if p, ok := auth.PrincipalFrom(c); ok {
		return p.Subject
	}
	return ""
}
