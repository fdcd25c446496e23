package tracing_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"testing"
	"time"

	"bffsuite.dev/shared/logging"
	"bffsuite.dev/shared/metrics"
	"bffsuite.dev/shared/server"
	"bffsuite.dev/shared/testenv"
	"bffsuite.dev/shared/tracing"
	"github.com/gin-gonic/gin"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

var benchBody = map[string]any{"id": "p-0001", "name": "Espresso Grinder", "price": map[string]any{"amount": 12900, "currency": "EUR"}}

// BenchmarkLambdaInvoke is the warm path (API Gateway v2 event in, response out through
// WrapLambda(LambdaHandler)) with observability off and on, for the overhead ratio:
//   - off: no spans, no EMF (JSON request log line only, as before this package);
//   - tracing: request span with IDs, nothing exported (the local default);
//   - tracing+metrics: plus the EMF lines of each request (the Lambda default without ADOT);
//   - tracing+metrics+export: plus every span handed to an exporter (in memory) and a flush
//     per invocation, as with OTEL_EXPORTER_OTLP_ENDPOINT (network time not included).
func BenchmarkLambdaInvoke(b *testing.B) {
	modes := []struct {
		name             string
		trace, emf, xprt bool
	}{
		{"off", false, false, false},
		{"tracing", true, false, false},
		{"tracing+metrics", true, true, false},
		{"tracing+metrics+export", true, true, true},
	}
	payload := loadEvent(b, "/products/p-0001", map[string]string{
		"x-amzn-trace-id": "Root=1-5e9f0c65-1de4d666d4dd26aced652b6c;Parent=53995c3f42cd8ad8;Sampled=1"})
	for _, m := range modes {
		b.Run(m.name, func(b *testing.B) {
			ctx := context.Background()
			cfg := tracing.Config{SampleRatio: 1, Disabled: !m.trace}
			var opts []tracing.Option
			exp := tracetest.NewInMemoryExporter()
			if m.xprt {
				opts = append(opts, tracing.WithSyncer(exp))
			}
			tp, err := tracing.Setup(ctx, "bff-bench", cfg, opts...)
			if err != nil {
				b.Fatal(err)
			}
			mc := metrics.Config{Mode: "off"}
			if m.emf {
				mc = metrics.Config{Mode: "emf", Namespace: "Bench"}
			}
			logger := logging.New(io.Discard, logging.Options{Service: "bff-bench", ClientKind: "bench"})
			r := server.NewEngine(server.EngineOptions{Config: httpCfg, Logger: logger, Service: "bff-bench", Tracing: tp, Metrics: mc, MetricsOut: io.Discard})
			r.GET("/products/:id", func(c *gin.Context) { c.JSON(http.StatusOK, benchBody) })
			h := tracing.WrapLambda(server.NewLambdaHandler(r, httpCfg, slog.New(slog.NewJSONHandler(io.Discard, nil))), tp)
			b.ReportAllocs()
			n := 0
			for b.Loop() {
				out, err := h.Invoke(ctx, payload)
				if err != nil || len(out) == 0 {
					b.Fatalf("Invoke: %v", err)
				}
				if n++; n%1024 == 0 {
					exp.Reset()
				}
			}
		})
	}
}

// BenchmarkLambdaInit measures cold start: the emulator's init duration of the tracedapp
// bootstrap with tracing and metrics off and on (median of 5 fresh starts each), next to the
// minimal aws-lambda-go handler of shared/server/testdata/floor. It reports init-ms for each
// and the ratios; one iteration runs 15 emulator starts (about 10 s).
func BenchmarkLambdaInit(b *testing.B) {
	traced := tracedBootstrap(b)
	floor := testenv.BuildBootstrap(b, "../server/testdata/floor")
	variants := []struct {
		name      string
		bootstrap string
		env       map[string]string
	}{
		{"floor", floor, nil},
		{"off", traced, map[string]string{"BFF_TRACING_DISABLED": "true", "BFF_METRICS": "off"}},
		{"on", traced, map[string]string{"BFF_TRACE_SAMPLE_RATIO": "1", "BFF_METRICS": "emf"}},
	}
	for b.Loop() {
		medians := map[string]float64{}
		for _, v := range variants {
			var ms []float64
			for range 5 {
				ms = append(ms, initDuration(b, v.bootstrap, v.env))
			}
			slices.Sort(ms)
			medians[v.name] = ms[len(ms)/2]
		}
		b.ReportMetric(medians["floor"], "floor-init-ms")
		b.ReportMetric(medians["off"], "off-init-ms")
		b.ReportMetric(medians["on"], "on-init-ms")
		b.ReportMetric(medians["on"]/medians["off"], "on/off")
		b.ReportMetric(medians["on"]/medians["floor"], "on/floor")
	}
}

var initReportRE = regexp.MustCompile(`INIT REPORT\(durationMs: ([0-9.]+)\)`)

// initDuration starts a fresh emulator, invokes once (/ok) and returns the Init Duration in ms.
func initDuration(b *testing.B, bootstrap string, env map[string]string) float64 {
	b.Helper()
	own := &ownedCleanups{TB: b}
	defer own.run()
	rie := testenv.StartRIE(own, bootstrap, env)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if _, err := rie.Invoke(ctx, loadEvent(b, "/ok", nil)); err != nil {
		b.Fatalf("Invoke: %v", err)
	}
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		// This emulator's REPORT line says "Init Duration: 0.02 ms" whatever the init took
		// (testenv's RIE.InitDuration reads it); its "INIT REPORT(durationMs: ...)" line has
		// the real figure, from the start of the bootstrap to its first /next call.
		if m := initReportRE.FindStringSubmatch(rie.Logs()); m != nil {
			ms, err := strconv.ParseFloat(m[1], 64)
			if err == nil {
				return ms
			}
		}
	}
	b.Fatalf("no Init Duration in the emulator output:\n%s", rie.Logs())
	return 0
}
