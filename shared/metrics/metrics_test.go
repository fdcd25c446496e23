package metrics_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"bffsuite.dev/shared/aggregate"
	"bffsuite.dev/shared/auth"
	"bffsuite.dev/shared/config"
	"bffsuite.dev/shared/metrics"
	"bffsuite.dev/shared/platform"
	"bffsuite.dev/shared/problem"
	"bffsuite.dev/shared/server"
	"github.com/gin-gonic/gin"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

var (
	schemaOnce sync.Once
	emfSchema  *jsonschema.Schema
	schemaErr  error
)

// validateEMF checks one line against the EMF specification's structure (testdata/emf.schema.json)
// and the rules the schema cannot express: every dimension named in a set is a top-level
// string member, every metric is a top-level number or an array of at most 100 numbers.
func validateEMF(t *testing.T, line []byte) map[string]any {
	t.Helper()
	schemaOnce.Do(func() {
		f, err := os.Open(filepath.Join("testdata", "emf.schema.json"))
		if err != nil {
			schemaErr = err
			return
		}
		defer f.Close()
		doc, err := jsonschema.UnmarshalJSON(f)
		if err != nil {
			schemaErr = err
			return
		}
		c := jsonschema.NewCompiler()
		if schemaErr = c.AddResource("urn:bffsuite:emf", doc); schemaErr == nil {
			emfSchema, schemaErr = c.Compile("urn:bffsuite:emf")
		}
	})
	if schemaErr != nil {
		t.Fatalf("EMF schema: %v", schemaErr)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(line))
	if err != nil {
		t.Fatalf("EMF line %s is not JSON: %v", line, err)
	}
	if err := emfSchema.Validate(inst); err != nil {
		t.Fatalf("EMF line %s does not match the specification: %v", line, err)
	}
	var doc struct {
		AWS struct {
			CloudWatchMetrics []struct {
				Dimensions [][]string
				Metrics    []struct{ Name string }
			}
		} `json:"_aws"`
	}
	var top map[string]any
	if err := json.Unmarshal(line, &doc); err != nil || json.Unmarshal(line, &top) != nil {
		t.Fatalf("decode %s: %v", line, err)
	}
	for _, d := range doc.AWS.CloudWatchMetrics {
		for _, set := range d.Dimensions {
			for _, name := range set {
				if v, ok := top[name].(string); !ok || v == "" {
					t.Errorf("EMF line %s: dimension %s = %v, want a top-level string", line, name, top[name])
				}
			}
		}
		for _, m := range d.Metrics {
			switch v := top[m.Name].(type) {
			case float64:
			case []any:
				if len(v) == 0 || len(v) > 100 {
					t.Errorf("EMF line %s: metric %s has %d values, want 1-100", line, m.Name, len(v))
				}
				for _, x := range v {
					if _, ok := x.(float64); !ok {
						t.Errorf("EMF line %s: metric %s value %v is not a number", line, m.Name, x)
					}
				}
			default:
				t.Errorf("EMF line %s: metric %s = %v, want a number or an array of numbers", line, m.Name, top[m.Name])
			}
		}
	}
	return top
}

// series is one metric value as CloudWatch would extract it: name, dimension set, value.
type series struct {
	name string
	dims string // "Part=recommendations,Service=bff-web" (sorted)
}

// extract lists the metrics of validated lines by name and every dimension set.
func extract(t *testing.T, lines [][]byte) map[series]any {
	t.Helper()
	out := map[series]any{}
	for _, l := range lines {
		top := validateEMF(t, l)
		aws := top["_aws"].(map[string]any)
		for _, d := range aws["CloudWatchMetrics"].([]any) {
			dir := d.(map[string]any)
			for _, set := range dir["Dimensions"].([]any) {
				var parts []string
				for _, n := range set.([]any) {
					parts = append(parts, fmt.Sprintf("%s=%v", n, top[n.(string)]))
				}
				sortStrings(parts)
				for _, m := range dir["Metrics"].([]any) {
					name := m.(map[string]any)["Name"].(string)
					out[series{name, strings.Join(parts, ",")}] = top[name]
				}
			}
		}
	}
	return out
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

func TestRecorderLines(t *testing.T) {
	manyDims := make([]metrics.Dim, 40)
	for i := range manyDims {
		manyDims[i] = metrics.D(fmt.Sprintf("D%02d", i), "v")
	}
	tests := []struct {
		name      string
		record    func(r *metrics.Recorder)
		wantLines int
		check     func(t *testing.T, lines [][]byte, got map[series]any)
	}{
		{
			name: "counts with the same dimensions are summed",
			record: func(r *metrics.Recorder) {
				r.Count(metrics.DownstreamErrors, metrics.D("Dependency", "DynamoDB"))
				r.Count(metrics.DownstreamErrors, metrics.D("Dependency", "DynamoDB"))
				r.Count(metrics.DownstreamErrors, metrics.D("Dependency", "Cognito"))
			},
			wantLines: 2,
			check: func(t *testing.T, _ [][]byte, got map[series]any) {
				if v := got[series{metrics.DownstreamErrors, "Dependency=DynamoDB,Service=bff-test"}]; v != 2.0 {
					t.Errorf("DownstreamErrors{DynamoDB} = %v, want 2", v)
				}
				if v := got[series{metrics.DownstreamErrors, "Dependency=Cognito,Service=bff-test"}]; v != 1.0 {
					t.Errorf("DownstreamErrors{Cognito} = %v, want 1", v)
				}
			},
		},
		{
			name: "timings keep every value",
			record: func(r *metrics.Recorder) {
				r.Add("PartLatency", metrics.UnitMilliseconds, 3, metrics.D("Part", "a"))
				r.Add("PartLatency", metrics.UnitMilliseconds, 5, metrics.D("Part", "a"))
			},
			wantLines: 1,
			check: func(t *testing.T, _ [][]byte, got map[series]any) {
				v, _ := got[series{"PartLatency", "Part=a,Service=bff-test"}].([]any)
				if len(v) != 2 || v[0] != 3.0 || v[1] != 5.0 {
					t.Errorf("PartLatency = %v, want [3 5]", v)
				}
			},
		},
		{
			name: "more than 100 metrics are split over lines",
			record: func(r *metrics.Recorder) {
				for i := range 150 {
					r.Count(fmt.Sprintf("M%03d", i))
				}
			},
			wantLines: 2,
			check: func(t *testing.T, _ [][]byte, got map[series]any) {
				if len(got) != 150 {
					t.Errorf("metrics = %d, want 150", len(got))
				}
			},
		},
		{
			name:      "dimensions capped at 30 with Service",
			record:    func(r *metrics.Recorder) { r.Count("Wide", manyDims...) },
			wantLines: 1,
			check: func(t *testing.T, lines [][]byte, _ map[series]any) {
				var doc struct {
					AWS struct {
						CloudWatchMetrics []struct{ Dimensions [][]string }
					} `json:"_aws"`
				}
				_ = json.Unmarshal(lines[0], &doc)
				if n := len(doc.AWS.CloudWatchMetrics[0].Dimensions[0]); n != metrics.MaxDimensions {
					t.Errorf("dimensions = %d, want %d", n, metrics.MaxDimensions)
				}
			},
		},
		{
			name: "empty values, NaN and Service overrides are dropped",
			record: func(r *metrics.Recorder) {
				r.Count("Empty", metrics.D("Reason", ""), metrics.D("Service", "other"))
				r.Add("Bad", metrics.UnitCount, math.NaN())
			},
			wantLines: 1,
			check: func(t *testing.T, _ [][]byte, got map[series]any) {
				if v := got[series{"Empty", "Service=bff-test"}]; v != 1.0 || len(got) != 1 {
					t.Errorf("metrics = %v, want only Empty{Service=bff-test}", got)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := metrics.New("BFFSuiteTest", "bff-test")
			tt.record(r)
			lines, err := r.Lines()
			if err != nil || len(lines) != tt.wantLines {
				t.Fatalf("Lines() = %d lines, %v; want %d", len(lines), err, tt.wantLines)
			}
			tt.check(t, lines, extract(t, lines))
			if again, _ := r.Lines(); len(again) != 0 {
				t.Errorf("Lines() after a flush = %d lines, want 0", len(again))
			}
		})
	}
	t.Run("nil recorder does nothing", func(t *testing.T) {
		var r *metrics.Recorder
		r.Count("X")
		r.Property("k", "v")
		r.MarkPartial()
		if lines, err := r.Lines(); lines != nil || err != nil {
			t.Errorf("nil.Lines() = %v, %v; want nil, nil", lines, err)
		}
		if metrics.From(context.Background()) != nil {
			t.Error("From(no recorder) != nil")
		}
	})
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		env     map[string]string
		wantErr string
	}{
		{nil, ""},
		{map[string]string{"BFF_METRICS": "off"}, ""},
		{map[string]string{"BFF_METRICS": "statsd"}, "BFF_METRICS"},
		{map[string]string{"BFF_METRICS_NAMESPACE": "AWS/Lambda"}, "BFF_METRICS_NAMESPACE"},
	}
	for _, tt := range tests {
		var cfg metrics.Config
		err := config.LoadFrom(func(k string) (string, bool) { v, ok := tt.env[k]; return v, ok }, &cfg)
		if (tt.wantErr == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tt.wantErr)) {
			t.Errorf("LoadFrom(%v) = %v, want error naming %q", tt.env, err, tt.wantErr)
		}
	}
}

// TestEMFThroughEngine runs requests through a BFF engine built as the BFFs build theirs
// (platform.Open with local defaults, Platform.Engine) and checks each request's EMF lines.
func TestEMFThroughEngine(t *testing.T) {
	ctx := context.Background()
	var cfg platform.Config
	if err := config.LoadFrom(func(k string) (string, bool) { return "", false }, &cfg); err != nil {
		t.Fatal(err)
	}
	p, err := platform.Open(ctx, "bff-web", cfg)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	var emf bytes.Buffer
	r := p.Engine(platform.EngineOptions{EngineOptions: server.EngineOptions{MetricsOut: &emf}})
	r.GET("/ok", func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"ok": true}) })
	r.GET("/page", func(c *gin.Context) {
		res, err := aggregate.Run(c.Request.Context(),
			aggregate.Required("product", func(context.Context) error { return nil }),
			aggregate.Optional("reviews", func(context.Context) error { return errors.New("reviews backend down") }),
			aggregate.Optional("recommendations", func(ctx context.Context) error {
				<-ctx.Done()
				return ctx.Err()
			}).WithTimeout(5*time.Millisecond),
		)
		if err != nil {
			problem.Abort(c, err)
			return
		}
		c.JSON(http.StatusOK, gin.H{"partial": res.FailedNames()})
	})
	r.GET("/me", auth.Require(p.Verifier, auth.Access{}), func(c *gin.Context) { c.Status(http.StatusNoContent) })

	tests := []struct {
		name, path, authz string
		wantStatus        int
		want              map[series]any
		absent            []series
	}{
		{name: "normal request, first one is the cold start", path: "/ok", wantStatus: 200, want: map[series]any{
			{metrics.Requests, "Service=bff-web"}:           1.0,
			{metrics.Requests, "Route=/ok,Service=bff-web"}: 1.0,
			{metrics.Fault, "Route=/ok,Service=bff-web"}:    0.0,
			{metrics.Error, "Route=/ok,Service=bff-web"}:    0.0,
			{metrics.Partial, "Route=/ok,Service=bff-web"}:  0.0,
			{metrics.ColdStart, "Service=bff-web"}:          1.0,
		}, absent: []series{{metrics.Requests, "Route=/ok,Service=bff-web,StatusClass=2xx"}}},
		{name: "partial response", path: "/page", wantStatus: 200, want: map[series]any{
			{metrics.Partial, "Route=/page,Service=bff-web"}:              1.0,
			{metrics.PartMissing, "Part=reviews,Service=bff-web"}:         1.0,
			{metrics.PartMissing, "Part=recommendations,Service=bff-web"}: 1.0,
		}, absent: []series{{metrics.ColdStart, "Service=bff-web"}, {metrics.PartMissing, "Part=product,Service=bff-web"}}},
		{name: "auth failure without a token", path: "/me", wantStatus: 401, want: map[series]any{
			{metrics.AuthFailures, "Reason=missing_token,Service=bff-web"}: 1.0,
			{metrics.Error, "Route=/me,Service=bff-web"}:                   1.0,
		}, absent: []series{{metrics.Error, "Route=/me,Service=bff-web,StatusClass=4xx"}}},
		{name: "auth failure with a forged token", path: "/me", authz: "Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln", wantStatus: 401, want: map[series]any{
			{metrics.AuthFailures, "Reason=invalid_token,Service=bff-web"}: 1.0,
		}},
		{name: "unknown route", path: "/nope", wantStatus: 404, want: map[series]any{
			{metrics.Requests, "Route=unmatched,Service=bff-web"}: 1.0,
		}, absent: []series{{metrics.Requests, "Route=unmatched,Service=bff-web,StatusClass=4xx"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			emf.Reset()
			req := httptest.NewRequest(http.MethodGet, tt.path, nil)
			if tt.authz != "" {
				req.Header.Set("Authorization", tt.authz)
			}
			w := httptest.NewRecorder()
			r.ServeHTTP(w, req)
			if w.Code != tt.wantStatus {
				t.Fatalf("GET %s = %d, want %d", tt.path, w.Code, tt.wantStatus)
			}
			var lines [][]byte
			for l := range bytes.SplitSeq(bytes.TrimSpace(emf.Bytes()), []byte("\n")) {
				lines = append(lines, l)
			}
			got := extract(t, lines)
			for k, v := range tt.want {
				if got[k] != v {
					t.Errorf("GET %s: %s{%s} = %v, want %v", tt.path, k.name, k.dims, got[k], v)
				}
			}
			for _, k := range tt.absent {
				if _, ok := got[k]; ok {
					t.Errorf("GET %s: %s{%s} present, want absent", tt.path, k.name, k.dims)
				}
			}
			for _, l := range lines {
				if !bytes.Contains(l, []byte(`"correlation_id"`)) || !bytes.Contains(l, []byte(`"trace_id":"1-`)) {
					t.Errorf("EMF line %s, want correlation_id and trace_id properties", l)
				}
			}
		})
	}
}

// TestRequestDimensionSets pins the request metrics' dimension sets, which decide the bill:
// each distinct (metric, dimension values) pair is one custom metric. One route answering every
// status class must make 5 metrics x (Service + Service,Route) = 10 series, not one more per
// class; the class stays a log field of the line.
func TestRequestDimensionSets(t *testing.T) {
	wantSets := [][]string{{"Service"}, {"Service", "Route"}}
	if got := metrics.RequestDimensions(); fmt.Sprint(got) != fmt.Sprint(wantSets) {
		t.Fatalf("RequestDimensions() = %v, want %v", got, wantSets)
	}
	all := map[series]bool{}
	for _, status := range []int{200, 302, 404, 503} {
		r := metrics.New("BFFSuite", "bff-test")
		r.Request("/orders/:id", status, time.Millisecond, false)
		lines, err := r.Lines()
		if err != nil {
			t.Fatal(err)
		}
		if len(lines) != 1 {
			t.Fatalf("status %d: lines = %d, want 1", status, len(lines))
		}
		top := validateEMF(t, lines[0])
		dirs := top["_aws"].(map[string]any)["CloudWatchMetrics"].([]any)
		gotSets := dirs[0].(map[string]any)["Dimensions"]
		if fmt.Sprint(gotSets) != fmt.Sprint(wantSets) {
			t.Errorf("status %d: dimension sets = %v, want %v", status, gotSets, wantSets)
		}
		if got, want := top["StatusClass"], metrics.StatusClass(status); got != want {
			t.Errorf("status %d: StatusClass field = %v, want %v", status, got, want)
		}
		for k := range extract(t, lines) {
			all[k] = true
		}
	}
	if got, want := len(all), 10; got != want {
		t.Errorf("distinct request series for one route over four status classes = %d, want %d: %v", got, want, all)
	}
}
