// Package metrics records a request's metrics in memory and writes them as CloudWatch
// Embedded Metric Format (EMF) log lines: CloudWatch Logs extracts the metrics from the
// function's stdout, so Lambda needs no agent and makes no extra call.
//
// Every request gets a Recorder in its context (Middleware); handlers and shared pieces add to
// it with metrics.From(ctx).Count(name, dims...), and the Recorder is flushed once when the
// request ends: on Lambda that is once per invocation (one event is one request), locally
// once per request. Dimensions must stay low-cardinality (route templates, part and client
// names, reasons; never user ids, paths or tokens); every line also carries the Service
// dimension. Identifiers that help an operator (correlation ID, trace ID, AWS request ID) are
// written as plain properties of the line, which CloudWatch keeps as log fields, not metrics.
//
// Metric names the platform emits (namespace BFF_METRICS_NAMESPACE, default "BFFSuite"):
//
//	Requests, Latency (ms), Fault (5xx), Error (4xx), Partial    dims Service | Service,Route
//	ColdStart                                                   dims Service
//	PartMissing                                                 dims Service,Part
//	DownstreamErrors, DownstreamTimeouts                        dims Service,Dependency
//	AuthFailures                                                dims Service,Reason
package metrics

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

// Limits of the EMF specification this package keeps to.
const (
	MaxMetricsPerLine = 100
	MaxDimensions     = 30
)

// Unit is a CloudWatch metric unit.
type Unit string

// Units used by the suite.
const (
	UnitCount        Unit = "Count"
	UnitMilliseconds Unit = "Milliseconds"
)

// Names of the metrics the platform records.
const (
	Requests           = "Requests"
	Latency            = "Latency"
	Fault              = "Fault"
	Error              = "Error"
	Partial            = "Partial"
	ColdStart          = "ColdStart"
	PartMissing        = "PartMissing"
	DownstreamErrors   = "DownstreamErrors"
	DownstreamTimeouts = "DownstreamTimeouts"
	AuthFailures       = "AuthFailures"
)

// Dim is one dimension: a name and a low-cardinality value.
type Dim struct{ Name, Value string }

// D returns a dimension.
func D(name, value string) Dim { return Dim{name, value} }

// Config selects the metrics output. It is part of platform.Config.
type Config struct {
	// Mode is "emf" (EMF lines on stdout) or "off".
	Mode      string `env:"BFF_METRICS" default:"emf"`
	Namespace string `env:"BFF_METRICS_NAMESPACE" default:"BFFSuite"`
}

// Validate names the variable at fault.
func (c Config) Validate() error {
	var errs []error
	if c.Mode != "emf" && c.Mode != "off" {
		errs = append(errs, fmt.Errorf("BFF_METRICS: %q is not emf or off", c.Mode))
	}
	if c.Mode == "emf" && (c.Namespace == "" || len(c.Namespace) > 255 || strings.HasPrefix(c.Namespace, "AWS/")) {
		errs = append(errs, fmt.Errorf("BFF_METRICS_NAMESPACE: %q must be 1-255 characters and not start with AWS/", c.Namespace))
	}
	return errors.Join(errs...)
}

// Enabled reports whether metrics are written.
func (c Config) Enabled() bool { return c.Mode == "emf" }

type seriesKey struct {
	name string
	dims string // canonical "name=value\x00..." of the dimensions, sorted by name
}

type series struct {
	name   string
	unit   Unit
	dims   []Dim
	values []float64 // Count: one summed value; other units: every observation
}

// Recorder collects one request's metrics. Its methods are safe for concurrent use (the parts
// of an aggregation record from their own goroutines) and do nothing on a nil Recorder.
type Recorder struct {
	namespace, service string
	now                func() time.Time

	mu      sync.Mutex
	series  map[seriesKey]*series
	order   []seriesKey
	props   map[string]any
	request *requestMetrics
}

type requestMetrics struct {
	route       string
	status      int
	latency     time.Duration
	partial     bool
	statusClass string
}

// New returns a Recorder for service writing to namespace.
func New(namespace, service string) *Recorder {
	return &Recorder{namespace: namespace, service: service, now: time.Now, series: map[seriesKey]*series{}}
}

// Count adds 1 to the counter name with dims.
func (r *Recorder) Count(name string, dims ...Dim) { r.Add(name, UnitCount, 1, dims...) }

// Add records value for name. Count values are summed; other units keep every observation
// (EMF value arrays, so percentiles stay exact). Dimensions past the EMF limit, and dimensions
// with an empty name or value, are dropped.
func (r *Recorder) Add(name string, unit Unit, value float64, dims ...Dim) {
	if r == nil || name == "" || math.IsNaN(value) || math.IsInf(value, 0) {
		return
	}
	clean := make([]Dim, 0, len(dims))
	for _, d := range dims {
		if d.Name == "" || d.Value == "" || d.Name == "Service" || len(clean) >= MaxDimensions-1 {
			continue
		}
		clean = append(clean, d)
	}
	sort.SliceStable(clean, func(i, j int) bool { return clean[i].Name < clean[j].Name })
	var kb strings.Builder
	for _, d := range clean {
		kb.WriteString(d.Name)
		kb.WriteByte('=')
		kb.WriteString(d.Value)
		kb.WriteByte(0)
	}
	k := seriesKey{name, kb.String()}
	r.mu.Lock()
	defer r.mu.Unlock()
	s, ok := r.series[k]
	if !ok {
		s = &series{name: name, unit: unit, dims: clean}
		r.series[k] = s
		r.order = append(r.order, k)
	}
	if unit == UnitCount && len(s.values) == 1 {
		s.values[0] += value
		return
	}
	s.values = append(s.values, value)
}

// Property adds a field to every line (not a metric, not a dimension): identifiers that help
// find the request in CloudWatch Logs Insights.
func (r *Recorder) Property(key string, value any) {
	if r == nil || key == "" || key == "_aws" || key == "Service" {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.props == nil {
		r.props = map[string]any{}
	}
	r.props[key] = value
}

// Request records the request's own metrics (Middleware calls it once): Requests, Latency,
// Fault, Error and Partial, rolled up by Service and by Service and Route (RequestDimensions).
// The status and its class are log fields of the line, not dimensions: Fault and Error already
// split by class, and a Service,Route,StatusClass set multiplied the billed custom metrics by
// the four classes for no dashboard or alarm.
func (r *Recorder) Request(route string, status int, latency time.Duration, partial bool) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.request = &requestMetrics{route: route, status: status, latency: latency, partial: partial, statusClass: StatusClass(status)}
}

// MarkPartial marks the request's response partial (aggregate calls it when an optional part failed).
func (r *Recorder) MarkPartial() {
	if r == nil {
		return
	}
	r.Property("partial", true)
}

// RequestDimensions returns the dimension sets of the request metrics (Requests, Latency,
// Fault, Error, Partial). Each set makes one billed custom metric per metric name and value
// combination, so it is kept to Service and Service,Route (see docs/observability.md).
func RequestDimensions() [][]string {
	return [][]string{{"Service"}, {"Service", "Route"}}
}

// StatusClass returns "2xx", "3xx", "4xx" or "5xx".
func StatusClass(status int) string {
	if status < 100 || status > 599 {
		return "5xx"
	}
	return string(rune('0'+status/100)) + "xx"
}

// Lines returns the EMF documents of everything recorded, one JSON object per slice element,
// and resets the Recorder. Metrics sharing the same dimensions share a line (at most
// MaxMetricsPerLine metrics each).
func (r *Recorder) Lines() ([][]byte, error) {
	if r == nil {
		return nil, nil
	}
	r.mu.Lock()
	req, props := r.request, r.props
	groups := map[string][]*series{}
	var groupOrder []string
	for _, k := range r.order {
		if _, ok := groups[k.dims]; !ok {
			groupOrder = append(groupOrder, k.dims)
		}
		groups[k.dims] = append(groups[k.dims], r.series[k])
	}
	r.series, r.order, r.request = map[seriesKey]*series{}, nil, nil
	r.mu.Unlock()

	ts := r.now().UnixMilli()
	var out [][]byte
	if req != nil {
		doc := r.base(ts, props)
		doc["Route"] = req.route
		doc["StatusClass"] = req.statusClass
		doc["status"] = req.status
		fault, errc, partial := 0.0, 0.0, 0.0
		switch {
		case req.status >= 500:
			fault = 1
		case req.status >= 400:
			errc = 1
		}
		if req.partial || props["partial"] == true {
			partial = 1
		}
		doc[Requests] = 1.0
		doc[Latency] = float64(req.latency.Microseconds()) / 1000
		doc[Fault], doc[Error], doc[Partial] = fault, errc, partial
		doc["_aws"] = awsMeta(ts, directive{
			Namespace:  r.namespace,
			Dimensions: RequestDimensions(),
			Metrics: []metricDef{{Requests, UnitCount}, {Latency, UnitMilliseconds}, {Fault, UnitCount},
				{Error, UnitCount}, {Partial, UnitCount}},
		})
		b, err := json.Marshal(doc)
		if err != nil {
			return nil, fmt.Errorf("encode request metrics: %w", err)
		}
		out = append(out, b)
	}
	for _, g := range groupOrder {
		ss := groups[g]
		for start := 0; start < len(ss); start += MaxMetricsPerLine {
			chunk := ss[start:min(start+MaxMetricsPerLine, len(ss))]
			doc := r.base(ts, props)
			dimNames := []string{"Service"}
			for _, d := range chunk[0].dims {
				dimNames = append(dimNames, d.Name)
				doc[d.Name] = d.Value
			}
			defs := make([]metricDef, 0, len(chunk))
			for _, s := range chunk {
				defs = append(defs, metricDef{s.name, s.unit})
				if len(s.values) == 1 {
					doc[s.name] = s.values[0]
				} else {
					doc[s.name] = slices.Clone(s.values)
				}
			}
			doc["_aws"] = awsMeta(ts, directive{Namespace: r.namespace, Dimensions: [][]string{dimNames}, Metrics: defs})
			b, err := json.Marshal(doc)
			if err != nil {
				return nil, fmt.Errorf("encode metrics: %w", err)
			}
			out = append(out, b)
		}
	}
	return out, nil
}

func (r *Recorder) base(ts int64, props map[string]any) map[string]any {
	doc := make(map[string]any, len(props)+12)
	for k, v := range props {
		doc[k] = v
	}
	doc["Service"] = r.service
	return doc
}

// Flush writes every line (each ending in a newline) to w in one Write, and resets.
func (r *Recorder) Flush(w io.Writer) error {
	lines, err := r.Lines()
	if err != nil || len(lines) == 0 {
		return err
	}
	var buf bytes.Buffer
	for _, l := range lines {
		buf.Write(l)
		buf.WriteByte('\n')
	}
	_, err = w.Write(buf.Bytes())
	return err
}

type metricDef struct {
	Name string `json:"Name"`
	Unit Unit   `json:"Unit"`
}

type directive struct {
	Namespace  string      `json:"Namespace"`
	Dimensions [][]string  `json:"Dimensions"`
	Metrics    []metricDef `json:"Metrics"`
}

func awsMeta(ts int64, d directive) map[string]any {
	return map[string]any{"Timestamp": ts, "CloudWatchMetrics": []directive{d}}
}

type ctxKey struct{}

// WithRecorder returns ctx carrying r.
func WithRecorder(ctx context.Context, r *Recorder) context.Context {
	return context.WithValue(ctx, ctxKey{}, r)
}

// From returns the request's Recorder, or nil (whose methods do nothing) outside a request or
// with metrics off.
func From(ctx context.Context) *Recorder {
	r, _ := ctx.Value(ctxKey{}).(*Recorder)
	return r
}
