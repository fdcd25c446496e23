//go:build profile

// Package profile serves the endpoints that `make bench` measures in process, so their CPU
// and allocation profiles can be taken with pprof (the BFF binaries have no profiling
// endpoint, by design). Run from the repository root:
//
//	go test -tags profile -run '^$' -bench WebHome -benchmem -cpuprofile /tmp/web.prof ./bench/profile/
//	go tool pprof -top -cum /tmp/web.prof
//
// It builds each BFF exactly as its main does (config from the environment, platform.Open,
// app.New) on the embedded backend, so it follows their public APIs; it is behind the
// "profile" build tag so a change there never breaks the default build.
package profile

import (
	"context"
	"fmt"

	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"bffsuite.dev/bench/internal/suite"
	mobile "bffsuite.dev/bff-mobile/app"
	partner "bffsuite.dev/bff-partner/app"
	web "bffsuite.dev/bff-web/app"
	"bffsuite.dev/shared/config"
	"bffsuite.dev/shared/platform"
)

func quiet(b *testing.B) {
	b.Helper()
	b.Setenv("BFF_LOG_LEVEL", "error")
	b.Setenv("BFF_PARTNER_RATE_TIERS", "bronze=1000000/1000000,silver=1000000/1000000,gold=1000000/1000000")
}

func webEngine(b *testing.B) http.Handler {
	b.Helper()
	quiet(b)
	var cfg web.Config
	if err := config.Load(&cfg); err != nil {
		b.Fatal(err)
	}
	p, err := platform.Open(context.Background(), "bff-web", cfg.Platform)
	if err != nil {
		b.Fatal(err)
	}
	a, err := web.New(context.Background(), cfg, p, web.Deps{})
	if err != nil {
		b.Fatal(err)
	}
	return a
}

func mobileEngine(b *testing.B) http.Handler {
	b.Helper()
	quiet(b)
	var cfg mobile.Config
	if err := config.Load(&cfg); err != nil {
		b.Fatal(err)
	}
	p, err := platform.Open(context.Background(), "bff-mobile", cfg.Platform)
	if err != nil {
		b.Fatal(err)
	}
	a, err := mobile.New(context.Background(), cfg, p, mobile.Deps{})
	if err != nil {
		b.Fatal(err)
	}
	return a
}

func partnerEngine(b *testing.B) http.Handler {
	b.Helper()
	quiet(b)
	var cfg partner.Config
	if err := config.Load(&cfg); err != nil {
		b.Fatal(err)
	}
	p, err := platform.Open(context.Background(), "bff-partner", cfg.Platform)
	if err != nil {
		b.Fatal(err)
	}
	a, err := partner.New(context.Background(), cfg, p, partner.Deps{})
	if err != nil {
		b.Fatal(err)
	}
	return a
}

// signIn serves h on a loopback listener just long enough to sign in with the suite helpers.
func signIn[T any](b *testing.B, h http.Handler, f func(ctx context.Context, base string) (T, error)) T {
	b.Helper()
	srv := httptest.NewServer(h)
	defer srv.Close()
	v, err := f(context.Background(), srv.URL)
	if err != nil {
		b.Fatal(err)
	}
	return v
}

func serve(b *testing.B, h http.Handler, method, path string, want int, req func(i int) (http.Header, string)) {
	b.Helper()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		hdr, body := req(i)
		i++
		r := httptest.NewRequest(method, path, strings.NewReader(body))
		r.Header = hdr
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != want {
			b.Fatalf("%s %s = %d, want %d: %s", method, path, w.Code, want, w.Body.String())
		}
	}
}

func BenchmarkWebHome(b *testing.B) {
	h := webEngine(b)
	s := signIn(b, h, suite.WebLogin)
	hdr := s.Header(http.MethodGet)
	serve(b, h, "GET", "/api/home", 200, func(int) (http.Header, string) { return hdr.Clone(), "" })
}

func BenchmarkWebProducts(b *testing.B) {
	h := webEngine(b)
	hdr := http.Header{"Accept": {"application/json"}}
	serve(b, h, "GET", "/api/products", 200, func(int) (http.Header, string) { return hdr.Clone(), "" })
}

func BenchmarkMobileFeed(b *testing.B) {
	h := mobileEngine(b)
	tok := signIn(b, h, suite.MobileLogin)
	hdr := suite.MobileHeader(tok)
	serve(b, h, "GET", "/v1/feed", 200, func(int) (http.Header, string) { return hdr.Clone(), "" })
}

func BenchmarkPartnerProducts(b *testing.B) {
	h := partnerEngine(b)
	tok := signIn(b, h, func(ctx context.Context, base string) (string, error) {
		return suite.PartnerToken(ctx, base, suite.PartnerClient, suite.PartnerSecret)
	})
	hdr := suite.PartnerHeader(tok)
	serve(b, h, "GET", "/v1/products", 200, func(int) (http.Header, string) { return hdr.Clone(), "" })
}

func BenchmarkPartnerOrders(b *testing.B) {
	h := partnerEngine(b)
	tok := signIn(b, h, func(ctx context.Context, base string) (string, error) {
		return suite.PartnerToken(ctx, base, suite.PartnerClient, suite.PartnerSecret)
	})
	units := suite.StockUnits()
	var n atomic.Int64
	serve(b, h, "POST", "/v1/orders", 201, func(i int) (http.Header, string) {
		k := n.Add(1)
		if int(k) >= len(units) {
			b.Skipf("seeded stock used up after %d orders", k)
		}
		hdr := suite.PartnerHeader(tok)
		hdr.Set("Content-Type", "application/json")
		hdr.Set("Idempotency-Key", fmt.Sprintf("profile-%d", k))
		return hdr, string(suite.PartnerOrderBody(units[k], 1))
	})
}
