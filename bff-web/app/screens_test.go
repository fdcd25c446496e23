package app

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"bffsuite.dev/shared/catalog"
	"bffsuite.dev/shared/identity/localidp"
	"bffsuite.dev/shared/money"
	"bffsuite.dev/shared/problem"
	"bffsuite.dev/shared/store/seed"
)

func TestOpenAPIMatchesRouter(t *testing.T) {
	a := newTestApp(t, nil)
	if err := doc(t).CheckRoutes(a.engine.Routes(), a.p.LocalIdP.Path()+"/"); err != nil {
		t.Error(err)
	}
	b := a.browser(t)
	res := b.do("GET", "/openapi.json", nil)
	if res.status != http.StatusOK || string(res.body) != string(OpenAPIDocument) {
		t.Errorf("GET /openapi.json = %d (%d bytes), want 200 and the embedded document", res.status, len(res.body))
	}
}

func TestHome(t *testing.T) {
	a := newTestApp(t, nil)
	t.Run("signed out is public", func(t *testing.T) {
		b := a.browser(t)
		res := b.do("GET", "/api/home", nil, "Accept-Language", "de-DE,de;q=0.9")
		var h homeResponse
		res.json(t, &h)
		if res.status != 200 || h.SignedIn || h.Greeting != nil || h.RecentOrders != nil || len(h.Featured) != featuredCount || len(h.Categories) == 0 {
			t.Fatalf("GET /api/home = %d %+v, want signed-out home with %d featured", res.status, h, featuredCount)
		}
		if !strings.HasSuffix(h.Featured[0].Price.Formatted, "\u00a0€") || h.Locale != "de-DE" {
			t.Errorf("featured price = %q locale %s, want de-DE formatting", h.Featured[0].Price.Formatted, h.Locale)
		}
		if cc := res.header.Get("Cache-Control"); !strings.HasPrefix(cc, "public") || res.header.Get("ETag") == "" {
			t.Errorf("Cache-Control = %q ETag = %q, want public with an ETag", cc, res.header.Get("ETag"))
		}
		if v := strings.Join(res.header.Values("Vary"), ","); !strings.Contains(v, "Cookie") || !strings.Contains(v, "Accept-Language") {
			t.Errorf("Vary = %q, want Cookie and Accept-Language", v)
		}
	})
	t.Run("signed in is personal", func(t *testing.T) {
		b := a.browser(t)
		b.login(localidp.DemoUser, demoPassword)
		// One order so recent orders is not empty.
		if res := b.do("POST", "/api/orders", map[string]any{"lines": []any{map[string]any{"product_id": stockedProduct(t, a), "quantity": 1}},
			"shipping_address": map[string]any{"name": "Demo", "line1": "Main St 1", "city": "Berlin", "postal_code": "10115", "country": "DE"}}); res.status != 201 {
			t.Fatalf("POST /api/orders = %d %s", res.status, res.body)
		}
		res := b.do("GET", "/api/home", nil)
		var h homeResponse
		res.json(t, &h)
		if !h.SignedIn || h.Greeting == nil || len(h.RecentOrders) == 0 || len(h.RecentOrders) > homeRecentOrders || h.Partial {
			t.Errorf("GET /api/home signed in = %+v, want greeting and 1..%d recent orders", h, homeRecentOrders)
		}
		if cc := res.header.Get("Cache-Control"); cc != "private, no-store" || res.header.Get("ETag") != "" {
			t.Errorf("Cache-Control = %q ETag = %q, want private, no-store without ETag", cc, res.header.Get("ETag"))
		}
	})
}

// TestHomePartial: an optional section that fails gives 200 naming it; a required one a clean problem.
func TestHomePartial(t *testing.T) {
	tests := []struct {
		name            string
		faults          string
		budget          string
		wantStatus      int
		wantUnavailable []string
		wantCode        string
	}{
		{"orders fail", "orders=error:1", "", 200, []string{partRecentOrders}, ""},
		{"orders too slow", "orders=latency:2s", "", 200, []string{partRecentOrders}, ""},
		{"customers fail", "customers=error:1", "", 200, []string{partGreeting}, ""},
		{"catalog fails", "catalog=error:1", "", 502, nil, "dependency_unavailable"},
		{"catalog too slow", "catalog=latency:3s", "500ms", 504, nil, "timeout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{}
			if tt.budget != "" {
				env["BFF_REQUEST_BUDGET"] = tt.budget
			}
			a := newTestApp(t, nil)
			b := a.browser(t)
			b.login(localidp.DemoUser, demoPassword)
			b.app = a.withFaults(t, tt.faults, env)
			res := b.do("GET", "/api/home", nil)
			if res.status != tt.wantStatus {
				t.Fatalf("GET /api/home = %d %s, want %d", res.status, res.body, tt.wantStatus)
			}
			if tt.wantCode != "" {
				if p := res.problem(t); p.Code != tt.wantCode {
					t.Errorf("code = %q, want %q", p.Code, tt.wantCode)
				}
				return
			}
			var h homeResponse
			res.json(t, &h)
			if !h.Partial || !slices.Equal(h.Unavailable, tt.wantUnavailable) || len(h.Featured) == 0 {
				t.Errorf("home = partial %v unavailable %v featured %d, want partial, %v, featured present", h.Partial, h.Unavailable, len(h.Featured), tt.wantUnavailable)
			}
			if cc := res.header.Get("Cache-Control"); cc != "private, no-store" {
				t.Errorf("Cache-Control = %q, want private, no-store on a partial response", cc)
			}
		})
	}
}

func TestProductGrid(t *testing.T) {
	a := newTestApp(t, nil)
	tests := []struct {
		query      string
		wantStatus int
		wantField  string
	}{
		{"", 200, ""},
		{"?category=cameras&sort=price_asc&page=2&page_size=5", 200, ""},
		{"?q=jacket&min_price=1000&max_price=20000&in_stock=true", 200, ""},
		{"?brand=Clearview&unknown=ignored", 200, ""},
		{"?sort=cheapest", 400, "sort"},
		{"?page=0", 400, "page"},
		{"?page=abc", 400, "page"},
		{"?page_size=101", 400, "page_size"},
		{"?min_price=-1", 400, "min_price"},
		{"?min_price=500&max_price=100", 400, "max_price"},
		{"?in_stock=maybe", 400, "in_stock"},
		{"?q=" + strings.Repeat("x", 201), 400, "q"},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			b := a.browser(t)
			res := b.do("GET", "/api/products"+tt.query, nil)
			if res.status != tt.wantStatus {
				t.Fatalf("GET /api/products%s = %d %s, want %d", tt.query, res.status, res.body, tt.wantStatus)
			}
			if tt.wantField != "" {
				p := res.problem(t)
				if len(p.Errors) == 0 || p.Errors[0].Field != tt.wantField {
					t.Errorf("errors = %+v, want field %s", p.Errors, tt.wantField)
				}
			}
		})
	}
	t.Run("pages and facets", func(t *testing.T) {
		b := a.browser(t)
		var g gridResponse
		b.do("GET", "/api/products?category=cameras&page=2&page_size=5&sort=price_asc", nil).json(t, &g)
		if g.Total != 20 || g.Page != 2 || g.TotalPages != 4 || len(g.Items) != 5 {
			t.Errorf("grid = total %d page %d pages %d items %d, want 20, 2, 4, 5", g.Total, g.Page, g.TotalPages, len(g.Items))
		}
		for i := 1; i < len(g.Items); i++ {
			if g.Items[i].Price.Amount < g.Items[i-1].Price.Amount {
				t.Errorf("items not sorted by price: %d then %d", g.Items[i-1].Price.Amount, g.Items[i].Price.Amount)
			}
		}
		if len(g.Facets.Brands) == 0 || len(g.Facets.PriceBands) == 0 || len(g.Facets.Categories) == 0 {
			t.Errorf("facets = %+v, want categories, brands and price bands", g.Facets)
		}
		selected := 0
		for _, c := range g.Facets.Categories {
			if c.Selected {
				selected++
			}
		}
		if selected != 1 {
			t.Errorf("selected category facets = %d, want 1", selected)
		}
	})
}

func TestCaching(t *testing.T) {
	a := newTestApp(t, nil)
	b := a.browser(t)
	first := b.do("GET", "/api/products?category=tents", nil)
	tag := first.header.Get("ETag")
	if tag == "" || first.header.Get("Cache-Control") != "public, max-age=30, s-maxage=60" {
		t.Fatalf("GET /api/products ETag=%q Cache-Control=%q, want an ETag and public, max-age=30, s-maxage=60", tag, first.header.Get("Cache-Control"))
	}
	again := b.do("GET", "/api/products?category=tents", nil, "If-None-Match", tag)
	if again.status != http.StatusNotModified || len(again.body) != 0 || again.header.Get("ETag") != tag {
		t.Errorf("conditional GET = %d (%d bytes) ETag %q, want 304, empty, same ETag", again.status, len(again.body), again.header.Get("ETag"))
	}
	german := b.do("GET", "/api/products?category=tents", nil, "Accept-Language", "de-DE", "If-None-Match", tag)
	if german.status != http.StatusOK || german.header.Get("ETag") == tag {
		t.Errorf("GET in German with the English ETag = %d ETag %q, want 200 and another ETag", german.status, german.header.Get("ETag"))
	}
	slug := b.do("GET", "/api/products/"+firstSlug(t, b), nil)
	if slug.header.Get("ETag") == "" || !strings.HasPrefix(slug.header.Get("Cache-Control"), "public") {
		t.Errorf("product page caching = %q %q, want public with ETag", slug.header.Get("Cache-Control"), slug.header.Get("ETag"))
	}
	b.login(localidp.DemoUser, demoPassword)
	acc := b.do("GET", "/api/account", nil)
	if acc.header.Get("Cache-Control") != "private, no-store" || acc.header.Get("ETag") != "" {
		t.Errorf("account caching = %q %q, want private, no-store and no ETag", acc.header.Get("Cache-Control"), acc.header.Get("ETag"))
	}
}

func firstSlug(t *testing.T, b *browser) string {
	t.Helper()
	var g gridResponse
	b.do("GET", "/api/products?category=headphones&page_size=1", nil).json(t, &g)
	if len(g.Items) == 0 {
		t.Fatal("no products")
	}
	return g.Items[0].Slug
}

func TestProductDetail(t *testing.T) {
	a := newTestApp(t, nil)
	b := a.browser(t)
	slug := firstSlug(t, b)
	res := b.do("GET", "/api/products/"+slug, nil, "Accept-Language", "ja-JP")
	var d webProductDetail
	res.json(t, &d)
	if res.status != 200 || d.Slug != slug || d.CanonicalURL != siteOrigin+"/products/"+slug || d.Partial {
		t.Fatalf("GET /api/products/%s = %d %+v", slug, res.status, d)
	}
	crumbs := []string{}
	for _, c := range d.Breadcrumbs {
		crumbs = append(crumbs, c.Name)
	}
	if want := []string{"Home", "Electronics", "Headphones", d.Name}; !slices.Equal(crumbs, want) {
		t.Errorf("breadcrumbs = %v, want %v", crumbs, want)
	}
	if len(d.Related) == 0 || len(d.Related) > relatedCount {
		t.Errorf("related = %d products, want 1..%d", len(d.Related), relatedCount)
	}
	for _, r := range d.Related {
		if r.ID == d.ID {
			t.Errorf("related lists the product itself")
		}
	}
	if !strings.Contains(d.Image.Srcset, " 160w") || !strings.Contains(d.Image.Srcset, " 1280w") || d.Image.Width != 1280 {
		t.Errorf("image = %+v, want srcset 160w..1280w and the large rendition as src", d.Image)
	}
	if d.Price.Formatted != money.Format(d.Price.Amount, d.Price.Currency, "ja-JP") || d.Locale != "ja-JP" {
		t.Errorf("price = %+v locale %s, want ja-JP formatting", d.Price, d.Locale)
	}
	if res := b.do("GET", "/api/products/no-such-product", nil); res.status != 404 || res.problem(t).Code != "not_found" {
		t.Errorf("GET unknown product = %d %s, want 404 not_found", res.status, res.body)
	}
	if res := b.do("GET", "/api/products/"+strings.Repeat("a", 200), nil); res.status != 400 {
		t.Errorf("GET overlong slug = %d, want 400", res.status)
	}
}

func TestOrders(t *testing.T) {
	a := newTestApp(t, nil)
	b := a.browser(t)
	b.login(localidp.DemoUser, demoPassword)
	addr := map[string]any{"name": "Demo", "line1": "Main St 1", "city": "Berlin", "postal_code": "10115", "country": "DE"}
	pid := stockedProduct(t, a)

	// Without an address in the request, the profile's default address is used.
	res := b.do("POST", "/api/orders", map[string]any{"lines": []any{map[string]any{"product_id": pid, "quantity": 1}}})
	var byDefault webOrder
	res.json(t, &byDefault)
	if res.status != 201 || byDefault.ShippingAddress.Line1 == "" {
		t.Errorf("POST /api/orders without address = %d %s, want 201 to the default address", res.status, res.body)
	}
	tests := []struct {
		name       string
		body       any
		wantStatus int
		wantFields []string
	}{
		{"no lines", map[string]any{"lines": []any{}, "shipping_address": addr}, 400, []string{"lines"}},
		{"bad quantity and missing product", map[string]any{"lines": []any{map[string]any{"product_id": pid, "quantity": 0}, map[string]any{"quantity": 1}}, "shipping_address": addr}, 400, []string{"lines[0].quantity", "lines[1]"}},
		{"bad address", map[string]any{"lines": []any{map[string]any{"product_id": pid, "quantity": 1}}, "shipping_address": map[string]any{"name": "x"}}, 400, []string{"shipping_address.line1"}},
		{"quantity as text", map[string]any{"lines": []any{map[string]any{"product_id": pid, "quantity": "two"}}, "shipping_address": addr}, 400, []string{"lines.quantity"}},
		{"unknown product", map[string]any{"lines": []any{map[string]any{"product_id": "p-9999", "quantity": 1}}, "shipping_address": addr}, 400, []string{"lines[0].product_id"}},
		{"too many", map[string]any{"lines": []any{map[string]any{"product_id": "p-0013", "quantity": 1}}, "shipping_address": addr}, 409, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := b.do("POST", "/api/orders", tt.body)
			if res.status != tt.wantStatus {
				t.Fatalf("POST /api/orders = %d %s, want %d", res.status, res.body, tt.wantStatus)
			}
			p := res.problem(t)
			for _, f := range tt.wantFields {
				if !hasField(p, f) {
					t.Errorf("errors = %+v, want a field starting with %s", p.Errors, f)
				}
			}
		})
	}

	res = b.do("POST", "/api/orders", map[string]any{"lines": []any{map[string]any{"product_id": pid, "quantity": 2}}, "shipping_address": addr})
	if res.status != http.StatusCreated {
		t.Fatalf("POST /api/orders = %d %s, want 201", res.status, res.body)
	}
	var o webOrder
	res.json(t, &o)
	if res.header.Get("Location") != "/api/orders/"+o.ID || o.Status != "pending" || !o.Cancellable || o.ItemCount != 2 || o.Total.Formatted == "" {
		t.Errorf("placed order = %+v Location %q", o, res.header.Get("Location"))
	}
	var list orderList
	b.do("GET", "/api/orders", nil).json(t, &list)
	if len(list.Items) < 2 || list.Items[0].ID != o.ID {
		t.Errorf("GET /api/orders = %+v, want the new order first", list)
	}
	if res := b.do("GET", "/api/orders?limit=0", nil); res.status != 400 {
		t.Errorf("GET /api/orders?limit=0 = %d, want 400", res.status)
	}
	if res := b.do("GET", "/api/orders?cursor=bogus", nil); res.status != 400 {
		t.Errorf("GET /api/orders?cursor=bogus = %d %s, want 400", res.status, res.body)
	}
	if res := b.do("GET", "/api/orders/"+o.ID, nil); res.status != 200 {
		t.Errorf("GET own order = %d, want 200", res.status)
	}
	// Someone else's order is not found, for reading and for cancelling.
	others, err := a.p.Orders.ListOrdersByCustomer(context.Background(), seed.CustomerChloe, "", 1)
	if err != nil || len(others.Items) == 0 {
		t.Fatalf("seeded orders of alice: %v", err)
	}
	foreign := others.Items[0].ID
	for _, r := range []struct{ method, path string }{{"GET", "/api/orders/" + foreign}, {"POST", "/api/orders/" + foreign + "/cancel"}, {"GET", "/api/orders/ord_nope"}} {
		if res := b.do(r.method, r.path, nil); res.status != 404 || res.problem(t).Code != "not_found" {
			t.Errorf("%s %s = %d %s, want 404", r.method, r.path, res.status, res.body)
		}
	}
	res = b.do("POST", "/api/orders/"+o.ID+"/cancel", nil)
	var cancelled webOrder
	res.json(t, &cancelled)
	if res.status != 200 || cancelled.Status != "cancelled" || cancelled.Cancellable {
		t.Errorf("cancel = %d %+v, want 200 cancelled", res.status, cancelled)
	}
	res = b.do("POST", "/api/orders/"+o.ID+"/cancel", nil)
	var again webOrder
	res.json(t, &again)
	if res.status != 200 || again.Status != "cancelled" {
		t.Errorf("cancel twice = %d %s, want 200 cancelled (idempotent)", res.status, res.body)
	}
}

func hasField(p problem.Problem, prefix string) bool {
	for _, e := range p.Errors {
		if strings.HasPrefix(e.Field, prefix) {
			return true
		}
	}
	return false
}

// stockedProduct returns the id of a product with plenty of stock.
func stockedProduct(t *testing.T, a *testApp) string {
	t.Helper()
	res, err := a.p.Catalog.SearchPage(context.Background(), catalog.Query{InStock: true, Sort: catalog.SortName}, 1, 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range res.Items {
		if p.Stock >= 20 {
			return p.ID
		}
	}
	t.Fatal("no product with stock >= 20")
	return ""
}

// TestHomeReadModels: the member summary and "Popular now" of the home screen come from the
// read models, which an order placed through the BFF updates (in-process event bus, the
// projector of the make run path).
func TestHomeReadModels(t *testing.T) {
	a := newTestApp(t, map[string]string{"BFF_POPULAR_CACHE_TTL": "0s"})
	b := a.browser(t)
	b.login(localidp.DemoUser, demoPassword)
	home := func() homeResponse {
		t.Helper()
		var h homeResponse
		res := b.do("GET", "/api/home", nil)
		res.json(t, &h)
		if res.status != 200 || h.Member == nil || h.Partial {
			t.Fatalf("GET /api/home = %d %s, want a member summary", res.status, res.body)
		}
		return h
	}
	before := home()
	pid := stockedProduct(t, a)
	res := b.do("POST", "/api/orders", map[string]any{"lines": []any{map[string]any{"product_id": pid, "quantity": 15}},
		"shipping_address": map[string]any{"name": "Demo", "line1": "Main St 1", "city": "Berlin", "postal_code": "10115", "country": "DE"}})
	if res.status != http.StatusCreated {
		t.Fatalf("POST /api/orders = %d %s", res.status, res.body)
	}
	var placed webOrder
	res.json(t, &placed)
	var after homeResponse
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if after = home(); after.Member.OrderCount == before.Member.OrderCount+1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("member after an order = %+v, want %d orders", after.Member, before.Member.OrderCount+1)
		}
	}
	if got, want := after.Member.LifetimeValue.Amount, before.Member.LifetimeValue.Amount+placed.Total.Amount; got != want {
		t.Errorf("lifetime value = %d, want %d", got, want)
	}
	if after.Member.Tier == "" || after.Member.TierLabel == "" || after.Member.LifetimeValue.Formatted == "" {
		t.Errorf("member = %+v, want tier, label and formatted value", after.Member)
	}
	found := false
	for _, p := range after.Popular {
		found = found || p.ID == pid
	}
	if !found {
		t.Errorf("popular = %v, want %s (15 units just ordered)", after.Popular, pid)
	}
	var anon homeResponse
	a.browser(t).do("GET", "/api/home", nil).json(t, &anon)
	if anon.Member != nil || len(anon.Popular) == 0 {
		t.Errorf("signed-out home: member %+v popular %d, want no member and the popular products", anon.Member, len(anon.Popular))
	}
}
