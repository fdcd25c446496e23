package logging_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"bffsuite.dev/shared/logging"
	"go.opentelemetry.io/otel/trace"
)

func spanContext(t *testing.T, traceHex string) context.Context {
	t.Helper()
	tid, err := trace.TraceIDFromHex(traceHex)
	if err != nil {
		t.Fatal(err)
	}
	sid, _ := trace.SpanIDFromHex("00f067aa0ba902b7")
	return trace.ContextWithSpanContext(context.Background(), trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: sid}))
}

func TestXRayTraceID(t *testing.T) {
	tests := []struct{ in, want string }{
		{"5759e988bd862e3fe1be46a994272793", "1-5759e988-bd862e3fe1be46a994272793"},
		{"0000000100000000000000000000000a", "1-00000001-00000000000000000000000a"},
	}
	for _, tt := range tests {
		if got := logging.TraceID(spanContext(t, tt.in)); got != tt.want {
			t.Errorf("TraceID(%s) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if got := logging.TraceID(context.Background()); got != "" {
		t.Errorf("TraceID(no span) = %q, want \"\"", got)
	}
}

func TestRequestFieldsInEveryLine(t *testing.T) {
	var buf bytes.Buffer
	l := logging.New(&buf, logging.Options{Service: "bff-mobile", ClientKind: "mobile"})
	ctx := logging.WithCorrelationID(spanContext(t, "5759e988bd862e3fe1be46a994272793"), "corr-00000001")
	ctx, f := logging.WithFields(ctx)
	f.Set("principal_id", "sub-1")
	f.Set("principal_id", "sub-2") // replaced, not repeated
	l.InfoContext(ctx, "request", slog.String("route", "/v1/home"))
	var got map[string]any
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatalf("line %q is not JSON: %v", buf.String(), err)
	}
	want := map[string]any{"service": "bff-mobile", "client_kind": "mobile", "correlation_id": "corr-00000001",
		"trace_id": "1-5759e988-bd862e3fe1be46a994272793", "principal_id": "sub-2", "route": "/v1/home", "msg": "request"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("line[%s] = %v, want %v (line %s)", k, got[k], v, buf.String())
		}
	}
	if strings.Count(buf.String(), "principal_id") != 1 {
		t.Errorf("line %s, want principal_id once", buf.String())
	}
}

func TestLevelAndFormat(t *testing.T) {
	tests := []struct {
		name        string
		lambdaLevel string
		opts        logging.Options
		wantDebug   bool
		wantText    bool
	}{
		{name: "info by default drops debug", opts: logging.Options{Level: slog.LevelInfo}},
		{name: "configured debug", opts: logging.Options{Level: slog.LevelDebug}, wantDebug: true},
		{name: "AWS_LAMBDA_LOG_LEVEL wins over config", lambdaLevel: "DEBUG", opts: logging.Options{Level: slog.LevelError}, wantDebug: true},
		{name: "AWS_LAMBDA_LOG_LEVEL=ERROR silences debug", lambdaLevel: "ERROR", opts: logging.Options{Level: slog.LevelDebug}},
		{name: "text for a terminal", opts: logging.Options{Level: slog.LevelDebug, Text: true}, wantDebug: true, wantText: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("AWS_LAMBDA_LOG_LEVEL", tt.lambdaLevel)
			var buf bytes.Buffer
			l := logging.New(&buf, tt.opts)
			l.Debug("debug line")
			l.Error("error line")
			out := buf.String()
			if got := strings.Contains(out, "debug line"); got != tt.wantDebug {
				t.Errorf("debug logged = %v, want %v (output %q)", got, tt.wantDebug, out)
			}
			if got := !strings.HasPrefix(out, "{"); got != tt.wantText {
				t.Errorf("text format = %v, want %v (output %q)", got, tt.wantText, out)
			}
			if tt.wantText && !strings.Contains(out, `level=ERROR msg="error line"`) {
				t.Errorf("text output %q, want key=value pairs", out)
			}
		})
	}
}

func TestParseLevel(t *testing.T) {
	tests := []struct {
		in     string
		want   slog.Level
		wantOK bool
	}{
		{"", slog.LevelInfo, true}, {"TRACE", slog.LevelDebug, true}, {"debug", slog.LevelDebug, true},
		{"Warn", slog.LevelWarn, true}, {"FATAL", slog.LevelError, true}, {"verbose", slog.LevelInfo, false},
	}
	for _, tt := range tests {
		if got, ok := logging.ParseLevel(tt.in); got != tt.want || ok != tt.wantOK {
			t.Errorf("ParseLevel(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.wantOK)
		}
	}
}
