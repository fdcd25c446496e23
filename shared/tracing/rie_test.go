package tracing_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"bffsuite.dev/shared/testenv"

	// testdata/tracedapp prints spans with the stdout exporter. go mod tidy does not look
	// into testdata, so this import keeps the module requiring it.
	_ "go.opentelemetry.io/otel/exporters/stdout/stdouttrace"
)

// The RIE tests run testdata/tracedapp as a real Lambda bootstrap under the Runtime Interface
// Emulator. (The emulator does not hand the runtime an X-Amzn-Trace-Id sent with the invoke
// request, so the Lambda trace header path, _X_AMZN_TRACE_ID, is tested in-process by
// TestLambdaInvokeSpans; here the trace comes from the API Gateway event's headers.)
// The spans live in that process: with BFF_TEST_SPANS_STDOUT=1 it prints each ended
// span as JSON (stdouttrace) to stdout, which the emulator's output collects with the JSON log
// lines and the EMF lines, so continuity is checked across the process boundary.

var (
	bootstrapOnce sync.Once
	bootstrapPath string
)

// tracedBootstrap builds the fixture once per test binary into a directory that outlives tests.
func tracedBootstrap(t testing.TB) string {
	t.Helper()
	testenv.RequireTool(t, "bin/aws-lambda-rie")
	bootstrapOnce.Do(func() {
		built := testenv.BuildBootstrap(t, "testdata/tracedapp")
		dir, err := os.MkdirTemp("", "tracedapp")
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(built)
		if err != nil {
			t.Fatal(err)
		}
		bootstrapPath = filepath.Join(dir, "bootstrap")
		if err := os.WriteFile(bootstrapPath, b, 0o755); err != nil {
			t.Fatal(err)
		}
		cleanups = append(cleanups, func() { _ = os.RemoveAll(dir) })
	})
	if bootstrapPath == "" {
		t.Fatal("tracedapp bootstrap failed to build earlier")
	}
	return bootstrapPath
}

// ownedCleanups lets a test start emulators whose cleanup it runs itself (the init benchmark
// starts several fresh ones in a row).
type ownedCleanups struct {
	testing.TB
	fns []func()
}

func (o *ownedCleanups) Cleanup(f func()) { o.fns = append(o.fns, f) }
func (o *ownedCleanups) run() {
	for i := len(o.fns) - 1; i >= 0; i-- {
		o.fns[i]()
	}
	o.fns = nil
}

func invokeRIE(t *testing.T, r *testenv.RIE, ev []byte) v2Response {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	out, err := r.Invoke(ctx, ev)
	if err != nil {
		t.Fatalf("Invoke: %v", err)
	}
	var resp v2Response
	if err := json.Unmarshal(out, &resp); err != nil {
		t.Fatalf("decode response %s: %v", out, err)
	}
	return resp
}

// stdoutSpan is the part of stdouttrace's JSON the tests read.
type stdoutSpan struct {
	Name        string
	SpanContext struct{ TraceID, SpanID string }
	Parent      struct{ TraceID, SpanID string }
}

func spansOf(logs, traceHex string) map[string]stdoutSpan {
	out := map[string]stdoutSpan{}
	for line := range strings.SplitSeq(logs, "\n") {
		if !strings.Contains(line, `"SpanContext"`) {
			continue
		}
		var s stdoutSpan
		if json.Unmarshal([]byte(strings.TrimSpace(line)), &s) == nil && s.SpanContext.TraceID == traceHex {
			out[s.Name] = s
		}
	}
	return out
}

func TestRIETraceContinuity(t *testing.T) {
	rie := testenv.StartRIE(t, tracedBootstrap(t), map[string]string{"BFF_TEST_SPANS_STDOUT": "1", "BFF_METRICS": "emf"})
	tests := []struct {
		name, path           string
		eventHeaders         map[string]string
		wantStatus           int
		wantRoot, wantParent string // wantParent "": a remote parent of the same trace, any span ID
	}{
		{name: "X-Ray header with only a Root, partial page", path: "/parts",
			eventHeaders: map[string]string{"x-amzn-trace-id": "Root=1-6a1b2c3d-0123456789abcdef01234567;Sampled=1"},
			wantStatus:   200, wantRoot: "1-6a1b2c3d-0123456789abcdef01234567"},
		{name: "event X-Amzn-Trace-Id, problem response", path: "/fail",
			eventHeaders: map[string]string{"x-amzn-trace-id": "Root=1-6a1b2c3e-89abcdef0123456789abcdef;Parent=5555666677778888;Sampled=1"},
			wantStatus:   502, wantRoot: "1-6a1b2c3e-89abcdef0123456789abcdef", wantParent: "5555666677778888"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			corr := fmt.Sprintf("rie-trace-test-%d", i)
			h := map[string]string{"x-correlation-id": corr}
			for k, v := range tt.eventHeaders {
				h[k] = v
			}
			resp := invokeRIE(t, rie, loadEvent(t, tt.path, h))
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("GET %s = %d %s, want %d", tt.path, resp.StatusCode, resp.Body, tt.wantStatus)
			}
			if got := header(resp.Headers, "X-Trace-ID"); got != tt.wantRoot {
				t.Errorf("X-Trace-ID = %q, want %q", got, tt.wantRoot)
			}
			if tt.wantStatus >= 400 {
				var p struct {
					TraceID       string `json:"trace_id"`
					CorrelationID string `json:"correlation_id"`
				}
				if err := json.Unmarshal([]byte(resp.Body), &p); err != nil || p.TraceID != tt.wantRoot || p.CorrelationID != corr {
					t.Errorf("problem body = %s, want trace_id %s and correlation_id %s", resp.Body, tt.wantRoot, corr)
				}
			}
			// the emulator's output is collected asynchronously: wait for the EMF line of this request
			var logs string
			for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
				if logs = rie.Logs(); strings.Contains(logs, `"_aws"`) && strings.Contains(logs, corr) && strings.Contains(logs, `"Name":"GET `+tt.path) {
					break
				}
			}
			var reqLine, emfLine map[string]any
			for _, l := range jsonLines(logs) {
				if l["correlation_id"] != corr {
					continue
				}
				switch {
				case l["msg"] == "request":
					reqLine = l
				case l["_aws"] != nil && l["Route"] != nil:
					emfLine = l
				}
			}
			if reqLine == nil || reqLine["trace_id"] != tt.wantRoot || reqLine["route"] != tt.path || reqLine["aws_request_id"] == nil {
				t.Errorf("request log line = %v, want trace_id %s, route %s and aws_request_id", reqLine, tt.wantRoot, tt.path)
			}
			if emfLine == nil || emfLine["trace_id"] != tt.wantRoot {
				t.Errorf("EMF request line = %v, want trace_id %s", emfLine, tt.wantRoot)
			}
			hex := strings.ReplaceAll(strings.TrimPrefix(tt.wantRoot, "1-"), "-", "")
			spans := spansOf(logs, hex)
			srv, ok := spans["GET "+tt.path]
			if !ok || srv.Parent.TraceID != hex || (tt.wantParent != "" && srv.Parent.SpanID != tt.wantParent) {
				t.Fatalf("server span = %+v (spans %v), want parent %s", srv, spans, tt.wantParent)
			}
			if tt.path == "/parts" {
				for _, part := range []string{"part profile", "part recommendations"} {
					if s, ok := spans[part]; !ok || s.Parent.SpanID != srv.SpanContext.SpanID {
						t.Errorf("span %q = %+v, want a child of the server span %s", part, s, srv.SpanContext.SpanID)
					}
				}
				if emfLine["Partial"] != 1.0 || !strings.Contains(logs, `"PartMissing":1`) {
					t.Errorf("EMF = %v, want Partial 1 and PartMissing for the timed-out part", emfLine)
				}
			}
		})
	}
}
