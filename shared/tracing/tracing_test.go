package tracing_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"bffsuite.dev/shared/config"
	"bffsuite.dev/shared/tracing"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

func TestConfig(t *testing.T) {
	tests := []struct {
		env     map[string]string
		wantErr string
		wantURL string
	}{
		{env: nil},
		{env: map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://localhost:4318/"}, wantURL: "http://localhost:4318/v1/traces"},
		{env: map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://a:4318", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://b:4318/traces"}, wantURL: "http://b:4318/traces"},
		{env: map[string]string{"BFF_TRACE_SAMPLE_RATIO": "1.5"}, wantErr: "BFF_TRACE_SAMPLE_RATIO"},
		{env: map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "localhost:4317"}, wantErr: "OTEL_EXPORTER_OTLP_ENDPOINT"},
	}
	for _, tt := range tests {
		var cfg tracing.Config
		err := config.LoadFrom(func(k string) (string, bool) { v, ok := tt.env[k]; return v, ok }, &cfg)
		if (tt.wantErr == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tt.wantErr)) {
			t.Errorf("LoadFrom(%v) = %v, want error naming %q", tt.env, err, tt.wantErr)
			continue
		}
		if err == nil && cfg.TracesURL() != tt.wantURL {
			t.Errorf("TracesURL(%v) = %q, want %q", tt.env, cfg.TracesURL(), tt.wantURL)
		}
	}
	if got := tracing.ClientKind("bff-partner"); got != "partner" {
		t.Errorf("ClientKind(bff-partner) = %q, want partner", got)
	}
}

// TestOTLPExport sends spans through Setup's batch exporter to an HTTP endpoint standing in
// for the collector's OTLP/HTTP receiver, and checks the JSON encoding of the OTLP request.
func TestOTLPExport(t *testing.T) {
	bodies := make(chan []byte, 4)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if r.URL.Path != "/v1/traces" || r.Header.Get("Content-Type") != "application/json" {
			http.Error(w, "wrong path or type", http.StatusBadRequest)
			return
		}
		bodies <- b
	}))
	defer srv.Close()
	ctx := context.Background()
	tp, err := tracing.Setup(ctx, "bff-web", tracing.Config{SampleRatio: 1, OTLPEndpoint: srv.URL})
	if err != nil {
		t.Fatalf("Setup: %v", err)
	}
	defer tp.Shutdown(ctx)
	tr := tp.TracerProvider().Tracer("test")
	ctx1, parent := tr.Start(ctx, "GET /products/:id", trace.WithSpanKind(trace.SpanKindServer))
	_, child := tr.Start(ctx1, "DynamoDB.GetItem", trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(attribute.String("rpc.service", "DynamoDB"), attribute.Int("n", 3), attribute.StringSlice("tables", []string{"a", "b"})))
	child.SetStatus(codes.Error, "throttled")
	child.End()
	parent.End()
	if err := tp.Flush(ctx); err != nil {
		t.Fatalf("Flush: %v", err)
	}
	var req struct {
		ResourceSpans []struct {
			Resource struct {
				Attributes []struct {
					Key   string
					Value map[string]any
				}
			}
			ScopeSpans []struct {
				Scope struct{ Name string }
				Spans []struct {
					TraceID, SpanID, ParentSpanID, Name string
					Kind                                int
					StartTimeUnixNano, EndTimeUnixNano  string
					Attributes                          []struct {
						Key   string
						Value map[string]any
					}
					Status struct {
						Code    int
						Message string
					}
				}
			}
		}
	}
	if err := json.Unmarshal(<-bodies, &req); err != nil {
		t.Fatalf("decode OTLP body: %v", err)
	}
	if len(req.ResourceSpans) != 1 || len(req.ResourceSpans[0].ScopeSpans) != 1 || len(req.ResourceSpans[0].ScopeSpans[0].Spans) != 2 {
		t.Fatalf("OTLP request = %+v, want 1 resource, 1 scope, 2 spans", req)
	}
	foundService := false
	for _, a := range req.ResourceSpans[0].Resource.Attributes {
		foundService = foundService || (a.Key == "service.name" && a.Value["stringValue"] == "bff-web")
	}
	if !foundService {
		t.Errorf("resource = %+v, want service.name bff-web", req.ResourceSpans[0].Resource)
	}
	spans := req.ResourceSpans[0].ScopeSpans[0].Spans
	c, p := spans[0], spans[1]
	if c.Name != "DynamoDB.GetItem" || p.Name != "GET /products/:id" {
		t.Fatalf("span names = %q, %q; want the child first (it ended first)", c.Name, p.Name)
	}
	if len(c.TraceID) != 32 || c.TraceID != p.TraceID || c.ParentSpanID != p.SpanID || len(p.SpanID) != 16 || p.ParentSpanID != "" {
		t.Errorf("IDs: child %s/%s parent %s, server %s/%s; want hex IDs linking child to server", c.TraceID, c.SpanID, c.ParentSpanID, p.TraceID, p.SpanID)
	}
	if c.Kind != 3 || p.Kind != 2 {
		t.Errorf("kinds = %d, %d; want 3 (client), 2 (server)", c.Kind, p.Kind)
	}
	if c.Status.Code != 2 || c.Status.Message != "throttled" {
		t.Errorf("child status = %+v, want code 2 (error) with its message", c.Status)
	}
	if c.StartTimeUnixNano == "" || c.EndTimeUnixNano < c.StartTimeUnixNano {
		t.Errorf("times = %s..%s, want nanosecond strings", c.StartTimeUnixNano, c.EndTimeUnixNano)
	}
	want := map[string]string{"rpc.service": `{"stringValue":"DynamoDB"}`, "n": `{"intValue":"3"}`,
		"tables": `{"arrayValue":{"values":[{"stringValue":"a"},{"stringValue":"b"}]}}`}
	for _, a := range c.Attributes {
		b, _ := json.Marshal(a.Value)
		if w, ok := want[a.Key]; ok && string(b) != w {
			t.Errorf("attribute %s = %s, want %s", a.Key, b, w)
		}
		delete(want, a.Key)
	}
	if len(want) > 0 {
		t.Errorf("missing attributes %v", want)
	}
}

func TestSetupDisabled(t *testing.T) {
	tp, err := tracing.Setup(context.Background(), "bff-web", tracing.Config{Disabled: true})
	if err != nil || tp.Enabled() || tp.Exporting() {
		t.Fatalf("Setup(disabled) = enabled %v exporting %v, %v; want neither", tp.Enabled(), tp.Exporting(), err)
	}
	_, span := tp.TracerProvider().Tracer("x").Start(context.Background(), "s")
	if span.SpanContext().IsValid() {
		t.Errorf("disabled provider started a span with IDs %v", span.SpanContext())
	}
}
