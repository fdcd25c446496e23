// Package suite starts the BFFs as real processes on loopback and signs in to them the way
// their clients do: bff-web with a session cookie (POST /auth/login), bff-mobile with a
// bearer token (POST /v1/auth/login), bff-partner with a client_credentials token
// (POST /oauth2/token). The load generator and the soak use it.
package suite

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"bffsuite.dev/bench/internal/proc"
	"bffsuite.dev/shared/store/seed"
)

// Demo credentials of the embedded identity provider.
const (
	DemoUser          = "demo@example.com"
	DemoPassword      = "Demo-Passw0rd!"
	PartnerClient     = "demo-partner"
	PartnerSecret     = "demo-partner-secret"
	MobileAppVersion  = "9.0.0"
	MobilePlatform    = "ios"
	HeaderCorrelation = "X-Correlation-Id"
)

// BFF is one running BFF process.
type BFF struct {
	Name string
	URL  string // http://127.0.0.1:PORT
	Proc *proc.Process
}

// Start runs the BFF binary bin on a free loopback port with env added, and waits for /healthz.
func Start(ctx context.Context, name, bin string, env []string) (*BFF, error) {
	addr, err := proc.FreeAddr()
	if err != nil {
		return nil, err
	}
	full := append([]string{
		"BFF_ADDR=" + addr,
		"BFF_LOCAL_IDP_ISSUER=http://" + addr + "/local-idp",
		"BFF_LOG_FORMAT=json",
	}, env...)
	p, err := proc.Start(name, bin, nil, full)
	if err != nil {
		return nil, err
	}
	b := &BFF{Name: name, URL: "http://" + addr, Proc: p}
	if err := p.WaitHTTP(ctx, b.URL+"/healthz", 30*time.Second); err != nil {
		p.Stop()
		return nil, err
	}
	return b, nil
}

// Stop ends the process.
func (b *BFF) Stop() {
	if b != nil {
		b.Proc.Stop()
	}
}

// Client is the HTTP client used for sign-in and set-up calls.
var Client = &http.Client{Timeout: 10 * time.Second}

// Do sends one request and returns the response with its body read.
func Do(ctx context.Context, method, u string, body []byte, header http.Header) (*http.Response, []byte, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return nil, nil, err
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := Client.Do(req)
	if err != nil {
		return nil, nil, fmt.Errorf("%s %s: %w", method, u, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, nil, fmt.Errorf("%s %s: read body: %w", method, u, err)
	}
	return resp, b, nil
}

// WebSession is a signed-in browser: its Cookie header and CSRF token.
type WebSession struct {
	Cookie string
	CSRF   string
}

// Header returns the headers of a request of this session (CSRF on unsafe methods).
func (s WebSession) Header(method string) http.Header {
	h := http.Header{"Cookie": {s.Cookie}, "Accept": {"application/json"}}
	if method != http.MethodGet && method != http.MethodHead {
		h.Set("X-CSRF-Token", s.CSRF)
		h.Set("Content-Type", "application/json")
	}
	return h
}

// WebLogin signs in to bff-web with the demo user.
func WebLogin(ctx context.Context, base string) (WebSession, error) {
	body, _ := json.Marshal(map[string]string{"email": DemoUser, "password": DemoPassword})
	resp, b, err := Do(ctx, http.MethodPost, base+"/auth/login", body, http.Header{"Content-Type": {"application/json"}})
	if err != nil {
		return WebSession{}, err
	}
	if resp.StatusCode != http.StatusOK {
		return WebSession{}, fmt.Errorf("web login: status %d: %s", resp.StatusCode, b)
	}
	var out struct {
		CSRF string `json:"csrf_token"`
	}
	if err := json.Unmarshal(b, &out); err != nil || out.CSRF == "" {
		return WebSession{}, fmt.Errorf("web login: no csrf_token in %s", b)
	}
	var cookies []string
	for _, c := range resp.Cookies() {
		cookies = append(cookies, c.Name+"="+c.Value)
	}
	if len(cookies) == 0 {
		return WebSession{}, fmt.Errorf("web login: no session cookie")
	}
	return WebSession{Cookie: strings.Join(cookies, "; "), CSRF: out.CSRF}, nil
}

// MobileHeader is the header set of a signed-in mobile app.
func MobileHeader(token string) http.Header {
	return http.Header{
		"Authorization": {"Bearer " + token}, "Accept": {"application/json"},
		"X-App-Version": {MobileAppVersion}, "X-Platform": {MobilePlatform},
	}
}

// MobileLogin signs in to bff-mobile with the demo user and returns the access token.
func MobileLogin(ctx context.Context, base string) (string, error) {
	body, _ := json.Marshal(map[string]string{"username": DemoUser, "password": DemoPassword})
	h := http.Header{"Content-Type": {"application/json"}, "X-App-Version": {MobileAppVersion}, "X-Platform": {MobilePlatform}}
	resp, b, err := Do(ctx, http.MethodPost, base+"/v1/auth/login", body, h)
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("mobile login: status %d: %s", resp.StatusCode, b)
	}
	var out struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(b, &out); err != nil || out.AccessToken == "" {
		return "", fmt.Errorf("mobile login: no access_token")
	}
	return out.AccessToken, nil
}

// PartnerHeader is the header set of a partner call.
func PartnerHeader(token string) http.Header {
	return http.Header{"Authorization": {"Bearer " + token}, "Accept": {"application/json"}}
}

// PartnerToken gets a client_credentials token from bff-partner's token endpoint.
func PartnerToken(ctx context.Context, base, client, secret string) (string, error) {
	form := url.Values{"grant_type": {"client_credentials"}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/oauth2/token", strings.NewReader(form.Encode()))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(client, secret)
	resp, err := Client.Do(req)
	if err != nil {
		return "", fmt.Errorf("partner token: %w", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("partner token: status %d: %s", resp.StatusCode, b)
	}
	var out struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(b, &out); err != nil || out.AccessToken == "" {
		return "", fmt.Errorf("partner token: no access_token")
	}
	return out.AccessToken, nil
}

// PartnerSKUs lists every SKU of the partner catalog (following cursors).
func PartnerSKUs(ctx context.Context, base, token string) ([]string, error) {
	var skus []string
	cursor := ""
	for range 100 {
		u := base + "/v1/products?limit=100"
		if cursor != "" {
			u += "&cursor=" + url.QueryEscape(cursor)
		}
		resp, b, err := Do(ctx, http.MethodGet, u, nil, PartnerHeader(token))
		if err != nil {
			return nil, err
		}
		if resp.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("partner products: status %d: %s", resp.StatusCode, b)
		}
		var page struct {
			Items []struct {
				SKU string `json:"sku"`
			} `json:"items"`
			NextCursor string `json:"next_cursor"`
			HasMore    bool   `json:"has_more"`
		}
		if err := json.Unmarshal(b, &page); err != nil {
			return nil, fmt.Errorf("partner products: %w", err)
		}
		for _, it := range page.Items {
			skus = append(skus, it.SKU)
		}
		if !page.HasMore || page.NextCursor == "" {
			return skus, nil
		}
		cursor = page.NextCursor
	}
	return skus, nil
}

// PartnerOrderBody is a one-line order of sku.
func PartnerOrderBody(sku string, qty int) []byte {
	return fmt.Appendf(nil, `{"lines":[{"sku":%q,"quantity":%d}],"shipping_address":{"name":"Bench Buyer","line1":"1 Loopback Street","city":"Berlin","postal_code":"10115","country":"DE"}}`, sku, qty)
}

// SeedStock returns the seeded stock of every product by SKU: every BFF process on the
// embedded backend (and DynamoDB after seed-dynamodb) starts from it.
func SeedStock() map[string]int64 {
	out := map[string]int64{}
	for _, p := range seed.Generate().Products {
		out[p.SKU] = p.Stock
	}
	return out
}

// StockUnits lists one SKU per unit of seeded stock, interleaved (one unit of each SKU that
// has stock left, then again), so ordering one unit per entry never runs out of stock and
// consecutive orders touch different products.
func StockUnits() []string {
	stock := SeedStock()
	skus := make([]string, 0, len(stock))
	for s, n := range stock {
		if n > 0 {
			skus = append(skus, s)
		}
	}
	sort.Strings(skus)
	var units []string
	for left := true; left; {
		left = false
		for _, s := range skus {
			if stock[s] > 0 {
				units = append(units, s)
				stock[s]--
				left = true
			}
		}
	}
	return units
}
