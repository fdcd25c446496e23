// Package tracing sets up OpenTelemetry tracing for a BFF: X-Ray compatible trace IDs, the
// X-Ray and W3C trace context propagators, a server span per request (Middleware), the Lambda
// invocation's trace header continued and spans flushed at the end of each invocation
// (WrapLambda), and spans for AWS SDK calls (AWS, set on the SDK clients' options).
//
// Spans are exported over OTLP/HTTP (JSON encoding, see Exporter) only when
// OTEL_EXPORTER_OTLP_ENDPOINT (or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) is set: in AWS that is the
// ADOT Lambda layer's collector (http://localhost:4318). Without it nothing is exported, but
// every request still gets a span with real IDs, so logs and problem responses carry a trace
// ID that joins them. BFF_TRACE_SAMPLE_RATIO samples new traces; an incoming sampling
// decision (X-Ray Sampled=, traceparent flags) is respected.
//
// The trace ID appears in logs, EMF lines, problem bodies and the X-Trace-ID response header
// in X-Ray form ("1-5759e988-bd862e3fe1be46a994272793"), see logging.TraceID.
package tracing

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"

	"bffsuite.dev/shared/logging"
	"bffsuite.dev/shared/problem"
	"go.opentelemetry.io/contrib/propagators/aws/xray"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// ScopeName is the instrumentation scope of the spans this package starts.
const ScopeName = "bffsuite.dev/shared/tracing"

// Config is the tracing part of platform.Config.
type Config struct {
	// SampleRatio is the share of new traces (no incoming decision) that are sampled, 0 to 1.
	SampleRatio float64 `env:"BFF_TRACE_SAMPLE_RATIO" default:"1"`
	// OTLPEndpoint is the OTLP/HTTP base URL (".../v1/traces" is appended); empty: no export.
	OTLPEndpoint string `env:"OTEL_EXPORTER_OTLP_ENDPOINT"`
	// OTLPTracesEndpoint is the full traces URL; it wins over OTLPEndpoint.
	OTLPTracesEndpoint string `env:"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"`
	// Disabled turns tracing off entirely (no spans, no trace IDs in logs).
	Disabled bool `env:"BFF_TRACING_DISABLED"`
}

// Validate names the variable at fault.
func (c Config) Validate() error {
	var errs []error
	if c.SampleRatio < 0 || c.SampleRatio > 1 {
		errs = append(errs, fmt.Errorf("BFF_TRACE_SAMPLE_RATIO: %v is not between 0 and 1", c.SampleRatio))
	}
	for _, e := range []struct{ name, v string }{{"OTEL_EXPORTER_OTLP_ENDPOINT", c.OTLPEndpoint}, {"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", c.OTLPTracesEndpoint}} {
		if e.v == "" {
			continue
		}
		if u, err := url.Parse(e.v); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("%s: %q is not an http(s) URL", e.name, e.v))
		}
	}
	return errors.Join(errs...)
}

// TracesURL returns the URL spans are posted to, or "" when export is off.
func (c Config) TracesURL() string {
	if c.OTLPTracesEndpoint != "" {
		return c.OTLPTracesEndpoint
	}
	if c.OTLPEndpoint != "" {
		return strings.TrimRight(c.OTLPEndpoint, "/") + "/v1/traces"
	}
	return ""
}

// Provider is the process's tracer provider.
type Provider struct {
	tp        *sdktrace.TracerProvider
	exporting bool
}

type options struct {
	processors []sdktrace.SpanProcessor
}

// Option adjusts Setup.
type Option func(*options)

// WithSyncer exports every span as it ends, synchronously (tests: tracetest.InMemoryExporter;
// the stdout exporter of test fixtures).
func WithSyncer(e sdktrace.SpanExporter) Option {
	return func(o *options) { o.processors = append(o.processors, sdktrace.NewSimpleSpanProcessor(e)) }
}

// Propagator is the propagator the suite uses: W3C traceparent/tracestate and X-Ray's
// X-Amzn-Trace-Id (the X-Ray header wins when both are present, it is the one AWS services set).
func Propagator() propagation.TextMapPropagator {
	return propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, xray.Propagator{})
}

// Setup builds the tracer provider for service, installs it and the propagator as the
// OpenTelemetry globals (the AWS SDK spans use them), and sets problem.TraceIDFunc so problem
// bodies carry the trace ID. With cfg.Disabled it returns a Provider that starts no spans.
func Setup(ctx context.Context, service string, cfg Config, opts ...Option) (*Provider, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("tracing config: %w", err)
	}
	if cfg.Disabled {
		return &Provider{}, nil
	}
	var o options
	for _, fn := range opts {
		fn(&o)
	}
	attrs := []attribute.KeyValue{attribute.String("service.name", service), attribute.String("cloud.provider", "aws")}
	if fn := os.Getenv("AWS_LAMBDA_FUNCTION_NAME"); fn != "" {
		attrs = append(attrs, attribute.String("faas.name", fn), attribute.String("cloud.platform", "aws_lambda"))
	}
	if r := os.Getenv("AWS_REGION"); r != "" {
		attrs = append(attrs, attribute.String("cloud.region", r))
	}
	tpOpts := []sdktrace.TracerProviderOption{
		sdktrace.WithIDGenerator(xray.NewIDGenerator()),
		sdktrace.WithSampler(sdktrace.ParentBased(sdktrace.TraceIDRatioBased(cfg.SampleRatio))),
		sdktrace.WithResource(resource.NewSchemaless(attrs...)),
	}
	p := &Provider{}
	if u := cfg.TracesURL(); u != "" {
		exp, err := NewExporter(u)
		if err != nil {
			return nil, err
		}
		tpOpts = append(tpOpts, sdktrace.WithBatcher(exp))
		p.exporting = true
	}
	for _, sp := range o.processors {
		tpOpts = append(tpOpts, sdktrace.WithSpanProcessor(sp))
		p.exporting = true
	}
	p.tp = sdktrace.NewTracerProvider(tpOpts...)
	otel.SetTracerProvider(p.tp)
	otel.SetTextMapPropagator(Propagator())
	problem.TraceIDFunc = TraceID
	return p, nil
}

// TracerProvider returns the OpenTelemetry provider (a no-op one when tracing is disabled).
func (p *Provider) TracerProvider() trace.TracerProvider {
	if p == nil || p.tp == nil {
		return noopProvider
	}
	return p.tp
}

// Enabled reports whether spans are started.
func (p *Provider) Enabled() bool { return p != nil && p.tp != nil }

// Exporting reports whether spans leave the process (an exporter is configured).
func (p *Provider) Exporting() bool { return p != nil && p.exporting }

// Flush exports the spans ended so far (ForceFlush); a no-op when nothing is exported.
func (p *Provider) Flush(ctx context.Context) error {
	if !p.Exporting() {
		return nil
	}
	if err := p.tp.ForceFlush(ctx); err != nil {
		return fmt.Errorf("flush spans: %w", err)
	}
	return nil
}

// Shutdown flushes and stops the provider (end of a local run).
func (p *Provider) Shutdown(ctx context.Context) error {
	if !p.Enabled() {
		return nil
	}
	if err := p.tp.Shutdown(ctx); err != nil {
		return fmt.Errorf("shut down tracing: %w", err)
	}
	return nil
}

// TraceID returns the trace ID of ctx's span in X-Ray form, or "" (see logging.TraceID).
func TraceID(ctx context.Context) string { return logging.TraceID(ctx) }

// ClientKind derives the client kind from a BFF's service name: "bff-web" → "web".
func ClientKind(service string) string {
	return strings.TrimPrefix(service, "bff-")
}
