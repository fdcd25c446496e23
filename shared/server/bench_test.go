package server_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"bffsuite.dev/shared/server"
	"github.com/gin-gonic/gin"
)

var benchBody = map[string]any{"id": "p-0001", "name": "Espresso Grinder", "price": map[string]any{"amount": 12900, "currency": "EUR"}}

func benchEngine() *gin.Engine {
	cfg := server.Config{RequestBudget: 10e9, GatewayTimeout: 29e9, GatewayMargin: 1e9, LambdaMargin: 5e8, MaxBodyBytes: 1 << 20, StripStage: true}
	r := server.NewEngine(server.EngineOptions{Config: cfg, Logger: slog.New(slog.NewJSONHandler(io.Discard, nil))})
	r.GET("/products/:id", func(c *gin.Context) { c.JSON(http.StatusOK, benchBody) })
	return r
}

// BenchmarkGinDirect is the floor: the same engine and route called directly.
func BenchmarkGinDirect(b *testing.B) {
	r := benchEngine()
	req := httptest.NewRequest("GET", "/products/p-0001", nil)
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		r.ServeHTTP(w, req)
		if w.Code != 200 {
			b.Fatalf("status %d", w.Code)
		}
	}
}

// BenchmarkLambdaPathV2 measures event in → response out through LambdaHandler (payload 2.0).
func BenchmarkLambdaPathV2(b *testing.B) {
	benchLambda(b, "apigw-v2-request-no-authorizer.json", map[string]any{"rawPath": "/products/p-0001", "requestContext": map[string]any{"http": map[string]any{"method": "GET", "path": "/products/p-0001"}, "stage": "$default", "requestId": "bench-request-0001"}})
}

// BenchmarkLambdaPathV1 measures the same through a REST API payload 1.0 event.
func BenchmarkLambdaPathV1(b *testing.B) {
	benchLambda(b, "apigw-request.json", map[string]any{"path": "/products/p-0001", "httpMethod": "GET", "body": nil})
}

func benchLambda(b *testing.B, sample string, edits map[string]any) {
	raw, err := os.ReadFile(filepath.Join("testdata", "events", sample))
	if err != nil {
		b.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		b.Fatal(err)
	}
	for k, v := range edits {
		if sub, ok := v.(map[string]any); ok {
			if cur, ok := m[k].(map[string]any); ok {
				for sk, sv := range sub {
					if inner, ok := sv.(map[string]any); ok {
						if ci, ok := cur[sk].(map[string]any); ok {
							for ik, iv := range inner {
								ci[ik] = iv
							}
							continue
						}
					}
					cur[sk] = sv
				}
				continue
			}
		}
		m[k] = v
	}
	payload, _ := json.Marshal(m)
	h := server.NewLambdaHandler(benchEngine(), server.Config{StripStage: true}, nil)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		out, err := h.Invoke(ctx, payload)
		if err != nil || len(out) == 0 {
			b.Fatalf("Invoke: %v", err)
		}
	}
}
