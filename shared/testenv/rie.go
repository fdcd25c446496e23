package testenv

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"
	"testing"
	"time"

	"bffsuite.dev/shared/server"
)

// BuildBootstrap compiles the main package in dir (a path as `go build` takes it, run from the
// module containing it) as a Lambda `bootstrap` for this machine, with the same flags as the
// release build (-tags server.LambdaBuildTags -trimpath -ldflags "-s -w"), into a temp dir.
// That build has no embedded data and no local IdP: it needs DynamoDB and Cognito settings.
func BuildBootstrap(t testing.TB, dir string) string {
	t.Helper()
	return buildBootstrap(t, dir, server.LambdaBuildTags)
}

// BuildLocalBootstrap is BuildBootstrap with server.LocalLambdaBuildTags: the release build
// that keeps the embedded data backend and the local IdP, for tests that run it on local data.
func BuildLocalBootstrap(t testing.TB, dir string) string {
	t.Helper()
	return buildBootstrap(t, dir, server.LocalLambdaBuildTags)
}

func buildBootstrap(t testing.TB, dir, tags string) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "bootstrap")
	cmd := exec.Command("go", "build", "-tags", tags, "-trimpath", "-ldflags", "-s -w", "-o", out, ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("BuildBootstrap(%s): %v\n%s", dir, err, b)
	}
	return out
}

// RIE is a running Lambda Runtime Interface Emulator with one function. It serves one invoke
// at a time (concurrent invokes crash the emulator), so Invoke serialises callers.
type RIE struct {
	URL  string
	mu   sync.Mutex
	logs *SyncBuffer
	cmd  *exec.Cmd
}

// StartRIE runs bootstrap under aws-lambda-rie with env (on top of a minimal Lambda-like
// environment) and stops it when the test ends.
func StartRIE(t testing.TB, bootstrap string, env map[string]string) *RIE {
	t.Helper()
	bin := RequireTool(t, "bin/aws-lambda-rie")
	port, apiPort := FreePort(t), FreePort(t)
	cmd := exec.Command(bin,
		"--runtime-interface-emulator-address", "127.0.0.1:"+strconv.Itoa(port),
		"--runtime-api-address", "127.0.0.1:"+strconv.Itoa(apiPort),
		bootstrap)
	cmd.Dir = filepath.Dir(bootstrap)
	cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"),
		"AWS_REGION=us-east-1", "AWS_DEFAULT_REGION=us-east-1",
		"AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test",
		"AWS_LAMBDA_FUNCTION_NAME=function", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE=256",
		"AWS_LAMBDA_FUNCTION_TIMEOUT=30",
	}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	logs := &SyncBuffer{}
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatalf("StartRIE: %v", err)
	}
	r := &RIE{URL: fmt.Sprintf("http://127.0.0.1:%d/2015-03-31/functions/function/invocations", port), logs: logs, cmd: cmd}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("aws-lambda-rie output:\n%s", logs.String())
		}
	})
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), 200*time.Millisecond)
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("StartRIE: emulator did not listen on %d: %v\n%s", port, err, logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	return r
}

// Invoke posts one event and returns the function's response payload.
func (r *RIE) Invoke(ctx context.Context, event []byte) ([]byte, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.URL, bytes.NewReader(event))
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("invoke: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("read invoke response: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("invoke: status %d: %s", resp.StatusCode, body)
	}
	return body, nil
}

// Logs returns everything the emulator and the function printed so far.
func (r *RIE) Logs() string { return r.logs.String() }

// initReportRE matches the emulator's init report: "INIT REPORT(durationMs: 6.678000)" in
// current versions (their REPORT line's "Init Duration" is a constant), "Init Duration: X ms"
// in older ones.
var initReportRE = regexp.MustCompile(`INIT REPORT\(durationMs: ([0-9.]+)\)|Init Duration: ([0-9.]+) ms`)

// InitDuration returns the duration of the first init phase the emulator reported (the cold
// start: process start until the runtime asks for its first event), or false before the
// first invoke.
func (r *RIE) InitDuration() (time.Duration, bool) {
	m := initReportRE.FindStringSubmatch(r.Logs())
	if m == nil {
		return 0, false
	}
	v := m[1]
	if v == "" {
		v = m[2]
	}
	ms, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return 0, false
	}
	return time.Duration(ms * float64(time.Millisecond)), true
}

// SyncBuffer collects a process's output safely from several goroutines (the process's
// stdout and stderr copiers, and the test reading it).
type SyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *SyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *SyncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
