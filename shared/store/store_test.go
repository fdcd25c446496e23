//go:build !bff.lambda

// The local pieces tested here are left out of Lambda builds (buildtags.LambdaTag).

package store_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"bffsuite.dev/shared/config"
	"bffsuite.dev/shared/domain"
	"bffsuite.dev/shared/faults"
	"bffsuite.dev/shared/store"
	"bffsuite.dev/shared/store/dynamo"
	"bffsuite.dev/shared/store/seed"
	"bffsuite.dev/shared/testenv"
)

func TestMain(m *testing.M) { os.Exit(testenv.RunWithDynamoDB(m)) }

const key = "0123456789abcdef-cursor-key"

func TestLoadFromEnv(t *testing.T) {
	env := map[string]string{
		"BFF_DATA_BACKEND": "dynamodb", "BFF_DYNAMODB_ENDPOINT": "http://127.0.0.1:8000", "AWS_REGION": "eu-central-1",
		"BFF_TABLE_ORDERS": "prod-orders", "BFF_CURSOR_KEY": key,
	}
	var cfg store.Config
	if err := config.LoadFrom(func(k string) (string, bool) { v, ok := env[k]; return v, ok }, &cfg); err != nil {
		t.Fatalf("config.LoadFrom = %v", err)
	}
	want := store.Config{Backend: "dynamodb", DynamoEndpoint: "http://127.0.0.1:8000", Region: "eu-central-1",
		TableCatalog: "bff-catalog", TableCustomers: "bff-customers", TableOrders: "prod-orders", CursorKey: key,
		SearchCacheTTL: 5 * time.Second}
	if cfg.Faults != nil && len(cfg.Faults) == 0 {
		cfg.Faults = nil
	}
	if cfg.Backend != want.Backend || cfg.Tables() != want.Tables() || cfg.Region != want.Region || cfg.SearchCacheTTL != want.SearchCacheTTL || cfg.CursorKey != key {
		t.Errorf("config.LoadFrom = %+v, want %+v", cfg, want)
	}
	var faulty store.Config
	err := config.LoadFrom(func(k string) (string, bool) {
		v, ok := map[string]string{"BFF_FAULTS": "orders=latency:200ms,error:0.5;catalog=latency:20ms"}[k]
		return v, ok
	}, &faulty)
	if err != nil || faulty.Faults[faults.Orders].ErrorRate != 0.5 || faulty.Faults[faults.Catalog].Latency != 20*time.Millisecond {
		t.Errorf("config.LoadFrom(BFF_FAULTS) = %+v, %v", faulty.Faults, err)
	}
}

func TestValidate(t *testing.T) {
	ok := store.Config{Backend: "embedded", Region: "us-east-1", TableCatalog: "bff-catalog", TableCustomers: "bff-customers", TableOrders: "bff-orders"}
	tests := []struct {
		name    string
		edit    func(*store.Config)
		wantVar string // "" means valid
	}{
		{"embedded default", func(*store.Config) {}, ""},
		{"dynamodb with key", func(c *store.Config) { c.Backend, c.CursorKey = "dynamodb", key }, ""},
		{"unknown backend", func(c *store.Config) { c.Backend = "postgres" }, "BFF_DATA_BACKEND"},
		{"dynamodb without key", func(c *store.Config) { c.Backend = "dynamodb" }, "BFF_CURSOR_KEY"},
		{"short key", func(c *store.Config) { c.CursorKey = "short" }, "BFF_CURSOR_KEY"},
		{"dynamodb without region", func(c *store.Config) { c.Backend, c.CursorKey, c.Region = "dynamodb", key, "" }, "AWS_REGION"},
		{"dynamodb with faults", func(c *store.Config) {
			c.Backend, c.CursorKey, c.Faults = "dynamodb", key, faults.Config{faults.Orders: {ErrorRate: 1}}
		}, "BFF_FAULTS"},
		{"bad table", func(c *store.Config) { c.Backend, c.CursorKey, c.TableOrders = "dynamodb", key, "x" }, "BFF_TABLE_ORDERS"},
		{"negative ttl", func(c *store.Config) { c.SearchCacheTTL = -time.Second }, "BFF_SEARCH_CACHE_TTL"},
	}
	for _, tt := range tests {
		c := ok
		tt.edit(&c)
		err := c.Validate()
		if tt.wantVar == "" && err != nil || tt.wantVar != "" && (err == nil || !strings.Contains(err.Error(), tt.wantVar)) {
			t.Errorf("%s: Validate() = %v, want error naming %q", tt.name, err, tt.wantVar)
		}
	}
}

func TestOpenEmbedded(t *testing.T) {
	ctx := context.Background()
	c, err := store.Open(ctx, store.Config{Backend: "embedded", Faults: faults.Config{faults.Customers: {ErrorRate: 1}}})
	if err != nil {
		t.Fatalf("Open(embedded) = %v", err)
	}
	if err := c.Ready(ctx); err != nil || c.DynamoDB != nil {
		t.Errorf("Ready() = %v, DynamoDB %v, want nil, nil", err, c.DynamoDB)
	}
	res, err := c.Catalog.SearchPage(ctx, catalogQuery(), 1, 24)
	if err != nil || res.Total != 200 || len(res.Items) != 24 {
		t.Errorf("SearchPage(all) = total %d, %d items, %v, want 200, 24", res.Total, len(res.Items), err)
	}
	if _, err := c.Customers.GetCustomer(ctx, seed.CustomerAlice); !errors.Is(err, domain.ErrUnavailable) {
		t.Errorf("GetCustomer with BFF_FAULTS customers=error:1 = %v, want ErrUnavailable", err)
	}
	c.Faults.Reset()
	if cu, err := c.Customers.GetCustomer(ctx, seed.CustomerAlice); err != nil || cu.Name != "Alice Martin" {
		t.Errorf("GetCustomer(alice) after Reset = %+v, %v", cu, err)
	}
	page, err := c.Orders.ListOrdersByCustomer(ctx, seed.CustomerAlice, "", 10)
	if err != nil || len(page.Items) == 0 {
		t.Errorf("ListOrdersByCustomer(alice) = %d orders, %v, want seeded orders", len(page.Items), err)
	}
}

func TestOpenDynamoDB(t *testing.T) {
	d := testenv.DynamoDB(t)
	ctx := context.Background()
	names := dynamo.TableNames(testenv.DynamoDBTablePrefix(t))
	cfg := store.Config{Backend: "dynamodb", DynamoEndpoint: d.Endpoint, Region: "us-east-1", CursorKey: key,
		TableCatalog: names.Catalog, TableCustomers: names.Customers, TableOrders: names.Orders}
	c, err := store.Open(ctx, cfg)
	if err != nil {
		t.Fatalf("Open(dynamodb) = %v", err)
	}
	if err := c.Ready(ctx); !errors.Is(err, domain.ErrUnavailable) {
		t.Errorf("Ready() before tables exist = %v, want ErrUnavailable", err)
	}
	if err := dynamo.CreateTables(ctx, c.DynamoDB, names); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = dynamo.DeleteTables(context.Background(), c.DynamoDB, names) })
	if err := c.Ready(ctx); err != nil {
		t.Errorf("Ready() = %v, want nil", err)
	}
	p, err := c.Catalog.GetProduct(ctx, "p-0001")
	if !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("GetProduct on empty tables = %+v, %v, want ErrNotFound", p, err)
	}
}
