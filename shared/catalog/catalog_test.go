package catalog_test

import (
	"context"
	"testing"
	"time"

	"bffsuite.dev/shared/catalog"
	"bffsuite.dev/shared/store/embedded"
)

func TestAvailability(t *testing.T) {
	for _, tt := range []struct {
		stock int64
		want  string
	}{{-1, catalog.OutOfStock}, {0, catalog.OutOfStock}, {1, catalog.LowStock}, {5, catalog.LowStock}, {6, catalog.InStock}} {
		if got := (catalog.Product{Stock: tt.stock}).Availability(); got != tt.want {
			t.Errorf("Product{Stock: %d}.Availability() = %s, want %s", tt.stock, got, tt.want)
		}
	}
}

func TestPriceBands(t *testing.T) {
	s := embedded.New(nil)
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var ps []catalog.Product
	for i, amount := range []int64{0, 2499, 2500, 4999, 5000, 9999, 10000, 49999, 50000, 900000} {
		id := string(rune('a' + i))
		ps = append(ps, catalog.Product{ID: "p-" + id, SKU: "S-" + id, Slug: "s-" + id, Name: "N", Category: "c",
			Price: catalog.Money{Amount: amount, Currency: "EUR"}, UpdatedAt: at})
	}
	if err := s.Catalog().PutProducts(context.Background(), ps); err != nil {
		t.Fatal(err)
	}
	res, err := catalog.New(s.Catalog(), catalog.Options{}).SearchPage(context.Background(), catalog.Query{}, 1, 10)
	if err != nil {
		t.Fatal(err)
	}
	want := []catalog.PriceBand{{0, 2500, 2}, {2500, 5000, 2}, {5000, 10000, 2}, {10000, 25000, 1}, {25000, 50000, 1}, {50000, 0, 2}}
	if len(res.Facets.PriceBands) != len(want) {
		t.Fatalf("PriceBands = %+v, want %+v", res.Facets.PriceBands, want)
	}
	for i, b := range res.Facets.PriceBands {
		if b != want[i] {
			t.Errorf("PriceBands[%d] = %+v, want %+v", i, b, want[i])
		}
	}
}
