package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"bffsuite.dev/bench/internal/ledger"
	"bffsuite.dev/bench/internal/suite"
	"bffsuite.dev/shared/problem"
)

func numCPU() int { return runtime.NumCPU() }

// driver sends one BFF's share of the mixed traffic and records every answer.
type driver struct {
	stack  *stack
	name   string
	target string // "embedded/bff-web"
	bff    *suite.BFF
	led    *ledger.Ledger
	client *http.Client
	header http.Header // signed-in headers
	csrf   string
	skus   []string

	mu     sync.Mutex
	ops    map[string]int
	placed []placed // confirmed orders (for replays and cancellations)
	seq    int
}

type placed struct {
	id, key string
	body    []byte
}

func newDriver(ctx context.Context, s *stack, name string, led *ledger.Ledger, o options) (*driver, error) {
	d := &driver{stack: s, name: name, target: s.name + "/" + name, bff: s.bffs[name], led: led, ops: map[string]int{},
		client: &http.Client{Timeout: 10 * time.Second}}
	for sku, n := range suite.SeedStock() {
		if n > 0 {
			d.skus = append(d.skus, sku)
		}
	}
	sort.Strings(d.skus)
	// Sign-in may meet an injected failure on the embedded stack: retry a few times.
	var err error
	for range 10 {
		if err = d.signIn(ctx); err == nil {
			return d, nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return nil, err
}

func (d *driver) signIn(ctx context.Context) error {
	switch d.name {
	case "bff-web":
		s, err := suite.WebLogin(ctx, d.bff.URL)
		if err != nil {
			return err
		}
		d.header, d.csrf = s.Header(http.MethodGet), s.CSRF
	case "bff-mobile":
		tok, err := suite.MobileLogin(ctx, d.bff.URL)
		if err != nil {
			return err
		}
		d.header = suite.MobileHeader(tok)
	case "bff-partner":
		tok, err := suite.PartnerToken(ctx, d.bff.URL, suite.PartnerClient, suite.PartnerSecret)
		if err != nil {
			return err
		}
		d.header = suite.PartnerHeader(tok)
	}
	return nil
}

type op struct {
	name   string
	weight int
}

var mixes = map[string][]op{
	"bff-web":     {{"home", 35}, {"products", 25}, {"order", 15}, {"orders", 15}, {"cancel", 5}, {"product-missing", 5}},
	"bff-mobile":  {{"feed", 35}, {"products", 20}, {"order", 15}, {"replay", 5}, {"orders", 10}, {"me", 10}, {"cancel", 5}},
	"bff-partner": {{"products", 30}, {"order", 25}, {"replay", 5}, {"cancel", 10}, {"orders", 10}, {"inventory", 15}, {"bad-order", 5}},
}

func pick(r *rand.Rand, mix []op) string {
	total := 0
	for _, o := range mix {
		total += o.weight
	}
	n := r.IntN(total)
	for _, o := range mix {
		if n < o.weight {
			return o.name
		}
		n -= o.weight
	}
	return mix[0].name
}

// loop sends requests at rate per second until ctx ends.
func (d *driver) loop(ctx context.Context, worker int, rate float64) {
	r := rand.New(rand.NewPCG(uint64(worker)+1, uint64(len(d.target))))
	interval := time.Duration(float64(time.Second) / rate)
	next := time.Now()
	for {
		next = next.Add(interval)
		if wait := time.Until(next); wait > 0 {
			select {
			case <-ctx.Done():
				return
			case <-time.After(wait):
			}
		} else if ctx.Err() != nil {
			return
		}
		name := pick(r, mixes[d.name])
		d.mu.Lock()
		d.ops[name]++
		d.mu.Unlock()
		d.do(ctx, r, name)
	}
}

// answer is one parsed response.
type answer struct {
	status int
	code   string
	id     string
	body   []byte
}

func (d *driver) send(ctx context.Context, method, path string, body []byte, extra http.Header) (answer, bool) {
	h := d.header.Clone()
	for k, v := range extra {
		h[k] = v
	}
	if method != http.MethodGet && d.csrf != "" {
		h.Set("X-CSRF-Token", d.csrf)
	}
	if body != nil {
		h.Set("Content-Type", "application/json")
	}
	// The request gets its own deadline so the end of the run does not cut it short.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	resp, b, err := suite.Do(rctx, method, d.bff.URL+path, body, h)
	if err != nil {
		d.led.Transport(d.target)
		return answer{}, false
	}
	a := answer{status: resp.StatusCode, body: b}
	var m struct {
		Code string `json:"code"`
		ID   string `json:"id"`
	}
	_ = json.Unmarshal(b, &m)
	a.code, a.id = m.Code, m.ID
	d.led.Response(d.target, a.status, a.code, resp.Header.Get(suite.HeaderCorrelation) != "", d.stack.injectable, problem.CodeUnavailable)
	return a, true
}

func (d *driver) orderBody(sku string) []byte {
	switch d.name {
	case "bff-partner":
		return suite.PartnerOrderBody(sku, 1)
	default:
		// Web and mobile orders run the checkout saga: 202, paid with the fake processor's
		// approving test card.
		return fmt.Appendf(nil, `{"lines":[{"sku":%q,"quantity":1}],"payment_token":"tok_visa"}`, sku)
	}
}

func (d *driver) ordersPath() string {
	if d.name == "bff-web" {
		return "/api/orders"
	}
	return "/v1/orders"
}

func (d *driver) do(ctx context.Context, r *rand.Rand, name string) {
	switch name {
	case "home":
		d.send(ctx, http.MethodGet, "/api/home", nil, nil)
	case "feed":
		d.send(ctx, http.MethodGet, "/v1/feed", nil, nil)
	case "me":
		d.send(ctx, http.MethodGet, "/v1/me", nil, nil)
	case "products":
		if d.name == "bff-web" {
			d.send(ctx, http.MethodGet, "/api/products", nil, nil)
		} else {
			d.send(ctx, http.MethodGet, "/v1/products", nil, nil)
		}
	case "product-missing":
		d.send(ctx, http.MethodGet, "/api/products/no-such-product-"+fmt.Sprint(r.IntN(1000)), nil, nil)
	case "orders":
		d.send(ctx, http.MethodGet, d.ordersPath(), nil, nil)
	case "inventory":
		i := r.IntN(len(d.skus))
		j := min(len(d.skus), i+20)
		d.send(ctx, http.MethodGet, "/v1/inventory?skus="+url.QueryEscape(strings.Join(d.skus[i:j], ",")), nil, nil)
	case "bad-order":
		// Invalid input must be a 400 problem that writes nothing.
		d.send(ctx, http.MethodPost, d.ordersPath(), []byte(`{"lines":[{"sku":"","quantity":-3}]}`), d.idemHeader(d.nextKey()))
	case "order":
		sku := d.skus[r.IntN(len(d.skus))]
		body := d.orderBody(sku)
		key := d.nextKey()
		a, ok := d.send(ctx, http.MethodPost, d.ordersPath(), body, d.idemHeader(key))
		if ok && (a.status == http.StatusCreated || a.status == http.StatusAccepted) && a.id != "" {
			d.led.Created(d.target, a.id, sku, 1)
			d.mu.Lock()
			d.placed = append(d.placed, placed{id: a.id, key: key, body: body})
			d.mu.Unlock()
		}
	case "replay":
		if d.name == "bff-web" {
			return
		}
		d.mu.Lock()
		if len(d.placed) == 0 {
			d.mu.Unlock()
			return
		}
		p := d.placed[r.IntN(len(d.placed))]
		d.mu.Unlock()
		a, ok := d.send(ctx, http.MethodPost, d.ordersPath(), p.body, d.idemHeader(p.key))
		if ok && (a.status == http.StatusCreated || a.status == http.StatusAccepted) {
			d.led.Replayed(a.id == p.id)
		}
	case "cancel":
		d.mu.Lock()
		if len(d.placed) == 0 {
			d.mu.Unlock()
			return
		}
		i := r.IntN(len(d.placed))
		p := d.placed[i]
		d.placed = append(d.placed[:i], d.placed[i+1:]...)
		d.mu.Unlock()
		a, ok := d.send(ctx, http.MethodPost, d.ordersPath()+"/"+p.id+"/cancel", nil, d.idemHeader(d.nextKey()))
		switch {
		case ok && a.status == http.StatusOK:
			d.led.Cancelled(d.target, p.id)
		case ok && a.status >= 500:
			// Injected failure: the order stays pending; it may be cancelled later.
			d.mu.Lock()
			d.placed = append(d.placed, p)
			d.mu.Unlock()
		}
	}
}

func (d *driver) nextKey() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.seq++
	return fmt.Sprintf("soak-%s-%d-%d", strings.ReplaceAll(d.target, "/", "-"), time.Now().UnixNano(), d.seq)
}

func (d *driver) idemHeader(key string) http.Header {
	if d.name == "bff-web" {
		return nil
	}
	return http.Header{"Idempotency-Key": {key}}
}

// getRetrying reads path, retrying injected failures (the checks must see the real state).
func (d *driver) getRetrying(ctx context.Context, path string) ([]byte, error) {
	var last string
	for range 30 {
		h := d.header.Clone()
		resp, b, err := suite.Do(ctx, http.MethodGet, d.bff.URL+path, nil, h)
		if err == nil && resp.StatusCode == http.StatusOK {
			return b, nil
		}
		if err != nil {
			last = err.Error()
		} else {
			last = fmt.Sprintf("status %d: %.200s", resp.StatusCode, b)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return nil, fmt.Errorf("GET %s: %s", path, last)
}

// listOrders pages through the caller's orders and counts how often each id is listed.
func (d *driver) listOrders(ctx context.Context) (map[string]int, error) {
	out := map[string]int{}
	cursor := ""
	for range 10000 {
		path := d.ordersPath() + "?limit=50"
		if cursor != "" {
			path += "&cursor=" + url.QueryEscape(cursor)
		}
		b, err := d.getRetrying(ctx, path)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", d.target, err)
		}
		var page struct {
			Items []struct {
				ID string `json:"id"`
			} `json:"items"`
			NextCursor string `json:"next_cursor"`
		}
		if err := json.Unmarshal(b, &page); err != nil {
			return nil, fmt.Errorf("%s: orders page: %w", d.target, err)
		}
		for _, it := range page.Items {
			out[it.ID]++
		}
		if page.NextCursor == "" {
			return out, nil
		}
		cursor = page.NextCursor
	}
	return nil, fmt.Errorf("%s: orders listing did not end", d.target)
}

// inventory reads the stock of every SKU in seed through GET /v1/inventory.
func (d *driver) inventory(ctx context.Context, seed map[string]int64) (map[string]int64, error) {
	skus := make([]string, 0, len(seed))
	for s := range seed {
		skus = append(skus, s)
	}
	sort.Strings(skus)
	out := map[string]int64{}
	for i := 0; i < len(skus); i += 100 {
		j := min(len(skus), i+100)
		b, err := d.getRetrying(ctx, "/v1/inventory?skus="+url.QueryEscape(strings.Join(skus[i:j], ",")))
		if err != nil {
			return nil, err
		}
		var inv struct {
			Items []struct {
				SKU       string `json:"sku"`
				Available int64  `json:"available"`
			} `json:"items"`
		}
		if err := json.Unmarshal(b, &inv); err != nil {
			return nil, fmt.Errorf("inventory: %w", err)
		}
		for _, it := range inv.Items {
			out[it.SKU] = it.Available
		}
	}
	return out, nil
}
