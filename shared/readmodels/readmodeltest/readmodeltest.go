// Package readmodeltest is the conformance suite of the read-model backends (store/embedded,
// store/dynamo): the projector and the client over the backend under test, fed in-order,
// duplicated, reordered and concurrent events.
package readmodeltest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"bffsuite.dev/shared/catalog"
	"bffsuite.dev/shared/events"
	"bffsuite.dev/shared/orders"
	"bffsuite.dev/shared/readmodels"
	"bffsuite.dev/shared/readmodels/projector"
)

// Open returns a fresh, empty backend.
type Open func(t *testing.T) readmodels.Backend

// Now is the fixed clock of the suite.
var Now = time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)

// Config is the suite's read-model configuration (no popularity cache).
var Config = readmodels.Config{PopularWindow: 24 * time.Hour}

// Order is an order at a version with a status, for building events.
func Order(id, customer string, version int64, status orders.Status, at time.Time, lines ...orders.Line) orders.Order {
	o := orders.Order{ID: id, CustomerID: customer, Channel: orders.ChannelWeb, Status: status, Version: version,
		Lines: lines, CreatedAt: at, UpdatedAt: at.Add(time.Duration(version-1) * time.Minute)}
	for _, l := range lines {
		o.ItemCount += l.Quantity
		o.Total.Amount += l.Total.Amount
	}
	o.Total.Currency = "EUR"
	return o
}

// Line is a line of qty units at 10.00 each.
func Line(product string, qty int64) orders.Line {
	return orders.Line{ProductID: product, SKU: "SKU-" + product, Quantity: qty,
		UnitPrice: catalog.Money{Amount: 1000, Currency: "EUR"}, Total: catalog.Money{Amount: 1000 * qty, Currency: "EUR"}}
}

// Life is the events of an order placed, confirmed and then cancelled (if cancel) or shipped.
func Life(id, customer string, at time.Time, cancel bool, lines ...orders.Line) []events.Event {
	last := orders.StatusShipped
	if cancel {
		last = orders.StatusCancelled
	}
	var out []events.Event
	for v, s := range []orders.Status{orders.StatusPending, orders.StatusConfirmed, last} {
		out = append(out, events.Snapshot(Order(id, customer, int64(v+1), s, at, lines...)))
	}
	return out
}

type env struct {
	p *projector.Projector
	c *readmodels.Client
}

func newEnv(t *testing.T, open Open) env {
	b := open(t)
	now := func() time.Time { return Now }
	return env{projector.New(b, Config, now), readmodels.NewClient(b, Config, now)}
}

func (e env) apply(t *testing.T, evs ...events.Event) {
	t.Helper()
	for _, ev := range evs {
		if err := e.p.Handle(context.Background(), ev); err != nil {
			t.Fatalf("Handle(%s v%d) = %v", ev.Type, ev.OrderVersion, err)
		}
	}
}

// state is what the suite compares: a customer's summary and the popular products.
func (e env) state(t *testing.T, customer string) string {
	t.Helper()
	s, err := e.c.Summary(context.Background(), customer)
	if err != nil {
		t.Fatal(err)
	}
	pop, err := e.c.Popular(context.Background(), 10)
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("orders=%d value=%d tier=%s popular=%v", s.OrderCount, s.LifetimeValue, s.Tier, pop)
}

// Run runs the suite.
func Run(t *testing.T, open Open) {
	at := Now.Add(-time.Hour)
	a := Life("ord_a", "cus_1", at, false, Line("p1", 2), Line("p2", 1)) // 30.00, kept
	b := Life("ord_b", "cus_1", at, true, Line("p1", 5))                 // 50.00, cancelled
	c := Life("ord_c", "cus_1", at, false, Line("p3", 1))                // 10.00, kept
	want := "orders=2 value=4000 tier=standard popular=[{p1 SKU-p1 2} {p2 SKU-p2 1} {p3 SKU-p3 1}]"

	t.Run("InOrder", func(t *testing.T) {
		e := newEnv(t, open)
		e.apply(t, a[0])
		if got, w := e.state(t, "cus_1"), "orders=1 value=3000 tier=standard popular=[{p1 SKU-p1 2} {p2 SKU-p2 1}]"; got != w {
			t.Errorf("after placing: got %s, want %s", got, w)
		}
		e.apply(t, b[0])
		if got, w := e.state(t, "cus_1"), "orders=2 value=8000 tier=standard popular=[{p1 SKU-p1 7} {p2 SKU-p2 1}]"; got != w {
			t.Errorf("after a second order: got %s, want %s", got, w)
		}
		e.apply(t, a[1:]...)
		e.apply(t, b[1:]...)
		e.apply(t, c...)
		if got := e.state(t, "cus_1"); got != want {
			t.Errorf("got %s, want %s", got, want)
		}
	})
	t.Run("DuplicatesChangeNothing", func(t *testing.T) {
		e := newEnv(t, open)
		for _, evs := range [][]events.Event{a, b, c} {
			for _, ev := range evs {
				e.apply(t, ev, ev)
			}
		}
		e.apply(t, a...)
		e.apply(t, b[2], b[0])
		if got := e.state(t, "cus_1"); got != want {
			t.Errorf("got %s, want %s", got, want)
		}
	})
	t.Run("OutOfOrder", func(t *testing.T) {
		for _, tt := range []struct {
			name string
			evs  []events.Event
		}{
			{"cancel before place", []events.Event{b[2], b[0], b[1], a[0], a[1], a[2], c[0], c[1], c[2]}},
			{"confirm before place", []events.Event{a[1], a[0], a[2], b[1], b[0], b[2], c[2], c[1], c[0]}},
			{"everything reversed", []events.Event{c[2], c[1], c[0], b[2], b[1], b[0], a[2], a[1], a[0]}},
		} {
			t.Run(tt.name, func(t *testing.T) {
				e := newEnv(t, open)
				e.apply(t, tt.evs...)
				if got := e.state(t, "cus_1"); got != want {
					t.Errorf("got %s, want %s", got, want)
				}
			})
		}
		rng := rand.New(rand.NewPCG(18, 2026))
		all := append(append(append([]events.Event{}, a...), b...), c...)
		for i := range 5 {
			evs := append(append([]events.Event{}, all...), all[rng.IntN(len(all))], all[rng.IntN(len(all))])
			rng.Shuffle(len(evs), func(i, j int) { evs[i], evs[j] = evs[j], evs[i] })
			t.Run(fmt.Sprintf("shuffle %d", i), func(t *testing.T) {
				e := newEnv(t, open)
				e.apply(t, evs...)
				if got := e.state(t, "cus_1"); got != want {
					t.Errorf("order %v: got %s, want %s", ids(evs), got, want)
				}
			})
		}
	})
	t.Run("ConcurrentProjectors", func(t *testing.T) {
		e := newEnv(t, open)
		all := append(append(append([]events.Event{}, a...), b...), c...)
		var wg sync.WaitGroup
		errs := make(chan error, 4*len(all))
		for w := range 4 {
			wg.Go(func() {
				rng := rand.New(rand.NewPCG(uint64(w), 7))
				evs := append([]events.Event{}, all...)
				rng.Shuffle(len(evs), func(i, j int) { evs[i], evs[j] = evs[j], evs[i] })
				for _, ev := range evs {
					if err := e.p.Handle(context.Background(), ev); err != nil {
						errs <- err
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Errorf("Handle: %v", err)
		}
		if got := e.state(t, "cus_1"); got != want {
			t.Errorf("got %s, want %s", got, want)
		}
	})
	t.Run("TiersAndOutsideWindow", func(t *testing.T) {
		e := newEnv(t, open)
		e.apply(t, Life("ord_big", "cus_2", Now.Add(-72*time.Hour), false, Line("p9", 60))...) // 600.00, 3 days ago
		if got, w := e.state(t, "cus_2"), "orders=1 value=60000 tier=silver popular=[]"; got != w {
			t.Errorf("got %s, want %s", got, w)
		}
		e.apply(t, Life("ord_huge", "cus_2", at, false, Line("p9", 100), Line("p8", 50))...) // 1,500.00
		if got, w := e.state(t, "cus_2"), "orders=2 value=210000 tier=gold popular=[{p9 SKU-p9 100} {p8 SKU-p8 50}]"; got != w {
			t.Errorf("got %s, want %s", got, w)
		}
		if got, w := e.state(t, "cus_none"), "orders=0 value=0 tier=standard popular=[{p9 SKU-p9 100} {p8 SKU-p8 50}]"; got != w {
			t.Errorf("customer without orders: got %s, want %s", got, w)
		}
	})
}

func ids(evs []events.Event) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = fmt.Sprintf("%s/v%d", e.OrderID, e.OrderVersion)
	}
	return out
}
