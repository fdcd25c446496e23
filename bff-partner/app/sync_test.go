package app_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"testing"
	"time"

	"bffsuite.dev/bff-partner/app"
)

// syncPass pages through GET /v1/products from cursor (or from updated_since when cursor is
// empty) until has_more is false, calling between after every page. It returns the SKUs in
// delivery order and the last next_cursor.
func syncPass(t *testing.T, e *env, tok, since, cursor string, limit int, between func(page, delivered int)) ([]string, string) {
	t.Helper()
	var skus []string
	for page := 0; ; page++ {
		q := url.Values{"limit": {strconv.Itoa(limit)}}
		if cursor != "" {
			q.Set("cursor", cursor)
		} else if since != "" {
			q.Set("updated_since", since)
		}
		r := e.do(req{method: "GET", path: "/v1/products?" + q.Encode(), token: tok})
		if r.Status != http.StatusOK {
			t.Fatalf("GET /v1/products?%s = %d %s", q.Encode(), r.Status, r.Body)
		}
		var p app.ProductPage
		r.json(t, &p)
		for _, it := range p.Items {
			skus = append(skus, it.SKU)
		}
		if p.NextCursor == "" {
			t.Fatalf("page %d has no next_cursor", page)
		}
		cursor = p.NextCursor
		if between != nil {
			between(page, len(skus))
		}
		if !p.HasMore {
			return skus, cursor
		}
		if page > 1000 {
			t.Fatal("sync does not end")
		}
	}
}

// TestSyncSeesConcurrentChanges: products changed while a partner pages through the feed are
// delivered again (with their new state) later in the same pass or on the next pass from the
// stored cursor; none is lost, and a pass without changes delivers nothing new.
func TestSyncSeesConcurrentChanges(t *testing.T) {
	e := newEnv(t, testVars(nil), app.Deps{})
	tok := e.token("acme-client")
	ctx := context.Background()
	total := 200

	// Products changed while the first pass runs: some already delivered, some not yet.
	changes := map[int][]string{1: {"p-0001", "p-0150"}, 5: {"p-0030", "p-0199"}, 9: {"p-0003"}}
	changed := map[string]bool{}
	changedAt := map[string]int{} // SKU → number of products delivered when it changed
	first, cursor := syncPass(t, e, tok, "2000-01-01T00:00:00Z", "", 20, func(page, delivered int) {
		for _, id := range changes[page] {
			if err := e.platform.Catalog.SetStock(ctx, id, int64(page)); err != nil {
				t.Fatalf("SetStock(%s) = %v", id, err)
			}
			p, err := e.platform.Catalog.GetProduct(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			changed[p.SKU] = true
			changedAt[p.SKU] = delivered
		}
	})
	seen := map[string]int{}
	for _, s := range first {
		seen[s]++
	}
	if len(seen) != total {
		t.Fatalf("first pass delivered %d distinct products, want all %d", len(seen), total)
	}
	for s, n := range seen {
		if n > 1 && !changed[s] {
			t.Errorf("first pass delivered unchanged %s %d times, want once", s, n)
		}
	}

	// A change after the first pass ends is seen on the next pass from the stored cursor.
	if err := e.platform.Catalog.SetStock(ctx, "p-0100", 7); err != nil {
		t.Fatal(err)
	}
	p100, _ := e.platform.Catalog.GetProduct(ctx, "p-0100")
	second, cursor2 := syncPass(t, e, tok, "", cursor, 20, nil)
	got := map[string]bool{}
	for _, s := range second {
		got[s] = true
	}
	if !got[p100.SKU] {
		t.Errorf("second pass = %v, want it to contain %s changed after the first pass", second, p100.SKU)
	}
	// Every change made during the first pass is delivered after it was made: later in the
	// first pass or in the second.
	for sku, at := range changedAt {
		if !slices.Contains(first[at:], sku) && !got[sku] {
			t.Errorf("change of %s (made after %d deliveries) is lost: not delivered afterwards", sku, at)
		}
	}

	// Nothing changed since: the next pass is empty but still returns a cursor.
	third, _ := syncPass(t, e, tok, "", cursor2, 20, nil)
	if len(third) != 0 {
		t.Errorf("third pass = %v, want nothing", third)
	}

	t.Run("updated_since filters", func(t *testing.T) {
		since := p100.UpdatedAt.Add(-time.Nanosecond).UTC().Format(time.RFC3339Nano)
		skus, _ := syncPass(t, e, tok, since, "", 50, nil)
		if len(skus) != 1 || skus[0] != p100.SKU {
			t.Errorf("sync from %s = %v, want only %s", since, skus, p100.SKU)
		}
	})
}
