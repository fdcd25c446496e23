package smoke

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// WebOptions configure the bff-web journey.
type WebOptions struct {
	// BaseURL of bff-web (its API: /auth, /api).
	BaseURL string
	// Origin sent on state-changing calls; default BaseURL (same origin).
	Origin string
	// Email and Password of the user to sign up; default a fresh smoke+…@example.com and a
	// password that meets Cognito's default policy.
	Email, Password, Name string
	// ConfirmationCode returns the sign-up confirmation code sent to email; default the local
	// IdP's fixed code 123456.
	ConfirmationCode func(ctx context.Context, email string) (string, error)
	// RequireReplayRefused also checks that the session cookies captured before logout are
	// refused after it (server-side revocation). Off by default: bff-web's sessions are sealed
	// cookies checked without a server-side lookup, so replayed cookies work until they expire.
	RequireReplayRefused bool
	// SkipCheckoutOutcome accepts the order once answered 202 (pending) instead of waiting for
	// checkout to confirm it: for targets that cannot run the checkout saga (moto runs no Step
	// Functions tasks and the rehearsal deploys no payments ledger).
	SkipCheckoutOutcome bool
	Address             *Address
	HTTPClient          *http.Client
	// Log receives each completed step.
	Log func(journey, step string, status int, d time.Duration)
}

// cookieJar keeps cookies by name as a browser would for one site (Secure and __Host- cookies
// included: the journeys may run over http on loopback).
type cookieJar map[string]string

func (c cookieJar) update(cs []*http.Cookie) {
	for _, k := range cs {
		if k.MaxAge < 0 || k.Value == "" || (!k.Expires.IsZero() && k.Expires.Before(time.Now())) {
			delete(c, k.Name)
			continue
		}
		c[k.Name] = k.Value
	}
}

func (c cookieJar) header() string {
	parts := make([]string, 0, len(c))
	for k, v := range c {
		parts = append(parts, k+"="+v)
	}
	return strings.Join(parts, "; ")
}

func (c cookieJar) clone() cookieJar {
	out := cookieJar{}
	for k, v := range c {
		out[k] = v
	}
	return out
}

// Web signs a new user up, confirms, logs in (session cookies and CSRF token), loads home,
// places an order, checks that an order without the CSRF token is refused, logs out and
// checks that the session is refused after.
func Web(ctx context.Context, o WebOptions) (*Report, error) {
	j := newJourney("web", o.HTTPClient, o.Log)
	base := strings.TrimRight(o.BaseURL, "/")
	origin := o.Origin
	if origin == "" {
		origin = base
	}
	if o.Email == "" {
		o.Email = uniqueEmail()
	}
	if o.Password == "" {
		o.Password = "Smoke-Passw0rd!"
	}
	if o.Name == "" {
		o.Name = "Smoke Test"
	}
	addr := DefaultAddress
	if o.Address != nil {
		addr = *o.Address
	}
	originHdr := map[string]string{"Origin": origin}
	if _, err := j.do(ctx, "sign-up", call{method: "POST", url: base + "/auth/signup", headers: originHdr,
		body: map[string]string{"email": o.Email, "password": o.Password, "name": o.Name}, want: []int{201}}); err != nil {
		return j.report, err
	}
	code := "123456"
	if o.ConfirmationCode != nil {
		c, err := o.ConfirmationCode(ctx, o.Email)
		if err != nil {
			return j.report, j.fail("confirmation code", 0, "", "", err)
		}
		code = c
	}
	if _, err := j.do(ctx, "confirm", call{method: "POST", url: base + "/auth/confirm", headers: originHdr,
		body: map[string]string{"email": o.Email, "code": code}, want: []int{204}}); err != nil {
		return j.report, err
	}
	login, err := j.do(ctx, "login", call{method: "POST", url: base + "/auth/login", headers: originHdr,
		body: map[string]string{"email": o.Email, "password": o.Password}, want: []int{200}})
	if err != nil {
		return j.report, err
	}
	var sess struct {
		Authenticated bool   `json:"authenticated"`
		CSRFToken     string `json:"csrf_token"`
	}
	if err := j.decode("login", login, &sess); err != nil {
		return j.report, err
	}
	jar := cookieJar{}
	jar.update(login.cookies)
	if err := j.check("login", login, sess.Authenticated && sess.CSRFToken != "" && len(jar) >= 2,
		fmt.Sprintf("want authenticated with a CSRF token and two session cookies, got authenticated=%v csrf=%v cookies=%d", sess.Authenticated, sess.CSRFToken != "", len(jar))); err != nil {
		return j.report, err
	}
	if strings.Contains(string(login.body), "eyJ") {
		return j.report, j.fail("login", login.status, "", "the login answer carries a JWT; tokens must stay in the sealed cookies", nil)
	}
	withSession := func() map[string]string { return map[string]string{"Cookie": jar.header()} }
	home, err := j.do(ctx, "home", call{method: "GET", url: base + "/api/home", headers: withSession(), want: []int{200}})
	if err != nil {
		return j.report, err
	}
	var h struct {
		SignedIn bool `json:"signed_in"`
	}
	if err := j.decode("home", home, &h); err != nil {
		return j.report, err
	}
	if err := j.check("home", home, h.SignedIn, "home is not signed in with the session cookies"); err != nil {
		return j.report, err
	}
	jar.update(home.cookies)
	prods, err := j.do(ctx, "products", call{method: "GET", url: base + "/api/products?in_stock=true&page_size=10", want: []int{200}})
	if err != nil {
		return j.report, err
	}
	productID, err := j.inStockProduct(prods)
	if err != nil {
		return j.report, err
	}
	orderBody := map[string]any{"lines": []map[string]any{{"product_id": productID, "quantity": 1}}, "shipping_address": addr, "payment_token": TestCardToken}
	noCSRF := withSession()
	noCSRF["Origin"] = origin
	if _, err := j.do(ctx, "order without CSRF token refused", call{method: "POST", url: base + "/api/orders", headers: noCSRF, body: orderBody, want: []int{403}}); err != nil {
		return j.report, err
	}
	hdr := withSession()
	hdr["Origin"], hdr["X-CSRF-Token"] = origin, sess.CSRFToken
	order, err := j.do(ctx, "order", call{method: "POST", url: base + "/api/orders", headers: hdr, body: orderBody, want: []int{202}})
	if err != nil {
		return j.report, err
	}
	var ord struct {
		ID     string `json:"id"`
		Status string `json:"status"`
	}
	if err := j.decode("order", order, &ord); err != nil {
		return j.report, err
	}
	if err := j.check("order", order, ord.ID != "" && ord.Status != "", "the order answer has no id or status"); err != nil {
		return j.report, err
	}
	j.report.OrderID = ord.ID
	jar.update(order.cookies)
	if !o.SkipCheckoutOutcome {
		if err := j.awaitConfirmed(ctx, base+"/api/orders/"+url.PathEscape(ord.ID), withSession()); err != nil {
			return j.report, err
		}
	}
	captured := jar.clone()
	hdr = withSession()
	hdr["Origin"], hdr["X-CSRF-Token"] = origin, sess.CSRFToken
	logout, err := j.do(ctx, "logout", call{method: "POST", url: base + "/auth/logout", headers: hdr, want: []int{204}})
	if err != nil {
		return j.report, err
	}
	jar.update(logout.cookies)
	if err := j.check("logout", logout, len(jar) == 0, fmt.Sprintf("logout left %d session cookies in the browser", len(jar))); err != nil {
		return j.report, err
	}
	if _, err := j.do(ctx, "session refused after logout", call{method: "GET", url: base + "/api/account", headers: withSession(), want: []int{401}}); err != nil {
		return j.report, err
	}
	if o.RequireReplayRefused {
		if _, err := j.do(ctx, "replayed session refused after logout", call{method: "GET", url: base + "/api/account",
			headers: map[string]string{"Cookie": captured.header()}, want: []int{401}}); err != nil {
			return j.report, err
		}
	}
	return j.report, nil
}

// MobileOptions configure the bff-mobile journey.
type MobileOptions struct {
	// BaseURL of bff-mobile (its API under /v1).
	BaseURL string
	// Username and Password of an existing, confirmed user (locally the seeded
	// demo@example.com / Demo-Passw0rd!, who has a default address).
	Username, Password string
	// Address, when set, is saved as the profile's default address (PATCH /v1/me) before the
	// order, as the app does for a new user; without it the user must have one already (the
	// order carries none).
	Address    *Address
	HTTPClient *http.Client
	Log        func(journey, step string, status int, d time.Duration)
	// SkipCheckoutOutcome: as WebOptions.SkipCheckoutOutcome.
	SkipCheckoutOutcome bool
}

// Mobile logs in, loads the feed, saves the profile's default address (when o.Address is set),
// places an order with an Idempotency-Key, replays it (the same
// order must come back, marked replayed) and reads the order back.
func Mobile(ctx context.Context, o MobileOptions) (*Report, error) {
	j := newJourney("mobile", o.HTTPClient, o.Log)
	base := strings.TrimRight(o.BaseURL, "/")
	login, err := j.do(ctx, "login", call{method: "POST", url: base + "/v1/auth/login",
		body: map[string]string{"username": o.Username, "password": o.Password}, want: []int{200}})
	if err != nil {
		return j.report, err
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := j.decode("login", login, &tok); err != nil {
		return j.report, err
	}
	if err := j.check("login", login, tok.AccessToken != "", "no access_token"); err != nil {
		return j.report, err
	}
	bearer := map[string]string{"Authorization": "Bearer " + tok.AccessToken}
	feed, err := j.do(ctx, "feed", call{method: "GET", url: base + "/v1/feed", headers: bearer, want: []int{200}})
	if err != nil {
		return j.report, err
	}
	var f struct {
		Featured []struct {
			ID string `json:"id"`
		} `json:"featured"`
	}
	if err := j.decode("feed", feed, &f); err != nil {
		return j.report, err
	}
	if err := j.check("feed", feed, len(f.Featured) > 0, "the feed has no featured products"); err != nil {
		return j.report, err
	}
	prods, err := j.do(ctx, "products", call{method: "GET", url: base + "/v1/products?limit=20", headers: bearer, want: []int{200}})
	if err != nil {
		return j.report, err
	}
	productID, err := j.inStockProduct(prods)
	if err != nil {
		return j.report, err
	}
	if o.Address != nil {
		a := map[string]any{"name": o.Address.Name, "line1": o.Address.Line1, "city": o.Address.City,
			"postal_code": o.Address.PostalCode, "country": o.Address.Country, "default": true}
		if _, err := j.do(ctx, "profile default address", call{method: "PATCH", url: base + "/v1/me", headers: bearer,
			body: map[string]any{"addresses": []any{a}}, want: []int{200}}); err != nil {
			return j.report, err
		}
	}
	key := newKey()
	hdr := map[string]string{"Authorization": "Bearer " + tok.AccessToken, "Idempotency-Key": key}
	body := map[string]any{"lines": []map[string]any{{"product_id": productID, "quantity": 1}}, "payment_token": TestCardToken}
	first, err := j.do(ctx, "order", call{method: "POST", url: base + "/v1/orders", headers: hdr, body: body, want: []int{202}})
	if err != nil {
		return j.report, err
	}
	var o1, o2 struct {
		ID string `json:"id"`
	}
	if err := j.decode("order", first, &o1); err != nil {
		return j.report, err
	}
	if err := j.check("order", first, o1.ID != "", "the order answer has no id"); err != nil {
		return j.report, err
	}
	j.report.OrderID = o1.ID
	again, err := j.do(ctx, "order replay (same Idempotency-Key)", call{method: "POST", url: base + "/v1/orders", headers: hdr, body: body, want: []int{202}})
	if err != nil {
		return j.report, err
	}
	if err := j.decode("order replay (same Idempotency-Key)", again, &o2); err != nil {
		return j.report, err
	}
	if err := j.check("order replay (same Idempotency-Key)", again, o2.ID == o1.ID && again.header.Get("Idempotent-Replayed") == "true",
		fmt.Sprintf("replay answered order %q (Idempotent-Replayed %q), want the same order %q marked replayed", o2.ID, again.header.Get("Idempotent-Replayed"), o1.ID)); err != nil {
		return j.report, err
	}
	if _, err := j.do(ctx, "order read back", call{method: "GET", url: base + "/v1/orders/" + url.PathEscape(o1.ID), headers: bearer, want: []int{200}}); err != nil {
		return j.report, err
	}
	if !o.SkipCheckoutOutcome {
		if err := j.awaitConfirmed(ctx, base+"/v1/orders/"+url.PathEscape(o1.ID), bearer); err != nil {
			return j.report, err
		}
	}
	return j.report, nil
}

// PartnerOptions configure the bff-partner journey.
type PartnerOptions struct {
	// BaseURL of bff-partner (its API under /v1; behind the REST API, including the stage).
	BaseURL string
	// Token returns a client-credentials access token of an onboarded partner (see
	// ClientCredentials).
	Token func(ctx context.Context) (string, error)
	// APIKey is sent as x-api-key when set (the REST API's usage plans).
	APIKey string
	// MaxPages bounds the catalog sync (default 50 pages of 100).
	MaxPages   int
	Address    *Address
	HTTPClient *http.Client
	Log        func(journey, step string, status int, d time.Duration)
}

// Partner gets a token, syncs the whole catalog page by page, reads the inventory of the
// first products, places an order with an Idempotency-Key for one in stock and replays it.
func Partner(ctx context.Context, o PartnerOptions) (*Report, error) {
	j := newJourney("partner", o.HTTPClient, o.Log)
	base := strings.TrimRight(o.BaseURL, "/")
	if o.Token == nil {
		return j.report, j.fail("token", 0, "", "no Token hook", nil)
	}
	if o.MaxPages == 0 {
		o.MaxPages = 50
	}
	addr := DefaultAddress
	if o.Address != nil {
		addr = *o.Address
	}
	start := time.Now()
	token, err := o.Token(ctx)
	if err != nil {
		return j.report, j.fail("token", 0, "", "", err)
	}
	j.report.Steps = append(j.report.Steps, Step{Name: "token", Duration: time.Since(start)})
	if o.Log != nil {
		o.Log("partner", "token", 0, time.Since(start))
	}
	hdr := func(extra ...string) map[string]string {
		h := map[string]string{"Authorization": "Bearer " + token}
		if o.APIKey != "" {
			h["X-Api-Key"] = o.APIKey
		}
		for i := 0; i+1 < len(extra); i += 2 {
			h[extra[i]] = extra[i+1]
		}
		return h
	}
	var skus []string
	cursor := ""
	for page := 1; ; page++ {
		u := base + "/v1/products?limit=100"
		if cursor != "" {
			u += "&cursor=" + url.QueryEscape(cursor)
		}
		step := fmt.Sprintf("catalog sync page %d", page)
		a, err := j.do(ctx, step, call{method: "GET", url: u, headers: hdr(), want: []int{200}})
		if err != nil {
			return j.report, err
		}
		var p struct {
			Items []struct {
				SKU string `json:"sku"`
			} `json:"items"`
			NextCursor string `json:"next_cursor"`
			HasMore    bool   `json:"has_more"`
		}
		if err := j.decode(step, a, &p); err != nil {
			return j.report, err
		}
		for _, it := range p.Items {
			skus = append(skus, it.SKU)
		}
		if !p.HasMore {
			break
		}
		if p.NextCursor == "" || p.NextCursor == cursor {
			return j.report, j.fail(step, a.status, "", "has_more without a new next_cursor", nil)
		}
		if page >= o.MaxPages {
			return j.report, j.fail(step, a.status, "", fmt.Sprintf("catalog longer than %d pages", o.MaxPages), nil)
		}
		cursor = p.NextCursor
	}
	if len(skus) == 0 {
		return j.report, j.fail("catalog sync", 200, "", "", errNoProduct)
	}
	ask := skus[:min(len(skus), 20)]
	inv, err := j.do(ctx, "inventory", call{method: "GET", url: base + "/v1/inventory?skus=" + url.QueryEscape(strings.Join(ask, ",")), headers: hdr(), want: []int{200}})
	if err != nil {
		return j.report, err
	}
	var stock struct {
		Items []struct {
			SKU       string `json:"sku"`
			Available int64  `json:"available"`
		} `json:"items"`
	}
	if err := j.decode("inventory", inv, &stock); err != nil {
		return j.report, err
	}
	sku := ""
	for _, it := range stock.Items {
		if it.Available >= 2 {
			sku = it.SKU
			break
		}
	}
	if sku == "" {
		return j.report, j.fail("inventory", inv.status, "", "", errNoProduct)
	}
	key := newKey()
	body := map[string]any{"lines": []map[string]any{{"sku": sku, "quantity": 1}}, "shipping_address": addr}
	first, err := j.do(ctx, "order", call{method: "POST", url: base + "/v1/orders", headers: hdr("Idempotency-Key", key), body: body, want: []int{201}})
	if err != nil {
		return j.report, err
	}
	var o1, o2 struct {
		ID string `json:"id"`
	}
	if err := j.decode("order", first, &o1); err != nil {
		return j.report, err
	}
	if err := j.check("order", first, o1.ID != "", "the order answer has no id"); err != nil {
		return j.report, err
	}
	j.report.OrderID = o1.ID
	again, err := j.do(ctx, "order replay (same Idempotency-Key)", call{method: "POST", url: base + "/v1/orders", headers: hdr("Idempotency-Key", key), body: body, want: []int{201}})
	if err != nil {
		return j.report, err
	}
	if err := j.decode("order replay (same Idempotency-Key)", again, &o2); err != nil {
		return j.report, err
	}
	if err := j.check("order replay (same Idempotency-Key)", again, o2.ID == o1.ID,
		fmt.Sprintf("replay answered order %q, want the same order %q", o2.ID, o1.ID)); err != nil {
		return j.report, err
	}
	return j.report, nil
}

// TestCardToken is the card token the journeys pay with: the fake processor's approving test
// token (BFF_PAYMENTS_PROVIDER=fake).
const TestCardToken = "tok_visa"

// checkoutWait bounds how long a journey waits for checkout to confirm an order.
const checkoutWait = 30 * time.Second

// awaitConfirmed polls the order (If-None-Match, so unchanged polls are 304) until checkout
// has moved it out of pending, and fails unless it is confirmed.
func (j *journey) awaitConfirmed(ctx context.Context, orderURL string, headers map[string]string) error {
	const step = "order confirmed by checkout"
	deadline := time.Now().Add(checkoutWait)
	etag := ""
	for delay := 100 * time.Millisecond; ; delay = min(delay*2, 2*time.Second) {
		h := maps.Clone(headers)
		if etag != "" {
			h["If-None-Match"] = etag
		}
		a, err := j.do(ctx, step, call{method: "GET", url: orderURL, headers: h, want: []int{200, 304}})
		if err != nil {
			return err
		}
		if a.status == 200 {
			var o struct {
				Status             string `json:"status"`
				CancellationReason string `json:"cancellation_reason"`
			}
			if err := j.decode(step, a, &o); err != nil {
				return err
			}
			if o.Status != "pending" {
				return j.check(step, a, o.Status == "confirmed", fmt.Sprintf("checkout ended in %q (reason %q), want confirmed", o.Status, o.CancellationReason))
			}
			etag = a.header.Get("ETag")
		}
		if time.Now().After(deadline) {
			return j.fail(step, a.status, "", fmt.Sprintf("the order is still pending after %s", checkoutWait), nil)
		}
		select {
		case <-ctx.Done():
			return j.fail(step, 0, "", "waiting for checkout", ctx.Err())
		case <-time.After(delay):
		}
	}
}
