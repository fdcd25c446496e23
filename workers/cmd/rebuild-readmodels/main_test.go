package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"testing"
	"time"

	"bffsuite.dev/shared/events"
	"bffsuite.dev/shared/orders"
	"bffsuite.dev/shared/readmodels"
	"bffsuite.dev/shared/readmodels/projector"
	"bffsuite.dev/shared/store/dynamo"
	"bffsuite.dev/shared/store/seed"
	"bffsuite.dev/shared/store/storetest"
	"bffsuite.dev/shared/testenv"
)

func TestMain(m *testing.M) { os.Exit(testenv.RunWithDynamoDB(m)) }

// view is what is compared: every seeded customer's summary and the popular products.
func view(t *testing.T, c *readmodels.Client, customers []string) string {
	t.Helper()
	out := ""
	for _, id := range customers {
		s, err := c.Summary(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		out += fmt.Sprintf("%s:%d/%d/%s ", id[len(id)-2:], s.OrderCount, s.LifetimeValue, s.Tier)
	}
	pop, err := c.Popular(context.Background(), 20)
	if err != nil {
		t.Fatal(err)
	}
	return out + fmt.Sprint(pop)
}

// TestRebuildEqualsLiveProjection: orders written through the orders client on DynamoDB Local
// are projected live (one event per change) into one table and rebuilt from a scan into an
// empty one; both read the same. A second rebuild is refused without -force and changes
// nothing with it.
func TestRebuildEqualsLiveProjection(t *testing.T) {
	d := testenv.DynamoDB(t)
	db := d.Client()
	ctx := context.Background()
	prefix := testenv.DynamoDBTablePrefix(t)
	names := dynamo.TableNames(prefix)
	if err := dynamo.CreateTables(ctx, db, names); err != nil {
		t.Fatal(err)
	}
	live, rebuilt := prefix+"rm-live", prefix+"rm-rebuilt"
	for _, n := range []string{live, rebuilt} {
		if err := dynamo.CreateTable(ctx, db, n, dynamo.ReadModelsTable()); err != nil {
			t.Fatal(err)
		}
	}
	s := dynamo.New(db, names)
	env := storetest.NewEnv(t, seed.Backends{Catalog: s.Catalog(), Customers: s.Customers(), Orders: s.Orders()})
	cfg := readmodels.Config{PopularWindow: 24 * time.Hour}
	liveRM := dynamo.NewReadModels(db, live)
	p := projector.New(liveRM, cfg, nil)
	for _, o := range env.Data.Orders { // the seeded orders, as their insert events
		if err := p.Handle(ctx, events.Snapshot(o)); err != nil {
			t.Fatal(err)
		}
	}
	customers := []string{seed.CustomerAlice, seed.CustomerBob, seed.CustomerChloe}
	for i, cu := range customers {
		prod := env.Data.Products[i]
		if err := env.Catalog.SetStock(ctx, prod.ID, 100); err != nil {
			t.Fatal(err)
		}
		o, err := env.Orders.PlaceOrder(ctx, orders.PlaceOrderInput{CustomerID: cu, Channel: orders.ChannelWeb,
			ShippingAddress: env.Data.Customers[0].Addresses[0], Lines: []orders.LineInput{{ProductID: prod.ID, Quantity: int64(i + 1)}}})
		if err != nil {
			t.Fatal(err)
		}
		changes := []orders.Order{o}
		if i == 1 {
			c, err := env.Orders.CancelOrder(ctx, o.ID)
			if err != nil {
				t.Fatal(err)
			}
			changes = append(changes, c)
		}
		var prev *orders.Order
		for _, c := range changes {
			if e := events.FromChange(prev, c); e != nil {
				if err := p.Handle(ctx, *e); err != nil {
					t.Fatal(err)
				}
			}
			prev = &c
		}
	}
	rcfg := Config{TableOrders: names.Orders, TableReadModels: rebuilt, ReadModels: cfg}
	n, err := Rebuild(ctx, db, rcfg, 3, false)
	if err != nil {
		t.Fatal(err)
	}
	if want := int64(len(env.Data.Orders) + 3); n != want {
		t.Errorf("replayed %d orders, want %d", n, want)
	}
	want := view(t, readmodels.NewClient(liveRM, cfg, nil), customers)
	got := view(t, readmodels.NewClient(dynamo.NewReadModels(db, rebuilt), cfg, nil), customers)
	if got != want {
		t.Errorf("rebuilt read model:\n%s\nwant (live projection):\n%s", got, want)
	}
	if _, err := Rebuild(ctx, db, rcfg, 3, false); !errors.Is(err, ErrNotEmpty) {
		t.Errorf("second rebuild without force = %v, want ErrNotEmpty", err)
	}
	if _, err := Rebuild(ctx, db, rcfg, 2, true); err != nil {
		t.Fatal(err)
	}
	if again := view(t, readmodels.NewClient(dynamo.NewReadModels(db, rebuilt), cfg, nil), customers); again != want {
		t.Errorf("after a forced second rebuild:\n%s\nwant unchanged:\n%s", again, want)
	}
}
