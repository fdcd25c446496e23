package app_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"bffsuite.dev/bff-partner/app"
	"bffsuite.dev/shared/idempotency"
	"bffsuite.dev/shared/store/dynamo"
	"bffsuite.dev/shared/store/seed"
	"bffsuite.dev/shared/testenv"
)

// backends returns the test environments to run a test on: the embedded backend with the
// in-memory key store, and DynamoDB Local with the DynamoDB key store (as in AWS).
func backends() []struct {
	name string
	open func(t *testing.T) *env
} {
	return []struct {
		name string
		open func(t *testing.T) *env
	}{
		{"embedded", func(t *testing.T) *env { e := newEnv(t, testVars(nil), app.Deps{}); e.stockUp(t); return e }},
		{"dynamodb", dynamoEnv},
	}
}

// dynamoEnv runs bff-partner on the DynamoDB backend in the package's DynamoDB Local, with
// fresh tables (domain tables, the idempotency table and the partner registry holding
// testdata/registry.json) and a small seeded catalog.
func dynamoEnv(t *testing.T) *env { return dynamoEnvWith(t, nil) }

// dynamoEnvWith is dynamoEnv with a key store of the caller's (nil: the DynamoDB store).
func dynamoEnvWith(t testing.TB, store idempotency.Store) *env {
	t.Helper()
	d := testenv.DynamoDB(t)
	prefix := testenv.DynamoDBTablePrefix(t)
	names := dynamo.TableNames(prefix)
	vars := testVars(map[string]string{
		"BFF_DATA_BACKEND": "dynamodb", "BFF_DYNAMODB_ENDPOINT": d.Endpoint, "AWS_REGION": "us-east-1",
		"BFF_CURSOR_KEY":    "test-cursor-key-0123456789abcdef",
		"BFF_TABLE_CATALOG": names.Catalog, "BFF_TABLE_CUSTOMERS": names.Customers, "BFF_TABLE_ORDERS": names.Orders,
		"BFF_TABLE_IDEMPOTENCY": prefix + dynamo.TableIdempotency,
		"BFF_TABLE_PARTNERS":    prefix + dynamo.TablePartners,
	})
	delete(vars, "BFF_PARTNER_REGISTRY_FILE")
	db := d.Client()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := dynamo.CreateTables(ctx, db, names); err != nil {
		t.Fatalf("CreateTables = %v", err)
	}
	if err := dynamo.CreateIdempotencyTable(ctx, db, prefix+dynamo.TableIdempotency); err != nil {
		t.Fatalf("CreateIdempotencyTable = %v", err)
	}
	if err := dynamo.CreateTable(ctx, db, prefix+dynamo.TablePartners, dynamo.PartnersTable()); err != nil {
		t.Fatalf("CreateTable(partners) = %v", err)
	}
	recs, err := app.ParseRegistry([]byte(readFile(t, "registry.json")), map[string]bool{"gold": true, "bronze": true})
	if err != nil {
		t.Fatal(err)
	}
	reg := dynamo.NewPartners(db, prefix+dynamo.TablePartners)
	for _, r := range recs {
		if err := reg.Create(ctx, r); err != nil {
			t.Fatalf("registry Create(%s) = %v", r.ClientID, err)
		}
	}
	data := seed.Generate()
	s := dynamo.New(db, names)
	small := seed.Data{Categories: data.Categories, Products: data.Products[:10]}
	for i := range small.Products {
		small.Products[i].Stock = 100000
	}
	if err := seed.Load(ctx, seed.Backends{Catalog: s.Catalog(), Customers: s.Customers(), Orders: s.Orders()}, small); err != nil {
		t.Fatalf("seed = %v", err)
	}
	vars["BFF_PARTNER_RATE_LIMIT"] = "false"
	return newEnv(t, vars, app.Deps{Idempotency: store})
}

// partnerOrders lists every order of the calling partner.
func partnerOrders(t *testing.T, e *env, client string) []app.Order {
	t.Helper()
	var all []app.Order
	cur := ""
	for {
		r := e.do(req{method: "GET", path: "/v1/orders?limit=100&cursor=" + cur, token: e.token(client)})
		var p app.OrderPage
		r.json(t, &p)
		all = append(all, p.Items...)
		if !p.HasMore {
			return all
		}
		cur = p.NextCursor
	}
}

// TestIdempotentOrders: the idempotency table, on both backends.
func TestIdempotentOrders(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			e := b.open(t)
			e.validate = false // concurrent requests; shapes are validated elsewhere
			tok := e.token("acme-client")
			body := readFile(t, "order.json")
			before := len(partnerOrders(t, e, "acme-client"))

			t.Run("50 concurrent POSTs with one key make one order", func(t *testing.T) {
				const n = 50
				results := make([]resp, n)
				var wg sync.WaitGroup
				for i := range n {
					wg.Go(func() {
						results[i] = e.do(req{method: "POST", path: "/v1/orders", token: tok, key: "race-key", body: body})
					})
				}
				wg.Wait()
				created, replayed, inProgress := 0, 0, 0
				ids := map[string]bool{}
				for _, r := range results {
					switch {
					case r.Status == 201 && r.Header.Get("Idempotent-Replayed") == "true":
						replayed++
					case r.Status == 201:
						created++
					case r.Status == 409 && r.code(t) == idempotency.CodeKeyInProgress:
						inProgress++
						continue
					default:
						t.Errorf("concurrent POST = %d %s, want 201 or 409", r.Status, r.Body)
						continue
					}
					var o app.Order
					r.json(t, &o)
					ids[o.ID] = true
				}
				if created != 1 || created+replayed+inProgress != n || len(ids) != 1 {
					t.Errorf("50 POSTs with one key = %d created, %d replayed, %d in progress, %d order ids; want 1 created, the rest replays or 409s, 1 id",
						created, replayed, inProgress, len(ids))
				}
				if got := len(partnerOrders(t, e, "acme-client")) - before; got != 1 {
					t.Errorf("orders placed = %d, want 1", got)
				}
			})
			t.Run("same key with another body is 422", func(t *testing.T) {
				other := strings.Replace(body, `"quantity": 1`, `"quantity": 3`, 1)
				r := e.do(req{method: "POST", path: "/v1/orders", token: tok, key: "race-key", body: other})
				if r.Status != http.StatusUnprocessableEntity || r.code(t) != idempotency.CodeKeyReused {
					t.Errorf("POST with the key and another body = %d %s, want 422 %s", r.Status, r.Body, idempotency.CodeKeyReused)
				}
			})
			t.Run("50 POSTs with distinct keys make 50 orders", func(t *testing.T) {
				start := len(partnerOrders(t, e, "acme-client"))
				var wg sync.WaitGroup
				var ok atomic.Int64
				for i := range 50 {
					wg.Go(func() {
						r := e.do(req{method: "POST", path: "/v1/orders", token: tok, key: fmt.Sprintf("distinct-%d", i), body: body})
						if r.Status == 201 && r.Header.Get("Idempotent-Replayed") == "" {
							ok.Add(1)
						} else {
							t.Errorf("POST distinct-%d = %d %s", i, r.Status, r.Body)
						}
					})
				}
				wg.Wait()
				if got := len(partnerOrders(t, e, "acme-client")) - start; ok.Load() != 50 || got != 50 {
					t.Errorf("50 distinct keys = %d created, %d new orders, want 50 and 50", ok.Load(), got)
				}
			})
			t.Run("keys are per partner", func(t *testing.T) {
				r := e.do(req{method: "POST", path: "/v1/orders", token: e.token("globex-client"), key: "race-key", body: body})
				if r.Status != 201 || r.Header.Get("Idempotent-Replayed") != "" {
					t.Errorf("partner B with A's key = %d replayed=%q, want a fresh 201", r.Status, r.Header.Get("Idempotent-Replayed"))
				}
			})
		})
	}
}

// crashStore is a key store whose process "crashes" after the handler ran: while crashed,
// Complete and Release fail, so the in-progress record stays until its lease ends. skew moves
// the store's clock forward to end the lease.
type crashStore struct {
	*idempotency.Memory
	crashed atomic.Bool
	skew    atomic.Int64
}

func (s *crashStore) Acquire(ctx context.Context, key string, rec idempotency.Record, now time.Time) (*idempotency.Record, error) {
	return s.Memory.Acquire(ctx, key, rec, now.Add(time.Duration(s.skew.Load())))
}

func (s *crashStore) Complete(ctx context.Context, key string, rec idempotency.Record) error {
	if s.crashed.Load() {
		return errors.New("process died before storing the response")
	}
	return s.Memory.Complete(ctx, key, rec)
}

func (s *crashStore) Release(ctx context.Context, key, token string) error {
	if s.crashed.Load() {
		return errors.New("process died")
	}
	return s.Memory.Release(ctx, key, token)
}

// TestCrashBetweenOrderAndResponse: the order is placed, the process dies before the response
// is stored; the partner's retry must not create a second order but get the first one.
func TestCrashBetweenOrderAndResponse(t *testing.T) {
	store := &crashStore{Memory: idempotency.NewMemory()}
	e := newEnv(t, testVars(nil), app.Deps{Idempotency: store})
	e.stockUp(t)
	tok := e.token("acme-client")
	body := readFile(t, "order.json")
	stock := func() int64 {
		p, err := e.platform.Catalog.GetProductBySKU(context.Background(), "HEA-AUR-0002")
		if err != nil {
			t.Fatal(err)
		}
		return p.Stock
	}
	stockBefore := stock()

	store.crashed.Store(true)
	lost := e.do(req{method: "POST", path: "/v1/orders", token: tok, key: "crash-key", body: body})
	if lost.Status != 201 {
		t.Fatalf("first POST = %d %s, want 201 (the response the partner never receives)", lost.Status, lost.Body)
	}
	var first app.Order
	lost.json(t, &first)

	t.Run("retry during the lease is 409", func(t *testing.T) {
		r := e.do(req{method: "POST", path: "/v1/orders", token: tok, key: "crash-key", body: body})
		if r.Status != 409 || r.Header.Get("Retry-After") == "" {
			t.Errorf("retry while the dead request holds the key = %d %s, want 409 with Retry-After", r.Status, r.Body)
		}
	})
	store.crashed.Store(false)
	store.skew.Store(int64(time.Minute)) // the lease of the dead request has ended

	t.Run("retry after the lease gets the first order", func(t *testing.T) {
		r := e.do(req{method: "POST", path: "/v1/orders", token: tok, key: "crash-key", body: body})
		var got app.Order
		r.json(t, &got)
		if r.Status != 201 || got.ID != first.ID || got.Total != first.Total {
			t.Errorf("retry = %d id %s, want 201 with the first order %s", r.Status, got.ID, first.ID)
		}
		n := 0
		for _, o := range partnerOrders(t, e, "acme-client") {
			if o.ID == first.ID {
				n++
			}
		}
		if n != 1 {
			t.Errorf("orders with id %s = %d, want 1", first.ID, n)
		}
		if got := stockBefore - stock(); got != 1 {
			t.Errorf("stock reserved = %d, want 1 (one order of quantity 1)", got)
		}
	})
	t.Run("the recovered response is stored and replayed", func(t *testing.T) {
		r := e.do(req{method: "POST", path: "/v1/orders", token: tok, key: "crash-key", body: body})
		if r.Status != 201 || r.Header.Get("Idempotent-Replayed") != "true" {
			t.Errorf("third POST = %d replayed=%q, want a 201 replay", r.Status, r.Header.Get("Idempotent-Replayed"))
		}
	})
	t.Run("crash then retry with another body is 422", func(t *testing.T) {
		store.skew.Store(0)
		store.crashed.Store(true)
		e.do(req{method: "POST", path: "/v1/orders", token: tok, key: "crash-key-2", body: body})
		store.crashed.Store(false)
		// The key store lost the record entirely (e.g. expired): only the order remains.
		store.skew.Store(int64(48 * time.Hour))
		other := strings.Replace(body, `"quantity": 2`, `"quantity": 5`, 1)
		r := e.do(req{method: "POST", path: "/v1/orders", token: tok, key: "crash-key-2", body: other})
		if r.Status != http.StatusUnprocessableEntity {
			t.Errorf("retry with another body after a crash = %d %s, want 422", r.Status, r.Body)
		}
	})
}
