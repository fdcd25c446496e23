package rie

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestStartRefuses checks the errors that tell a user what to fix. The pool itself runs a
// real function under the emulator in shared/apigwlocal's TestThroughRIE and every
// testenv.StartRIE test.
func TestStartRefuses(t *testing.T) {
	dir := t.TempDir()
	bootstrap := filepath.Join(dir, "bootstrap")
	if err := os.WriteFile(bootstrap, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		o    Options
		want string
	}{
		{"no bootstrap", Options{}, "Bootstrap is required"},
		{"missing bootstrap", Options{Bootstrap: filepath.Join(dir, "nope")}, "bootstrap"},
		{"missing emulator", Options{Bootstrap: bootstrap, Binary: filepath.Join(dir, "aws-lambda-rie")}, ".ci/install-deps rie"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Start(context.Background(), tt.o)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Start = %v, want an error mentioning %q", err, tt.want)
			}
		})
	}
}

func TestFunctionError(t *testing.T) {
	tests := []struct {
		name   string
		header string
		body   string
		want   bool
	}{
		{"runtime error document", "", `{"errorMessage":"boom","errorType":"errorString"}`, true},
		{"error type first", "", `{ "errorType": "Runtime.ExitError", "errorMessage": "exit status 2"}`, true},
		{"marked by header", "Unhandled", `{"statusCode":500}`, true},
		{"proxy response", "", `{"statusCode":500,"body":"{\"errorMessage\":\"x\"}"}`, false},
		{"inferred 2.0 body", "", `{"items":[]}`, false},
	}
	for _, tt := range tests {
		h := http.Header{}
		if tt.header != "" {
			h.Set("X-Amz-Function-Error", tt.header)
		}
		if got := functionError(h, []byte(tt.body)) != ""; got != tt.want {
			t.Errorf("%s: function error = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestInitDuration(t *testing.T) {
	tests := []struct {
		logs string
		want string
		ok   bool
	}{
		{"START\nINIT REPORT(durationMs: 6.678000)\nREPORT Init Duration: 0.02 ms", "6.678ms", true},
		{"REPORT RequestId: x Init Duration: 12.5 ms", "12.5ms", true},
		{"START only", "0s", false},
	}
	for _, tt := range tests {
		d, ok := InitDuration(tt.logs)
		if ok != tt.ok || d.String() != tt.want {
			t.Errorf("InitDuration(%q) = %v %v, want %s %v", tt.logs, d, ok, tt.want, tt.ok)
		}
	}
}
