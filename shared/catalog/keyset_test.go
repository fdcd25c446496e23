package catalog

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"bffsuite.dev/shared/domain"
)

// sliceBackend serves ListProducts from a slice the test edits between pages, so a walk can
// be driven through removals as well as inserts (the store backends cannot delete products).
// Only what search reads is implemented.
type sliceBackend struct {
	Backend // nil: any other method panics, so the test notices if search starts using it
	mu      sync.Mutex
	ps      []Product
}

func (b *sliceBackend) ListProducts(context.Context) ([]Product, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.ps), nil
}

func (b *sliceBackend) ListCategories(context.Context) ([]Category, error) { return nil, nil }

func randomProduct(rng *rand.Rand, id string) Product {
	return Product{
		ID: id, Name: fmt.Sprintf("N%03d", rng.IntN(40)), Category: "c", Brand: "b",
		Price:  Money{Amount: int64(rng.IntN(20)) * 100, Currency: "EUR"},
		Rating: float64(rng.IntN(11)) / 2, RatingCount: rng.IntN(3), Stock: 1,
		UpdatedAt: time.Date(2026, 1, 1, 0, 0, rng.IntN(30), 0, time.UTC),
	}
}

// TestSearchKeysetUnderRemovalsAndInserts walks every sort while products are removed and
// added between pages: no product is sent twice, and every product present throughout is
// sent. With an offset cursor, an insert before the position repeats a product and a
// removal before it skips one.
func TestSearchKeysetUnderRemovalsAndInserts(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, sort := range sorts {
		for round := range 15 {
			b := &sliceBackend{}
			for i := range 120 {
				b.ps = append(b.ps, randomProduct(rng, fmt.Sprintf("p%03d", i)))
			}
			stable := map[string]bool{}
			for _, p := range b.ps {
				stable[p.ID] = true
			}
			c := New(b, Options{})
			q := Query{Sort: sort, Limit: 1 + rng.IntN(30)}
			if round%3 == 0 {
				q.Text = "n0" // relevance with a text score
			}
			var seen []string
			for pages := 0; ; pages++ {
				page, err := c.SearchProducts(context.Background(), q)
				if err != nil {
					t.Fatalf("sort %s round %d page %d: %v", sort, round, pages, err)
				}
				for _, p := range page.Items {
					seen = append(seen, p.ID)
				}
				if page.NextCursor == "" || pages > 500 {
					break
				}
				q.Cursor = page.NextCursor
				b.mu.Lock()
				for range rng.IntN(6) {
					i := rng.IntN(len(b.ps))
					delete(stable, b.ps[i].ID)
					b.ps = slices.Delete(b.ps, i, i+1)
				}
				for j := range rng.IntN(6) {
					b.ps = append(b.ps, randomProduct(rng, fmt.Sprintf("r%d-%d-%d", round, pages, j)))
				}
				b.mu.Unlock()
			}
			got := map[string]bool{}
			for _, id := range seen {
				if got[id] {
					t.Errorf("sort %s round %d (limit %d): repeated %s", sort, round, q.Limit, id)
				}
				got[id] = true
			}
			for id := range stable {
				if !got[id] && (q.Text == "" || score(productByID(b.ps, id), terms(q.Text)) > 0) {
					t.Errorf("sort %s round %d (limit %d): skipped %s, present throughout", sort, round, q.Limit, id)
				}
			}
		}
	}
}

func productByID(ps []Product, id string) *Product {
	for i := range ps {
		if ps[i].ID == id {
			return &ps[i]
		}
	}
	return nil
}

func TestSortKeyRoundTrip(t *testing.T) {
	h := scored{p: &Product{ID: "id\x1f\"x", Name: "Ünïcode \x1f \"Name\"", Price: Money{Amount: 1234},
		Rating: 4.35, RatingCount: 17, UpdatedAt: time.Date(2026, 2, 3, 4, 5, 6, 789, time.FixedZone("X", 3600))}, score: 9}
	for _, sort := range sorts {
		k := keyOf(h, sort)
		got, err := decodeSortKey(sort, k.encode(sort))
		if err != nil {
			t.Fatalf("sort %s: decode(encode) = %v", sort, err)
		}
		if compareKeys(sort, got, k) != 0 || !got.updated.Equal(k.updated) || got != k {
			t.Errorf("sort %s: got %+v, want %+v", sort, got, k)
		}
	}
}

func TestDecodeSortKeyRejects(t *testing.T) {
	for _, tt := range []struct{ name, sort, pos string }{
		{"old offset position", SortName, "20"},
		{"unknown version", SortName, `["k0","a","id"]`},
		{"fields of another sort", SortRating, `["k1","a","id"]`},
		{"price not a number", SortPriceAsc, `["k1","x","id"]`},
		{"bad time", SortNewest, `["k1","yesterday","id"]`},
		{"too short", SortName, `["k1"]`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := decodeSortKey(tt.sort, tt.pos)
			if !errors.Is(err, domain.ErrInvalidCursor) {
				t.Fatalf("got %v, want ErrInvalidCursor", err)
			}
		})
	}
}
