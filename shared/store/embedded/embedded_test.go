package embedded_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"bffsuite.dev/shared/catalog"
	"bffsuite.dev/shared/domain"
	"bffsuite.dev/shared/faults"
	"bffsuite.dev/shared/orders"
	"bffsuite.dev/shared/store/embedded"
	"bffsuite.dev/shared/store/seed"
	"bffsuite.dev/shared/store/storetest"
)

func open(t *testing.T) seed.Backends {
	s := embedded.New(nil)
	return seed.Backends{Catalog: s.Catalog(), Customers: s.Customers(), Orders: s.Orders()}
}

func TestConformance(t *testing.T) {
	storetest.Run(t, open)
}

func TestFaults(t *testing.T) {
	inj := faults.New(nil, 1)
	s := embedded.New(inj)
	e := storetest.NewEnv(t, seed.Backends{Catalog: s.Catalog(), Customers: s.Customers(), Orders: s.Orders()})
	ctx := context.Background()
	id := e.Data.Products[0].ID

	inj.Set(faults.Catalog, faults.Rule{ErrorRate: 1})
	_, err := e.Catalog.GetProduct(ctx, id)
	if !errors.Is(err, domain.ErrUnavailable) {
		t.Errorf("GetProduct with catalog error:1 = %v, want ErrUnavailable", err)
	}
	if _, err := e.Customers.GetCustomer(ctx, seed.CustomerAlice); err != nil {
		t.Errorf("GetCustomer with only catalog faults = %v, want nil", err)
	}
	inj.Reset()

	inj.Set(faults.Orders, faults.Rule{Latency: 40 * time.Millisecond})
	start := time.Now()
	if _, err := e.Orders.GetOrder(ctx, e.Data.Orders[0].ID); err != nil || time.Since(start) < 40*time.Millisecond {
		t.Errorf("GetOrder with orders latency:40ms = %v after %v, want nil after >= 40ms", err, time.Since(start))
	}
	tctx, cancel := context.WithTimeout(ctx, 10*time.Millisecond)
	defer cancel()
	_, err = e.Orders.GetOrder(tctx, e.Data.Orders[0].ID)
	if !errors.Is(err, domain.ErrUnavailable) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("GetOrder past its deadline = %v, want ErrUnavailable and DeadlineExceeded", err)
	}
	// A failed placement reserves nothing.
	before, _ := e.Catalog.GetProduct(ctx, id)
	inj.Set(faults.Orders, faults.Rule{ErrorRate: 1})
	_, err = e.Orders.PlaceOrder(ctx, orders.PlaceOrderInput{CustomerID: "c1", Channel: orders.ChannelWeb,
		ShippingAddress: e.Data.Customers[0].Addresses[0], Lines: []orders.LineInput{{ProductID: id, Quantity: 1}}})
	if !errors.Is(err, domain.ErrUnavailable) {
		t.Errorf("PlaceOrder with orders error:1 = %v, want ErrUnavailable", err)
	}
	if after, _ := e.Catalog.GetProduct(ctx, id); after.Stock != before.Stock {
		t.Errorf("stock after a failed PlaceOrder = %d, want %d", after.Stock, before.Stock)
	}
}

func TestSeededIdentically(t *testing.T) {
	ctx := context.Background()
	var first []catalog.Product
	for range 2 {
		s := embedded.New(nil)
		if err := seed.Load(ctx, seed.Backends{Catalog: s.Catalog(), Customers: s.Customers(), Orders: s.Orders()}, seed.Generate()); err != nil {
			t.Fatal(err)
		}
		ps, _ := s.Catalog().ListProducts(ctx)
		if first == nil {
			first = ps
			continue
		}
		if len(ps) != len(first) || ps[17].ID != first[17].ID || ps[17].Price != first[17].Price {
			t.Error("two embedded stores seeded differently, want identical data")
		}
	}
}

func TestPartnersConformance(t *testing.T) {
	b, err := embedded.NewPartners(nil)
	if err != nil {
		t.Fatal(err)
	}
	storetest.RunPartners(t, b)
}

func TestPartnersSeed(t *testing.T) {
	b, err := embedded.NewPartners(seed.Partners())
	if err != nil {
		t.Fatalf("NewPartners(seed.Partners()) = %v", err)
	}
	p, err := b.GetByClient(context.Background(), "demo-partner")
	if err != nil || p.ID != "partner-acme" || !p.Active() {
		t.Errorf("GetByClient(demo-partner) = %+v, %v, want the active demo partner", p, err)
	}
	if _, err := embedded.NewPartners(append(seed.Partners(), seed.Partners()...)); !errors.Is(err, domain.ErrConflict) {
		t.Errorf("NewPartners(duplicate client) = %v, want ErrConflict", err)
	}
}
