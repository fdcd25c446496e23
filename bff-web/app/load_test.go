package app

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"bffsuite.dev/shared/identity/localidp"
	"github.com/gin-gonic/gin"
)

// The load benchmark measures GET /api/home (signed in, embedded backend) served on loopback
// under load from a second process: this test binary re-executed as a load generator
// (BFFWEB_LOADGEN set), so client and server do not share a Go runtime. Next to it, a bare
// Gin handler returning a fixed JSON body of the same size, as a baseline; the ratio is what
// the BFF's work (session, aggregation, shaping) costs.
//
//	go test -run '^$' -bench BenchmarkHomeUnderLoad -benchtime 1x ./app

const loadGenEnv = "BFFWEB_LOADGEN"

func TestMain(m *testing.M) {
	if spec := os.Getenv(loadGenEnv); spec != "" {
		os.Exit(runLoadGen(spec))
	}
	os.Exit(m.Run())
}

type loadSpec struct {
	URL         string        `json:"url"`
	Cookie      string        `json:"cookie"`
	Concurrency int           `json:"concurrency"`
	Duration    time.Duration `json:"duration"`
	MaxRequests int           `json:"max_requests"`
}

type loadResult struct {
	Requests int           `json:"requests"`
	Errors   int           `json:"errors"`
	Elapsed  time.Duration `json:"elapsed"`
	P50      time.Duration `json:"p50"`
	P99      time.Duration `json:"p99"`
}

// runLoadGen is the second process: it sends GETs to 127.0.0.1 only, bounded in time and count.
func runLoadGen(raw string) int {
	var s loadSpec
	if err := json.Unmarshal([]byte(raw), &s); err != nil || !strings.HasPrefix(s.URL, "http://127.0.0.1:") {
		fmt.Fprintln(os.Stderr, "loadgen: bad spec (loopback URLs only):", err)
		return 2
	}
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: s.Concurrency, MaxConnsPerHost: s.Concurrency}}
	deadline := time.Now().Add(s.Duration)
	var mu sync.Mutex
	var lat []time.Duration
	errs, sent := 0, 0
	start := time.Now()
	var wg sync.WaitGroup
	for range s.Concurrency {
		wg.Go(func() {
			local := make([]time.Duration, 0, 4096)
			localErrs := 0
			for time.Now().Before(deadline) {
				mu.Lock()
				if sent >= s.MaxRequests {
					mu.Unlock()
					break
				}
				sent++
				mu.Unlock()
				req, _ := http.NewRequest("GET", s.URL, nil)
				if s.Cookie != "" {
					req.Header.Set("Cookie", s.Cookie)
				}
				t0 := time.Now()
				res, err := client.Do(req)
				if err != nil {
					localErrs++
					continue
				}
				_, _ = io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode != http.StatusOK {
					localErrs++
					continue
				}
				local = append(local, time.Since(t0))
			}
			mu.Lock()
			lat = append(lat, local...)
			errs += localErrs
			mu.Unlock()
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	slices.Sort(lat)
	r := loadResult{Requests: len(lat), Errors: errs, Elapsed: elapsed}
	if len(lat) > 0 {
		r.P50, r.P99 = lat[len(lat)/2], lat[len(lat)*99/100]
	}
	_ = json.NewEncoder(os.Stdout).Encode(r)
	return 0
}

func serve(b *testing.B, h http.Handler) string {
	b.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	b.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	})
	return "http://" + ln.Addr().String()
}

func loadFrom(b *testing.B, spec loadSpec) loadResult {
	b.Helper()
	raw, _ := json.Marshal(spec)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), loadGenEnv+"="+string(raw))
	out, err := cmd.Output()
	if err != nil {
		b.Fatalf("load generator: %v", err)
	}
	var r loadResult
	if err := json.Unmarshal(out, &r); err != nil {
		b.Fatalf("load generator output %q: %v", out, err)
	}
	if r.Requests == 0 || r.Errors > 0 {
		b.Fatalf("load generator: %+v, want requests and no errors", r)
	}
	return r
}

func BenchmarkHomeUnderLoad(b *testing.B) {
	a := newTestApp(b, nil)
	br := a.browser(b)
	br.login(localidp.DemoUser, demoPassword)
	var cookies []string
	for k, v := range br.jar {
		cookies = append(cookies, k+"="+v)
	}
	cookie := strings.Join(cookies, "; ")
	bffURL := serve(b, a.engine)

	// The baseline returns a fixed JSON body as large as the signed-in home screen.
	req, _ := http.NewRequest("GET", bffURL+"/api/home", nil)
	req.Header.Set("Cookie", cookie)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(string(body), `"signed_in":true`) {
		b.Fatalf("GET /api/home = %d %.200s, want the signed-in home", res.StatusCode, body)
	}
	gin.SetMode(gin.ReleaseMode)
	bare := gin.New()
	bare.GET("/fixed", func(c *gin.Context) { c.Data(http.StatusOK, "application/json; charset=utf-8", body) })
	bareURL := serve(b, bare)

	dur := 3 * time.Second
	if s := os.Getenv("BFFWEB_LOAD_SECONDS"); s != "" {
		if n, err := strconv.Atoi(s); err == nil && n > 0 && n <= 60 {
			dur = time.Duration(n) * time.Second
		}
	}
	spec := loadSpec{Concurrency: 8, Duration: dur, MaxRequests: 500_000}
	for b.Loop() {
		spec.URL, spec.Cookie = bffURL+"/api/home", cookie
		home := loadFrom(b, spec)
		spec.URL, spec.Cookie = bareURL+"/fixed", ""
		base := loadFrom(b, spec)
		homeRPS := float64(home.Requests) / home.Elapsed.Seconds()
		baseRPS := float64(base.Requests) / base.Elapsed.Seconds()
		b.ReportMetric(homeRPS, "home-req/s")
		b.ReportMetric(float64(home.P50.Microseconds()), "home-p50-µs")
		b.ReportMetric(float64(home.P99.Microseconds()), "home-p99-µs")
		b.ReportMetric(baseRPS, "bare-req/s")
		b.ReportMetric(float64(base.P50.Microseconds()), "bare-p50-µs")
		b.ReportMetric(float64(base.P99.Microseconds()), "bare-p99-µs")
		b.ReportMetric(homeRPS/baseRPS, "home/bare-throughput")
		b.Logf("body %d bytes; home: %d req in %v, p50 %v p99 %v; bare: %d req in %v, p50 %v p99 %v",
			len(body), home.Requests, home.Elapsed, home.P50, home.P99, base.Requests, base.Elapsed, base.P50, base.P99)
	}
}

// BenchmarkHomeInProcess is GET /api/home (signed in) through the engine without a network,
// for CPU and allocation profiles.
func BenchmarkHomeInProcess(b *testing.B) {
	a := newTestApp(b, nil)
	br := a.browser(b)
	br.login(localidp.DemoUser, demoPassword)
	var cookies []string
	for k, v := range br.jar {
		cookies = append(cookies, k+"="+v)
	}
	cookie := strings.Join(cookies, "; ")
	b.ReportAllocs()
	for b.Loop() {
		req, _ := http.NewRequest("GET", "/api/home", nil)
		req.Header.Set("Cookie", cookie)
		rec := &discardWriter{h: http.Header{}}
		a.engine.ServeHTTP(rec, req)
		if rec.status != http.StatusOK {
			b.Fatalf("GET /api/home = %d", rec.status)
		}
	}
}

type discardWriter struct {
	h      http.Header
	status int
}

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *discardWriter) WriteHeader(s int)           { w.status = s }
