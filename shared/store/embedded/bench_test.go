package embedded_test

import (
	"context"
	"fmt"
	"testing"

	"bffsuite.dev/shared/catalog"
	"bffsuite.dev/shared/customers"
	"bffsuite.dev/shared/orders"
	"bffsuite.dev/shared/store/embedded"
	"bffsuite.dev/shared/store/seed"
	"bffsuite.dev/shared/store/storetest"
)

func benchEnv(b *testing.B) *storetest.Env {
	s := embedded.New(nil)
	return storetest.NewEnv(b, seed.Backends{Catalog: s.Catalog(), Customers: s.Customers(), Orders: s.Orders()})
}

func BenchmarkGetProduct(b *testing.B) {
	e := benchEnv(b)
	id := e.Data.Products[3].ID
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.Catalog.GetProduct(context.Background(), id); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSearchProducts searches the full 200-product seed catalog.
func BenchmarkSearchProducts(b *testing.B) {
	s := embedded.New(nil)
	if err := seed.Load(context.Background(), seed.Backends{Catalog: s.Catalog(), Customers: s.Customers(), Orders: s.Orders()}, seed.Generate()); err != nil {
		b.Fatal(err)
	}
	cat := catalog.New(s.Catalog(), catalog.Options{})
	q := catalog.Query{Category: "electronics", Text: "wireless", Sort: catalog.SortPriceAsc, Limit: 10}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := cat.SearchProducts(context.Background(), q); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPlaceOrder(b *testing.B) {
	e := benchEnv(b)
	id := e.Data.Products[3].ID
	if err := e.Catalog.SetStock(context.Background(), id, 1<<40); err != nil {
		b.Fatal(err)
	}
	addr := customers.Address{Name: "Bench", Line1: "Road 1", City: "Berlin", PostalCode: "10115", Country: "DE"}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		if _, err := e.Orders.PlaceOrder(context.Background(), orders.PlaceOrderInput{CustomerID: fmt.Sprintf("bench-%d", i%10),
			Channel: orders.ChannelWeb, ShippingAddress: addr, Lines: []orders.LineInput{{ProductID: id, Quantity: 1}}}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSearchPage is the web grid: a numbered page of the same search with total and facets.
func BenchmarkSearchPage(b *testing.B) {
	s := embedded.New(nil)
	if err := seed.Load(context.Background(), seed.Backends{Catalog: s.Catalog(), Customers: s.Customers(), Orders: s.Orders()}, seed.Generate()); err != nil {
		b.Fatal(err)
	}
	cat := catalog.New(s.Catalog(), catalog.Options{})
	q := catalog.Query{Category: "electronics", Text: "wireless", Sort: catalog.SortPriceAsc}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := cat.SearchPage(context.Background(), q, 1, 24); err != nil {
			b.Fatal(err)
		}
	}
}
