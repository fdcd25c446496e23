package e2e

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"bffsuite.dev/shared/identity/localidp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

const demoPassword = "Demo-Passw0rd!" // the local IdP's default demo password

// sessionCookies returns the cookies Chromium keeps for bff-web, by name.
func sessionCookies(t *testing.T, ctx context.Context, webURL string) map[string]*network.Cookie {
	t.Helper()
	res, err := chromedp.Call(ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{webURL + "/"}})
	if err != nil {
		t.Fatalf("Network.getCookies(%s): %v", webURL, err)
	}
	out := map[string]*network.Cookie{}
	for _, c := range res.Cookies {
		out[c.Name] = c
	}
	return out
}

// TestDemoSessionFlow drives the demo app through the whole session in Chromium: sign in,
// HttpOnly session cookies, greeting, order, account, foreign origins, CSRF, cancel, sign out.
func TestDemoSessionFlow(t *testing.T) {
	browser := newBrowser(t)
	s := startSuite(t)
	tab := browser
	var orderID string

	ok := step(t, tab, "signed out home", func(t *testing.T, ctx context.Context) {
		openDemo(t, ctx, s.DemoURL, "/")
		if exists(t, ctx, "[data-testid=greeting]") {
			t.Errorf("home signed out shows a greeting")
		}
		if n := eval[int](t, ctx, `document.querySelectorAll("[data-testid=product-card]").length`); n == 0 {
			t.Errorf("home featured products = %d cards, want some", n)
		}
		if !exists(t, ctx, "[data-testid=nav-signin]") {
			t.Errorf("signed-out nav has no sign-in link")
		}
	})
	ok = ok && step(t, tab, "sign in", func(t *testing.T, ctx context.Context) {
		signIn(t, ctx, localidp.DemoUser, demoPassword)
		if got := textOf(t, ctx, "[data-testid=flash]"); !strings.HasPrefix(got, "Signed in as ") {
			t.Errorf("flash after sign-in = %q, want Signed in as …", got)
		}
	})
	ok = ok && step(t, tab, "session cookies are HttpOnly, Secure, SameSite=Strict", func(t *testing.T, ctx context.Context) {
		// The demo's origin has the same host as bff-web (only the port differs), so a
		// readable cookie of bff-web would show here.
		if got := eval[string](t, ctx, `document.cookie`); got != "" {
			t.Errorf("document.cookie = %q, want empty (HttpOnly)", got)
		}
		cookies := sessionCookies(t, ctx, s.WebURL)
		for _, name := range []string{"__Host-bff_session", "__Host-bff_refresh"} {
			c := cookies[name]
			if c == nil {
				t.Errorf("cookie %s not kept by Chromium (got %v)", name, keys(cookies))
				continue
			}
			if !c.HTTPOnly || !c.Secure || c.SameSite != network.CookieSameSiteStrict || c.Path != "/" || c.Domain != "127.0.0.1" {
				t.Errorf("cookie %s = HttpOnly %v, Secure %v, SameSite %q, Path %q, Domain %q; want true, true, Strict, /, 127.0.0.1",
					name, c.HTTPOnly, c.Secure, c.SameSite, c.Path, c.Domain)
			}
		}
		// The page itself learns who is signed in only from the BFF, with credentials.
		got := eval[string](t, ctx, fmt.Sprintf(`fetch(%q, {credentials: "include"}).then(r => r.json()).then(b => String(b.authenticated) + " " + b.user.email + " csrf:" + (b.csrf_token.length > 20))`, s.WebURL+"/auth/session"))
		if want := "true " + localidp.DemoUser + " csrf:true"; got != want {
			t.Errorf("GET /auth/session from the demo = %q, want %q", got, want)
		}
	})
	ok = ok && step(t, tab, "home greets the user", func(t *testing.T, ctx context.Context) {
		goTo(t, ctx, "/products") // leave home, then come back: a fresh /api/home
		goTo(t, ctx, "/")
		name := textOf(t, ctx, "[data-testid=nav-account]")
		greeting := textOf(t, ctx, "[data-testid=greeting] h1")
		if name == "" || !strings.Contains(greeting, name) {
			t.Errorf("greeting = %q, want it to name the signed-in user %q", greeting, name)
		}
		if exists(t, ctx, "[data-testid=partial-banner]") {
			t.Errorf("home shows the partial banner with every section available")
		}
	})
	ok = ok && step(t, tab, "place an order", func(t *testing.T, ctx context.Context) {
		slug := eval[string](t, ctx, `document.querySelector("[data-testid=greeting] ~ section [data-testid=product-card], [data-testid=product-card]").dataset.slug`)
		goTo(t, ctx, "/products/"+slug)
		do(t, ctx, "order 2",
			chromedp.SetValue(chromedp.CSS(`#order-form input[name=quantity]`), "2"),
			chromedp.Click(chromedp.CSS(`[data-testid=place-order]`)),
		)
		waitFor(t, ctx, "order screen", `document.body.dataset.route.startsWith("/account/orders/") && document.body.dataset.ready === "true"`)
		orderID = eval[string](t, ctx, `document.querySelector("[data-testid=order]").dataset.orderId`)
		if orderID == "" {
			t.Fatal("order screen has no order id")
		}
		// Checkout runs behind the 202: the screen shows pending (or already the outcome) and
		// follows it to confirmed.
		if got := textOf(t, ctx, "[data-testid=order-status]"); got != "pending" && got != "confirmed" {
			t.Errorf("status of the new order = %q, want pending or confirmed", got)
		}
		waitFor(t, ctx, "checkout confirms the order", `document.querySelector("[data-testid=order-status]")?.textContent === "confirmed"`)
		if !exists(t, ctx, "[data-testid=cancel-order]") {
			t.Errorf("a confirmed order has no cancel button")
		}
	})
	ok = ok && step(t, tab, "the order is in the account", func(t *testing.T, ctx context.Context) {
		goTo(t, ctx, "/account")
		if !exists(t, ctx, fmt.Sprintf(`[data-testid=account-orders] [data-testid=order-row][data-order-id=%q]`, orderID)) {
			t.Errorf("account orders = %q, want a row for %s", textOf(t, ctx, "[data-testid=account-orders]"), orderID)
		}
	})
	if !ok {
		return
	}

	// Pages on origins bff-web does not allowlist: one on the same site (127.0.0.1, another
	// port: the session cookies go along, SameSite does not help) and one on another site
	// (127.0.0.2: SameSite=Strict withholds the cookies).
	evils := []struct {
		name, host string
		cookies    bool // whether Chromium sends the session cookies from there
	}{
		{"same site other origin", "127.0.0.1", true},
		{"other site", "127.0.0.2", false},
	}
	for _, e := range evils {
		evilOrigin := serve(t, listen(t, e.host), evilHandler())
		evil := newTab(t, browser)
		ok = ok && step(t, evil, e.name+" cannot read responses", func(t *testing.T, ctx context.Context) {
			do(t, ctx, "open the foreign page", chromedp.Navigate(evilOrigin+"/"))
			net := recordNetwork(t, ctx)
			reads := []struct {
				path                     string
				withCookies, withoutThem int64 // what bff-web answers
				// revalidated: the browser may revalidate its own cached copy (the order has an
				// ETag): 304 with the cookies, and CORS still withholds it.
				revalidated bool
			}{
				{"/api/account", 200, 401, false},
				{"/auth/session", 200, 200, false}, // {"authenticated": false} without cookies
				{"/api/orders/" + orderID, 200, 401, true},
			}
			for _, r := range reads {
				url := s.WebURL + r.path
				got := eval[string](t, ctx, fmt.Sprintf(`fetch(%q, {credentials: "include"}).then(r => r.text().then(b => "read " + r.status + " " + b.slice(0, 60)), e => "refused " + e.name)`, url))
				if got != "refused TypeError" {
					t.Errorf("fetch(%s) with credentials from %s = %q, want refused TypeError (CORS)", r.path, evilOrigin, got)
				}
				// The request did reach bff-web: what the browser withheld is the answer.
				x := net.wait(t, ctx, "GET", url)
				want := r.withoutThem
				if e.cookies {
					want = r.withCookies
				}
				if e.cookies && r.revalidated && x.status == 304 {
					want = 304
				}
				if sent := len(x.cookies) == 2; sent != e.cookies || x.status != want {
					t.Errorf("GET %s from %s: status %d with cookies %v, want %d with cookies sent: %v", r.path, evilOrigin, x.status, x.cookies, want, e.cookies)
				}
			}
		})
		ok = ok && step(t, evil, e.name+" forged requests are refused", func(t *testing.T, ctx context.Context) {
			// A no-cors POST needs no preflight: the browser sends it (with the cookies on
			// the same site), and the origin check refuses it.
			net := recordNetwork(t, ctx)
			cancelURL := s.WebURL + "/api/orders/" + orderID + "/cancel"
			got := eval[string](t, ctx, fmt.Sprintf(`fetch(%q, {method: "POST", mode: "no-cors", credentials: "include"}).then(r => "sent " + r.type, e => "error " + e.name)`, cancelURL))
			if got != "sent opaque" {
				t.Errorf("no-cors POST %s = %q, want sent opaque", cancelURL, got)
			}
			x := net.wait(t, ctx, "POST", cancelURL)
			if x.status != 403 || (len(x.cookies) == 2) != e.cookies {
				t.Errorf("forged cancel from %s: status %d with cookies %v, want 403 with cookies sent: %v", evilOrigin, x.status, x.cookies, e.cookies)
			}
			// A plain HTML form (top-level navigation) that signs the user out.
			do(t, ctx, "submit a forged sign-out form", chromedp.Evaluate[chromedp.Void](fmt.Sprintf(
				`(() => { const f = document.createElement("form"); f.method = "POST"; f.action = %q; document.body.append(f); f.submit(); })()`,
				s.WebURL+"/auth/logout")))
			if x := net.wait(t, ctx, "POST", s.WebURL+"/auth/logout"); x.status != 403 || (len(x.cookies) == 2) != e.cookies {
				t.Errorf("forged sign-out form from %s: status %d with cookies %v, want 403 with cookies sent: %v", evilOrigin, x.status, x.cookies, e.cookies)
			}
			waitFor(t, ctx, "the answer to the forged form", fmt.Sprintf(`location.href === %q && document.body !== null && document.body.innerText.includes("origin_not_allowed")`, s.WebURL+"/auth/logout"))
		})
	}
	ok = ok && step(t, tab, "the forged requests changed nothing", func(t *testing.T, ctx context.Context) {
		goTo(t, ctx, "/account/orders/"+orderID)
		if got := textOf(t, ctx, "[data-testid=order-status]"); got != "confirmed" {
			t.Errorf("status after the forged cancels = %q, want confirmed (not cancelled)", got)
		}
		if !exists(t, ctx, "[data-testid=nav-account]") || len(sessionCookies(t, ctx, s.WebURL)) != 2 {
			t.Errorf("the forged sign-out ended the session")
		}
	})
	ok = ok && step(t, tab, "state changes need the CSRF token", func(t *testing.T, ctx context.Context) {
		// From the allowlisted origin, with the cookies, but without the token (or a wrong one).
		for _, header := range []string{`{}`, `{"X-CSRF-Token": "forged-token"}`} {
			got := eval[string](t, ctx, fmt.Sprintf(`fetch(%q, {method: "POST", credentials: "include", headers: %s}).then(r => r.json().then(b => r.status + " " + b.code))`,
				s.WebURL+"/api/orders/"+orderID+"/cancel", header))
			if got != "403 csrf_failed" {
				t.Errorf("POST cancel with headers %s = %q, want 403 csrf_failed", header, got)
			}
		}
	})
	ok = ok && step(t, tab, "cancel the order", func(t *testing.T, ctx context.Context) {
		goTo(t, ctx, "/account/orders/"+orderID)
		do(t, ctx, "cancel", chromedp.Click(chromedp.CSS(`[data-testid=cancel-order]`)))
		waitFor(t, ctx, "cancelled", `document.querySelector("[data-testid=order-status]")?.textContent === "cancelled" && document.body.dataset.ready === "true"`)
		if exists(t, ctx, "[data-testid=cancel-order]") {
			t.Errorf("a cancelled order still has a cancel button")
		}
	})
	ok = ok && step(t, tab, "sign out", func(t *testing.T, ctx context.Context) {
		do(t, ctx, "sign out", chromedp.Click(chromedp.CSS(`[data-testid=signout]`)))
		waitFor(t, ctx, "signed-out home", `document.querySelector("[data-testid=nav-signin]") !== null && `+readyOn("/"))
		if c := sessionCookies(t, ctx, s.WebURL); len(c) != 0 {
			t.Errorf("cookies after sign-out = %v, want none", keys(c))
		}
		if exists(t, ctx, "[data-testid=greeting]") {
			t.Errorf("home after sign-out still greets")
		}
	})
	_ = ok && step(t, tab, "the account is refused", func(t *testing.T, ctx context.Context) {
		goTo(t, ctx, "/account")
		code := eval[string](t, ctx, `document.querySelector("[data-testid=problem]")?.dataset.code ?? "<no problem shown>"`)
		status := eval[string](t, ctx, `document.querySelector("[data-testid=problem]")?.dataset.status ?? ""`)
		if code != "unauthenticated" || status != "401" {
			t.Errorf("account after sign-out shows problem %q (status %s), want unauthenticated (401)", code, status)
		}
		if !exists(t, ctx, "[data-testid=signin-link]") {
			t.Errorf("refused account offers no sign-in link")
		}
	})
}

// exchange is what the browser's network stack saw of one request: the session cookies it
// attached and the status it received, even when CORS kept the answer from the page.
type exchange struct {
	url, method string
	cookies     []string // names of the cookies sent
	status      int64
}

// netLog records the exchanges of one tab (Network events) from now until ctx ends.
type netLog struct {
	mu   sync.Mutex
	byID map[network.RequestID]*exchange
}

func recordNetwork(t *testing.T, ctx context.Context) *netLog {
	t.Helper()
	l := &netLog{byID: map[network.RequestID]*exchange{}}
	get := func(id network.RequestID) *exchange {
		e := l.byID[id]
		if e == nil {
			e = &exchange{}
			l.byID[id] = e
		}
		return e
	}
	err := chromedp.Listen(ctx, func(ev any) {
		l.mu.Lock()
		defer l.mu.Unlock()
		switch ev := ev.(type) {
		case *network.EventRequestWillBeSent:
			e := get(ev.RequestID)
			e.url, e.method = ev.Request.URL, ev.Request.Method
		case *network.EventRequestWillBeSentExtraInfo:
			e := get(ev.RequestID)
			for _, c := range ev.AssociatedCookies {
				if len(c.BlockedReasons) == 0 && c.Cookie != nil {
					e.cookies = append(e.cookies, c.Cookie.Name)
				}
			}
		case *network.EventResponseReceivedExtraInfo:
			get(ev.RequestID).status = ev.StatusCode
		}
	})
	if err != nil {
		t.Fatalf("listen to the network: %v", err)
	}
	return l
}

// wait returns the exchange of method url once its response arrived.
func (l *netLog) wait(t *testing.T, ctx context.Context, method, url string) exchange {
	t.Helper()
	for {
		l.mu.Lock()
		for _, e := range l.byID {
			if e.url == url && e.method == method && e.status != 0 {
				found := *e
				l.mu.Unlock()
				return found
			}
		}
		l.mu.Unlock()
		select {
		case <-ctx.Done():
			t.Fatalf("no response to %s %s seen by the browser: %v", method, url, ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
