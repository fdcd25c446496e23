// Package platform builds, once per cold start, everything a BFF's handlers need from the
// platform: the logger, the domain clients (DynamoDB or the embedded default), the token
// verifier (Cognito or the embedded local identity provider) and the identity client, and it
// serves the finished engine locally or on Lambda. The local IdP is in local.go, which Lambda
// builds (tag bff.lambda, buildtags.Lambda) leave out. Every BFF's run(ctx) is: load its config,
// platform.Open, app.New, Platform.Run.
package platform

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"bffsuite.dev/shared/auth"
	"bffsuite.dev/shared/awsconf"
	"bffsuite.dev/shared/catalog"
	"bffsuite.dev/shared/customers"
	"bffsuite.dev/shared/identity"
	"bffsuite.dev/shared/logging"
	"bffsuite.dev/shared/metrics"
	"bffsuite.dev/shared/orders"
	"bffsuite.dev/shared/readmodels"
	"bffsuite.dev/shared/server"
	"bffsuite.dev/shared/store"
	"bffsuite.dev/shared/tracing"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/gin-gonic/gin"
	"golang.org/x/term"
)

// Config is the platform part of every BFF's configuration; a BFF config holds it as the
// named field Platform.
type Config struct {
	// SecretsSSMPrefix is read by secrets.Load before everything else (it resolves the
	// `secret:"true"` variables from SSM); it is listed here so the config documents it.
	SecretsSSMPrefix string `env:"BFF_SECRETS_SSM_PREFIX"`
	HTTP             server.Config
	Store            store.Config
	Auth             auth.Config
	// LocalIdP (BFF_LOCAL_IDP_*) configures the embedded identity provider of local runs; an
	// empty struct in Lambda builds (tag bff.lambda), which leave the local IdP out.
	LocalIdP LocalIdPConfig
	// Tracing (BFF_TRACE_SAMPLE_RATIO, OTEL_EXPORTER_OTLP_ENDPOINT, ...) and Metrics
	// (BFF_METRICS, BFF_METRICS_NAMESPACE): see docs/observability.md.
	Tracing tracing.Config
	Metrics metrics.Config
}

// Platform is what Open built.
type Platform struct {
	Name      string
	Config    Config
	Logger    *slog.Logger
	Catalog   *catalog.Client
	Customers *customers.Client
	Orders    *orders.Client
	// Verifier checks Cognito (or local IdP) tokens.
	Verifier *auth.Verifier
	// LocalIdP is the embedded identity provider in local mode; nil with Cognito, and always
	// in Lambda builds.
	LocalIdP *LocalIdP
	// DynamoDB is the shared SDK client when the DynamoDB backend is configured; nil otherwise.
	DynamoDB *dynamodb.Client
	// Faults is the embedded backend's fault injector (nil on DynamoDB and in Lambda builds);
	// tests may change its rules.
	Faults *store.FaultInjector
	// Tracing is the process's tracer provider (request spans, SDK spans, flush per invocation).
	Tracing *tracing.Provider
	// ClientKind is derived from the name: "bff-web" → "web".
	ClientKind string
	// ReadModels reads the order read models (customer summaries, popular products), and
	// Events is the in-process order event bus of the embedded backend (nil with dynamodb):
	// see docs/events.md.
	ReadModels *readmodels.Client
	Events     *store.EventBus

	stores *store.Clients
	ready  map[string]func(context.Context) error
}

// Open builds the platform for the BFF called name. It makes no network call in local mode,
// and none for the JWKS when a JWKS document is configured (prewarm).
func Open(ctx context.Context, name string, cfg Config) (*Platform, error) {
	level, ok := logging.ParseLevel(cfg.HTTP.LogLevel)
	if !ok {
		return nil, fmt.Errorf("BFF_LOG_LEVEL: %q is not one of debug, info, warn, error", cfg.HTTP.LogLevel)
	}
	kind := tracing.ClientKind(name)
	logger := logging.New(os.Stdout, logging.Options{
		Level: level, Service: name, ClientKind: kind,
		Text: !server.OnLambda() && term.IsTerminal(int(os.Stdout.Fd())) && os.Getenv("BFF_LOG_FORMAT") != "json",
	})
	p := &Platform{Name: name, Config: cfg, Logger: logger, ClientKind: kind, ready: map[string]func(context.Context) error{}}
	tp, err := tracing.Setup(ctx, name, cfg.Tracing)
	if err != nil {
		return nil, err
	}
	p.Tracing = tp

	clients, err := store.Open(ctx, cfg.Store)
	if err != nil {
		return nil, fmt.Errorf("open data store: %w", err)
	}
	p.stores = clients
	p.Catalog, p.Customers, p.Orders = clients.Catalog, clients.Customers, clients.Orders
	p.DynamoDB, p.Faults = clients.DynamoDB, clients.Faults
	p.ReadModels, p.Events = clients.ReadModels, clients.Events
	p.ready["data"] = clients.Ready

	if cfg.Auth.Local() {
		if server.OnLambda() {
			return nil, errors.New("BFF_COGNITO_USER_POOL_ID: required on Lambda (the embedded identity provider is for local runs only)")
		}
		idp, v, err := openLocalIdP(cfg.LocalIdP, logger)
		if err != nil {
			return nil, err
		}
		p.LocalIdP, p.Verifier = idp, v
	} else {
		v, err := auth.New(cfg.Auth)
		if err != nil {
			return nil, fmt.Errorf("token verifier: %w", err)
		}
		p.Verifier = v
	}
	return p, nil
}

// Identity returns the identity client for user flows: the local IdP in local mode, else a
// Cognito client for the app client in cfg (call this once at cold start; the SDK client is
// built on the first identity call).
func (p *Platform) Identity(ctx context.Context, cfg identity.Config) (identity.Provider, error) {
	if p.LocalIdP != nil {
		return localProvider(p.LocalIdP), nil
	}
	// Built on its first call: a cold start that serves no identity flow loads no AWS
	// configuration for it (and the configuration is loaded once per process, see awsconf).
	c, err := identity.NewLazyCognito(awsconf.Load, cfg)
	if err != nil {
		return nil, fmt.Errorf("cognito identity client: %w", err)
	}
	return c, nil
}

// UserClientID is the app client that users sign in through: the local IdP's in local mode,
// else configured (BFF_COGNITO_APP_CLIENT_ID).
func (p *Platform) UserClientID(configured string) string {
	if p.LocalIdP != nil {
		return localClientID(p.LocalIdP)
	}
	return configured
}

// AddReadyCheck adds a dependency check to GET /readyz.
func (p *Platform) AddReadyCheck(name string, check func(context.Context) error) {
	p.ready[name] = check
}

// EngineOptions extend server.EngineOptions for Engine.
type EngineOptions struct {
	server.EngineOptions
	// ServeTokenEndpoint mounts the local IdP's OAuth2 token endpoint at /oauth2/token in local
	// mode (the partner BFF: partners get client_credentials tokens there, as from Cognito's domain).
	ServeTokenEndpoint bool
}

// Engine returns server.NewEngine with the platform's logger, config and readiness checks. In
// local mode it mounts the local IdP under its issuer path (/local-idp: discovery, JWKS, token
// endpoint), and optionally its token endpoint at /oauth2/token.
func (p *Platform) Engine(opts EngineOptions) *gin.Engine {
	eo := opts.EngineOptions
	eo.Config = p.Config.HTTP
	eo.Logger = p.Logger
	eo.Service = p.Name
	eo.Tracing = p.Tracing
	eo.Metrics = p.Config.Metrics
	if eo.Ready == nil {
		eo.Ready = map[string]func(context.Context) error{}
	}
	for k, v := range p.ready {
		eo.Ready[k] = v
	}
	if p.LocalIdP != nil {
		eo.JSONExempt = append(eo.JSONExempt, localIdPJSONExempt(p.LocalIdP, opts.ServeTokenEndpoint)...)
	}
	r := server.NewEngine(eo)
	if p.LocalIdP != nil {
		mountLocalIdP(r, p.LocalIdP, opts.ServeTokenEndpoint)
	}
	return r
}

// Run serves engine (locally on addr, or on Lambda) until ctx ends.
func (p *Platform) Run(ctx context.Context, engine *gin.Engine, addr string) error {
	start := time.Now()
	defer func() {
		p.Logger.Info("stopped", slog.Duration("uptime", time.Since(start)))
	}()
	return server.Run(ctx, engine, server.RunOptions{Name: p.Name, Addr: addr, Config: p.Config.HTTP, Logger: p.Logger, Tracing: p.Tracing})
}
