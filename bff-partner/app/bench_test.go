package app_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"bffsuite.dev/bff-partner/app"
	"bffsuite.dev/shared/idempotency"
)

// These benchmarks drive bff-partner over loopback HTTP (httptest.Server on 127.0.0.1) with
// a small load generator and report requests/s and latency percentiles:
//
//	go test -run '^$' -bench . -benchtime 2000x ./app
//
// Variants: backend (embedded, DynamoDB Local) and, for POST /v1/orders, the key store:
// memory or dynamodb (as deployed) against noop (the middleware without a store: the
// baseline for the idempotency layer's cost).

// noopStore admits every request and stores nothing.
type noopStore struct{}

func (noopStore) Acquire(context.Context, string, idempotency.Record, time.Time) (*idempotency.Record, error) {
	return nil, nil
}
func (noopStore) Complete(context.Context, string, idempotency.Record) error { return nil }
func (noopStore) Release(context.Context, string, string) error              { return nil }

func benchVars(extra map[string]string) map[string]string {
	extra["BFF_PARTNER_RATE_LIMIT"] = "false"
	return extra
}

// load sends b.N requests from 8 concurrent clients and reports req/s, p50 and p99.
func load(b *testing.B, srv *httptest.Server, mk func(i int) *http.Request, wantStatus int) {
	b.Helper()
	client := srv.Client()
	client.Transport.(*http.Transport).MaxIdleConnsPerHost = 64
	const workers = 8
	lat := make([][]time.Duration, workers)
	var next atomic.Int64
	var failed atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for w := range workers {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= b.N {
					return
				}
				r := mk(i)
				t0 := time.Now()
				resp, err := client.Do(r)
				if err != nil {
					failed.Add(1)
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				lat[w] = append(lat[w], time.Since(t0))
				if resp.StatusCode != wantStatus {
					failed.Add(1)
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	if n := failed.Load(); n > 0 {
		b.Fatalf("%d of %d requests failed or had another status than %d", n, b.N, wantStatus)
	}
	all := slices.Concat(lat...)
	slices.Sort(all)
	pct := func(p float64) float64 {
		return float64(all[min(len(all)-1, int(float64(len(all))*p))].Microseconds()) / 1000
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "req/s")
	b.ReportMetric(pct(0.50), "p50_ms")
	b.ReportMetric(pct(0.99), "p99_ms")
}

func benchEnv(b *testing.B, backend string, store idempotency.Store) *env {
	b.Helper()
	var e *env
	if backend == "dynamodb" {
		e = dynamoEnvWith(b, store)
	} else {
		e = newEnv(b, testVars(benchVars(map[string]string{})), app.Deps{Idempotency: store})
	}
	e.validate = false
	for _, id := range []string{"p-0002", "p-0004"} {
		if err := e.platform.Catalog.SetStock(context.Background(), id, 1<<40); err != nil {
			b.Fatal(err)
		}
	}
	return e
}

func BenchmarkGetProducts(b *testing.B) {
	for _, backend := range []string{"embedded", "dynamodb"} {
		b.Run(backend, func(b *testing.B) {
			e := benchEnv(b, backend, nil)
			srv := httptest.NewServer(e.engine)
			defer srv.Close()
			tok := e.token("acme-client")
			load(b, srv, func(int) *http.Request {
				r, _ := http.NewRequest(http.MethodGet, srv.URL+"/v1/products?limit=20", nil)
				r.Header.Set("Authorization", "Bearer "+tok)
				return r
			}, 200)
		})
	}
}

func BenchmarkPlaceOrder(b *testing.B) {
	body := strings.Replace(readFile(b, "order.json"), "\n", "", -1)
	run := func(b *testing.B, backend string, store idempotency.Store) {
		e := benchEnv(b, backend, store)
		srv := httptest.NewServer(e.engine)
		defer srv.Close()
		tok := e.token("acme-client")
		prefix := fmt.Sprintf("bench-%d-", time.Now().UnixNano())
		load(b, srv, func(i int) *http.Request {
			r, _ := http.NewRequest(http.MethodPost, srv.URL+"/v1/orders", strings.NewReader(body))
			r.Header.Set("Authorization", "Bearer "+tok)
			r.Header.Set("Content-Type", "application/json")
			r.Header.Set("Idempotency-Key", prefix+fmt.Sprint(i))
			return r
		}, 201)
	}
	b.Run("embedded/memory-store", func(b *testing.B) { run(b, "embedded", idempotency.NewMemory()) })
	b.Run("embedded/no-store", func(b *testing.B) { run(b, "embedded", noopStore{}) })
	b.Run("dynamodb/dynamodb-store", func(b *testing.B) { run(b, "dynamodb", nil) })
	b.Run("dynamodb/no-store", func(b *testing.B) { run(b, "dynamodb", noopStore{}) })
}
