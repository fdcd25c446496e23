// Package logging builds the suite's slog logger and carries request-scoped log fields
// (correlation ID, AWS request ID, principal, route) in the context, so every log line of a
// request can be joined without passing loggers around.
package logging

import (
	"context"
	"io"
	"log/slog"
	"os"
	"strings"

	"go.opentelemetry.io/otel/trace"
)

type ctxKey int

const (
	correlationKey ctxKey = iota
	fieldsKey
)

// WithCorrelationID returns ctx carrying the request's correlation ID.
func WithCorrelationID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, correlationKey, id)
}

// CorrelationID returns the correlation ID carried by ctx, or "".
func CorrelationID(ctx context.Context) string {
	id, _ := ctx.Value(correlationKey).(string)
	return id
}

// Fields is a small mutable bag of request-scoped attributes shared by every log line of one
// request. Middleware adds to it as it learns things (the principal after auth, the route).
// It is owned by one request and must not be shared across goroutines that write.
type Fields struct {
	attrs []slog.Attr
}

// Set adds or replaces an attribute.
func (f *Fields) Set(key string, value any) {
	for i := range f.attrs {
		if f.attrs[i].Key == key {
			f.attrs[i] = slog.Any(key, value)
			return
		}
	}
	f.attrs = append(f.attrs, slog.Any(key, value))
}

// Attrs returns the attributes.
func (f *Fields) Attrs() []slog.Attr {
	if f == nil {
		return nil
	}
	return f.attrs
}

// WithFields returns ctx carrying a fresh Fields bag, and the bag.
func WithFields(ctx context.Context) (context.Context, *Fields) {
	f := &Fields{}
	return context.WithValue(ctx, fieldsKey, f), f
}

// FieldsFrom returns the request's Fields bag, or nil.
func FieldsFrom(ctx context.Context) *Fields {
	f, _ := ctx.Value(fieldsKey).(*Fields)
	return f
}

// TraceID returns the trace ID of the span in ctx in AWS X-Ray form
// ("1-5759e988-bd862e3fe1be46a994272793": version, the first 8 hex digits, the other 24), the
// form the X-Ray and CloudWatch consoles search for, or "" when ctx carries no span. It is the
// same 128-bit ID as the W3C traceparent's (32 hex digits without dashes).
func TraceID(ctx context.Context) string {
	sc := trace.SpanContextFromContext(ctx)
	if !sc.HasTraceID() {
		return ""
	}
	return XRayTraceID(sc.TraceID())
}

// TraceHeader returns the span in ctx as an X-Ray trace header
// ("Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"), the form
// Lambda, EventBridge and SQS carry between services, or "" when ctx carries no span. Stored
// with an order change, it lets the events that change causes continue the request's trace.
func TraceHeader(ctx context.Context) string {
	sc := trace.SpanContextFromContext(ctx)
	if !sc.HasTraceID() {
		return ""
	}
	h := "Root=" + XRayTraceID(sc.TraceID())
	if sc.HasSpanID() {
		h += ";Parent=" + sc.SpanID().String()
	}
	if sc.IsSampled() {
		return h + ";Sampled=1"
	}
	return h + ";Sampled=0"
}

// XRayTraceID formats a trace ID in X-Ray form.
func XRayTraceID(id trace.TraceID) string {
	const hexdig = "0123456789abcdef"
	var b [35]byte
	b[0], b[1] = '1', '-'
	for i, v := range id {
		pos := 2 + 2*i
		if i >= 4 {
			pos++
		}
		b[pos], b[pos+1] = hexdig[v>>4], hexdig[v&0x0f]
	}
	b[10] = '-'
	return string(b[:])
}

// ParseLevel reads a level name (debug, info, warn, error; Lambda's TRACE and FATAL too).
func ParseLevel(s string) (slog.Level, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "trace", "debug":
		return slog.LevelDebug, true
	case "", "info":
		return slog.LevelInfo, true
	case "warn", "warning":
		return slog.LevelWarn, true
	case "error", "fatal":
		return slog.LevelError, true
	}
	return slog.LevelInfo, false
}

// Options configures New.
type Options struct {
	Level slog.Level
	// Service names the BFF in every line ("bff-web").
	Service string
	// ClientKind is the kind of client the BFF serves ("web", "mobile", "partner"), in every line.
	ClientKind string
	// Text selects human-readable text lines instead of JSON (local runs on a terminal).
	Text bool
}

// New returns a logger writing to w. On Lambda, AWS_LAMBDA_LOG_LEVEL (set by the function's
// logging config) wins over opts.Level.
func New(w io.Writer, opts Options) *slog.Logger {
	level := opts.Level
	if l, ok := ParseLevel(os.Getenv("AWS_LAMBDA_LOG_LEVEL")); ok && os.Getenv("AWS_LAMBDA_LOG_LEVEL") != "" {
		level = l
	}
	ho := &slog.HandlerOptions{Level: level}
	var h slog.Handler
	if opts.Text {
		h = slog.NewTextHandler(w, ho)
	} else {
		h = slog.NewJSONHandler(w, ho)
	}
	l := slog.New(&contextHandler{Handler: h})
	if opts.Service != "" {
		l = l.With("service", opts.Service)
	}
	if opts.ClientKind != "" {
		l = l.With("client_kind", opts.ClientKind)
	}
	return l
}

// contextHandler adds the correlation ID, the trace ID (TraceID) and the request's Fields to
// every record logged with a context (slog.InfoContext and friends).
type contextHandler struct{ slog.Handler }

func (h *contextHandler) Handle(ctx context.Context, r slog.Record) error {
	if id := CorrelationID(ctx); id != "" {
		r.AddAttrs(slog.String("correlation_id", id))
	}
	if id := TraceID(ctx); id != "" {
		r.AddAttrs(slog.String("trace_id", id))
	}
	if f := FieldsFrom(ctx); f != nil {
		r.AddAttrs(f.attrs...)
	}
	return h.Handler.Handle(ctx, r)
}

func (h *contextHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return &contextHandler{h.Handler.WithAttrs(as)}
}

func (h *contextHandler) WithGroup(name string) slog.Handler {
	return &contextHandler{h.Handler.WithGroup(name)}
}
