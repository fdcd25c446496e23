package app

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"bffsuite.dev/shared/catalog"
)

func TestWindowSize(t *testing.T) {
	for limit := 1; limit <= maxLimit; limit++ {
		for start := 0; start <= 400; start++ {
			size := windowSize(start, limit)
			first := max(start-1, 0) / size * size
			if size == scanPage {
				continue // fallback: the loop reads on
			}
			if size < limit || first > max(start-1, 0) || first+size < start+limit {
				t.Fatalf("windowSize(%d, %d) = %d: window [%d, %d) does not hold [%d, %d)", start, limit, size, first, first+size, max(start-1, 0), start+limit)
			}
		}
	}
}

// sliceCatalog serves SearchPage over an in-memory list in catalog.SortName order, so the
// window search can be driven through removals, which the real backends cannot do.
type sliceCatalog struct{ ps []catalog.Product }

func (s *sliceCatalog) SearchPage(_ context.Context, _ catalog.Query, page, size int) (catalog.SearchResult, error) {
	all := slices.Clone(s.ps)
	slices.SortFunc(all, func(a, b catalog.Product) int {
		return strings.Compare(strings.ToLower(a.Name)+"\x00"+a.ID, strings.ToLower(b.Name)+"\x00"+b.ID)
	})
	lo := min((page-1)*size, len(all))
	hi := min(lo+size, len(all))
	return catalog.SearchResult{Items: all[lo:hi], Total: len(all), Page: page, PageSize: size}, nil
}

func TestListProductsUnderRemovalsAndInserts(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for round := range 20 {
		cat := &sliceCatalog{}
		for i := range 150 {
			cat.ps = append(cat.ps, catalog.Product{ID: fmt.Sprintf("p%03d", i), Name: fmt.Sprintf("n%03d", rng.IntN(1000))})
		}
		stable := map[string]bool{}
		for _, p := range cat.ps {
			stable[p.ID] = true
		}
		limit := 1 + rng.IntN(maxLimit)
		var seen []string
		var cur *productCursor
		for pages := 0; ; pages++ {
			pg, err := listProducts(context.Background(), cat, catalog.Query{}, cur, limit)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range pg.Items {
				seen = append(seen, p.ID)
			}
			if pg.Next == "" || pages > 500 {
				break
			}
			c, err := decodeCursor(pg.Next, catalog.Query{})
			if err != nil {
				t.Fatal(err)
			}
			cur = &c
			// Remove a few products (anywhere) and insert a few.
			for range rng.IntN(6) {
				i := rng.IntN(len(cat.ps))
				delete(stable, cat.ps[i].ID)
				cat.ps = slices.Delete(cat.ps, i, i+1)
			}
			for j := range rng.IntN(6) {
				cat.ps = append(cat.ps, catalog.Product{ID: fmt.Sprintf("r%d-%d-%d", round, pages, j), Name: fmt.Sprintf("n%03d", rng.IntN(1000))})
			}
		}
		if d := dupes(seen); len(d) > 0 {
			t.Errorf("round %d (limit %d): repeated %v", round, limit, d)
		}
		got := map[string]bool{}
		for _, id := range seen {
			got[id] = true
		}
		for id := range stable {
			if !got[id] {
				t.Errorf("round %d (limit %d): skipped %s, present throughout", round, limit, id)
			}
		}
	}
}
