package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"bffsuite.dev/bench/internal/cold"
	"bffsuite.dev/bench/internal/proc"
	"bffsuite.dev/bench/internal/report"
)

func procBuild(ctx context.Context, root, dir string, env, flags, pkgs []string) error {
	return proc.Build(ctx, root, dir, env, flags, pkgs...)
}

func runGoBench(ctx context.Context, root string) ([]report.GoBench, error) {
	// The Lambda path against Gin direct (shared/server), then the same invoke with tracing
	// and metrics off, on, and exporting (shared/tracing): ratios within one run.
	cmd := exec.CommandContext(ctx, "go", "test", "-run", "^$",
		"-bench", "^(BenchmarkGinDirect|BenchmarkLambdaPathV1|BenchmarkLambdaPathV2|BenchmarkLambdaInvoke)$",
		"-benchmem", "-count", "1", "-benchtime", "1s", "./shared/server/", "./shared/tracing/")
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	if err != nil {
		return nil, fmt.Errorf("go test -bench ./shared/server ./shared/tracing: %w\n%s", err, out)
	}
	res := report.ParseGoBench(string(out))
	if len(res) < 7 {
		return nil, fmt.Errorf("go test -bench ./shared/server ./shared/tracing: want 7 benchmark lines, got %d:\n%s", len(res), out)
	}
	return res, nil
}

// runInitBench runs shared/tracing's BenchmarkLambdaInit once (15 emulator starts) and returns
// its result line (floor, off and on init medians in ms, and the ratios).
func runInitBench(ctx context.Context, root string) (string, error) {
	cmd := exec.CommandContext(ctx, "go", "test", "-run", "^$", "-bench", "^BenchmarkLambdaInit$", "-benchtime", "1x", "./shared/tracing/")
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go test -bench BenchmarkLambdaInit ./shared/tracing: %w\n%s", err, out)
	}
	for _, l := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(l, "BenchmarkLambdaInit") {
			return strings.Join(strings.Fields(l), " "), nil
		}
	}
	return "", fmt.Errorf("go test -bench BenchmarkLambdaInit: no result line:\n%s", out)
}

// lambdaEnv is what a BFF needs to start on Lambda as shipped, without any network call: a
// Cognito pool whose JWKS is prewarmed from the environment, session keys, a cursor key and
// the DynamoDB backend (store.Open builds the SDK client and does no I/O; GET /healthz reads
// nothing, so the endpoint is never dialled).
func lambdaEnv(work string) ([]string, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	jwks, err := json.Marshal(map[string]any{"keys": []map[string]string{{
		"kty": "RSA", "kid": "bench", "use": "sig", "alg": "RS256",
		"n": base64.RawURLEncoding.EncodeToString(key.N.Bytes()),
		"e": base64.RawURLEncoding.EncodeToString(big.NewInt(int64(key.E)).Bytes()),
	}}})
	if err != nil {
		return nil, err
	}
	sk := make([]byte, 32)
	_, _ = rand.Read(sk)
	return []string{
		"BFF_COGNITO_USER_POOL_ID=us-east-1_BenchPool1",
		"BFF_COGNITO_CLIENT_IDS=bench-client",
		"BFF_COGNITO_APP_CLIENT_ID=bench-client",
		"BFF_COGNITO_JWKS=" + string(jwks),
		"BFF_SESSION_KEYS=" + base64.StdEncoding.EncodeToString(sk),
		"BFF_CURSOR_KEY=bench-cursor-key-0123456789abcdef",
		"BFF_DATA_BACKEND=dynamodb",
		"BFF_DYNAMODB_ENDPOINT=http://127.0.0.1:9",
		// bff-partner reads its partner registry (BFF_TABLE_PARTNERS) on the first /v1 request,
		// not at init.
		"BFF_LOG_FORMAT=json",
	}, nil
}

func coldStarts(ctx context.Context, tools string, bins binaries, sizes map[string]int64, n int, work string) ([]report.ColdRow, error) {
	rie := filepath.Join(tools, "bin", "aws-lambda-rie")
	if _, err := os.Stat(rie); err != nil {
		return nil, fmt.Errorf("%s not installed: run `.ci/install-deps rie` (make bench does)", rie)
	}
	env, err := lambdaEnv(work)
	if err != nil {
		return nil, err
	}
	event := cold.APIGatewayV2Event("GET", "/healthz")
	// Rounds: each round starts every function once, floor first, so a burst of load on the
	// shared machine lands on all of them alike instead of on one function's n starts.
	samples := map[string][]cold.Sample{}
	for round := range n {
		for _, f := range functions {
			var e []string
			if f.name != "floor" {
				e = env
			}
			s, err := cold.Measure(ctx, rie, bins[f.name], e, event, 1)
			if err != nil {
				return nil, fmt.Errorf("%s, round %d: %w", f.name, round+1, err)
			}
			samples[f.name] = append(samples[f.name], s.Samples...)
		}
	}
	var rows []report.ColdRow
	var floor report.ColdRow
	for _, f := range functions {
		s := cold.Summarize(samples[f.name])
		for i, smp := range s.Samples {
			if smp.InvokeStatus != 200 {
				return nil, fmt.Errorf("%s start %d: GET /healthz under the emulator answered %d, want 200", f.name, i+1, smp.InvokeStatus)
			}
		}
		row := report.ColdRow{Name: f.name, Arm64Bytes: sizes[f.name], Init: s.Init, FirstInvoke: s.FirstInvoke, Samples: s.Samples, Floor: f.name == "floor"}
		if len(s.Samples) > 0 {
			row.FirstInvokeHTTP = s.Samples[0].InvokeStatus
		}
		if row.Floor {
			floor = row
		}
		row.InitRatio = report.Ratio(float64(row.Init), float64(floor.Init))
		row.InvokeRatio = report.Ratio(float64(row.FirstInvoke), float64(floor.FirstInvoke))
		row.InitPass = row.InitRatio <= 2 && row.Init < 15*time.Millisecond
		row.SizePass = row.Arm64Bytes > 0 && row.Arm64Bytes < 15_000_000
		logf("  %-12s init %6.2f ms (%.2f× floor)  first invoke %6.2f ms  arm64 %s", f.name,
			float64(row.Init)/1e6, row.InitRatio, float64(row.FirstInvoke)/1e6, fmtMB(row.Arm64Bytes))
		rows = append(rows, row)
	}
	return rows, nil
}

func fmtMB(n int64) string { return fmt.Sprintf("%.1f MB", float64(n)/1e6) }

func gzipLen(b []byte) int {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.DefaultCompression)
	_, _ = zw.Write(b)
	_ = zw.Close()
	return buf.Len()
}

func topLevelFields(b []byte) int {
	var m map[string]json.RawMessage
	if json.Unmarshal(b, &m) != nil {
		return 0
	}
	return len(m)
}

func shortErr(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > 300 {
		return s[:300] + "..."
	}
	return s
}
