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

// TestDemoCheckoutOutcome: the order screen follows checkout (a saga behind the 202): an
// approving test card ends confirmed; a declined one ends cancelled and shows the reason.
func TestDemoCheckoutOutcome(t *testing.T) {
	browser := newBrowser(t)
	s := startSuite(t)
	tab := browser
	var slug string
	ok := step(t, tab, "sign in", func(t *testing.T, ctx context.Context) {
		openDemo(t, ctx, s.DemoURL, "/")
		signIn(t, ctx, localidp.DemoUser, demoPassword)
		slug = eval[string](t, ctx, `document.querySelector("[data-testid=product-card]").dataset.slug`)
	})
	cases := []struct {
		name, token, wantStatus, wantReason string
	}{
		{"approved card is confirmed", "tok_visa", "confirmed", ""},
		{"declined card shows the reason", "tok_card_declined", "cancelled", "payment_declined"},
	}
	for _, tc := range cases {
		ok = ok && step(t, tab, tc.name, func(t *testing.T, ctx context.Context) {
			goTo(t, ctx, "/products/"+slug)
			do(t, ctx, "order with "+tc.token,
				chromedp.SetValue(chromedp.CSS(`[data-testid=payment-token]`), tc.token),
				chromedp.Click(chromedp.CSS(`[data-testid=place-order]`)),
			)
			waitFor(t, ctx, "order screen", `document.body.dataset.route.startsWith("/account/orders/") && document.body.dataset.ready === "true"`)
			waitFor(t, ctx, "checkout outcome "+tc.wantStatus,
				fmt.Sprintf(`document.querySelector("[data-testid=order-status]")?.textContent === %q`, tc.wantStatus))
			if exists(t, ctx, "[data-testid=checkout-progress]") {
				t.Errorf("the order screen still shows checkout in progress after the outcome")
			}
			reason := ""
			if exists(t, ctx, "[data-testid=cancellation-reason]") {
				reason = eval[string](t, ctx, `document.querySelector("[data-testid=cancellation-reason]").dataset.reason`)
			}
			if reason != tc.wantReason {
				t.Errorf("cancellation reason shown = %q, want %q", reason, tc.wantReason)
			}
			if tc.wantReason != "" && textOf(t, ctx, "[data-testid=cancellation-reason]") == "" {
				t.Errorf("the cancellation reason has no text")
			}
		})
	}
}
