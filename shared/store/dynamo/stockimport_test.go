package dynamo_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"bffsuite.dev/shared/catalog"
	"bffsuite.dev/shared/domain"
)

// TestImportStock: the conditional stock write of bulk imports on DynamoDB Local.
func TestImportStock(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	p := catalog.Product{ID: "imp1", SKU: "IMP-1", Slug: "imp-1", Name: "Import", Category: "c",
		Price: catalog.Money{Amount: 1, Currency: "EUR"}, Stock: 3, UpdatedAt: time.Unix(1e9, 0)}
	if err := s.Catalog().PutProducts(ctx, []catalog.Product{p}); err != nil {
		t.Fatal(err)
	}
	si := s.Catalog().(catalog.StockImporter)
	for _, tc := range []struct {
		name        string
		id          string
		stock, seq  int64
		wantApplied bool
		wantErr     error
		wantStock   int64
	}{
		{"first import", "imp1", 10, 100, true, nil, 10},
		{"same import again", "imp1", 10, 100, true, nil, 10},
		{"newer import", "imp1", 20, 200, true, nil, 20},
		{"older import loses", "imp1", 5, 150, false, nil, 20},
		{"unknown product", "nope", 1, 300, false, domain.ErrNotFound, 20},
	} {
		t.Run(tc.name, func(t *testing.T) {
			applied, err := si.ImportStock(ctx, tc.id, tc.stock, tc.seq, time.Now())
			if applied != tc.wantApplied || !errors.Is(err, tc.wantErr) {
				t.Errorf("ImportStock = %v, %v; want %v, %v", applied, err, tc.wantApplied, tc.wantErr)
			}
			got, err := s.Catalog().GetProduct(ctx, "imp1")
			if err != nil || got.Stock != tc.wantStock {
				t.Errorf("stock = %d (%v), want %d", got.Stock, err, tc.wantStock)
			}
		})
	}
}
