package tracing

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

var noopProvider = noop.NewTracerProvider()

// Exporter posts spans to an OTLP/HTTP endpoint in OTLP's JSON encoding
// (Content-Type: application/json), which the OpenTelemetry Collector and the ADOT Lambda
// layer accept on :4318. It exists because the SDK's otlptracehttp exporter links gRPC and the
// OTLP protobuf packages into every binary (several MB against our 15 MB Lambda budget), for
// a transport the BFFs never use.
type Exporter struct {
	url    string
	client *http.Client

	mu     sync.Mutex
	closed bool
}

// NewExporter returns an exporter posting to tracesURL (".../v1/traces").
func NewExporter(tracesURL string) (*Exporter, error) {
	u, err := url.Parse(tracesURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("OTLP traces URL %q is not an http(s) URL", tracesURL)
	}
	return &Exporter{url: tracesURL, client: &http.Client{Timeout: 5 * time.Second}}, nil
}

// ExportSpans implements sdktrace.SpanExporter.
func (e *Exporter) ExportSpans(ctx context.Context, spans []sdktrace.ReadOnlySpan) error {
	e.mu.Lock()
	closed := e.closed
	e.mu.Unlock()
	if closed || len(spans) == 0 {
		return nil
	}
	body, err := json.Marshal(EncodeOTLP(spans))
	if err != nil {
		return fmt.Errorf("encode %d spans: %w", len(spans), err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.url, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("export spans: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := e.client.Do(req)
	if err != nil {
		return fmt.Errorf("export spans to %s: %w", e.url, err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("export spans to %s: status %d", e.url, resp.StatusCode)
	}
	return nil
}

// Shutdown implements sdktrace.SpanExporter.
func (e *Exporter) Shutdown(context.Context) error {
	e.mu.Lock()
	e.closed = true
	e.mu.Unlock()
	return nil
}

// OTLP JSON shapes (opentelemetry-proto, JSON mapping: IDs as hex, 64-bit integers as strings).
type (
	otlpRequest struct {
		ResourceSpans []otlpResourceSpans `json:"resourceSpans"`
	}
	otlpResourceSpans struct {
		Resource   otlpResource     `json:"resource"`
		ScopeSpans []otlpScopeSpans `json:"scopeSpans"`
	}
	otlpResource struct {
		Attributes []otlpKV `json:"attributes"`
	}
	otlpScopeSpans struct {
		Scope otlpScope  `json:"scope"`
		Spans []otlpSpan `json:"spans"`
	}
	otlpScope struct {
		Name    string `json:"name"`
		Version string `json:"version,omitempty"`
	}
	otlpSpan struct {
		TraceID           string      `json:"traceId"`
		SpanID            string      `json:"spanId"`
		ParentSpanID      string      `json:"parentSpanId,omitempty"`
		TraceState        string      `json:"traceState,omitempty"`
		Name              string      `json:"name"`
		Kind              int         `json:"kind"`
		StartTimeUnixNano string      `json:"startTimeUnixNano"`
		EndTimeUnixNano   string      `json:"endTimeUnixNano"`
		Attributes        []otlpKV    `json:"attributes,omitempty"`
		Events            []otlpEvent `json:"events,omitempty"`
		Status            otlpStatus  `json:"status"`
	}
	otlpEvent struct {
		TimeUnixNano string   `json:"timeUnixNano"`
		Name         string   `json:"name"`
		Attributes   []otlpKV `json:"attributes,omitempty"`
	}
	otlpStatus struct {
		Code    int    `json:"code,omitempty"`
		Message string `json:"message,omitempty"`
	}
	otlpKV struct {
		Key   string    `json:"key"`
		Value otlpValue `json:"value"`
	}
	otlpValue struct {
		StringValue *string     `json:"stringValue,omitempty"`
		BoolValue   *bool       `json:"boolValue,omitempty"`
		IntValue    *string     `json:"intValue,omitempty"`
		DoubleValue *float64    `json:"doubleValue,omitempty"`
		ArrayValue  *otlpValues `json:"arrayValue,omitempty"`
	}
	otlpValues struct {
		Values []otlpValue `json:"values"`
	}
)

// EncodeOTLP returns the OTLP ExportTraceServiceRequest of spans in its JSON shape, grouped
// by resource and instrumentation scope.
func EncodeOTLP(spans []sdktrace.ReadOnlySpan) any {
	var req otlpRequest
	type scopeKey struct{ res, name, version string }
	resIdx := map[string]int{}
	scopeIdx := map[scopeKey]int{}
	for _, s := range spans {
		resKey := ""
		if r := s.Resource(); r != nil {
			resKey = r.Encoded(attribute.DefaultEncoder())
		}
		ri, ok := resIdx[resKey]
		if !ok {
			ri = len(req.ResourceSpans)
			resIdx[resKey] = ri
			var attrs []otlpKV
			if r := s.Resource(); r != nil {
				attrs = kvs(r.Attributes())
			}
			req.ResourceSpans = append(req.ResourceSpans, otlpResourceSpans{Resource: otlpResource{Attributes: attrs}})
		}
		is := s.InstrumentationScope()
		sk := scopeKey{resKey, is.Name, is.Version}
		si, ok := scopeIdx[sk]
		if !ok {
			si = len(req.ResourceSpans[ri].ScopeSpans)
			scopeIdx[sk] = si
			req.ResourceSpans[ri].ScopeSpans = append(req.ResourceSpans[ri].ScopeSpans, otlpScopeSpans{Scope: otlpScope{Name: is.Name, Version: is.Version}})
		}
		ss := &req.ResourceSpans[ri].ScopeSpans[si]
		ss.Spans = append(ss.Spans, encodeSpan(s))
	}
	return req
}

func encodeSpan(s sdktrace.ReadOnlySpan) otlpSpan {
	sc := s.SpanContext()
	tid, sid := sc.TraceID(), sc.SpanID()
	out := otlpSpan{
		TraceID:           hex.EncodeToString(tid[:]),
		SpanID:            hex.EncodeToString(sid[:]),
		TraceState:        sc.TraceState().String(),
		Name:              s.Name(),
		Kind:              int(s.SpanKind()), // same numbering as OTLP's SpanKind
		StartTimeUnixNano: strconv.FormatInt(s.StartTime().UnixNano(), 10),
		EndTimeUnixNano:   strconv.FormatInt(s.EndTime().UnixNano(), 10),
		Attributes:        kvs(s.Attributes()),
	}
	if p := s.Parent(); p.HasSpanID() {
		pid := p.SpanID()
		out.ParentSpanID = hex.EncodeToString(pid[:])
	}
	switch st := s.Status(); st.Code {
	case codes.Error:
		out.Status = otlpStatus{Code: 2, Message: st.Description}
	case codes.Ok:
		out.Status = otlpStatus{Code: 1}
	}
	for _, ev := range s.Events() {
		out.Events = append(out.Events, otlpEvent{TimeUnixNano: strconv.FormatInt(ev.Time.UnixNano(), 10), Name: ev.Name, Attributes: kvs(ev.Attributes)})
	}
	return out
}

func kvs(attrs []attribute.KeyValue) []otlpKV {
	if len(attrs) == 0 {
		return nil
	}
	out := make([]otlpKV, 0, len(attrs))
	for _, a := range attrs {
		out = append(out, otlpKV{Key: string(a.Key), Value: value(a.Value)})
	}
	return out
}

func value(v attribute.Value) otlpValue {
	switch v.Type() {
	case attribute.BOOL:
		b := v.AsBool()
		return otlpValue{BoolValue: &b}
	case attribute.INT64:
		s := strconv.FormatInt(v.AsInt64(), 10)
		return otlpValue{IntValue: &s}
	case attribute.FLOAT64:
		f := v.AsFloat64()
		return otlpValue{DoubleValue: &f}
	case attribute.STRINGSLICE:
		var vs []otlpValue
		for _, s := range v.AsStringSlice() {
			vs = append(vs, otlpValue{StringValue: &s})
		}
		return otlpValue{ArrayValue: &otlpValues{Values: vs}}
	case attribute.INT64SLICE:
		var vs []otlpValue
		for _, n := range v.AsInt64Slice() {
			s := strconv.FormatInt(n, 10)
			vs = append(vs, otlpValue{IntValue: &s})
		}
		return otlpValue{ArrayValue: &otlpValues{Values: vs}}
	case attribute.BOOLSLICE:
		var vs []otlpValue
		for _, b := range v.AsBoolSlice() {
			vs = append(vs, otlpValue{BoolValue: &b})
		}
		return otlpValue{ArrayValue: &otlpValues{Values: vs}}
	case attribute.FLOAT64SLICE:
		var vs []otlpValue
		for _, f := range v.AsFloat64Slice() {
			vs = append(vs, otlpValue{DoubleValue: &f})
		}
		return otlpValue{ArrayValue: &otlpValues{Values: vs}}
	}
	s := v.String()
	return otlpValue{StringValue: &s}
}
