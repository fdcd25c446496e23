package embedded_test

import (
	"context"
	"testing"
	"time"

	"bffsuite.dev/shared/catalog"
	"bffsuite.dev/shared/store/embedded"
	"bffsuite.dev/shared/store/seed"
)

// BenchmarkChangedAfter pages through the 200-product seed catalog's change feed, 50 a page,
// as partner GET /v1/products does.
func BenchmarkChangedAfter(b *testing.B) {
	s := embedded.New(nil)
	if err := seed.Load(context.Background(), seed.Backends{Catalog: s.Catalog(), Customers: s.Customers(), Orders: s.Orders()}, seed.Generate()); err != nil {
		b.Fatal(err)
	}
	cat := s.Catalog()
	first := time.Time{}.UTC().Format(catalog.KeyTimeFormat) + "#"
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		after := first
		for {
			ps, more, err := cat.ChangedAfter(ctx, after, 50)
			if err != nil {
				b.Fatal(err)
			}
			if !more {
				break
			}
			last := ps[len(ps)-1]
			after = catalog.ChangeKey(last.UpdatedAt, last.ID)
		}
	}
}
