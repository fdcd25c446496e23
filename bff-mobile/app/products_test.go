package app

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"bffsuite.dev/shared/catalog"
	"bffsuite.dev/shared/store/seed"
)

// walk pages through /v1/products with query q and returns every id in order.
func (f *fixture) walk(t *testing.T, tok, q string, limit int, between func(page int)) []string {
	t.Helper()
	var ids []string
	cursor := ""
	for page := 0; ; page++ {
		path := fmt.Sprintf("/v1/products?limit=%d&%s", limit, q)
		if cursor != "" {
			path += "&cursor=" + url.QueryEscape(cursor)
		}
		r := f.do(req{method: "GET", path: path, token: tok})
		if r.status != http.StatusOK {
			t.Fatalf("GET %s = %d %s, want 200", path, r.status, r.body)
		}
		var pl ProductList
		r.json(t, &pl)
		if len(pl.Items) > limit {
			t.Fatalf("page %d has %d items, want at most %d", page, len(pl.Items), limit)
		}
		for _, p := range pl.Items {
			ids = append(ids, p.ID)
		}
		if pl.NextCursor == "" {
			if strings.Contains(string(r.body), "next_cursor") {
				t.Errorf("last page body mentions next_cursor: %s", r.body)
			}
			return ids
		}
		if len(pl.Items) != limit {
			t.Fatalf("page %d has %d items and a next cursor, want full pages before the last", page, len(pl.Items))
		}
		cursor = pl.NextCursor
		if between != nil {
			between(page)
		}
		if page > 1000 {
			t.Fatal("pagination does not end")
		}
	}
}

func dupes(ids []string) []string {
	seen := map[string]bool{}
	var d []string
	for _, id := range ids {
		if seen[id] {
			d = append(d, id)
		}
		seen[id] = true
	}
	return d
}

func TestProductPagination(t *testing.T) {
	f := newFixture(t, nil)
	tok := f.login(demoUser, demoPassword).AccessToken
	data := seed.Generate()
	all := data.Products
	byCat := map[string]int{}
	for _, p := range all {
		byCat[p.Category]++
	}
	electronics := 0
	for _, c := range data.Categories {
		if c.ParentID == "electronics" {
			electronics += byCat[c.ID]
		}
	}
	tests := []struct {
		name  string
		query string
		limit int
		want  int
	}{
		{"all, small pages", "", 7, len(all)},
		{"all, max pages", "", 50, len(all)},
		{"all, default limit", "", 20, len(all)},
		{"category", "category=headphones", 6, byCat["headphones"]},
		{"parent category", "category=electronics", 9, electronics},
		{"text", "q=headphones", 5, -1},
		{"nothing", "q=zzzzzz", 10, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ids := f.walk(t, tok, tt.query, tt.limit, nil)
			if d := dupes(ids); len(d) > 0 {
				t.Errorf("walk(%q) repeated %v", tt.query, d)
			}
			if tt.want >= 0 && len(ids) != tt.want {
				t.Errorf("walk(%q) = %d products, want %d", tt.query, len(ids), tt.want)
			}
			if tt.want < 0 && len(ids) == 0 {
				t.Errorf("walk(%q) = no products, want some", tt.query)
			}
		})
	}
	t.Run("order is by name then id", func(t *testing.T) {
		ids := f.walk(t, tok, "", 50, nil)
		names := map[string]string{}
		for _, p := range all {
			names[p.ID] = strings.ToLower(p.Name) + "\x00" + p.ID
		}
		keys := make([]string, len(ids))
		for i, id := range ids {
			keys[i] = names[id]
		}
		if !slices.IsSorted(keys) {
			t.Errorf("walk order is not by (lower(name), id)")
		}
	})
}

// newProduct is a product that sorts at name among the seeded ones.
func newProduct(id, name string) catalog.Product {
	return catalog.Product{ID: id, SKU: "SKU-" + id, Slug: "slug-" + id, Name: name, Category: "headphones", Brand: "Inserted",
		Price: catalog.Money{Amount: 1999, Currency: "EUR"}, Stock: 10, Rating: 4, UpdatedAt: time.Now().UTC(),
		Images: []catalog.Image{{Size: "thumb", URL: "https://images.example.com/products/" + id + "/thumb-160x160.jpg", Width: 160, Height: 160}}}
}

func TestProductPaginationStableUnderInserts(t *testing.T) {
	t.Run("inserts between pages", func(t *testing.T) {
		f := newFixture(t, nil)
		tok := f.login(demoUser, demoPassword).AccessToken
		before := f.walk(t, tok, "", 10, nil)
		n := 0
		ids := f.walk(t, tok, "", 10, func(page int) {
			// Products before and after the current position, and at the very start and end.
			var ps []catalog.Product
			for _, name := range []string{"AAA first", "Bassline " + fmt.Sprint(page), "Morning " + fmt.Sprint(page), "zzz last"} {
				n++
				ps = append(ps, newProduct(fmt.Sprintf("ins-%03d", n), name))
			}
			if err := f.store.Catalog().PutProducts(context.Background(), ps); err != nil {
				t.Fatalf("PutProducts: %v", err)
			}
		})
		if d := dupes(ids); len(d) > 0 {
			t.Errorf("walk with inserts repeated %v", d)
		}
		got := map[string]bool{}
		for _, id := range ids {
			got[id] = true
		}
		for _, id := range before {
			if !got[id] {
				t.Errorf("walk with inserts skipped %s, which existed before it started", id)
			}
		}
		if !got[fmt.Sprintf("ins-%03d", 4)] {
			t.Errorf("walk missed ins-004 (zzz last), inserted after its position")
		}
	})
	t.Run("concurrent inserter", func(t *testing.T) {
		f := newFixture(t, nil)
		tok := f.login(demoUser, demoPassword).AccessToken
		before := f.walk(t, tok, "", 25, nil)
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		var inserted atomic.Int64
		wg.Go(func() {
			for i := 0; ctx.Err() == nil && i < 2000; i++ {
				name := fmt.Sprintf("%c%c inserted %d", 'A'+i%26, 'a'+(i*7)%26, i)
				if err := f.store.Catalog().PutProducts(ctx, []catalog.Product{newProduct(fmt.Sprintf("cc-%04d", i), name)}); err != nil {
					return
				}
				inserted.Add(1)
				time.Sleep(50 * time.Microsecond)
			}
		})
		var walks [][]string
		for range 3 {
			walks = append(walks, f.walk(t, tok, "", 25, nil))
		}
		cancel()
		wg.Wait()
		if inserted.Load() == 0 {
			t.Fatal("inserter inserted nothing; the test would prove nothing")
		}
		for i, ids := range walks {
			if d := dupes(ids); len(d) > 0 {
				t.Errorf("walk %d during %d concurrent inserts repeated %d products, e.g. %v", i, inserted.Load(), len(d), d[:min(3, len(d))])
			}
			got := map[string]bool{}
			for _, id := range ids {
				got[id] = true
			}
			for _, id := range before {
				if !got[id] {
					t.Errorf("walk %d skipped %s during concurrent inserts", i, id)
				}
			}
		}
	})
}

func TestProductListInput(t *testing.T) {
	f := newFixture(t, nil)
	tok := f.login(demoUser, demoPassword).AccessToken
	var first ProductList
	f.do(req{method: "GET", path: "/v1/products?limit=2&category=headphones", token: tok}).json(t, &first)
	if first.NextCursor == "" {
		t.Fatal("first page has no next cursor")
	}
	tests := []struct {
		name       string
		path       string
		header     map[string]string
		wantStatus int
		wantCode   string
		wantFields []string
	}{
		{"malformed query string", "/v1/products?cursor=%%%", nil, 400, "validation_failed", []string{"query"}},
		{"not base64 cursor", "/v1/products?cursor=@@@", nil, 400, "invalid_cursor", []string{"cursor"}},
		{"json cursor of other shape", "/v1/products?cursor=eyJ4IjoxfQ", nil, 400, "invalid_cursor", []string{"cursor"}},
		{"cursor of another query", "/v1/products?category=cameras&cursor=" + url.QueryEscape(first.NextCursor), nil, 400, "invalid_cursor", []string{"cursor"}},
		{"long cursor", "/v1/products?cursor=" + strings.Repeat("A", 600), nil, 400, "invalid_cursor", []string{"cursor"}},
		{"cursor of the same query", "/v1/products?limit=2&category=headphones&cursor=" + url.QueryEscape(first.NextCursor), nil, 200, "", nil},
		{"limit zero", "/v1/products?limit=0", nil, 400, "validation_failed", []string{"limit"}},
		{"limit above max", "/v1/products?limit=51", nil, 400, "validation_failed", []string{"limit"}},
		{"limit not a number", "/v1/products?limit=ten", nil, 400, "validation_failed", []string{"limit"}},
		{"limit max", "/v1/products?limit=50", nil, 200, "", nil},
		{"unknown field", "/v1/products?fields=name,secret", nil, 400, "validation_failed", []string{"fields"}},
		{"detail-only field in list", "/v1/products?fields=description", nil, 400, "validation_failed", []string{"fields"}},
		{"bad dpr", "/v1/products?dpr=9", nil, 400, "validation_failed", []string{"dpr"}},
		{"dpr not a number", "/v1/products?dpr=abc", nil, 400, "validation_failed", []string{"dpr"}},
		{"bad dpr header", "/v1/products", map[string]string{"X-Device-Pixel-Ratio": "0.5"}, 400, "validation_failed", []string{"X-Device-Pixel-Ratio"}},
		{"several bad", "/v1/products?limit=-1&fields=x&dpr=0", nil, 400, "validation_failed", []string{"limit", "fields", "dpr"}},
		{"long text", "/v1/products?q=" + strings.Repeat("a", 201), nil, 400, "validation_failed", []string{"q"}},
		{"unknown params ignored", "/v1/products?foo=bar", nil, 200, "", nil},
		{"unknown product", "/v1/products/p-9999", nil, 404, "not_found", nil},
		{"detail unknown field", "/v1/products/p-0001?fields=nope", nil, 400, "validation_failed", []string{"fields"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := f.do(req{method: "GET", path: tt.path, token: tok, header: tt.header})
			if r.status != tt.wantStatus {
				t.Fatalf("GET %s = %d %s, want %d", tt.path, r.status, r.body, tt.wantStatus)
			}
			if tt.wantStatus == 200 {
				return
			}
			if got := r.problemCode(t); got != tt.wantCode {
				t.Errorf("problem code = %q, want %q", got, tt.wantCode)
			}
			if got := strings.Join(r.fieldErrors(t), ","); got != strings.Join(tt.wantFields, ",") {
				t.Errorf("field errors = %q, want %q", got, strings.Join(tt.wantFields, ","))
			}
		})
	}
}

func TestSparseFields(t *testing.T) {
	f := newFixture(t, nil)
	tok := f.login(demoUser, demoPassword).AccessToken
	tests := []struct {
		path string
		want []string // members of every item (or of the object)
	}{
		{"/v1/products?limit=3&fields=name", []string{"id", "name"}},
		{"/v1/products?limit=3&fields=name,price,currency,price_text", []string{"currency", "id", "name", "price", "price_text"}},
		{"/v1/products?limit=3&fields=id", []string{"id"}},
		{"/v1/products?limit=3&fields=thumb,+rating", []string{"id", "rating", "thumb"}},
		{"/v1/products?limit=3", []string{"availability", "brand", "category", "currency", "id", "name", "price", "price_text", "rating", "thumb"}},
		{"/v1/feed?limit=3&fields=name,thumb", []string{"id", "name", "thumb"}},
		{"/v1/products/p-0001?fields=description,image", []string{"description", "id", "image"}},
		{"/v1/products/p-0001", []string{"attributes", "availability", "brand", "category", "currency", "description", "id", "image", "name", "price", "price_text", "rating", "rating_count", "thumb"}},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			r := f.do(req{method: "GET", path: tt.path, token: tok})
			if r.status != http.StatusOK {
				t.Fatalf("GET %s = %d %s, want 200", tt.path, r.status, r.body)
			}
			if strings.Contains(string(r.body), "null") {
				t.Errorf("GET %s body has null: %s", tt.path, r.body)
			}
			var objs []map[string]any
			switch {
			case strings.HasPrefix(tt.path, "/v1/products/"):
				var o map[string]any
				r.json(t, &o)
				objs = append(objs, o)
			case strings.HasPrefix(tt.path, "/v1/feed"):
				var fd struct{ Featured []map[string]any }
				r.json(t, &fd)
				objs = fd.Featured
			default:
				var l struct{ Items []map[string]any }
				r.json(t, &l)
				objs = l.Items
			}
			if len(objs) == 0 {
				t.Fatalf("GET %s returned no objects", tt.path)
			}
			for _, o := range objs {
				var keys []string
				for k := range o {
					keys = append(keys, k)
				}
				slices.Sort(keys)
				if strings.Join(keys, ",") != strings.Join(tt.want, ",") {
					t.Errorf("GET %s members = %v, want %v", tt.path, keys, tt.want)
				}
			}
		})
	}
}

func TestThumbnailForDevice(t *testing.T) {
	f := newFixture(t, nil)
	tok := f.login(demoUser, demoPassword).AccessToken
	tests := []struct {
		name   string
		query  string
		header string
		want   string
	}{
		{"default dpr 2", "", "", "small-320x320"},
		{"dpr 1", "dpr=1", "", "thumb-160x160"},
		{"dpr 1.5", "dpr=1.5", "", "thumb-160x160"},
		{"dpr 3", "dpr=3", "", "small-320x320"},
		{"dpr 4", "dpr=4", "", "medium-640x640"},
		{"header dpr 1", "", "1", "thumb-160x160"},
		{"parameter wins over header", "dpr=4", "1", "medium-640x640"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := f.do(req{method: "GET", path: "/v1/products/p-0001?fields=thumb&" + tt.query, token: tok,
				header: map[string]string{"X-Device-Pixel-Ratio": tt.header}})
			var p ProductDetail
			r.json(t, &p)
			if !strings.HasSuffix(p.Thumb, "/p-0001/"+tt.want+".jpg") {
				t.Errorf("thumb(%s) = %q, want the %s rendition", tt.name, p.Thumb, tt.want)
			}
		})
	}
	t.Run("detail image", func(t *testing.T) {
		var p ProductDetail
		f.do(req{method: "GET", path: "/v1/products/p-0001?fields=image&dpr=3", token: tok}).json(t, &p)
		if !strings.HasSuffix(p.Image, "large-1280x1280.jpg") {
			t.Errorf("image at dpr 3 = %q, want the large rendition (360pt × 3 = 1080px)", p.Image)
		}
	})
}
