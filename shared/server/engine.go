// Package server is the one runtime entry every BFF's main calls: NewEngine builds the Gin
// engine with the standard middleware chain, and Run serves it either as an AWS Lambda
// function behind API Gateway (REST API payload 1.0 and HTTP API payload 2.0, recognised
// from each event) or as a local http.Server with graceful shutdown.
package server

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"bffsuite.dev/shared/metrics"
	"bffsuite.dev/shared/middleware"
	"bffsuite.dev/shared/problem"
	"bffsuite.dev/shared/tracing"
	"github.com/gin-gonic/gin"
)

// Config is the HTTP platform configuration every BFF embeds (as a named field) in its own
// config struct. The listen address is per BFF (each has its own default port), so it is not here.
type Config struct {
	// BasePaths are path prefixes stripped from Lambda events before routing, for REST API
	// custom-domain base path mappings ("/shop") or HTTP API mapping keys. The HTTP API stage
	// prefix ("/prod") is stripped automatically when StripStage is on.
	BasePaths  []string `env:"BFF_BASE_PATHS"`
	StripStage bool     `env:"BFF_STRIP_STAGE" default:"true"`
	// RequestBudget is the per-request time budget of this BFF.
	RequestBudget time.Duration `env:"BFF_REQUEST_BUDGET" default:"10s"`
	// GatewayTimeout is API Gateway's integration limit, and GatewayMargin what we keep back.
	GatewayTimeout time.Duration `env:"BFF_GATEWAY_TIMEOUT" default:"29s"`
	GatewayMargin  time.Duration `env:"BFF_GATEWAY_MARGIN" default:"1s"`
	// LambdaMargin is kept back from the Lambda invocation deadline.
	LambdaMargin    time.Duration `env:"BFF_LAMBDA_MARGIN" default:"500ms"`
	MaxBodyBytes    int64         `env:"BFF_MAX_BODY_BYTES" default:"1048576"`
	CORSOrigins     []string      `env:"BFF_CORS_ORIGINS"`
	ShutdownTimeout time.Duration `env:"BFF_SHUTDOWN_TIMEOUT" default:"10s"`
	LogLevel        string        `env:"BFF_LOG_LEVEL" default:"info"`
}

// Validate checks the values and names the variable at fault.
func (c *Config) Validate() error {
	var errs []string
	if c.RequestBudget <= 0 {
		errs = append(errs, "BFF_REQUEST_BUDGET must be positive")
	}
	if c.GatewayTimeout <= 0 || c.GatewayMargin < 0 || c.GatewayMargin >= c.GatewayTimeout {
		errs = append(errs, "BFF_GATEWAY_TIMEOUT must be positive and larger than BFF_GATEWAY_MARGIN")
	}
	if c.LambdaMargin < 0 {
		errs = append(errs, "BFF_LAMBDA_MARGIN must not be negative")
	}
	if c.MaxBodyBytes <= 0 {
		errs = append(errs, "BFF_MAX_BODY_BYTES must be positive")
	}
	for _, p := range c.BasePaths {
		if !strings.HasPrefix(p, "/") || len(p) < 2 || strings.HasSuffix(p, "/") {
			errs = append(errs, "BFF_BASE_PATHS entries must look like /prefix (got "+p+")")
		}
	}
	for _, o := range c.CORSOrigins {
		if o == "*" || !(strings.HasPrefix(o, "https://") || strings.HasPrefix(o, "http://")) || strings.Count(o, "/") != 2 {
			errs = append(errs, "BFF_CORS_ORIGINS entries must be exact origins like https://app.example.com (got "+o+")")
		}
	}
	if len(errs) > 0 {
		return configError(strings.Join(errs, "; "))
	}
	return nil
}

type configError string

func (e configError) Error() string { return string(e) }

// EngineOptions configures NewEngine.
type EngineOptions struct {
	Config Config
	Logger *slog.Logger
	// CORSCredentials allows cookies from allowlisted origins (the web BFF).
	CORSCredentials bool
	// CORSHeaders are the request headers a preflight may ask for (default: Content-Type,
	// Authorization, X-Correlation-ID).
	CORSHeaders []string
	// JSONExempt lists path prefixes whose bodies need not be JSON (e.g. an OAuth token endpoint).
	JSONExempt []string
	// Ready checks run by GET /readyz, by name; each gets a short deadline.
	Ready map[string]func(context.Context) error
	// Extra middleware appended after the standard chain (auth, metrics...).
	Extra []gin.HandlerFunc

	// Service is the BFF's name ("bff-web"): the Service metric dimension; its client kind
	// (tracing.ClientKind: "web") labels spans and metrics.
	Service string
	// Tracing, when enabled, starts a server span per request (tracing.Middleware); nil: no spans.
	Tracing *tracing.Provider
	// Metrics configures each request's EMF metrics (metrics.Middleware); the zero value is off.
	Metrics metrics.Config
	// MetricsOut receives the EMF lines; nil means os.Stdout.
	MetricsOut io.Writer
}

var ginModeOnce sync.Once

// NewEngine returns gin.New() with the standard chain: (Lambda header restore) → recovery →
// correlation ID → trace span (when opts.Tracing) → metrics recorder (when opts.Metrics) →
// request log → problem mapping → header size limit (431) → deadline budget → body limit →
// CORS → security headers → JSON content type (matched routes only); problem responses for
// unknown routes (404) and methods (405); and
// GET /healthz and GET /readyz.
func NewEngine(opts EngineOptions) *gin.Engine {
	ginModeOnce.Do(func() { gin.SetMode(gin.ReleaseMode) })
	cfg := opts.Config
	logger := opts.Logger
	if logger == nil {
		logger = slog.Default()
	}
	r := gin.New()
	r.HandleMethodNotAllowed = true
	r.ContextWithFallback = true
	r.Use(
		restoreHeaders,
		middleware.Recovery(logger),
		middleware.Correlation(),
	)
	kind := tracing.ClientKind(opts.Service)
	if opts.Tracing.Enabled() {
		r.Use(tracing.Middleware(tracing.MiddlewareOptions{Provider: opts.Tracing.TracerProvider(), ClientKind: kind}))
	}
	if opts.Metrics.Enabled() {
		r.Use(metrics.Middleware(metrics.MiddlewareOptions{Config: opts.Metrics, Service: opts.Service, ClientKind: kind, Out: opts.MetricsOut, Logger: logger}))
	}
	r.Use(
		middleware.RequestLog(logger),
		problem.Middleware(logger),
		middleware.HeaderLimit(middleware.MaxHeaderBytes),
		middleware.Deadline(middleware.DeadlineConfig{
			Budget: cfg.RequestBudget, GatewayLimit: cfg.GatewayTimeout,
			GatewayMargin: cfg.GatewayMargin, LambdaMargin: cfg.LambdaMargin,
		}),
		middleware.BodyLimit(cfg.MaxBodyBytes),
		middleware.CORS(middleware.CORSConfig{
			Origins: cfg.CORSOrigins, Credentials: opts.CORSCredentials, Headers: opts.CORSHeaders, MaxAge: 10 * time.Minute,
		}),
		middleware.SecurityHeaders(),
		middleware.RequireJSON(func(path string) bool {
			for _, p := range opts.JSONExempt {
				if strings.HasPrefix(path, p) {
					return true
				}
			}
			return false
		}),
	)
	r.Use(opts.Extra...)
	r.NoRoute(func(c *gin.Context) {
		problem.Abort(c, problem.New(http.StatusNotFound, problem.CodeNotFound, "No route matches this path."))
	})
	r.NoMethod(func(c *gin.Context) {
		problem.Abort(c, problem.New(http.StatusMethodNotAllowed, problem.CodeMethodNotAllowed, "This route does not accept that method."))
	})
	r.GET("/healthz", func(c *gin.Context) {
		c.JSON(http.StatusOK, gin.H{"status": "ok"})
	})
	r.GET("/readyz", readyHandler(opts.Ready, logger))
	return r
}

func readyHandler(checks map[string]func(context.Context) error, logger *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		ctx, cancel := context.WithTimeout(c.Request.Context(), 2*time.Second)
		defer cancel()
		type result struct {
			name string
			err  error
		}
		results := make(chan result, len(checks))
		for name, check := range checks {
			go func() { results <- result{name, check(ctx)} }()
		}
		status := map[string]string{}
		failed := false
		for range checks {
			r := <-results
			if r.err != nil {
				failed = true
				status[r.name] = "unavailable"
				logger.LogAttrs(c.Request.Context(), slog.LevelWarn, "readiness check failed",
					slog.String("check", r.name), slog.String("error", r.err.Error()))
				continue
			}
			status[r.name] = "ok"
		}
		if failed {
			e := problem.New(http.StatusServiceUnavailable, "not_ready", "One or more dependencies are unavailable.")
			e.Extensions = map[string]any{"checks": status}
			problem.Abort(c, e)
			return
		}
		c.JSON(http.StatusOK, gin.H{"status": "ready", "checks": status})
	}
}
