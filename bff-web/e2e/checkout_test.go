package e2e

import (
	"context"
	"fmt"
	"testing"

	"bffsuite.dev/shared/identity/localidp"
	"github.com/chromedp/chromedp"
)

// TestDemoCheckoutRetry: the demo sends one Idempotency-Key per checkout attempt. The first
// POST /api/orders reaches bff-web but its answer is lost (the page's fetch throws after the
// BFF answered); sending the same form again reuses the key, so the customer has one new
// order, not two. Changing the form makes a new attempt with a new key.
func TestDemoCheckoutRetry(t *testing.T) {
	browser := newBrowser(t)
	s := startSuite(t)
	tab := browser
	countOrders := func(t *testing.T, ctx context.Context) int {
		t.Helper()
		return eval[int](t, ctx, fmt.Sprintf(`fetch(%q, {credentials: "include"}).then(r => r.json()).then(b => b.items.length)`, s.WebURL+"/api/orders?limit=100"))
	}
	var before int
	var slug string
	ok := step(t, tab, "sign in", func(t *testing.T, ctx context.Context) {
		openDemo(t, ctx, s.DemoURL, "/")
		signIn(t, ctx, localidp.DemoUser, demoPassword)
		before = countOrders(t, ctx)
	})
	ok = ok && step(t, tab, "the answer of the first attempt is lost", func(t *testing.T, ctx context.Context) {
		slug = eval[string](t, ctx, `document.querySelector("[data-testid=product-card]").dataset.slug`)
		goTo(t, ctx, "/products/"+slug)
		// Record the key of every POST /api/orders; lose the answer of the first one.
		do(t, ctx, "wrap fetch", chromedp.Evaluate[chromedp.Void](`(() => {
			window.__orderKeys = [];
			const real = window.fetch;
			window.fetch = async (url, opts) => {
				const isOrder = String(url).endsWith("/api/orders") && opts && opts.method === "POST";
				if (isOrder) window.__orderKeys.push((opts.headers || {})["Idempotency-Key"] || "");
				const res = await real(url, opts);
				if (isOrder && window.__orderKeys.length === 1) throw new TypeError("connection lost");
				return res;
			};
		})()`))
		do(t, ctx, "order", chromedp.Click(chromedp.CSS(`[data-testid=place-order]`)))
		waitFor(t, ctx, "the network problem", `document.querySelector("#order-form [data-testid=problem]") !== null`)
	})
	ok = ok && step(t, tab, "sending the same form again places one order", func(t *testing.T, ctx context.Context) {
		do(t, ctx, "order again", chromedp.Click(chromedp.CSS(`[data-testid=place-order]`)))
		waitFor(t, ctx, "order screen", `document.body.dataset.route.startsWith("/account/orders/") && document.body.dataset.ready === "true"`)
		keys := eval[[]string](t, ctx, `window.__orderKeys`)
		if len(keys) != 2 || keys[0] == "" || keys[0] != keys[1] {
			t.Errorf("Idempotency-Keys of the two sends = %q, want the same non-empty key twice", keys)
		}
		if got := countOrders(t, ctx); got != before+1 {
			t.Errorf("orders after one checkout sent twice = %d, want %d", got, before+1)
		}
	})
	_ = ok && step(t, tab, "another checkout is another key", func(t *testing.T, ctx context.Context) {
		goTo(t, ctx, "/products/"+slug)
		do(t, ctx, "order 2",
			chromedp.SetValue(chromedp.CSS(`#order-form input[name=quantity]`), "2"),
			chromedp.Click(chromedp.CSS(`[data-testid=place-order]`)),
		)
		waitFor(t, ctx, "order screen", `document.body.dataset.route.startsWith("/account/orders/") && document.body.dataset.ready === "true"`)
		keys := eval[[]string](t, ctx, `window.__orderKeys`)
		if len(keys) != 3 || keys[2] == "" || keys[2] == keys[0] {
			t.Errorf("Idempotency-Keys = %q, want a new key for the new checkout", keys)
		}
		if got := countOrders(t, ctx); got != before+2 {
			t.Errorf("orders after two checkouts = %d, want %d", got, before+2)
		}
	})
}
