// Package load is the load generator: a fixed number of connections each sending requests
// back to back for a fixed duration (closed loop), recording every latency. It runs in the
// harness process; the server under test is always another process.
package load

import (
	"context"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"slices"
	"sync"
	"time"
)

// Request builds the i-th request of connection conn. It must not share mutable state
// between connections without its own locking.
type Request func(ctx context.Context, conn, i int) (*http.Request, error)

// Check inspects a response (status and body) and returns a non-nil error for a response
// that does not count as a success (wrong status, missing header...).
type Check func(resp *http.Response, body []byte) error

// Config bounds one run.
type Config struct {
	Duration    time.Duration
	Connections int
	// MaxRequests stops the run early once this many requests were sent (0: no limit).
	MaxRequests int
	Timeout     time.Duration // per request; default 5 s
	Request     Request
	Check       Check
}

// Result is one run's figures. Latencies are of successful requests only.
type Result struct {
	Requests   int            `json:"requests"`
	Errors     int            `json:"errors"`
	Statuses   map[int]int    `json:"statuses"`
	ErrorKinds map[string]int `json:"error_kinds,omitempty"`
	Elapsed    time.Duration  `json:"elapsed_ns"`
	RPS        float64        `json:"rps"`
	P50        time.Duration  `json:"p50_ns"`
	P90        time.Duration  `json:"p90_ns"`
	P99        time.Duration  `json:"p99_ns"`
	Max        time.Duration  `json:"max_ns"`
	Mean       time.Duration  `json:"mean_ns"`
	BodyBytes  int64          `json:"body_bytes"`
}

// NewClient returns an HTTP client keeping up to conns idle connections to one host, without
// proxies or compression negotiation of its own.
func NewClient(conns int) *http.Client {
	tr := &http.Transport{
		Proxy:               nil,
		DialContext:         (&net.Dialer{Timeout: 2 * time.Second}).DialContext,
		MaxIdleConns:        conns * 2,
		MaxIdleConnsPerHost: conns * 2,
		MaxConnsPerHost:     conns,
		IdleConnTimeout:     30 * time.Second,
		DisableCompression:  true,
	}
	return &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// Run sends requests on cfg.Connections connections for cfg.Duration and returns the figures.
func Run(ctx context.Context, client *http.Client, cfg Config) (Result, error) {
	if cfg.Connections <= 0 || cfg.Duration <= 0 || cfg.Request == nil {
		return Result{}, fmt.Errorf("load: need connections > 0, duration > 0 and a request builder")
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 5 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.Duration)
	defer cancel()
	type worker struct {
		lat      []time.Duration
		statuses map[int]int
		kinds    map[string]int
		errs     int
		n        int
		bytes    int64
	}
	var (
		wg     sync.WaitGroup
		sentMu sync.Mutex
		sent   int
	)
	take := func() bool {
		if cfg.MaxRequests <= 0 {
			return true
		}
		sentMu.Lock()
		defer sentMu.Unlock()
		if sent >= cfg.MaxRequests {
			return false
		}
		sent++
		return true
	}
	workers := make([]*worker, cfg.Connections)
	start := time.Now()
	for c := range cfg.Connections {
		w := &worker{statuses: map[int]int{}, kinds: map[string]int{}, lat: make([]time.Duration, 0, 4096)}
		workers[c] = w
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ctx.Err() == nil && take(); i++ {
				rctx, rcancel := context.WithTimeout(context.Background(), cfg.Timeout)
				req, err := cfg.Request(rctx, c, i)
				if err != nil {
					rcancel()
					w.n++
					w.errs++
					w.kinds["build: "+err.Error()]++
					continue
				}
				t0 := time.Now()
				resp, err := client.Do(req)
				if err != nil {
					rcancel()
					if ctx.Err() != nil {
						break // the run ended while this request was in flight: not counted
					}
					w.n++
					w.errs++
					w.kinds["transport"]++
					continue
				}
				body, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				d := time.Since(t0)
				rcancel()
				w.n++
				w.statuses[resp.StatusCode]++
				w.bytes += int64(len(body))
				if err != nil {
					w.errs++
					w.kinds["read body"]++
					continue
				}
				if cfg.Check != nil {
					if cerr := cfg.Check(resp, body); cerr != nil {
						w.errs++
						w.kinds[cerr.Error()]++
						continue
					}
				}
				w.lat = append(w.lat, d)
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	r := Result{Statuses: map[int]int{}, ErrorKinds: map[string]int{}, Elapsed: elapsed}
	var all []time.Duration
	for _, w := range workers {
		r.Requests += w.n
		r.Errors += w.errs
		r.BodyBytes += w.bytes
		for k, v := range w.statuses {
			r.Statuses[k] += v
		}
		for k, v := range w.kinds {
			r.ErrorKinds[k] += v
		}
		all = append(all, w.lat...)
	}
	if len(r.ErrorKinds) == 0 {
		r.ErrorKinds = nil
	}
	r.RPS = float64(r.Requests) / elapsed.Seconds()
	slices.Sort(all)
	r.P50, r.P90, r.P99 = Percentile(all, 50), Percentile(all, 90), Percentile(all, 99)
	if len(all) > 0 {
		r.Max = all[len(all)-1]
		var sum time.Duration
		for _, d := range all {
			sum += d
		}
		r.Mean = sum / time.Duration(len(all))
	}
	return r, nil
}

// Percentile returns the p-th percentile (nearest rank) of sorted, or 0 when it is empty.
func Percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	rank = min(max(rank, 1), len(sorted))
	return sorted[rank-1]
}
