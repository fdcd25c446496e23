// Package app is the mobile BFF: the API of the iOS and Android apps. It answers with compact,
// cacheable payloads (short view models, sparse fieldsets, device-sized images, ETags and
// 304s, gzip), pages with keyset cursors, gates app versions (426 below the minimum, a soft
// deprecation header below the recommended one), takes bearer tokens of the mobile app client
// only, and makes POST /v1/orders idempotent per Idempotency-Key.
//
// Layout (the same in every BFF): app.go wiring (App, Deps, New), routes.go the route table,
// one file per resource for its handlers (auth, products, feed, me, orders, devices), views.go
// the view models and their mapping, config.go the configuration. main calls secrets.Load(&cfg),
// platform.Open, New and Platform.Run; tests call New with a platform over the embedded backend.
package app

import (
	"context"
	_ "embed"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"bffsuite.dev/shared/auth"
	"bffsuite.dev/shared/awsconf"
	"bffsuite.dev/shared/catalog"
	"bffsuite.dev/shared/checkout"
	"bffsuite.dev/shared/compress"
	"bffsuite.dev/shared/customers"
	"bffsuite.dev/shared/devices"
	"bffsuite.dev/shared/events"
	"bffsuite.dev/shared/idempotency"
	"bffsuite.dev/shared/identity"
	"bffsuite.dev/shared/orders"
	"bffsuite.dev/shared/platform"
	"bffsuite.dev/shared/push"
	"bffsuite.dev/shared/readmodels"
	"bffsuite.dev/shared/server"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/gin-gonic/gin"
)

// Name is the BFF's name in logs and metrics.
const Name = "bff-mobile"

// OpenAPIDocument is the OpenAPI 3.1 description of every route, served at GET /openapi.json.
//
//go:embed openapi.json
var OpenAPIDocument []byte

// The narrow views of the domain clients the handlers use.
type (
	catalogClient interface {
		SearchProducts(ctx context.Context, q catalog.Query) (catalog.Page, error)
		GetProduct(ctx context.Context, id string) (catalog.Product, error)
		ListCategories(ctx context.Context) ([]catalog.Category, error)
		BatchGetProducts(ctx context.Context, ids []string) ([]catalog.Product, []string, error)
	}
	// readModelClient is the order read models (shared/readmodels): the customer summary of
	// /v1/me and the popular products of the feed, kept by the projector from order events.
	readModelClient interface {
		Summary(ctx context.Context, customerID string) (readmodels.Summary, error)
		Popular(ctx context.Context, limit int) ([]readmodels.ProductUnits, error)
	}
	customerClient interface {
		EnsureCustomer(ctx context.Context, sub, email, name string) (customers.Customer, error)
		UpdateProfile(ctx context.Context, sub string, u customers.ProfileUpdate) (customers.Customer, error)
	}
	orderClient interface {
		PlaceOrder(ctx context.Context, in orders.PlaceOrderInput) (orders.Order, error)
		GetOrder(ctx context.Context, id string) (orders.Order, error)
		CancelOrder(ctx context.Context, id string) (orders.Order, error)
		CancelCheckout(ctx context.Context, id, reason string) (orders.Order, bool, error)
		ListOrdersByCustomer(ctx context.Context, customerID, cur string, limit int) (orders.Page, error)
	}
)

// App is the mobile BFF: its dependencies, the handlers of every route (methods of App, one
// file per resource) and the engine that serves them.
type App struct {
	engine        *gin.Engine
	catalog       catalogClient
	customers     customerClient
	orders        orderClient
	readModels    readModelClient
	identity      identity.Provider
	devices       devices.Store
	catalogMaxAge time.Duration
	partTimeout   time.Duration
	logger        *slog.Logger
	// gate checks the app version of every /v1 request.
	gate *versionGate
	// requireUser admits bearer access tokens of the mobile app client only.
	requireUser gin.HandlerFunc
	// idem keeps the Idempotency-Key records of POST /v1/orders, scoped per user.
	idem idempotency.Store
	// checkout starts the saga of a placed order (issue 19); payments releases the payment of
	// an order its customer cancels.
	checkout checkout.Starter
	payments checkout.Refunder
}

// Page limits of the mobile lists.
const (
	defaultLimit = 20
	maxLimit     = 50
	maxQueryText = 200
)

// Deps are what New takes besides the configuration and the platform. A zero field is built
// from the platform: the DynamoDB tables when it has a DynamoDB client, else in memory.
type Deps struct {
	// Idempotency keeps the Idempotency-Key records of POST /v1/orders.
	Idempotency idempotency.Store
	// Devices keeps the push-notification devices of PUT/DELETE /v1/devices/:token.
	Devices devices.Store
}

// New builds the mobile BFF over the platform p (built once per cold start); ctx bounds the
// start-up calls (the identity client).
func New(ctx context.Context, cfg Config, p *platform.Platform, deps Deps) (*App, error) {
	logger := p.Logger
	if logger == nil {
		logger = slog.Default()
	}
	gate, err := newVersionGate(cfg.Versions, logger)
	if err != nil {
		return nil, err
	}
	idp, err := p.Identity(ctx, cfg.Identity.Config())
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
	if deps.Idempotency == nil {
		deps.Idempotency = idempotency.NewMemory()
		if p.DynamoDB != nil {
			deps.Idempotency = idempotency.NewDynamoDB(p.DynamoDB, cfg.IdempotencyTable)
		}
	}
	if deps.Devices == nil {
		deps.Devices = devices.NewMemory()
		if p.DynamoDB != nil {
			deps.Devices = devices.NewDynamoDB(p.DynamoDB, cfg.DevicesTable)
		}
	}
	if apps, _ := push.ParseApps(cfg.PushPlatformApps); len(apps) > 0 { // validated in Config
		// Issue 18: devices get their SNS platform endpoint when they register.
		awsCfg, err := awsconf.Load(ctx)
		if err != nil {
			return nil, err
		}
		deps.Devices = push.Registering{Store: deps.Devices, Registrar: push.Registrar{SNS: sns.NewFromConfig(awsCfg), Apps: apps}, Log: logger}
	}
	if bus, ok := any(p.Events).(interface{ Subscribe(string, events.Handler) }); ok && p.Events != nil {
		// make run (issue 18): order status changes of this process's embedded store reach the
		// customer's registered devices through the same notifier, with SNS logged. (Lambda
		// builds have no bus: their store.EventBus is not a Subscriber.)
		bus.Subscribe("push", push.Notifier{Devices: deps.Devices,
			Registrar: push.Registrar{SNS: push.LogSNS{Log: logger}, Apps: push.LocalApps}, Log: logger}.Handle)
	}
	h := &App{
		catalog: p.Catalog, customers: p.Customers, orders: p.Orders, identity: idp, devices: deps.Devices,
		catalogMaxAge: cfg.CatalogMaxAge, partTimeout: cfg.FeedPartTimeout, logger: logger,
		gate: gate, idem: deps.Idempotency, checkout: p.Checkout, payments: refunder(p),
		requireUser: auth.Require(p.Verifier, auth.Access{Use: auth.UseAccess, Clients: []string{clientID}, UsersOnly: true}),
	}
	h.readModels = p.ReadModels
	if p.ReadModels == nil { // a platform built by hand (tests): the views are unavailable
		h.readModels = readmodels.NewClient(readmodels.Unavailable("the platform has no read models"), readmodels.Config{}, nil)
	}
	h.engine = p.Engine(platform.EngineOptions{EngineOptions: server.EngineOptions{
		Extra: []gin.HandlerFunc{compress.Gzip(compress.Options{MinSize: max(cfg.GzipMinBytes, 1)})},
	}})
	h.routes(h.engine)
	return h, nil
}

// Engine is the Gin engine serving the routes (Platform.Run serves it locally or on Lambda).
func (h *App) Engine() *gin.Engine { return h.engine }

// ServeHTTP serves one request (tests, benchmarks).
func (h *App) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.engine.ServeHTTP(w, r) }

// subject returns the verified caller's sub ("" only if a route forgot auth.Require).
func subject(c *gin.Context) string {
	if p, ok := auth.PrincipalFrom(c); ok {
		return p.Subject
	}
	return ""
}

// refunder is the platform's payments client as a checkout.Refunder (nil when it has none).
func refunder(p *platform.Platform) checkout.Refunder {
	if p.Payments == nil {
		return nil
	}
	return p.Payments
}
