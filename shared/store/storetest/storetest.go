// Package storetest is the conformance suite every backend of the domain clients must pass:
// the embedded backend runs it always, the DynamoDB backend against DynamoDB Local. It drives
// the real domain clients (catalog, customers, orders) over the backend under test and checks
// every rule: atomic stock reservation under concurrency, restock on cancel, the status
// lifecycle, catalog prices, validation, cursor pagination and cursor tampering, the change
// feed, and conditional profile updates.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"bffsuite.dev/shared/catalog"
	"bffsuite.dev/shared/cursor"
	"bffsuite.dev/shared/customers"
	"bffsuite.dev/shared/domain"
	"bffsuite.dev/shared/logging"
	"bffsuite.dev/shared/orders"
	"bffsuite.dev/shared/store/seed"
	"go.opentelemetry.io/otel/trace"
)

// Open returns fresh, empty backends isolated from every other call (a new table prefix).
type Open func(t *testing.T) seed.Backends

// Env is a loaded data set with the domain clients over it.
type Env struct {
	Backends  seed.Backends
	Data      seed.Data
	Catalog   *catalog.Client
	Customers *customers.Client
	Orders    *orders.Client
	Cursors   *cursor.Codec
}

// PerFamily is the number of products per category in the suite's data set (10 categories).
const PerFamily = 3

// NewEnv opens backends, loads seed.GenerateN(PerFamily) and builds the clients.
func NewEnv(t testing.TB, b seed.Backends) *Env {
	t.Helper()
	codec, err := cursor.New([]byte("storetest-cursor-key-0123456789"))
	if err != nil {
		t.Fatal(err)
	}
	d := seed.GenerateN(PerFamily)
	if err := seed.Load(context.Background(), b, d); err != nil {
		t.Fatalf("seed.Load = %v, want nil", err)
	}
	cat := catalog.New(b.Catalog, catalog.Options{Cursors: codec})
	return &Env{
		Backends: b, Data: d, Catalog: cat, Cursors: codec,
		Customers: customers.New(b.Customers, nil),
		Orders:    orders.New(b.Orders, cat, orders.Options{Cursors: codec}),
	}
}

// Run runs the whole suite.
func Run(t *testing.T, open Open) {
	tests := []struct {
		name string
		fn   func(t *testing.T, e *Env)
	}{
		{"CatalogGet", testCatalogGet},
		{"CatalogBatchGet", testCatalogBatchGet},
		{"CatalogSearchFilters", testSearchFilters},
		{"CatalogSearchPagination", testSearchPagination},
		{"CatalogSearchKeysetUnderInserts", testSearchKeysetUnderInserts},
		{"CatalogSearchPageFacets", testSearchPage},
		{"CatalogInvalidCursor", testInvalidCursor},
		{"CatalogChangedSince", testChangedSince},
		{"CatalogUpdateKeepsStock", testUpdateKeepsStock},
		{"Customers", testCustomers},
		{"PlaceOrder", testPlaceOrder},
		{"PlaceOrderRejects", testPlaceOrderRejects},
		{"PlaceOrderExistingID", testPlaceOrderExistingID},
		{"StatusLifecycle", testLifecycle},
		{"CancelRestoresStock", testCancel},
		{"ListOrders", testListOrders},
		{"ConcurrentLastUnits", testConcurrentLastUnits},
		{"ConcurrentCancel", testConcurrentCancel},
		{"OrderCarriesRequestContext", testOrderCarriesRequestContext},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.fn(t, NewEnv(t, open(t)))
		})
	}
}

func ctxT(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func (e *Env) product(t *testing.T, i int) catalog.Product {
	t.Helper()
	p, err := e.Catalog.GetProduct(ctxT(t), e.Data.Products[i].ID)
	if err != nil {
		t.Fatalf("GetProduct(%s) = %v", e.Data.Products[i].ID, err)
	}
	return p
}

func (e *Env) stock(t *testing.T, id string) int64 {
	t.Helper()
	p, err := e.Catalog.GetProduct(ctxT(t), id)
	if err != nil {
		t.Fatalf("GetProduct(%s) = %v", id, err)
	}
	return p.Stock
}

func ids(ps []catalog.Product) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.ID
	}
	return out
}

func wantErr(t *testing.T, call string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Errorf("%s error = %v, want %v", call, err, want)
	}
}

func wantValidation(t *testing.T, call string, err error, field string) {
	t.Helper()
	v, ok := domain.AsValidation(err)
	if !ok {
		t.Errorf("%s error = %v, want *domain.ValidationError on %s", call, err, field)
		return
	}
	for _, f := range v.Fields {
		if f.Field == field {
			return
		}
	}
	t.Errorf("%s error fields = %+v, want one on %s", call, v.Fields, field)
}

func address() customers.Address {
	return customers.Address{Name: "Test Buyer", Line1: "Teststraße 1", City: "Berlin", PostalCode: "10115", Country: "DE"}
}

// ---- catalog ----

func testCatalogGet(t *testing.T, e *Env) {
	ctx := ctxT(t)
	want := e.Data.Products[4]
	for _, tc := range []struct {
		name string
		get  func() (catalog.Product, error)
	}{
		{"id", func() (catalog.Product, error) { return e.Catalog.GetProduct(ctx, want.ID) }},
		{"slug", func() (catalog.Product, error) { return e.Catalog.GetProductBySlug(ctx, want.Slug) }},
		{"sku", func() (catalog.Product, error) { return e.Catalog.GetProductBySKU(ctx, want.SKU) }},
	} {
		got, err := tc.get()
		if err != nil || got.ID != want.ID || got.Price != want.Price || got.Stock != want.Stock ||
			len(got.Images) != len(want.Images) || got.Attributes["color"] != want.Attributes["color"] ||
			!got.UpdatedAt.Equal(want.UpdatedAt) || got.Description != want.Description {
			t.Errorf("get by %s = %+v, %v, want %+v", tc.name, got, err, want)
		}
	}
	_, err := e.Catalog.GetProduct(ctx, "p-nope")
	wantErr(t, "GetProduct(p-nope)", err, domain.ErrNotFound)
	_, err = e.Catalog.GetProductBySlug(ctx, "no-such-slug")
	wantErr(t, "GetProductBySlug(no-such-slug)", err, domain.ErrNotFound)
	_, err = e.Catalog.GetProductBySKU(ctx, "NO-SKU")
	wantErr(t, "GetProductBySKU(NO-SKU)", err, domain.ErrNotFound)
	_, err = e.Catalog.GetProduct(ctx, "")
	wantValidation(t, `GetProduct("")`, err, "id")
	cats, err := e.Catalog.ListCategories(ctx)
	if err != nil || len(cats) != len(e.Data.Categories) {
		t.Errorf("ListCategories() = %d categories, %v, want %d", len(cats), err, len(e.Data.Categories))
	}
}

func testCatalogBatchGet(t *testing.T, e *Env) {
	ctx := ctxT(t)
	var req []string
	for i := len(e.Data.Products) - 1; i >= 0; i -= 2 {
		req = append(req, e.Data.Products[i].ID)
	}
	req = append(req, "p-missing-1", req[0], "p-missing-2")
	found, missing, err := e.Catalog.BatchGetProducts(ctx, req)
	if err != nil {
		t.Fatalf("BatchGetProducts = %v", err)
	}
	wantIDs := req[:len(req)-3]
	if got := ids(found); !slices.Equal(got, wantIDs) {
		t.Errorf("BatchGetProducts ids = %v, want %v (request order, duplicates collapsed)", got, wantIDs)
	}
	if !slices.Equal(missing, []string{"p-missing-1", "p-missing-2"}) {
		t.Errorf("BatchGetProducts missing = %v, want [p-missing-1 p-missing-2]", missing)
	}
	many := make([]string, catalog.MaxBatch+1)
	for i := range many {
		many[i] = fmt.Sprintf("p-%d", i)
	}
	_, _, err = e.Catalog.BatchGetProducts(ctx, many)
	wantValidation(t, "BatchGetProducts(101 ids)", err, "ids")
}

func ptr(v int64) *int64 { return &v }

func testSearchFilters(t *testing.T, e *Env) {
	ctx := ctxT(t)
	all := e.Data.Products
	match := func(f func(p catalog.Product) bool) []string {
		var out []string
		for _, p := range all {
			if f(p) {
				out = append(out, p.ID)
			}
		}
		slices.Sort(out)
		return out
	}
	brand := all[0].Brand
	tests := []struct {
		name string
		q    catalog.Query
		want []string
	}{
		{"category leaf", catalog.Query{Category: "tents"}, match(func(p catalog.Product) bool { return p.Category == "tents" })},
		{"category parent", catalog.Query{Category: "outdoor"}, match(func(p catalog.Product) bool { return p.Category == "tents" || p.Category == "backpacks" })},
		{"brand", catalog.Query{Brand: brand}, match(func(p catalog.Product) bool { return p.Brand == brand })},
		{"price range", catalog.Query{MinPrice: ptr(5000), MaxPrice: ptr(20000)}, match(func(p catalog.Product) bool { return p.Price.Amount >= 5000 && p.Price.Amount <= 20000 })},
		{"text", catalog.Query{Text: "Trail running"}, match(func(p catalog.Product) bool {
			return containsFold(p.Name+p.Brand+p.Category+p.Description, "trail") && containsFold(p.Name+p.Brand+p.Category+p.Description, "running")
		})},
		{"in stock", catalog.Query{InStock: true}, match(func(p catalog.Product) bool { return p.Stock > 0 })},
		{"nothing", catalog.Query{Text: "zeppelin"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.q.Limit = 100
			page, err := e.Catalog.SearchProducts(ctx, tt.q)
			if err != nil {
				t.Fatalf("SearchProducts(%+v) = %v", tt.q, err)
			}
			got := ids(page.Items)
			slices.Sort(got)
			if len(got) == 0 {
				got = nil
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("SearchProducts(%+v) = %v, want %v", tt.q, got, tt.want)
			}
		})
	}
	sorts := map[string]func(a, b catalog.Product) bool{
		catalog.SortPriceAsc:  func(a, b catalog.Product) bool { return a.Price.Amount <= b.Price.Amount },
		catalog.SortPriceDesc: func(a, b catalog.Product) bool { return a.Price.Amount >= b.Price.Amount },
		catalog.SortRating:    func(a, b catalog.Product) bool { return a.Rating >= b.Rating },
		catalog.SortNewest:    func(a, b catalog.Product) bool { return !a.UpdatedAt.Before(b.UpdatedAt) },
	}
	for s, ordered := range sorts {
		page, err := e.Catalog.SearchProducts(ctx, catalog.Query{Sort: s, Limit: 100})
		if err != nil || len(page.Items) != len(all) {
			t.Fatalf("SearchProducts(sort %s) = %d items, %v, want %d", s, len(page.Items), err, len(all))
		}
		for i := 1; i < len(page.Items); i++ {
			if !ordered(page.Items[i-1], page.Items[i]) {
				t.Errorf("SearchProducts(sort %s): item %d out of order", s, i)
			}
		}
	}
	for _, q := range []catalog.Query{{Sort: "cheapest"}, {Limit: 1000}, {MinPrice: ptr(10), MaxPrice: ptr(5)}, {MinPrice: ptr(-1)}} {
		_, err := e.Catalog.SearchProducts(ctx, q)
		if _, ok := domain.AsValidation(err); !ok {
			t.Errorf("SearchProducts(%+v) error = %v, want *domain.ValidationError", q, err)
		}
	}
}

func containsFold(s, sub string) bool {
	return strings.Contains(strings.ToLower(s), strings.ToLower(sub))
}

func testSearchPagination(t *testing.T, e *Env) {
	ctx := ctxT(t)
	for _, sort := range []string{catalog.SortRelevance, catalog.SortPriceAsc, catalog.SortName} {
		full, err := e.Catalog.SearchProducts(ctx, catalog.Query{Sort: sort, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		q := catalog.Query{Sort: sort, Limit: 7}
		pages := 0
		for {
			page, err := e.Catalog.SearchProducts(ctx, q)
			if err != nil {
				t.Fatalf("SearchProducts page %d = %v", pages, err)
			}
			pages++
			got = append(got, ids(page.Items)...)
			if page.NextCursor == "" {
				break
			}
			q.Cursor = page.NextCursor
			if pages > 20 {
				t.Fatal("pagination does not end")
			}
		}
		if want := ids(full.Items); !slices.Equal(got, want) {
			t.Errorf("sort %s: paged ids = %v, want %v", sort, got, want)
		}
		if wantPages := (len(full.Items) + 6) / 7; pages != wantPages {
			t.Errorf("sort %s: %d pages, want %d", sort, pages, wantPages)
		}
	}
}

// testSearchKeysetUnderInserts walks each sort while products that rank first (before the
// cursor) and last are written between pages: keyset cursors neither repeat a product nor
// skip one that existed when the walk started, and products inserted after the position
// show up in the walk.
func testSearchKeysetUnderInserts(t *testing.T, e *Env) {
	ctx := ctxT(t)
	at := e.Data.Products[0].UpdatedAt
	for n, sort := range []string{catalog.SortName, catalog.SortPriceAsc, catalog.SortPriceDesc, catalog.SortNewest, catalog.SortRating, catalog.SortRelevance} {
		before, err := e.Catalog.SearchProducts(ctx, catalog.Query{Sort: sort, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		q := catalog.Query{Sort: sort, Limit: 10}
		var seen []string
		var lateIDs []string
		for pages := 0; ; pages++ {
			page, err := e.Catalog.SearchProducts(ctx, q)
			if err != nil {
				t.Fatalf("sort %s page %d: %v", sort, pages, err)
			}
			seen = append(seen, ids(page.Items)...)
			if page.NextCursor == "" {
				break
			}
			if pages > 100 {
				t.Fatalf("sort %s: walk does not end", sort)
			}
			q.Cursor = page.NextCursor
			// One product ranking first in every sort and one ranking last, also against the
			// products earlier walks inserted (ties break by id: decreasing for firsts).
			step := time.Duration(10000+n*1000+pages) * time.Hour
			first := catalog.Product{ID: fmt.Sprintf("aa-ins-%d-%02d", 9-n, 99-pages), Name: "!!! first", Category: "tents",
				Price: catalog.Money{Amount: 0, Currency: "EUR"}, Rating: 5, RatingCount: 1000000 + n*1000 + pages, Stock: 1,
				UpdatedAt: at.Add(step)}
			last := catalog.Product{ID: fmt.Sprintf("zz-ins-%d-%02d", n, pages), Name: "~~~ last", Category: "tents",
				Price: catalog.Money{Amount: 1 << 40, Currency: "EUR"}, Stock: 1, UpdatedAt: at.Add(-step)}
			if sort == catalog.SortPriceDesc {
				first.Price.Amount, last.Price.Amount = last.Price.Amount, first.Price.Amount
			}
			for _, p := range []*catalog.Product{&first, &last} {
				p.SKU, p.Slug = "SKU-"+p.ID, "slug-"+p.ID
			}
			if err := e.Backends.Catalog.PutProducts(ctx, []catalog.Product{first, last}); err != nil {
				t.Fatal(err)
			}
			lateIDs = append(lateIDs, last.ID)
		}
		got := map[string]bool{}
		for _, id := range seen {
			if got[id] {
				t.Errorf("sort %s: walk with inserts repeated %s", sort, id)
			}
			got[id] = true
			if strings.HasPrefix(id, fmt.Sprintf("aa-ins-%d-", 9-n)) {
				t.Errorf("sort %s: walk sent %s, inserted before its position", sort, id)
			}
		}
		for _, p := range before.Items {
			if !got[p.ID] {
				t.Errorf("sort %s: walk with inserts skipped %s, which existed before it started", sort, p.ID)
			}
		}
		for _, id := range lateIDs {
			if !got[id] {
				t.Errorf("sort %s: walk missed %s, inserted after its position", sort, id)
			}
		}
	}
}

func testSearchPage(t *testing.T, e *Env) {
	ctx := ctxT(t)
	q := catalog.Query{Category: "electronics", Sort: catalog.SortPriceAsc}
	res, err := e.Catalog.SearchPage(ctx, q, 2, 4)
	if err != nil {
		t.Fatal(err)
	}
	var elec []catalog.Product
	brands := map[string]int{}
	for _, p := range e.Data.Products {
		if p.Category == "headphones" || p.Category == "speakers" || p.Category == "cameras" {
			elec = append(elec, p)
			brands[p.Brand]++
		}
	}
	if res.Total != len(elec) || res.Page != 2 || res.PageSize != 4 || len(res.Items) != 4 {
		t.Errorf("SearchPage(electronics, 2, 4) = total %d page %d size %d items %d, want %d 2 4 4", res.Total, res.Page, res.PageSize, len(res.Items), len(elec))
	}
	full, _ := e.Catalog.SearchProducts(ctx, catalog.Query{Category: "electronics", Sort: catalog.SortPriceAsc, Limit: 100})
	if want := ids(full.Items)[4:8]; !slices.Equal(ids(res.Items), want) {
		t.Errorf("SearchPage page 2 = %v, want %v", ids(res.Items), want)
	}
	got := map[string]int{}
	for _, f := range res.Facets.Brands {
		got[f.Value] = f.Count
	}
	if fmt.Sprint(got) != fmt.Sprint(brands) {
		t.Errorf("brand facets = %v, want %v", got, brands)
	}
	// Category facet ignores the category filter: all ten leaf categories with their counts.
	catTotal := 0
	for _, f := range res.Facets.Categories {
		catTotal += f.Count
	}
	if catTotal != len(e.Data.Products) {
		t.Errorf("category facets sum = %d, want %d", catTotal, len(e.Data.Products))
	}
	bandTotal := 0
	for _, b := range res.Facets.PriceBands {
		bandTotal += b.Count
	}
	if bandTotal != len(elec) {
		t.Errorf("price band facets sum = %d, want %d", bandTotal, len(elec))
	}
	_, err = e.Catalog.SearchPage(ctx, q, 0, 4)
	wantValidation(t, "SearchPage(page 0)", err, "page")
}

func testInvalidCursor(t *testing.T, e *Env) {
	ctx := ctxT(t)
	page, err := e.Catalog.SearchProducts(ctx, catalog.Query{Category: "tents", Limit: 1})
	if err != nil || page.NextCursor == "" {
		t.Fatalf("SearchProducts = %v, cursor %q", err, page.NextCursor)
	}
	foreign, _ := cursor.New([]byte("some-other-deployment-key"))
	tampered := []byte(page.NextCursor)
	tampered[0] ^= 2
	for name, q := range map[string]catalog.Query{
		"other query":   {Category: "cameras", Limit: 1, Cursor: page.NextCursor},
		"tampered":      {Category: "tents", Limit: 1, Cursor: string(tampered)},
		"garbage":       {Category: "tents", Limit: 1, Cursor: "eyJvZmZzZXQiOjV9"},
		"foreign key":   {Category: "tents", Limit: 1, Cursor: foreign.Encode("catalog.search", "", "1")},
		"orders cursor": {Category: "tents", Limit: 1, Cursor: e.Cursors.Encode("orders.by_customer", "x", "1")},
	} {
		_, err := e.Catalog.SearchProducts(ctx, q)
		wantErr(t, "SearchProducts("+name+" cursor)", err, domain.ErrInvalidCursor)
	}
	_, err = e.Catalog.ChangedSince(ctx, time.Time{}, page.NextCursor, 5)
	wantErr(t, "ChangedSince(search cursor)", err, domain.ErrInvalidCursor)
	_, err = e.Orders.ListOrdersByCustomer(ctx, seed.CustomerAlice, page.NextCursor, 5)
	wantErr(t, "ListOrdersByCustomer(search cursor)", err, domain.ErrInvalidCursor)
}

func testChangedSince(t *testing.T, e *Env) {
	ctx := ctxT(t)
	type version struct {
		id string
		at time.Time
	}
	var seen []version
	first, err := e.Catalog.ChangedSince(ctx, time.Time{}, "", 7)
	if err != nil || len(first.Items) != 7 || !first.HasMore {
		t.Fatalf("ChangedSince(zero, 7) = %d items, more %v, %v, want 7, true", len(first.Items), first.HasMore, err)
	}
	for _, p := range first.Items {
		seen = append(seen, version{p.ID, p.UpdatedAt})
	}
	// Change one product already delivered and one not yet delivered, while paging.
	delivered := first.Items[2].ID
	ordered := e.Data.Products
	notYet := ordered[len(ordered)-3].ID
	if err := e.Catalog.SetStock(ctx, delivered, 77); err != nil {
		t.Fatal(err)
	}
	p := e.product(t, len(ordered)-3)
	p.Name += " (2026 edition)"
	if _, err := e.Catalog.UpdateProduct(ctx, p); err != nil {
		t.Fatal(err)
	}
	cur := first.NextCursor
	for pages := 0; ; pages++ {
		page, err := e.Catalog.ChangedSince(ctx, time.Time{}, cur, 7)
		if err != nil {
			t.Fatalf("ChangedSince page %d = %v", pages, err)
		}
		for _, p := range page.Items {
			seen = append(seen, version{p.ID, p.UpdatedAt})
		}
		cur = page.NextCursor
		if !page.HasMore {
			break
		}
		if pages > 20 {
			t.Fatal("change feed does not end")
		}
	}
	count := map[string]int{}
	dup := map[version]bool{}
	for i, v := range seen {
		count[v.id]++
		if dup[v] {
			t.Errorf("change %v delivered twice", v)
		}
		dup[v] = true
		if i > 0 && catalog.ChangeKey(v.at, v.id) <= catalog.ChangeKey(seen[i-1].at, seen[i-1].id) {
			t.Errorf("change %d %v not after %v", i, v, seen[i-1])
		}
	}
	for _, p := range e.Data.Products {
		want := 1
		if p.ID == delivered {
			want = 2 // the old state, then the change made while paging
		}
		if count[p.ID] != want {
			t.Errorf("product %s delivered %d times, want %d", p.ID, count[p.ID], want)
		}
	}
	if last := seen[len(seen)-1].id; last != notYet && last != delivered {
		t.Errorf("last change = %s, want one of the products changed while paging", last)
	}
	// Caught up: the final cursor resumes with exactly the next change.
	empty, err := e.Catalog.ChangedSince(ctx, time.Time{}, cur, 7)
	if err != nil || len(empty.Items) != 0 || empty.HasMore {
		t.Errorf("ChangedSince(final cursor) = %d items, %v, want none", len(empty.Items), err)
	}
	if err := e.Catalog.SetStock(ctx, e.Data.Products[0].ID, 3); err != nil {
		t.Fatal(err)
	}
	next, err := e.Catalog.ChangedSince(ctx, time.Time{}, cur, 7)
	if err != nil || !slices.Equal(ids(next.Items), []string{e.Data.Products[0].ID}) || next.Items[0].Stock != 3 {
		t.Errorf("ChangedSince(after a new change) = %v, %v, want [%s] with stock 3", ids(next.Items), err, e.Data.Products[0].ID)
	}
	// since filters by time.
	since := e.Data.Products[len(e.Data.Products)-5].UpdatedAt
	late, err := e.Catalog.ChangedSince(ctx, since, "", 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range late.Items {
		if p.UpdatedAt.Before(since) {
			t.Errorf("ChangedSince(%v) returned %s changed at %v", since, p.ID, p.UpdatedAt)
		}
	}
	if len(late.Items) < 5 {
		t.Errorf("ChangedSince(%v) = %d items, want at least 5", since, len(late.Items))
	}
}

func testUpdateKeepsStock(t *testing.T, e *Env) {
	ctx := ctxT(t)
	p := e.stocked(t, 1)
	e.place(t, p.ID, 1)
	stale := p // read before the order: its stock is now out of date
	stale.Price.Amount += 100
	got, err := e.Catalog.UpdateProduct(ctx, stale)
	if err != nil {
		t.Fatal(err)
	}
	wantStock := p.Stock - 1
	if got.Stock != wantStock || got.Price.Amount != p.Price.Amount+100 || !got.UpdatedAt.After(p.UpdatedAt) {
		t.Errorf("UpdateProduct = stock %d price %d at %v, want stock %d (kept) price %d, later than %v",
			got.Stock, got.Price.Amount, got.UpdatedAt, wantStock, p.Price.Amount+100, p.UpdatedAt)
	}
	bad := got
	bad.Price.Currency = "euro"
	_, err = e.Catalog.UpdateProduct(ctx, bad)
	wantValidation(t, "UpdateProduct(currency euro)", err, "price.currency")
	missing := got
	missing.ID, missing.SKU, missing.Slug = "p-ghost", "GHOST-1", "ghost"
	_, err = e.Catalog.UpdateProduct(ctx, missing)
	wantErr(t, "UpdateProduct(p-ghost)", err, domain.ErrNotFound)
}

// ---- customers ----

func testCustomers(t *testing.T, e *Env) {
	ctx := ctxT(t)
	alice, err := e.Customers.GetCustomer(ctx, seed.CustomerAlice)
	if err != nil || alice.Email != "demo@example.com" || len(alice.Addresses) != 1 {
		t.Fatalf("GetCustomer(alice) = %+v, %v", alice, err)
	}
	_, err = e.Customers.GetCustomer(ctx, "unknown-sub")
	wantErr(t, "GetCustomer(unknown)", err, domain.ErrNotFound)

	sub := "b2c4e6a8-0000-4000-8000-000000000042"
	c1, err := e.Customers.EnsureCustomer(ctx, sub, "new.user@example.com", "New User")
	if err != nil || c1.Version != 1 || c1.Tier != customers.TierStandard {
		t.Fatalf("EnsureCustomer(new) = %+v, %v, want version 1", c1, err)
	}
	c2, err := e.Customers.EnsureCustomer(ctx, sub, "other@example.com", "Other")
	if err != nil || c2.Email != "new.user@example.com" {
		t.Errorf("EnsureCustomer(existing) = %+v, %v, want the existing profile", c2, err)
	}
	name := "Renamed User"
	addrs := []customers.Address{address()}
	up, err := e.Customers.UpdateProfile(ctx, sub, customers.ProfileUpdate{Name: &name, Addresses: &addrs})
	if err != nil || up.Name != name || len(up.Addresses) != 1 || up.Version != 2 {
		t.Errorf("UpdateProfile = %+v, %v, want renamed, 1 address, version 2", up, err)
	}
	got, _ := e.Customers.GetCustomer(ctx, sub)
	if got.Name != name || got.Version != 2 || got.Addresses[0].City != "Berlin" {
		t.Errorf("GetCustomer after update = %+v, want the update persisted", got)
	}
	bad := []customers.Address{{Name: "x", Country: "Germany"}}
	email := "not-an-email"
	_, err = e.Customers.UpdateProfile(ctx, sub, customers.ProfileUpdate{Email: &email, Addresses: &bad})
	for _, f := range []string{"email", "addresses[0].line1", "addresses[0].country"} {
		wantValidation(t, "UpdateProfile(bad)", err, f)
	}
	if again, _ := e.Customers.GetCustomer(ctx, sub); again.Version != 2 || again.Email != "new.user@example.com" {
		t.Errorf("GetCustomer after rejected update = %+v, want unchanged", again)
	}
	_, err = e.Customers.UpdateProfile(ctx, "unknown-sub", customers.ProfileUpdate{Name: &name})
	wantErr(t, "UpdateProfile(unknown)", err, domain.ErrNotFound)
	// A stale version never overwrites a newer one.
	stale := got
	stale.Name = "Stale"
	stale.Version = got.Version + 1
	err = e.Backends.Customers.PutCustomer(ctx, stale, got.Version-1)
	wantErr(t, "PutCustomer(stale version)", err, domain.ErrConflict)
	// Concurrent updates all land, one after another.
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := range 8 {
		wg.Go(func() {
			n := fmt.Sprintf("Writer %d", i)
			if _, err := e.Customers.UpdateProfile(ctx, sub, customers.ProfileUpdate{Name: &n}); err != nil && !errors.Is(err, domain.ErrConflict) {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("concurrent UpdateProfile = %v, want nil or ErrConflict", err)
	}
}

// ---- orders ----

// stocked returns a product with at least n units in stock.
func (e *Env) stocked(t *testing.T, n int64, skip ...string) catalog.Product {
	t.Helper()
	for i, p := range e.Data.Products {
		if p.Stock >= n && !slices.Contains(skip, p.ID) {
			return e.product(t, i)
		}
	}
	t.Fatalf("no product with %d units in stock", n)
	return catalog.Product{}
}

func testPlaceOrder(t *testing.T, e *Env) {
	ctx := ctxT(t)
	a := e.stocked(t, 3)
	b := e.stocked(t, 2, a.ID)
	o, err := e.Orders.PlaceOrder(ctx, orders.PlaceOrderInput{
		CustomerID: seed.CustomerBob, Channel: orders.ChannelMobile, ShippingAddress: address(),
		Lines: []orders.LineInput{{ProductID: a.ID, Quantity: 3}, {SKU: b.SKU, Quantity: 2}},
	})
	if err != nil {
		t.Fatalf("PlaceOrder = %v", err)
	}
	wantSub := 3*a.Price.Amount + 2*b.Price.Amount
	wantShip := int64(0)
	if wantSub < orders.FreeShippingMin {
		wantShip = orders.ShippingFee
	}
	if o.Status != orders.StatusPending || o.Version != 1 || o.ItemCount != 5 || o.Subtotal.Amount != wantSub ||
		o.Total.Amount != wantSub+wantShip || o.Lines[0].UnitPrice != a.Price || o.Lines[1].ProductID != b.ID ||
		o.Lines[1].UnitPrice != b.Price || o.Lines[1].Total.Amount != 2*b.Price.Amount || o.Channel != orders.ChannelMobile {
		t.Errorf("PlaceOrder = %+v, want prices from the catalog, subtotal %d, total %d", o, wantSub, wantSub+wantShip)
	}
	got, err := e.Orders.GetOrder(ctx, o.ID)
	if err != nil || got.ID != o.ID || got.Total != o.Total || len(got.Lines) != 2 || got.CustomerID != seed.CustomerBob ||
		!got.CreatedAt.Equal(o.CreatedAt) || got.ShippingAddress != o.ShippingAddress {
		t.Errorf("GetOrder(%s) = %+v, %v, want %+v", o.ID, got, err, o)
	}
	if s := e.stock(t, a.ID); s != a.Stock-3 {
		t.Errorf("stock of %s = %d, want %d", a.ID, s, a.Stock-3)
	}
	if s := e.stock(t, b.ID); s != b.Stock-2 {
		t.Errorf("stock of %s = %d, want %d", b.ID, s, b.Stock-2)
	}
	_, err = e.Orders.GetOrder(ctx, "ord_missing")
	wantErr(t, "GetOrder(missing)", err, domain.ErrNotFound)
	p, err := e.Orders.PlaceOrder(ctx, orders.PlaceOrderInput{Channel: orders.ChannelPartner, PartnerID: "partner-test",
		ShippingAddress: address(), Lines: []orders.LineInput{{SKU: a.SKU, Quantity: 1}}})
	if err != nil || p.PartnerID != "partner-test" || p.Channel != orders.ChannelPartner {
		t.Errorf("PlaceOrder(partner) = %+v, %v", p, err)
	}
}

func testPlaceOrderRejects(t *testing.T, e *Env) {
	ctx := ctxT(t)
	a := e.stocked(t, 2)
	b := e.stocked(t, 1, a.ID)
	base := func() orders.PlaceOrderInput {
		return orders.PlaceOrderInput{CustomerID: seed.CustomerBob, Channel: orders.ChannelWeb, ShippingAddress: address(),
			Lines: []orders.LineInput{{ProductID: a.ID, Quantity: 1}}}
	}
	tests := []struct {
		name  string
		edit  func(*orders.PlaceOrderInput)
		field string
	}{
		{"no lines", func(in *orders.PlaceOrderInput) { in.Lines = nil }, "lines"},
		{"zero quantity", func(in *orders.PlaceOrderInput) { in.Lines[0].Quantity = 0 }, "lines[0].quantity"},
		{"negative quantity", func(in *orders.PlaceOrderInput) { in.Lines[0].Quantity = -2 }, "lines[0].quantity"},
		{"huge quantity", func(in *orders.PlaceOrderInput) { in.Lines[0].Quantity = 1 << 40 }, "lines[0].quantity"},
		{"both ids", func(in *orders.PlaceOrderInput) { in.Lines[0].SKU = a.SKU }, "lines[0]"},
		{"unknown product", func(in *orders.PlaceOrderInput) { in.Lines[0].ProductID = "p-9999" }, "lines[0].product_id"},
		{"unknown sku", func(in *orders.PlaceOrderInput) { in.Lines[0] = orders.LineInput{SKU: "NOPE-1", Quantity: 1} }, "lines[0].sku"},
		{"bad product id", func(in *orders.PlaceOrderInput) { in.Lines[0].ProductID = "p#1" }, "lines[0].product_id"},
		{"duplicate product", func(in *orders.PlaceOrderInput) {
			in.Lines = append(in.Lines, orders.LineInput{SKU: a.SKU, Quantity: 1})
		}, "lines[1]"},
		{"bad channel", func(in *orders.PlaceOrderInput) { in.Channel = "fax" }, "channel"},
		{"partner without id", func(in *orders.PlaceOrderInput) { in.Channel = orders.ChannelPartner }, "partner_id"},
		{"web with partner", func(in *orders.PlaceOrderInput) { in.PartnerID = "partner-x" }, "partner_id"},
		{"no customer", func(in *orders.PlaceOrderInput) { in.CustomerID = "" }, "customer_id"},
		{"bad order id", func(in *orders.PlaceOrderInput) { in.OrderID = "no spaces allowed" }, "order_id"},
		{"no address", func(in *orders.PlaceOrderInput) { in.ShippingAddress = customers.Address{} }, "shipping_address.line1"},
	}
	for _, tt := range tests {
		in := base()
		tt.edit(&in)
		_, err := e.Orders.PlaceOrder(ctx, in)
		wantValidation(t, "PlaceOrder("+tt.name+")", err, tt.field)
	}
	// Insufficient stock on the second line: nothing is reserved, not even the first line.
	in := base()
	in.Lines = append(in.Lines, orders.LineInput{ProductID: b.ID, Quantity: b.Stock + 1})
	_, err := e.Orders.PlaceOrder(ctx, in)
	wantErr(t, "PlaceOrder(more than stock)", err, domain.ErrInsufficientStock)
	if s := e.stock(t, a.ID); s != a.Stock {
		t.Errorf("stock of %s after a failed order = %d, want %d (no partial write)", a.ID, s, a.Stock)
	}
	if page, _ := e.Orders.ListOrdersByCustomer(ctx, seed.CustomerBob, "", 100); len(page.Items) != countOrders(e.Data, seed.CustomerBob) {
		t.Errorf("orders of bob after rejected orders = %d, want %d", len(page.Items), countOrders(e.Data, seed.CustomerBob))
	}
}

func countOrders(d seed.Data, customer string) int {
	n := 0
	for _, o := range d.Orders {
		if o.CustomerID == customer {
			n++
		}
	}
	return n
}

func testPlaceOrderExistingID(t *testing.T, e *Env) {
	ctx := ctxT(t)
	a := e.stocked(t, 2)
	in := orders.PlaceOrderInput{OrderID: "ord_fixed_0001", CustomerID: seed.CustomerChloe, Channel: orders.ChannelMobile,
		ShippingAddress: address(), Lines: []orders.LineInput{{ProductID: a.ID, Quantity: 1}}}
	o, err := e.Orders.PlaceOrder(ctx, in)
	if err != nil || o.ID != in.OrderID {
		t.Fatalf("PlaceOrder(fixed id) = %s, %v, want %s", o.ID, err, in.OrderID)
	}
	_, err = e.Orders.PlaceOrder(ctx, in)
	wantErr(t, "PlaceOrder(same id again)", err, domain.ErrConflict)
	in.CustomerID = seed.CustomerDavid
	_, err = e.Orders.PlaceOrder(ctx, in)
	wantErr(t, "PlaceOrder(same id, other customer)", err, domain.ErrConflict)
	if s := e.stock(t, a.ID); s != a.Stock-1 {
		t.Errorf("stock after duplicate order ids = %d, want %d (reserved once)", s, a.Stock-1)
	}
	got, _ := e.Orders.GetOrder(ctx, in.OrderID)
	if got.CustomerID != seed.CustomerChloe {
		t.Errorf("order %s customer = %s, want the first order kept", in.OrderID, got.CustomerID)
	}
	_, err = e.Orders.PlaceOrder(ctx, orders.PlaceOrderInput{OrderID: e.Data.Orders[0].ID, CustomerID: seed.CustomerChloe,
		Channel: orders.ChannelWeb, ShippingAddress: address(), Lines: []orders.LineInput{{ProductID: a.ID, Quantity: 1}}})
	wantErr(t, "PlaceOrder(seeded id)", err, domain.ErrConflict)
}

func (e *Env) place(t *testing.T, id string, qty int64) orders.Order {
	t.Helper()
	o, err := e.Orders.PlaceOrder(ctxT(t), orders.PlaceOrderInput{CustomerID: seed.CustomerDavid, Channel: orders.ChannelWeb,
		ShippingAddress: address(), Lines: []orders.LineInput{{ProductID: id, Quantity: qty}}})
	if err != nil {
		t.Fatalf("PlaceOrder(%s x%d) = %v", id, qty, err)
	}
	return o
}

func testLifecycle(t *testing.T, e *Env) {
	ctx := ctxT(t)
	a := e.stocked(t, 0)
	if err := e.Catalog.SetStock(ctx, a.ID, 100); err != nil {
		t.Fatal(err)
	}
	all := []orders.Status{orders.StatusPending, orders.StatusConfirmed, orders.StatusShipped, orders.StatusDelivered, orders.StatusCancelled}
	// Reach every status, then try every target from it.
	reach := map[orders.Status][]orders.Status{
		orders.StatusPending:   nil,
		orders.StatusConfirmed: {orders.StatusConfirmed},
		orders.StatusShipped:   {orders.StatusConfirmed, orders.StatusShipped},
		orders.StatusDelivered: {orders.StatusConfirmed, orders.StatusShipped, orders.StatusDelivered},
		orders.StatusCancelled: {orders.StatusCancelled},
	}
	for _, from := range all {
		for _, to := range all {
			t.Run(fmt.Sprintf("%s to %s", from, to), func(t *testing.T) {
				o := e.place(t, a.ID, 1)
				for _, s := range reach[from] {
					var err error
					if o, err = e.Orders.UpdateStatus(ctx, o.ID, s); err != nil {
						t.Fatalf("UpdateStatus(%s) = %v", s, err)
					}
				}
				got, err := e.Orders.UpdateStatus(ctx, o.ID, to)
				if orders.CanTransition(from, to) {
					if err != nil || got.Status != to || got.Version != o.Version+1 || got.History[len(got.History)-1].Status != to {
						t.Errorf("UpdateStatus(%s → %s) = %s v%d, %v, want %s v%d", from, to, got.Status, got.Version, err, to, o.Version+1)
					}
					stored, _ := e.Orders.GetOrder(ctx, o.ID)
					if stored.Status != to || len(stored.History) != len(o.History)+1 {
						t.Errorf("stored order = %s with %d history entries, want %s with %d", stored.Status, len(stored.History), to, len(o.History)+1)
					}
				} else {
					wantErr(t, fmt.Sprintf("UpdateStatus(%s → %s)", from, to), err, domain.ErrInvalidTransition)
					if stored, _ := e.Orders.GetOrder(ctx, o.ID); stored.Status != from || stored.Version != o.Version {
						t.Errorf("stored order after a rejected transition = %s v%d, want %s v%d", stored.Status, stored.Version, from, o.Version)
					}
				}
			})
		}
	}
	o := e.place(t, a.ID, 1)
	_, err := e.Orders.UpdateStatus(ctx, o.ID, "LOST")
	wantValidation(t, "UpdateStatus(LOST)", err, "status")
	_, err = e.Orders.UpdateStatus(ctx, "ord_missing", orders.StatusConfirmed)
	wantErr(t, "UpdateStatus(missing)", err, domain.ErrNotFound)
}

func testCancel(t *testing.T, e *Env) {
	ctx := ctxT(t)
	a := e.stocked(t, 4)
	b := e.stocked(t, 3, a.ID)
	o, err := e.Orders.PlaceOrder(ctx, orders.PlaceOrderInput{CustomerID: seed.CustomerEmma, Channel: orders.ChannelWeb,
		ShippingAddress: address(), Lines: []orders.LineInput{{ProductID: a.ID, Quantity: 4}, {ProductID: b.ID, Quantity: 3}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Orders.UpdateStatus(ctx, o.ID, orders.StatusConfirmed); err != nil {
		t.Fatal(err)
	}
	c, err := e.Orders.CancelOrder(ctx, o.ID)
	if err != nil || c.Status != orders.StatusCancelled {
		t.Fatalf("CancelOrder = %s, %v, want CANCELLED", c.Status, err)
	}
	if sa, sb := e.stock(t, a.ID), e.stock(t, b.ID); sa != a.Stock || sb != b.Stock {
		t.Errorf("stock after cancel = %d, %d, want %d, %d (restored)", sa, sb, a.Stock, b.Stock)
	}
	again, err := e.Orders.CancelOrder(ctx, o.ID)
	if err != nil || again.Status != orders.StatusCancelled || again.Version != c.Version {
		t.Errorf("CancelOrder(twice) = %s v%d, %v, want CANCELLED v%d unchanged", again.Status, again.Version, err, c.Version)
	}
	if sa := e.stock(t, a.ID); sa != a.Stock {
		t.Errorf("stock after a second cancel = %d, want %d (restored once)", sa, a.Stock)
	}
	shipped := e.place(t, a.ID, 1)
	for _, s := range []orders.Status{orders.StatusConfirmed, orders.StatusShipped} {
		if _, err := e.Orders.UpdateStatus(ctx, shipped.ID, s); err != nil {
			t.Fatal(err)
		}
	}
	_, err = e.Orders.CancelOrder(ctx, shipped.ID)
	wantErr(t, "CancelOrder(shipped)", err, domain.ErrInvalidTransition)
	if sa := e.stock(t, a.ID); sa != a.Stock-1 {
		t.Errorf("stock after refused cancel = %d, want %d", sa, a.Stock-1)
	}
}

func testListOrders(t *testing.T, e *Env) {
	ctx := ctxT(t)
	a := e.stocked(t, 20)
	var placed []string
	for range 7 {
		placed = append(placed, e.place(t, a.ID, 1).ID)
	}
	var want []string
	for _, o := range e.Data.Orders {
		if o.CustomerID == seed.CustomerDavid {
			want = append(want, o.ID)
		}
	}
	want = append(want, placed...)
	slices.Reverse(want) // newest first (seed orders are older than the new ones and in creation order)
	var got []string
	cur := ""
	for pages := 0; ; pages++ {
		page, err := e.Orders.ListOrdersByCustomer(ctx, seed.CustomerDavid, cur, 3)
		if err != nil {
			t.Fatalf("ListOrdersByCustomer page %d = %v", pages, err)
		}
		for _, o := range page.Items {
			if o.CustomerID != seed.CustomerDavid {
				t.Errorf("ListOrdersByCustomer(david) returned order %s of %s", o.ID, o.CustomerID)
			}
			got = append(got, o.ID)
		}
		if cur = page.NextCursor; cur == "" {
			break
		}
		if pages > 10 {
			t.Fatal("pagination does not end")
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("ListOrdersByCustomer(david) = %v, want %v", got, want)
	}
	first, _ := e.Orders.ListOrdersByCustomer(ctx, seed.CustomerDavid, "", 3)
	_, err := e.Orders.ListOrdersByCustomer(ctx, seed.CustomerAlice, first.NextCursor, 3)
	wantErr(t, "ListOrdersByCustomer(alice, david's cursor)", err, domain.ErrInvalidCursor)
	_, err = e.Orders.ListOrdersByCustomer(ctx, seed.CustomerDavid, "", 500)
	wantValidation(t, "ListOrdersByCustomer(limit 500)", err, "limit")

	// Partner lists, with and without a status filter, paged by 1.
	for _, status := range []orders.Status{"", orders.StatusPending, orders.StatusDelivered, orders.StatusCancelled} {
		var want []string
		for _, o := range e.Data.Orders {
			if o.PartnerID == seed.PartnerAcme && (status == "" || o.Status == status) {
				want = append(want, o.ID)
			}
		}
		slices.Reverse(want)
		var got []string
		cur := ""
		for pages := 0; ; pages++ {
			page, err := e.Orders.ListOrdersByPartner(ctx, seed.PartnerAcme, status, cur, 1)
			if err != nil {
				t.Fatalf("ListOrdersByPartner(%q) = %v", status, err)
			}
			got = append(got, ids0(page.Items)...)
			if cur = page.NextCursor; cur == "" || pages > 20 {
				break
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("ListOrdersByPartner(acme, %q) = %v, want %v", status, got, want)
		}
	}
	page, _ := e.Orders.ListOrdersByPartner(ctx, seed.PartnerAcme, "", "", 1)
	_, err = e.Orders.ListOrdersByPartner(ctx, seed.PartnerGlobex, "", page.NextCursor, 1)
	wantErr(t, "ListOrdersByPartner(globex, acme's cursor)", err, domain.ErrInvalidCursor)
	_, err = e.Orders.ListOrdersByPartner(ctx, seed.PartnerAcme, orders.StatusPending, page.NextCursor, 1)
	wantErr(t, "ListOrdersByPartner(other status filter)", err, domain.ErrInvalidCursor)
	empty, err := e.Orders.ListOrdersByPartner(ctx, "partner-none", "", "", 10)
	if err != nil || len(empty.Items) != 0 || empty.NextCursor != "" {
		t.Errorf("ListOrdersByPartner(none) = %+v, %v, want empty", empty, err)
	}
}

func ids0(os []orders.Order) []string {
	out := make([]string, len(os))
	for i, o := range os {
		out[i] = o.ID
	}
	return out
}

func testConcurrentLastUnits(t *testing.T, e *Env) {
	ctx := ctxT(t)
	a := e.stocked(t, 0)
	if err := e.Catalog.SetStock(ctx, a.ID, 10); err != nil {
		t.Fatal(err)
	}
	const buyers = 50
	var wg sync.WaitGroup
	var mu sync.Mutex
	sold, insufficient := int64(0), 0
	var other []error
	for i := range buyers {
		wg.Go(func() {
			o, err := e.Orders.PlaceOrder(ctx, orders.PlaceOrderInput{CustomerID: fmt.Sprintf("buyer-%02d", i), Channel: orders.ChannelMobile,
				ShippingAddress: address(), Lines: []orders.LineInput{{ProductID: a.ID, Quantity: 1}}})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				sold += o.ItemCount
			case errors.Is(err, domain.ErrInsufficientStock):
				insufficient++
			default:
				other = append(other, err)
			}
		})
	}
	wg.Wait()
	for _, err := range other {
		t.Errorf("concurrent PlaceOrder error = %v, want nil or ErrInsufficientStock", err)
	}
	if sold != 10 || insufficient != buyers-10 {
		t.Errorf("50 buyers of the last 10 units: sold %d, insufficient %d, want 10 and 40", sold, insufficient)
	}
	if s := e.stock(t, a.ID); s != 0 {
		t.Errorf("stock after the rush = %d, want 0", s)
	}
}

// testConcurrentCancel: cancel is idempotent under concurrency. Every one of several
// concurrent cancels of one order gets the cancelled order (none sees invalid_transition
// or a conflict because another canceller's write won), and the stock is restored once.
func testConcurrentCancel(t *testing.T, e *Env) {
	ctx := ctxT(t)
	const rounds, cancellers = 5, 4
	for round := range rounds {
		a := e.stocked(t, 5)
		o := e.place(t, a.ID, 5)
		if round%2 == 1 { // CONFIRMED orders cancel too
			if _, err := e.Orders.UpdateStatus(ctx, o.ID, orders.StatusConfirmed); err != nil {
				t.Fatal(err)
			}
		}
		start := make(chan struct{})
		got := make([]orders.Order, cancellers)
		errs := make([]error, cancellers)
		var wg sync.WaitGroup
		for i := range cancellers {
			wg.Go(func() {
				<-start
				got[i], errs[i] = e.Orders.CancelOrder(ctx, o.ID)
			})
		}
		close(start)
		wg.Wait()
		stored, err := e.Orders.GetOrder(ctx, o.ID)
		if err != nil {
			t.Fatal(err)
		}
		for i := range cancellers {
			if errs[i] != nil || got[i].Status != orders.StatusCancelled || got[i].Version != stored.Version {
				t.Errorf("round %d: concurrent CancelOrder #%d = %s v%d, %v, want CANCELLED v%d", round, i, got[i].Status, got[i].Version, errs[i], stored.Version)
			}
		}
		if cancelled := countStatus(stored.History, orders.StatusCancelled); stored.Status != orders.StatusCancelled || cancelled != 1 {
			t.Errorf("round %d: stored order %s with %d CANCELLED history entries, want CANCELLED once", round, stored.Status, cancelled)
		}
		if s := e.stock(t, a.ID); s != a.Stock {
			t.Errorf("round %d: stock after %d concurrent cancels = %d, want %d (restored exactly once)", round, cancellers, s, a.Stock)
		}
	}
}

func countStatus(h []orders.StatusChange, s orders.Status) int {
	n := 0
	for _, c := range h {
		if c.Status == s {
			n++
		}
	}
	return n
}

// requestCtx is a context as the middleware leaves it: a correlation ID and a sampled span.
func requestCtx(t *testing.T, corr string, traceHex, spanHex string) (context.Context, string) {
	t.Helper()
	tid, err := trace.TraceIDFromHex(traceHex)
	if err != nil {
		t.Fatal(err)
	}
	sid, err := trace.SpanIDFromHex(spanHex)
	if err != nil {
		t.Fatal(err)
	}
	ctx := trace.ContextWithSpanContext(logging.WithCorrelationID(ctxT(t), corr),
		trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: sid, TraceFlags: trace.FlagsSampled}))
	return ctx, "Root=1-" + traceHex[:8] + "-" + traceHex[8:] + ";Parent=" + spanHex + ";Sampled=1"
}

// testOrderCarriesRequestContext: the order item records the correlation ID and trace header of
// the request that made its latest change (the order events carry them on).
func testOrderCarriesRequestContext(t *testing.T, e *Env) {
	a := e.stocked(t, 2)
	placeCtx, placeHdr := requestCtx(t, "corr-place-0001", "5759e988bd862e3fe1be46a994272793", "53995c3f42cd8ad8")
	o, err := e.Orders.PlaceOrder(placeCtx, orders.PlaceOrderInput{CustomerID: seed.CustomerDavid, Channel: orders.ChannelWeb,
		ShippingAddress: address(), Lines: []orders.LineInput{{ProductID: a.ID, Quantity: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	stored, err := e.Orders.GetOrder(ctxT(t), o.ID)
	if err != nil {
		t.Fatal(err)
	}
	if stored.CorrelationID != "corr-place-0001" || stored.TraceHeader != placeHdr {
		t.Errorf("placed order carries %q %q, want %q %q", stored.CorrelationID, stored.TraceHeader, "corr-place-0001", placeHdr)
	}
	confCtx, confHdr := requestCtx(t, "corr-confirm-02", "6759e988bd862e3fe1be46a994272794", "63995c3f42cd8ad9")
	if _, err := e.Orders.UpdateStatus(confCtx, o.ID, orders.StatusConfirmed); err != nil {
		t.Fatal(err)
	}
	stored, err = e.Orders.GetOrder(ctxT(t), o.ID)
	if err != nil {
		t.Fatal(err)
	}
	if stored.CorrelationID != "corr-confirm-02" || stored.TraceHeader != confHdr {
		t.Errorf("confirmed order carries %q %q, want %q %q", stored.CorrelationID, stored.TraceHeader, "corr-confirm-02", confHdr)
	}
	if _, err := e.Orders.CancelOrder(ctxT(t), o.ID); err != nil {
		t.Fatal(err)
	}
	if stored, _ = e.Orders.GetOrder(ctxT(t), o.ID); stored.CorrelationID != "" || stored.TraceHeader != "" {
		t.Errorf("order changed without a request context carries %q %q, want none", stored.CorrelationID, stored.TraceHeader)
	}
}
