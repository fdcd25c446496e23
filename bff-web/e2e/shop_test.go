package e2e

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestDemoCatalog browses the shop signed out: the product grid with facets, sort, page
// numbers and search, and a product detail.
func TestDemoCatalog(t *testing.T) {
	browser := newBrowser(t)
	s := startSuite(t)
	tab := browser
	ok := step(t, tab, "grid", func(t *testing.T, ctx context.Context) {
		openDemo(t, ctx, s.DemoURL, "/products")
		if n := eval[int](t, ctx, `document.querySelectorAll("[data-testid=product-grid] [data-testid=product-card]").length`); n != 12 {
			t.Errorf("cards on the first page = %d, want 12 (page_size)", n)
		}
		if got := textOf(t, ctx, "[data-testid=pager] [aria-current=page]"); got != "1" {
			t.Errorf("current page = %q, want 1", got)
		}
	})
	ok = ok && step(t, tab, "category facet", func(t *testing.T, ctx context.Context) {
		label := textOf(t, ctx, "[data-testid=facet-category] span")
		rerender(t, ctx, "click the first category", chromedp.Click(chromedp.CSS(`[data-testid=facet-category]`)))
		if got := textOf(t, ctx, "[data-testid=facet-category].selected span"); got != label {
			t.Errorf("selected category = %q, want %q", got, label)
		}
		if h := eval[string](t, ctx, `location.hash`); !strings.Contains(h, "category=") {
			t.Errorf("hash after choosing a category = %q, want category=…", h)
		}
		rerender(t, ctx, "unselect it", chromedp.Click(chromedp.CSS(`[data-testid=facet-category].selected`)))
		if exists(t, ctx, "[data-testid=facet-category].selected") {
			t.Errorf("a category is still selected after unselecting it")
		}
	})
	ok = ok && step(t, tab, "page numbers", func(t *testing.T, ctx context.Context) {
		first := eval[string](t, ctx, `document.querySelector("[data-testid=product-card]").dataset.slug`)
		rerender(t, ctx, "go to page 2", chromedp.Click(chromedp.CSS(`[data-testid=pager] a[rel=next]`)))
		if got := textOf(t, ctx, "[data-testid=pager] [aria-current=page]"); got != "2" {
			t.Errorf("current page = %q, want 2", got)
		}
		if got := eval[string](t, ctx, `document.querySelector("[data-testid=product-card]").dataset.slug`); got == first {
			t.Errorf("page 2 starts with %q like page 1", got)
		}
	})
	ok = ok && step(t, tab, "sort and in stock", func(t *testing.T, ctx context.Context) {
		rerender(t, ctx, "sort by price", chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
			_, err := chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](`(() => { const s = document.querySelector("#grid-options select[name=sort]"); s.value = "price_asc"; s.dispatchEvent(new Event("change", {bubbles: true})); })()`))
			return err
		}))
		if got := eval[string](t, ctx, `document.querySelector("#grid-options select[name=sort]").value + " " + location.hash`); !strings.HasPrefix(got, "price_asc #/products?sort=price_asc") {
			t.Errorf("sort after choosing price_asc = %q", got)
		}
		rerender(t, ctx, "in stock only", chromedp.Click(chromedp.CSS(`#grid-options input[name=in_stock]`)))
		if !eval[bool](t, ctx, `document.querySelector("#grid-options input[name=in_stock]").checked && location.hash.includes("in_stock=true")`) {
			t.Errorf("in stock filter not kept: %s", eval[string](t, ctx, `location.hash`))
		}
	})
	ok = ok && step(t, tab, "search", func(t *testing.T, ctx context.Context) {
		rerender(t, ctx, "search coffee", chromedp.SendKeys(chromedp.CSS(`#search input`), "coffee\n"))
		if got := textOf(t, ctx, "h1"); got != "Results for “coffee”" {
			t.Errorf("heading = %q, want Results for “coffee”", got)
		}
		if n := eval[int](t, ctx, `document.querySelectorAll("[data-testid=product-card]").length`); n == 0 {
			t.Errorf("no results for coffee")
		}
	})
	_ = ok && step(t, tab, "product detail", func(t *testing.T, ctx context.Context) {
		rerender(t, ctx, "open the first result", chromedp.Click(chromedp.CSS(`[data-testid=product-card]`)))
		if n := eval[int](t, ctx, `document.querySelectorAll("[data-testid=breadcrumbs] a").length`); n < 2 {
			t.Errorf("breadcrumb links = %d, want Home and the categories", n)
		}
		if got := textOf(t, ctx, "[data-testid=price]"); got == "" || got == "<missing>" {
			t.Errorf("detail shows no price")
		}
		if exists(t, ctx, "[data-testid=order-form]") || !exists(t, ctx, "[data-testid=signin-to-order]") {
			t.Errorf("signed out, the detail should offer sign-in instead of the order form")
		}
	})
}

// TestDemoSignUpAndPartialHome signs up, confirms and signs in a new customer against a
// bff-web whose orders backend fails (fault injection): home shows the partial banner, and
// the order form shows the BFF's problems (missing address, then the unavailable backend).
func TestDemoSignUpAndPartialHome(t *testing.T) {
	browser := newBrowser(t)
	s := startSuite(t, "BFF_FAULTS=orders=error:1")
	tab := browser
	const email, name, password = "nina.neu@example.com", "Nina Neu", "Nina-Passw0rd!"
	ok := step(t, tab, "sign up", func(t *testing.T, ctx context.Context) {
		openDemo(t, ctx, s.DemoURL, "/signup")
		do(t, ctx, "fill the sign-up form",
			chromedp.SendKeys(chromedp.CSS(`#signup-form input[name=name]`), name),
			chromedp.SendKeys(chromedp.CSS(`#signup-form input[name=email]`), email),
			chromedp.SendKeys(chromedp.CSS(`#signup-form input[name=password]`), password),
			chromedp.Click(chromedp.CSS(`#signup-form button[type=submit]`)),
		)
		waitFor(t, ctx, "confirm screen", readyOn("/confirm"))
		if got := eval[string](t, ctx, `document.querySelector("#confirm-form input[name=email]").value`); got != email {
			t.Errorf("confirm form email = %q, want %q", got, email)
		}
	})
	ok = ok && step(t, tab, "a wrong code is refused", func(t *testing.T, ctx context.Context) {
		do(t, ctx, "enter a wrong code",
			chromedp.SendKeys(chromedp.CSS(`#confirm-form input[name=code]`), "000000"),
			chromedp.Click(chromedp.CSS(`#confirm-form button[type=submit]`)),
		)
		waitFor(t, ctx, "the problem", `document.querySelector("#confirm-form [data-testid=problem]") !== null`)
	})
	ok = ok && step(t, tab, "confirm", func(t *testing.T, ctx context.Context) {
		do(t, ctx, "enter the code",
			chromedp.SetValue(chromedp.CSS(`#confirm-form input[name=code]`), "123456"), // the local IdP's code
			chromedp.Click(chromedp.CSS(`#confirm-form button[type=submit]`)),
		)
		waitFor(t, ctx, "sign-in screen", readyOn("/signin"))
		if got := eval[string](t, ctx, `document.querySelector("#signin-form input[name=email]").value`); got != email {
			t.Errorf("sign-in form email = %q, want %q", got, email)
		}
	})
	ok = ok && step(t, tab, "sign in: partial home", func(t *testing.T, ctx context.Context) {
		do(t, ctx, "sign in",
			chromedp.SendKeys(chromedp.CSS(`#signin-form input[name=password]`), password),
			chromedp.Click(chromedp.CSS(`#signin-form button[type=submit]`)),
		)
		waitFor(t, ctx, "signed-in home", `document.querySelector("[data-testid=nav-account]") !== null && `+readyOn("/"))
		if got := eval[string](t, ctx, `document.querySelector("[data-testid=partial-banner]")?.dataset.unavailable ?? "<no banner>"`); got != "recent_orders" {
			t.Errorf("partial banner names %q, want recent_orders", got)
		}
		// The greeting section is available (only orders fail). It names the profile, which
		// bff-web creates at the first sign-in without the sign-up name (see the report in
		// docs/bff-web-demo.md), so only its presence is checked.
		if got := textOf(t, ctx, "[data-testid=greeting] h1"); !strings.HasPrefix(got, "Welcome back, ") {
			t.Errorf("greeting = %q, want Welcome back, …", got)
		}
	})
	_ = ok && step(t, tab, "order problems are shown", func(t *testing.T, ctx context.Context) {
		slug := eval[string](t, ctx, `document.querySelector("[data-testid=product-card]").dataset.slug`)
		goTo(t, ctx, "/products/"+slug)
		do(t, ctx, "order without an address", chromedp.Click(chromedp.CSS(`[data-testid=place-order]`)))
		waitFor(t, ctx, "the missing address", `document.querySelector("#order-form [data-testid=problem]")?.dataset.code === "validation_failed" && document.getElementById("ship-other").open`)
		if got := textOf(t, ctx, "#order-form [data-testid=problem] li code"); got != "shipping_address" {
			t.Errorf("field named by the problem = %q, want shipping_address", got)
		}
		do(t, ctx, "give an address and order again",
			chromedp.SendKeys(chromedp.CSS(`#order-form input[name=name]`), name),
			chromedp.SendKeys(chromedp.CSS(`#order-form input[name=line1]`), "Torstraße 1"),
			chromedp.SendKeys(chromedp.CSS(`#order-form input[name=city]`), "Berlin"),
			chromedp.SendKeys(chromedp.CSS(`#order-form input[name=postal_code]`), "10119"),
			chromedp.SendKeys(chromedp.CSS(`#order-form input[name=country]`), "DE"),
			chromedp.Click(chromedp.CSS(`[data-testid=place-order]`)),
		)
		waitFor(t, ctx, "the backend problem", `Number(document.querySelector("#order-form [data-testid=problem]")?.dataset.status) >= 500`)
		if id := textOf(t, ctx, "#order-form [data-testid=correlation-id]"); len(id) < 8 {
			t.Errorf("problem shows correlation id %q, want one", id)
		}
	})
}
