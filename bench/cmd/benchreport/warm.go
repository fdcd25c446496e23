package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"time"

	"bffsuite.dev/bench/internal/cost"
	"bffsuite.dev/bench/internal/load"
	"bffsuite.dev/bench/internal/proc"
	"bffsuite.dev/bench/internal/report"
	"bffsuite.dev/bench/internal/suite"
)

// partnerTiers lifts bff-partner's own per-partner rate limit above what the load generator
// can send, so the bench measures the handler and not 429s (the limiter still runs).
const partnerTiers = "bronze=1000000/1000000,silver=1000000/1000000,gold=1000000/1000000"

// endpoint is one measured route.
type endpoint struct {
	name       string
	bff        string
	method     string
	path       string
	wantStatus int
	// budget bounds the requests one BFF process can answer as wanted (orders: its stock);
	// 0 is no bound.
	budget int
	// clients are the domain clients the page calls (for the aggregation's slowest call).
	clients []string
	// prepare signs in on a fresh BFF and returns the request builder for it.
	prepare func(ctx context.Context, b *suite.BFF) (build func(conn, i int) (http.Header, []byte), err error)
}

var runID = strconv.FormatInt(time.Now().UnixNano(), 36)

var endpoints = []endpoint{
	{name: "web GET /api/home (signed in)", bff: "bff-web", method: "GET", path: "/api/home", wantStatus: 200, clients: []string{"catalog", "customers", "orders"}, prepare: webSignedIn},
	{name: "web GET /api/products", bff: "bff-web", method: "GET", path: "/api/products", wantStatus: 200, prepare: anonymous},
	{name: "mobile GET /v1/feed", bff: "bff-mobile", method: "GET", path: "/v1/feed", wantStatus: 200, clients: []string{"catalog", "orders"}, prepare: mobileSignedIn},
	{name: "partner GET /v1/products", bff: "bff-partner", method: "GET", path: "/v1/products", wantStatus: 200, prepare: partnerRead},
	{name: "partner POST /v1/orders", bff: "bff-partner", method: "POST", path: "/v1/orders", wantStatus: 201, prepare: partnerOrders, budget: len(orderUnits)},
}

func anonymous(ctx context.Context, b *suite.BFF) (func(int, int) (http.Header, []byte), error) {
	h := http.Header{"Accept": {"application/json"}}
	return func(int, int) (http.Header, []byte) { return h, nil }, nil
}

func webSignedIn(ctx context.Context, b *suite.BFF) (func(int, int) (http.Header, []byte), error) {
	s, err := suite.WebLogin(ctx, b.URL)
	if err != nil {
		return nil, err
	}
	h := s.Header(http.MethodGet)
	return func(int, int) (http.Header, []byte) { return h, nil }, nil
}

func mobileSignedIn(ctx context.Context, b *suite.BFF) (func(int, int) (http.Header, []byte), error) {
	tok, err := suite.MobileLogin(ctx, b.URL)
	if err != nil {
		return nil, err
	}
	h := suite.MobileHeader(tok)
	return func(int, int) (http.Header, []byte) { return h, nil }, nil
}

func partnerRead(ctx context.Context, b *suite.BFF) (func(int, int) (http.Header, []byte), error) {
	tok, err := suite.PartnerToken(ctx, b.URL, suite.PartnerClient, suite.PartnerSecret)
	if err != nil {
		return nil, err
	}
	h := suite.PartnerHeader(tok)
	return func(int, int) (http.Header, []byte) { return h, nil }, nil
}

// orderUnits is the seeded stock as one SKU per unit; partnerOrders orders one unit per
// request down this list so no order is refused for stock, and the run stops when it is used
// up (budget).
var orderUnits = suite.StockUnits()

// partnerOrders orders one unit per request with a new Idempotency-Key each.
func partnerOrders(ctx context.Context, b *suite.BFF) (func(int, int) (http.Header, []byte), error) {
	tok, err := suite.PartnerToken(ctx, b.URL, suite.PartnerClient, suite.PartnerSecret)
	if err != nil {
		return nil, err
	}
	if len(orderUnits) == 0 {
		return nil, fmt.Errorf("the seeded catalog has no stock")
	}
	var next atomic.Int64
	return func(conn, i int) (http.Header, []byte) {
		n := next.Add(1) - 1
		h := suite.PartnerHeader(tok)
		h.Set("Content-Type", "application/json")
		h.Set("Idempotency-Key", fmt.Sprintf("bench-%s-%d", runID, n))
		return h, suite.PartnerOrderBody(orderUnits[int(n)%len(orderUnits)], 1)
	}, nil
}

func requestFunc(base, method, path string, build func(int, int) (http.Header, []byte)) load.Request {
	return func(ctx context.Context, conn, i int) (*http.Request, error) {
		h, body := build(conn, i)
		var req *http.Request
		var err error
		if body != nil {
			req, err = http.NewRequestWithContext(ctx, method, base+path, bytes.NewReader(body))
		} else {
			req, err = http.NewRequestWithContext(ctx, method, base+path, nil)
		}
		if err != nil {
			return nil, err
		}
		req.Header = h
		return req, nil
	}
}

func checkStatus(want int, needCorrelation bool) load.Check {
	return func(resp *http.Response, body []byte) error {
		if resp.StatusCode != want {
			return fmt.Errorf("status %d", resp.StatusCode)
		}
		if needCorrelation && resp.Header.Get(suite.HeaderCorrelation) == "" {
			return fmt.Errorf("no %s", suite.HeaderCorrelation)
		}
		return nil
	}
}

func bffEnv(name string) []string {
	if name == "bff-partner" {
		return []string{"BFF_PARTNER_RATE_TIERS=" + partnerTiers}
	}
	return nil
}

func warm(ctx context.Context, o options, bins binaries, work string, r *report.Report) error {
	payload := map[string][]byte{}
	served := map[string]*http.Response{}
	for _, ep := range endpoints {
		row, body, gz, err := warmOne(ctx, o, bins, work, ep)
		if err != nil {
			return fmt.Errorf("%s: %w", ep.name, err)
		}
		r.Warm = append(r.Warm, row)
		payload[ep.name] = body
		served[ep.name] = gz
		logf("  %-32s p50 %6.2f ms (floor %5.2f, %.1f×)  p99 %6.2f ms  %6.0f req/s (floor %6.0f)  errors %d/%d",
			ep.name, float64(row.BFF.P50)/1e6, float64(row.Floor.P50)/1e6, row.P50Ratio, float64(row.BFF.P99)/1e6,
			row.BFF.RPS, row.Floor.RPS, row.BFF.Errors, row.BFF.Requests)
	}
	for _, name := range []string{"web GET /api/home (signed in)", "mobile GET /v1/feed"} {
		b := payload[name]
		row := report.PayloadRow{Endpoint: name, Raw: len(b), Gzip: gzipLen(b), TopLevel: topLevelFields(b)}
		if g := served[name]; g != nil {
			row.Served, _ = strconv.Atoi(g.Header.Get("X-Bench-Body-Len"))
			row.ServedEnc = g.Header.Get("Content-Encoding")
		}
		r.Payloads = append(r.Payloads, row)
	}
	return nil
}

// warmOne measures one endpoint: a fresh BFF, the captured response, the floor serving it.
func warmOne(ctx context.Context, o options, bins binaries, work string, ep endpoint) (report.WarmRow, []byte, *http.Response, error) {
	row := report.WarmRow{Endpoint: ep.name}
	b, err := suite.Start(ctx, ep.bff, bins[ep.bff], bffEnv(ep.bff))
	if err != nil {
		return row, nil, nil, err
	}
	defer b.Stop()
	build, err := ep.prepare(ctx, b)
	if err != nil {
		return row, nil, nil, err
	}
	// Capture the real response (and, for GETs, what is served to a client accepting gzip).
	h, reqBody := build(0, -1)
	resp, body, err := suite.Do(ctx, ep.method, b.URL+ep.path, reqBody, h)
	if err != nil {
		return row, nil, nil, err
	}
	if resp.StatusCode != ep.wantStatus {
		return row, nil, nil, fmt.Errorf("capture: status %d, want %d: %s", resp.StatusCode, ep.wantStatus, shortErr(string(body)))
	}
	row.BodyBytes = len(body)
	var gzResp *http.Response
	if ep.method == http.MethodGet {
		hg := h.Clone()
		hg.Set("Accept-Encoding", "gzip")
		req, _ := http.NewRequestWithContext(ctx, ep.method, b.URL+ep.path, nil)
		req.Header = hg
		tr := &http.Transport{DisableCompression: true}
		if gr, err := (&http.Client{Transport: tr}).Do(req); err == nil {
			var buf bytes.Buffer
			_, _ = buf.ReadFrom(gr.Body)
			gr.Body.Close()
			gr.Header.Set("X-Bench-Body-Len", strconv.Itoa(buf.Len()))
			gzResp = gr
		}
		tr.CloseIdleConnections()
	}

	client := load.NewClient(o.conns)
	defer client.CloseIdleConnections()
	reqf := requestFunc(b.URL, ep.method, ep.path, build)
	// Warm up (JIT-free, but caches, pools and connections), then measure.
	warmMax, measureMax, serialMax := 0, 0, 0
	if ep.budget > 0 {
		// 1 (capture) + warm-up + measured + one-connection runs share the stock.
		warmMax = ep.budget / 20
		serialMax = ep.budget / 10
		measureMax = ep.budget - 1 - warmMax - serialMax
	}
	wres, err := load.Run(ctx, client, load.Config{Duration: 500 * time.Millisecond, Connections: o.conns, Request: reqf, MaxRequests: warmMax})
	if err != nil {
		return row, nil, nil, err
	}
	if ep.budget > 0 {
		measureMax = ep.budget - 1 - wres.Requests - serialMax
	}
	res, err := load.Run(ctx, client, load.Config{Duration: o.duration, Connections: o.conns, Request: reqf, Check: checkStatus(ep.wantStatus, true), MaxRequests: measureMax})
	if err != nil {
		return row, nil, nil, err
	}
	row.BFF = res
	serialClient := load.NewClient(1)
	row.Serial, err = load.Run(ctx, serialClient, load.Config{Duration: o.serial, Connections: 1, Request: reqf, Check: checkStatus(ep.wantStatus, true), MaxRequests: serialMax})
	serialClient.CloseIdleConnections()
	if err != nil {
		return row, nil, nil, err
	}
	if st, err := proc.ReadStats(b.Proc.PID()); err == nil {
		row.RSSKiB, row.PeakRSSKiB = st.RSSKiB, st.HWMKiB
	}
	if ep.budget > 0 {
		row.Note = fmt.Sprintf("one unit per order down the seeded stock (%d units per process): the runs stop when it is used up, so this run lasted %s", ep.budget, res.Elapsed.Round(time.Millisecond))
	}
	b.Stop()

	// The floor: a bare Gin process answering the captured bytes.
	bodyFile := filepath.Join(work, fmt.Sprintf("floor-%d.body", time.Now().UnixNano()))
	if err := os.WriteFile(bodyFile, body, 0o644); err != nil {
		return row, nil, nil, err
	}
	addr, err := proc.FreeAddr()
	if err != nil {
		return row, nil, nil, err
	}
	fp, err := proc.Start("floorserver", bins["floorserver"], []string{"-addr", addr, "-method", ep.method, "-path", ep.path,
		"-status", strconv.Itoa(ep.wantStatus), "-content-type", resp.Header.Get("Content-Type"), "-body", bodyFile}, nil)
	if err != nil {
		return row, nil, nil, err
	}
	defer fp.Stop()
	if err := fp.WaitHTTP(ctx, "http://"+addr+"/healthz", 10*time.Second); err != nil {
		return row, nil, nil, err
	}
	fclient := load.NewClient(o.conns)
	defer fclient.CloseIdleConnections()
	freq := requestFunc("http://"+addr, ep.method, ep.path, build)
	if _, err := load.Run(ctx, fclient, load.Config{Duration: 500 * time.Millisecond, Connections: o.conns, Request: freq}); err != nil {
		return row, nil, nil, err
	}
	row.Floor, err = load.Run(ctx, fclient, load.Config{Duration: o.duration, Connections: o.conns, Request: freq, Check: checkStatus(ep.wantStatus, false)})
	if err != nil {
		return row, nil, nil, err
	}
	row.P50Ratio = report.Ratio(float64(row.BFF.P50), float64(row.Floor.P50))
	row.P99Ratio = report.Ratio(float64(row.BFF.P99), float64(row.Floor.P99))
	row.RPSRatio = report.Ratio(row.BFF.RPS, row.Floor.RPS)
	return row, body, gzResp, nil
}

// aggregation runs the fan-out pages with 20/40/60 ms on the three clients in three rotations.
func aggregation(ctx context.Context, o options, bins binaries, r *report.Report) error {
	rotations := [][3]time.Duration{
		{20 * time.Millisecond, 40 * time.Millisecond, 60 * time.Millisecond},
		{60 * time.Millisecond, 20 * time.Millisecond, 40 * time.Millisecond},
		{40 * time.Millisecond, 60 * time.Millisecond, 20 * time.Millisecond},
	}
	baseline := map[string]time.Duration{}
	for _, w := range r.Warm {
		baseline[w.Endpoint] = w.Serial.P50
	}
	pages := []endpoint{endpoints[0], endpoints[2]}
	for _, ep := range pages {
		for _, rot := range rotations {
			faults := fmt.Sprintf("catalog=latency:%s;customers=latency:%s;orders=latency:%s", rot[0], rot[1], rot[2])
			env := append(bffEnv(ep.bff), "BFF_FAULTS="+faults)
			b, err := suite.Start(ctx, ep.bff, bins[ep.bff], env)
			if err != nil {
				return err
			}
			build, err := ep.prepare(ctx, b)
			if err != nil {
				b.Stop()
				return fmt.Errorf("%s with %s: %w", ep.name, faults, err)
			}
			client := load.NewClient(o.aggConns)
			res, err := load.Run(ctx, client, load.Config{Duration: o.aggDuration, Connections: o.aggConns,
				Request: requestFunc(b.URL, ep.method, ep.path, build), Check: checkStatus(ep.wantStatus, true)})
			client.CloseIdleConnections()
			b.Stop()
			if err != nil {
				return err
			}
			added := map[string]time.Duration{"catalog": rot[0], "customers": rot[1], "orders": rot[2]}
			var slowest time.Duration
			for _, c := range ep.clients {
				slowest = max(slowest, added[c])
			}
			row := report.AggRow{Endpoint: ep.name, Faults: faults, Slowest: slowest, Result: res, Baseline: baseline[ep.name]}
			row.Ratio = report.Ratio(float64(res.P50), float64(row.Slowest))
			r.Aggregation = append(r.Aggregation, row)
			logf("  %-32s %-60s p50 %6.2f ms (%.2f× slowest)  errors %d/%d", ep.name, faults, float64(res.P50)/1e6, row.Ratio, res.Errors, res.Requests)
		}
	}
	return nil
}

func costs(o options, r *report.Report) {
	for _, w := range r.Warm {
		d := w.Serial.P50
		r.Cost = append(r.Cost, report.CostRow{
			Endpoint: w.Endpoint, Duration: d,
			Default: cost.PerMillion(r.Prices, d, o.memoryMB),
			Small:   cost.PerMillion(r.Prices, d, 128),
		})
	}
}
