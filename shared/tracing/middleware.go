package tracing

import (
	"context"
	"crypto/rand"
	"net/http"
	"os"
	"strings"
	"time"

	"bffsuite.dev/shared/metrics"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/smithy-go"
	smithytracing "github.com/aws/smithy-go/tracing"
	"github.com/gin-gonic/gin"
	"go.opentelemetry.io/contrib/propagators/aws/xray"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// HeaderTraceID is the response header carrying the trace ID (X-Ray form).
const HeaderTraceID = "X-Trace-ID"

// MiddlewareOptions configures Middleware.
type MiddlewareOptions struct {
	// Provider starts the spans; nil means the global provider (set by Setup).
	Provider trace.TracerProvider
	// ClientKind ("web", "mobile", "partner") is set on every request span as bff.client_kind.
	ClientKind string
}

// Middleware starts the request's server span, named "METHOD /route/:template", as a child
// of the trace the request continues: the Lambda invocation's (WrapLambda put it in the
// context), else an incoming X-Amzn-Trace-Id or traceparent header, else a new trace. The
// span carries the route template, method, status and client kind, and is marked as an error
// for 5xx answers and panics. The trace ID is sent back in X-Trace-ID.
func Middleware(opts MiddlewareOptions) gin.HandlerFunc {
	prop := Propagator()
	kind := attribute.String("bff.client_kind", opts.ClientKind)
	return func(c *gin.Context) {
		tp := opts.Provider
		if tp == nil {
			tp = otel.GetTracerProvider()
		}
		ctx := c.Request.Context()
		if !trace.SpanContextFromContext(ctx).IsValid() {
			ctx = prop.Extract(ctx, propagation.HeaderCarrier(c.Request.Header))
			if !trace.SpanContextFromContext(ctx).IsValid() {
				ctx = rootOnly(ctx, c.GetHeader("X-Amzn-Trace-Id"))
			}
		}
		route := c.FullPath()
		name := c.Request.Method + " " + route
		if route == "" {
			name = c.Request.Method + " unmatched"
		}
		attrs := []attribute.KeyValue{
			attribute.String("http.request.method", c.Request.Method),
			attribute.String("http.route", route),
			kind,
		}
		if lc, ok := lambdacontext.FromContext(ctx); ok {
			attrs = append(attrs, attribute.String("faas.invocation_id", lc.AwsRequestID))
		}
		ctx, span := tp.Tracer(ScopeName).Start(ctx, name, trace.WithSpanKind(trace.SpanKindServer), trace.WithAttributes(attrs...))
		c.Request = c.Request.WithContext(ctx)
		if sc := span.SpanContext(); sc.HasTraceID() {
			c.Header(HeaderTraceID, TraceID(ctx))
		}
		panicking := true
		defer func() {
			status := c.Writer.Status()
			if panicking {
				status = http.StatusInternalServerError
				span.SetStatus(codes.Error, "panic")
			} else if status >= 500 {
				span.SetStatus(codes.Error, http.StatusText(status))
			}
			span.SetAttributes(attribute.Int("http.response.status_code", status))
			span.End()
		}()
		c.Next()
		panicking = false
	}
}

// rootOnly continues the trace of an X-Ray header that names only its Root (API Gateway and
// load balancers send "Root=1-..." when they do not trace themselves): the request span gets a
// remote parent with that trace ID and a fresh span ID, so logs still join on the trace ID.
// The sampling decision is the header's (Sampled=1), otherwise not sampled.
func rootOnly(ctx context.Context, header string) context.Context {
	var root string
	sampled := false
	for part := range strings.SplitSeq(header, ";") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "Root":
			root = v
		case "Sampled":
			sampled = v == "1"
		}
	}
	// 1-8hex-24hex
	if len(root) != 35 || root[0] != '1' || root[1] != '-' || root[10] != '-' {
		return ctx
	}
	tid, err := trace.TraceIDFromHex(root[2:10] + root[11:])
	if err != nil {
		return ctx
	}
	var sid trace.SpanID
	if _, err := rand.Read(sid[:]); err != nil {
		return ctx
	}
	cfg := trace.SpanContextConfig{TraceID: tid, SpanID: sid, Remote: true}
	if sampled {
		cfg.TraceFlags = trace.FlagsSampled
	}
	return trace.ContextWithRemoteSpanContext(ctx, trace.NewSpanContext(cfg))
}

// lambdaHandler wraps a lambda.Handler, see WrapLambda.
type lambdaHandler struct {
	next lambda.Handler
	p    *Provider
}

// WrapLambda returns h continuing the Lambda invocation's trace and flushing spans after each
// invocation. The trace header Lambda hands the runtime (the Lambda-Runtime-Trace-Id of the
// invocation, which aws-lambda-go puts in the context and in _X_AMZN_TRACE_ID) becomes the
// parent of the request span; without one the request's own headers are used (Middleware).
// When spans are exported, ForceFlush runs before the response is returned, because Lambda
// freezes the process between invocations.
func WrapLambda(h lambda.Handler, p *Provider) lambda.Handler {
	if !p.Enabled() {
		return h
	}
	return &lambdaHandler{next: h, p: p}
}

// Invoke implements lambda.Handler.
func (h *lambdaHandler) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	ctx = ContinueLambdaTrace(ctx)
	out, err := h.next.Invoke(ctx, payload)
	if h.p.Exporting() {
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), flushTimeout(ctx))
		_ = h.p.Flush(fctx) // a failed export never fails the invocation
		cancel()
	}
	return out, err
}

// ContinueLambdaTrace returns ctx carrying the invocation's X-Ray trace header as the remote
// parent span, when there is one.
func ContinueLambdaTrace(ctx context.Context) context.Context {
	header, _ := ctx.Value("x-amzn-trace-id").(string)
	if header == "" {
		header = os.Getenv("_X_AMZN_TRACE_ID")
	}
	if header == "" || !strings.Contains(header, "Root=") {
		return ctx
	}
	return xray.Propagator{}.Extract(ctx, propagation.MapCarrier{"X-Amzn-Trace-Id": header})
}

// flushTimeout bounds the flush by the invocation's remaining time (less a margin to answer).
func flushTimeout(ctx context.Context) time.Duration {
	d := 2 * time.Second
	if dl, ok := ctx.Deadline(); ok {
		if left := time.Until(dl) - 200*time.Millisecond; left < d {
			d = max(left, 50*time.Millisecond)
		}
	}
	return d
}

// AWS returns a smithy tracer provider for aws-sdk-go-v2 clients (set it as
// Options.TracerProvider): every SDK operation becomes a client span ("DynamoDB.GetItem")
// under the request's span, with rpc.* attributes and the AWS error code. Failed operations
// count DownstreamErrors (server faults, throttling, network) or DownstreamTimeouts in the
// request's metrics, with the service as the Dependency dimension; client errors the domain
// expects (a failed condition check) are not counted. The SDK's inner spans (serialisation,
// signing, retry attempts) are not recorded. tp nil means the global provider.
func AWS(tp trace.TracerProvider) smithytracing.TracerProvider { return awsProvider{tp} }

type awsProvider struct{ tp trace.TracerProvider }

func (p awsProvider) Tracer(scope string, _ ...smithytracing.TracerOption) smithytracing.Tracer {
	tp := p.tp
	if tp == nil {
		tp = otel.GetTracerProvider()
	}
	return awsTracer{tp.Tracer(scope)}
}

type awsTracer struct{ t trace.Tracer }

func (t awsTracer) StartSpan(ctx context.Context, name string, opts ...smithytracing.SpanOption) (context.Context, smithytracing.Span) {
	var o smithytracing.SpanOptions
	for _, fn := range opts {
		fn(&o)
	}
	if o.Kind != smithytracing.SpanKindClient {
		return ctx, nopSpan{}
	}
	var attrs []attribute.KeyValue
	service := name
	for k, v := range o.Properties.Values() {
		if kv, ok := toAttr(k, v); ok {
			attrs = append(attrs, kv)
			if kv.Key == "rpc.service" {
				service = kv.Value.AsString()
			}
		}
	}
	ctx, span := t.t.Start(ctx, name, trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(attrs...))
	return ctx, &awsSpan{span: span, ctx: ctx, name: name, service: service}
}

type awsSpan struct {
	span          trace.Span
	ctx           context.Context
	name, service string
	failed        bool
	code, fault   string
}

func (s *awsSpan) Name() string { return s.name }

func (s *awsSpan) Context() smithytracing.SpanContext {
	sc := s.span.SpanContext()
	return smithytracing.SpanContext{TraceID: sc.TraceID().String(), SpanID: sc.SpanID().String(), IsRemote: sc.IsRemote()}
}

func (s *awsSpan) AddEvent(name string, _ ...smithytracing.EventOption) { s.span.AddEvent(name) }

func (s *awsSpan) SetStatus(st smithytracing.SpanStatus) {
	if st == smithytracing.SpanStatusError {
		s.failed = true
		s.span.SetStatus(codes.Error, s.code)
	}
}

func (s *awsSpan) SetProperty(k, v any) {
	kv, ok := toAttr(k, v)
	if !ok {
		return
	}
	switch kv.Key {
	case "api.error_code":
		s.code = kv.Value.AsString()
	case "api.error_fault":
		s.fault = kv.Value.AsString()
	case "exception.message":
		return // may quote request values; the type and the API error code are enough
	}
	s.span.SetAttributes(kv)
}

func (s *awsSpan) End() {
	if s.failed {
		rec := metrics.From(s.ctx)
		dep := metrics.D("Dependency", s.service)
		switch {
		case s.ctx.Err() != nil:
			rec.Count(metrics.DownstreamTimeouts, dep)
		case s.fault != "client" || isThrottle(s.code):
			rec.Count(metrics.DownstreamErrors, dep)
		}
	}
	s.span.End()
}

func isThrottle(code string) bool {
	return strings.Contains(code, "Throttl") || code == "ProvisionedThroughputExceededException" ||
		code == "RequestLimitExceeded" || code == "TooManyRequestsException" || code == "LimitExceededException"
}

func toAttr(k, v any) (attribute.KeyValue, bool) {
	key, ok := k.(string)
	if !ok || key == "" {
		return attribute.KeyValue{}, false
	}
	switch x := v.(type) {
	case string:
		return attribute.String(key, x), true
	case bool:
		return attribute.Bool(key, x), true
	case int:
		return attribute.Int(key, x), true
	case int64:
		return attribute.Int64(key, x), true
	case float64:
		return attribute.Float64(key, x), true
	case smithy.ErrorFault:
		return attribute.String(key, x.String()), true
	}
	return attribute.KeyValue{}, false
}

type nopSpan struct{}

func (nopSpan) Name() string                                  { return "" }
func (nopSpan) Context() smithytracing.SpanContext            { return smithytracing.SpanContext{} }
func (nopSpan) AddEvent(string, ...smithytracing.EventOption) {}
func (nopSpan) SetProperty(any, any)                          {}
func (nopSpan) SetStatus(smithytracing.SpanStatus)            {}
func (nopSpan) End()                                          {}
