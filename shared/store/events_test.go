//go:build !bff.lambda

package store_test

import (
	"context"
	"testing"
	"time"

	"bffsuite.dev/shared/customers"
	"bffsuite.dev/shared/orders"
	"bffsuite.dev/shared/store"
	"bffsuite.dev/shared/store/seed"
)

// TestEmbeddedProjectsOrderEvents is the `make run` path: the embedded store's seeded orders
// are projected at start, and an order placed later reaches the read models through the
// in-process event bus and the same projector code as the Lambda.
func TestEmbeddedProjectsOrderEvents(t *testing.T) {
	ctx := context.Background()
	c, err := store.Open(ctx, store.Config{Backend: store.BackendEmbedded, Region: "us-east-1"})
	if err != nil {
		t.Fatal(err)
	}
	if c.Events == nil {
		t.Fatal("Clients.Events = nil, want the in-process bus")
	}
	var wantCount, wantValue int64
	for _, o := range seed.Generate().Orders {
		if o.CustomerID == seed.CustomerAlice && o.Status != orders.StatusCancelled {
			wantCount++
			wantValue += o.Total.Amount
		}
	}
	s, err := c.ReadModels.Summary(ctx, seed.CustomerAlice)
	if err != nil || s.OrderCount != wantCount || s.LifetimeValue != wantValue {
		t.Fatalf("seeded summary = %+v, %v; want %d orders worth %d", s, err, wantCount, wantValue)
	}
	p := seed.Generate().Products[3]
	o, err := c.Orders.PlaceOrder(ctx, orders.PlaceOrderInput{CustomerID: seed.CustomerAlice, Channel: orders.ChannelWeb,
		ShippingAddress: customers.Address{Name: "Alice Martin", Line1: "1 Rue de Rivoli", City: "Paris", PostalCode: "75001", Country: "FR"},
		Lines:           []orders.LineInput{{ProductID: p.ID, Quantity: 3}}})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		s, err = c.ReadModels.Summary(ctx, seed.CustomerAlice)
		if err == nil && s.OrderCount == wantCount+1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("summary after placing = %+v, %v; want %d orders", s, err, wantCount+1)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if s.LifetimeValue != wantValue+o.Total.Amount {
		t.Errorf("lifetime value = %d, want %d", s.LifetimeValue, wantValue+o.Total.Amount)
	}
	pop, err := c.ReadModels.Popular(ctx, 100)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, u := range pop {
		found = found || (u.ProductID == p.ID && u.Units >= 3)
	}
	if !found {
		t.Errorf("popular = %v, want %s with at least 3 units", pop, p.ID)
	}
	if _, err := c.Orders.CancelOrder(ctx, o.ID); err != nil {
		t.Fatal(err)
	}
	for deadline = time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if s, _ = c.ReadModels.Summary(ctx, seed.CustomerAlice); s.OrderCount == wantCount {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("summary after cancelling = %+v, want %d orders", s, wantCount)
		}
	}
}
