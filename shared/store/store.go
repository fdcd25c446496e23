// Package store builds the three domain clients (catalog, customers, orders) from
// configuration: the one constructor the BFFs call at cold start.
//
//	var cfg struct {
//		store.Config
//		// ...the BFF's own settings
//	}
//	if err := config.Load(&cfg); err != nil { ... }
//	clients, err := store.Open(ctx, cfg.Config)
//	// clients.Catalog, clients.Customers, clients.Orders; clients.Ready for /readyz
//
// Backends: "embedded" (default) keeps seeded demo data in this process, optionally with
// fault injection (BFF_FAULTS), and is left out of Lambda builds with the seed data and the
// fault injector (tag bff.lambda, see dev.go and lambda.go); "dynamodb" uses three DynamoDB tables (created by
// cmd/seed-dynamodb locally, by Terraform in AWS). Each BFF process with the embedded backend
// has its own copy of the data, seeded identically: changes made through one BFF are not
// seen by another, nor kept across restarts.
package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"bffsuite.dev/shared/awsconf"
	"bffsuite.dev/shared/catalog"
	"bffsuite.dev/shared/cursor"
	"bffsuite.dev/shared/customers"
	"bffsuite.dev/shared/orders"
	"bffsuite.dev/shared/readmodels"
	"bffsuite.dev/shared/store/dynamo"
)

// Backends.
const (
	BackendEmbedded = "embedded"
	BackendDynamoDB = "dynamodb"
)

// Config selects and configures the data backend. Embed it in a BFF's config struct;
// shared/config fills it from the environment and calls Validate.
type Config struct {
	// Backend is embedded (in-process seeded data) or dynamodb.
	Backend string `env:"BFF_DATA_BACKEND" default:"embedded"`
	// DynamoEndpoint overrides the DynamoDB endpoint (DynamoDB Local: http://127.0.0.1:8000).
	// Without AWS credentials in the environment, static local credentials are used with it.
	DynamoEndpoint string `env:"BFF_DYNAMODB_ENDPOINT"`
	Region         string `env:"AWS_REGION" default:"us-east-1"`
	TableCatalog   string `env:"BFF_TABLE_CATALOG" default:"bff-catalog"`
	TableCustomers string `env:"BFF_TABLE_CUSTOMERS" default:"bff-customers"`
	TableOrders    string `env:"BFF_TABLE_ORDERS" default:"bff-orders"`
	// Faults injects latency and errors into the embedded backend (syntax in package faults),
	// e.g. "orders=latency:200ms,error:0.5;catalog=latency:20ms". Empty: off. Lambda builds
	// (tag bff.lambda) have no fault injector and refuse the variable.
	Faults FaultsConfig `env:"BFF_FAULTS"`
	// CursorKey signs pagination cursors (at least 16 bytes). Required with dynamodb, where
	// every Lambda instance must share it; optional with embedded (random per process).
	CursorKey string `env:"BFF_CURSOR_KEY" secret:"true"`
	// SearchCacheTTL is how long search reuses the catalog it read from DynamoDB.
	SearchCacheTTL time.Duration `env:"BFF_SEARCH_CACHE_TTL" default:"5s"`

	// Read models (order events, docs/events.md): the table the projector keeps with dynamodb
	// (kept in memory, fed by the in-process event bus, with embedded), and the popularity
	// window and cache (BFF_POPULAR_WINDOW, BFF_POPULAR_CACHE_TTL).
	TableReadModels string `env:"BFF_TABLE_READMODELS" default:"bff-readmodels"`
	ReadModels      readmodels.Config
}

// Validate checks the configuration; every error names its environment variable.
func (c Config) Validate() error {
	var errs []error
	switch c.Backend {
	case BackendEmbedded:
		if !embeddedBuilt {
			errs = append(errs, errors.New("BFF_DATA_BACKEND: embedded is for local runs and not in Lambda builds (tag bff.lambda); use dynamodb"))
		}
		if c.CursorKey != "" && len(c.CursorKey) < cursor.MinKeyLen {
			errs = append(errs, fmt.Errorf("BFF_CURSOR_KEY: must be at least %d bytes", cursor.MinKeyLen))
		}
	case BackendDynamoDB:
		if c.Region == "" {
			errs = append(errs, errors.New("AWS_REGION: required with BFF_DATA_BACKEND=dynamodb"))
		}
		if len(c.CursorKey) < cursor.MinKeyLen {
			errs = append(errs, fmt.Errorf("BFF_CURSOR_KEY: required with BFF_DATA_BACKEND=dynamodb, at least %d bytes, the same for every instance", cursor.MinKeyLen))
		}
		if faultsSet(c.Faults) {
			errs = append(errs, errors.New("BFF_FAULTS: fault injection applies to the embedded backend only"))
		}
		for _, t := range []struct{ env, v string }{{"BFF_TABLE_CATALOG", c.TableCatalog}, {"BFF_TABLE_CUSTOMERS", c.TableCustomers}, {"BFF_TABLE_ORDERS", c.TableOrders}} {
			if len(t.v) < 3 || len(t.v) > 255 {
				errs = append(errs, fmt.Errorf("%s: table name %q must have 3-255 characters", t.env, t.v))
			}
		}
	default:
		errs = append(errs, fmt.Errorf("BFF_DATA_BACKEND: %q is not embedded or dynamodb", c.Backend))
	}
	if c.SearchCacheTTL < 0 {
		errs = append(errs, errors.New("BFF_SEARCH_CACHE_TTL: must not be negative"))
	}
	return errors.Join(errs...)
}

// Tables returns the configured table names.
func (c Config) Tables() dynamo.Tables {
	return dynamo.Tables{Catalog: c.TableCatalog, Customers: c.TableCustomers, Orders: c.TableOrders}
}

// Clients are the domain clients of one process.
type Clients struct {
	Catalog   *catalog.Client
	Customers *customers.Client
	Orders    *orders.Client
	// DynamoDB is the SDK client (nil with the embedded backend), for other DynamoDB users
	// such as the idempotency store; it carries our retry policy.
	DynamoDB *dynamodb.Client
	// Faults is the injector of the embedded backend (nil with dynamodb, and always in Lambda
	// builds); tests may change its rules at run time.
	Faults *FaultInjector
	// ReadModels reads the order read models (customer summaries, popular products).
	ReadModels *readmodels.Client
	// Events is the in-process order event bus of the embedded backend (nil with dynamodb,
	// where events flow through the orders stream and EventBridge): in-process consumers
	// subscribe to it, as the read-model projector does.
	Events  *EventBus
	Backend string
	ready   func(ctx context.Context) error
}

// Ready reports whether the backend can serve (for /readyz): always with embedded; with
// dynamodb when every table is active. Failures wrap domain.ErrUnavailable.
func (c *Clients) Ready(ctx context.Context) error { return c.ready(ctx) }

// Open builds the clients from cfg (validated again here). With embedded it seeds the data;
// with dynamodb it builds the SDK client once and does no I/O (call Ready to check tables).
func Open(ctx context.Context, cfg Config) (*Clients, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("store config: %w", err)
	}
	codec := cursor.NewRandom()
	if cfg.CursorKey != "" {
		var err error
		if codec, err = cursor.New([]byte(cfg.CursorKey)); err != nil {
			return nil, fmt.Errorf("BFF_CURSOR_KEY: %w", err)
		}
	}
	var cb catalog.Backend
	var ub customers.Backend
	var ob orders.Backend
	var rb readmodels.Backend
	out := &Clients{Backend: cfg.Backend}
	ttl := time.Duration(0)
	switch cfg.Backend {
	case BackendEmbedded:
		e, err := openEmbedded(ctx, cfg)
		if err != nil {
			return nil, err
		}
		cb, ub, ob, rb, out.Faults, out.Events = e.catalog, e.customers, e.orders, e.readModels, e.faults, e.events
		out.ready = func(context.Context) error { return nil }
	case BackendDynamoDB:
		db, err := NewDynamoDBClient(ctx, cfg)
		if err != nil {
			return nil, err
		}
		s := dynamo.New(db, cfg.Tables())
		cb, ub, ob = s.Catalog(), s.Customers(), s.Orders()
		rb = dynamo.NewReadModels(db, cfg.TableReadModels)
		if cfg.TableReadModels == "" {
			rb = readmodels.Unavailable("BFF_TABLE_READMODELS is not set")
		}
		out.DynamoDB = db
		out.ready = s.Ready
		ttl = cfg.SearchCacheTTL
	}
	out.Catalog = catalog.New(cb, catalog.Options{Cursors: codec, SnapshotTTL: ttl})
	out.Customers = customers.New(ub, nil)
	out.Orders = orders.New(ob, out.Catalog, orders.Options{Cursors: codec})
	out.ReadModels = readmodels.NewClient(rb, cfg.ReadModels, nil)
	return out, nil
}

// NewDynamoDBClient builds the SDK client from the default AWS configuration chain (the
// Lambda role in AWS) with cfg.Region, cfg.DynamoEndpoint and our retry policy. With an
// endpoint and no credentials in the environment it uses static local credentials.
func NewDynamoDBClient(ctx context.Context, cfg Config) (*dynamodb.Client, error) {
	awsCfg, err := awsconf.Load(ctx) // once per process, shared with secrets and Cognito
	if err != nil {
		return nil, err
	}
	awsCfg.Region = cfg.Region
	if cfg.DynamoEndpoint != "" && os.Getenv("AWS_ACCESS_KEY_ID") == "" && os.Getenv("AWS_PROFILE") == "" {
		awsCfg.Credentials = credentials.NewStaticCredentialsProvider("local", "local", "")
	}
	return dynamo.NewClient(awsCfg, cfg.DynamoEndpoint), nil
}
