package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"bffsuite.dev/shared/testenv"
)

// The benchmarks here run the real BFF binaries as separate processes on loopback and talk to
// them over HTTP, so they measure what an app sees: payload bytes and request latency.
//
//	go test -run '^$' -bench . -benchtime 1x ./bff-mobile

// startBFF builds the main package in dir and runs it on a free loopback port.
func startBFF(b *testing.B, dir string, env ...string) string {
	b.Helper()
	bin := filepath.Join(b.TempDir(), "bff")
	build := exec.Command("go", "build", "-trimpath", "-o", bin, ".")
	build.Dir = dir
	if out, err := build.CombinedOutput(); err != nil {
		b.Fatalf("build %s: %v\n%s", dir, err, out)
	}
	addr := "127.0.0.1:" + strconv.Itoa(testenv.FreePort(b))
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), append([]string{"BFF_ADDR=" + addr, "BFF_LOG_LEVEL=error"}, env...)...)
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	for deadline := time.Now().Add(20 * time.Second); ; {
		if r, err := http.Get("http://" + addr + "/healthz"); err == nil {
			r.Body.Close()
			return "http://" + addr
		}
		if time.Now().After(deadline) {
			b.Fatalf("%s did not start:\n%s", dir, logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

var client = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64, DisableCompression: true}, Timeout: 10 * time.Second}

func get(b *testing.B, url string, h map[string]string) (int, []byte) {
	b.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	for k, v := range h {
		req.Header.Set(k, v)
	}
	r, err := client.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer r.Body.Close()
	body, _ := io.ReadAll(r.Body)
	return r.StatusCode, body
}

func mobileLogin(b *testing.B, base string) map[string]string {
	b.Helper()
	r, err := client.Post(base+"/v1/auth/login", "application/json",
		bytes.NewReader([]byte(`{"username":"demo@example.com","password":"Demo-Passw0rd!"}`)))
	if err != nil {
		b.Fatal(err)
	}
	defer r.Body.Close()
	var tk struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(r.Body).Decode(&tk); err != nil || tk.AccessToken == "" {
		b.Fatalf("login: %d %v", r.StatusCode, err)
	}
	return map[string]string{"Authorization": "Bearer " + tk.AccessToken, "X-App-Version": "2.0.0", "X-Platform": "ios"}
}

func gzipLen(body []byte) int {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, _ = zw.Write(body)
	_ = zw.Close()
	return buf.Len()
}

// BenchmarkPayloadSize compares the bytes of the mobile feed with the web home and the
// product lists for the same seeded data (the web home shows 8 featured products).
func BenchmarkPayloadSize(b *testing.B) {
	mobile := startBFF(b, ".", "BFF_LOCAL_IDP_CLIENT_ID=local-mobile-client")
	web := startBFF(b, "../bff-web", "BFF_LOCAL_IDP_CLIENT_ID=local-web-client")
	auth := mobileLogin(b, mobile)
	type row struct {
		name string
		url  string
		h    map[string]string
	}
	rows := []row{
		{"web_home_8", web + "/api/home", nil},
		{"mobile_feed_8", mobile + "/v1/feed?limit=8", auth},
		{"mobile_feed_20", mobile + "/v1/feed?limit=20", auth},
		{"mobile_feed_20_sparse", mobile + "/v1/feed?limit=20&fields=name,price_text,thumb", auth},
		{"web_products_20", web + "/api/products?page_size=20&sort=name", nil},
		{"mobile_products_20", mobile + "/v1/products?limit=20", auth},
	}
	sizes := map[string][2]int{}
	for b.Loop() {
		for _, r := range rows {
			status, body := get(b, r.url, r.h)
			if status != 200 {
				b.Fatalf("GET %s = %d %s", r.url, status, body)
			}
			sizes[r.name] = [2]int{len(body), gzipLen(body)}
		}
	}
	for _, r := range rows {
		s := sizes[r.name]
		b.ReportMetric(float64(s[0]), r.name+"_raw_B")
		b.ReportMetric(float64(s[1]), r.name+"_gzip_B")
	}
	ratio := float64(sizes["web_home_8"][0]) / float64(sizes["mobile_feed_8"][0])
	b.ReportMetric(ratio, "web/mobile_raw_x")
	b.ReportMetric(float64(sizes["web_home_8"][0])/float64(sizes["mobile_feed_8"][1]), "web_raw/mobile_gzip_x")
	b.ReportMetric(float64(sizes["web_products_20"][0])/float64(sizes["mobile_products_20"][0]), "products_web/mobile_x")
}

// BenchmarkFeedLoad drives GET /v1/feed (20 items, gzip) on a bff-mobile process from
// concurrent clients for a bounded time and reports requests/s and latency percentiles.
func BenchmarkFeedLoad(b *testing.B) {
	mobile := startBFF(b, ".", "BFF_LOCAL_IDP_CLIENT_ID=local-mobile-client")
	auth := mobileLogin(b, mobile)
	auth["Accept-Encoding"] = "gzip"
	const (
		workers  = 16
		duration = 5 * time.Second
		maxReqs  = 200000
	)
	url := mobile + "/v1/feed?limit=20"
	for range 50 { // warm up
		get(b, url, auth)
	}
	for b.Loop() {
		ctx, cancel := context.WithTimeout(context.Background(), duration)
		var (
			mu   sync.Mutex
			lats []time.Duration
			errs int
		)
		start := time.Now()
		var wg sync.WaitGroup
		for range workers {
			wg.Go(func() {
				local := make([]time.Duration, 0, 4096)
				bad := 0
				for ctx.Err() == nil && len(local) < maxReqs/workers {
					t0 := time.Now()
					req, _ := http.NewRequestWithContext(ctx, "GET", url, nil)
					for k, v := range auth {
						req.Header.Set(k, v)
					}
					r, err := client.Do(req)
					if err != nil {
						if ctx.Err() == nil {
							bad++
						}
						continue
					}
					_, _ = io.Copy(io.Discard, r.Body)
					r.Body.Close()
					if r.StatusCode != 200 {
						bad++
					}
					local = append(local, time.Since(t0))
				}
				mu.Lock()
				lats, errs = append(lats, local...), errs+bad
				mu.Unlock()
			})
		}
		wg.Wait()
		elapsed := time.Since(start)
		cancel()
		slices.Sort(lats)
		if len(lats) == 0 {
			b.Fatal("no request completed")
		}
		pct := func(p float64) float64 { return float64(lats[int(p*float64(len(lats)-1))].Microseconds()) / 1000 }
		b.ReportMetric(float64(len(lats))/elapsed.Seconds(), "req/s")
		b.ReportMetric(pct(0.50), "p50_ms")
		b.ReportMetric(pct(0.99), "p99_ms")
		b.ReportMetric(float64(errs), "errors")
		fmt.Fprintf(os.Stderr, "feed load: %d requests in %s with %d workers, %d errors\n", len(lats), elapsed.Round(time.Millisecond), workers, errs)
	}
}
