package embedded_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"bffsuite.dev/shared/catalog"
	"bffsuite.dev/shared/store/embedded"
	"bffsuite.dev/shared/store/seed"
)

// TestChangedAfterOrder: every page of the change feed is the run of products whose change
// keys sort right after the position, in change-key order, ties on UpdatedAt broken by ID.
func TestChangedAfterOrder(t *testing.T) {
	s := embedded.New(nil)
	ctx := context.Background()
	data := seed.Generate()
	if err := seed.Load(ctx, seed.Backends{Catalog: s.Catalog(), Customers: s.Customers(), Orders: s.Orders()}, data); err != nil {
		t.Fatal(err)
	}
	cat := s.Catalog()
	// Three products changed at the same instant: the ID decides.
	same := time.Date(2026, 3, 1, 12, 0, 0, 123456789, time.UTC)
	var extra []catalog.Product
	for _, id := range []string{"tie-b", "tie-a", "tie-c"} {
		p := data.Products[0].Clone()
		p.ID, p.SKU, p.Slug, p.UpdatedAt = id, "SKU-"+id, "slug-"+id, same.In(time.FixedZone("X", 3600))
		extra = append(extra, p)
	}
	if err := cat.PutProducts(ctx, extra); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, p := range append(slices.Clone(data.Products), extra...) {
		keys = append(keys, catalog.ChangeKey(p.UpdatedAt, p.ID))
	}
	slices.Sort(keys)

	positions := []string{
		time.Time{}.Format(catalog.KeyTimeFormat) + "#",
		same.Format(catalog.KeyTimeFormat) + "#",
		same.Format(catalog.KeyTimeFormat) + "#tie-a",
		same.Add(-time.Nanosecond).Format(catalog.KeyTimeFormat) + "#zzz",
		same.Add(time.Nanosecond).Format(catalog.KeyTimeFormat) + "#",
		"", "not a key", // not change keys: compared as strings, as before
	}
	positions = append(positions, keys[:20]...)
	for _, after := range positions {
		for _, limit := range []int{1, 7, 50, 1000} {
			ps, more, err := cat.ChangedAfter(ctx, after, limit)
			if err != nil {
				t.Fatalf("ChangedAfter(%q, %d): %v", after, limit, err)
			}
			var want []string
			for _, k := range keys {
				if k > after {
					want = append(want, k)
				}
			}
			wantMore := len(want) > limit
			want = want[:min(limit, len(want))]
			got := make([]string, len(ps))
			for i, p := range ps {
				got[i] = catalog.ChangeKey(p.UpdatedAt, p.ID)
			}
			if !slices.Equal(got, want) || more != wantMore {
				t.Errorf("ChangedAfter(%q, %d) = %v, more %v; want %v, more %v", after, limit, got, more, want, wantMore)
			}
		}
	}
}
