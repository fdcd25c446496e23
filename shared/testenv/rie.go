package testenv

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"bffsuite.dev/shared/buildtags"
	"bffsuite.dev/shared/rie"
)

// BuildBootstrap compiles the main package in dir (a path as `go build` takes it, run from the
// module containing it) as a Lambda `bootstrap` for this machine, with the same flags as the
// release build (-tags buildtags.Lambda -trimpath -ldflags "-s -w"), into a temp dir.
// That build has no embedded data and no local IdP: it needs DynamoDB and Cognito settings.
func BuildBootstrap(t testing.TB, dir string) string {
	t.Helper()
	return buildBootstrap(t, dir, buildtags.Lambda)
}

// BuildLocalBootstrap is BuildBootstrap with buildtags.LocalLambda: the release build
// that keeps the embedded data backend and the local IdP, for tests that run it on local data.
func BuildLocalBootstrap(t testing.TB, dir string) string {
	t.Helper()
	return buildBootstrap(t, dir, buildtags.LocalLambda)
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

// RIE is a running Lambda Runtime Interface Emulator with one function (a rie.Pool of one:
// invokes are serialised, since one emulator serves one invoke at a time).
type RIE struct {
	URL  string
	pool *rie.Pool
}

// StartRIE runs bootstrap under aws-lambda-rie with env (on top of rie.DefaultBaseEnv) and
// stops it when the test ends.
func StartRIE(t testing.TB, bootstrap string, env map[string]string) *RIE {
	t.Helper()
	bin := RequireTool(t, "bin/aws-lambda-rie")
	pool, err := rie.Start(context.Background(), rie.Options{Bootstrap: bootstrap, Env: env, Binary: bin})
	if err != nil {
		t.Fatalf("StartRIE: %v", err)
	}
	t.Cleanup(func() {
		pool.Close()
		if t.Failed() {
			t.Logf("aws-lambda-rie output:\n%s", pool.Logs())
		}
	})
	return &RIE{URL: pool.Instances()[0].URL, pool: pool}
}

// Invoke posts one event and returns the function's response payload (a function error is
// an error wrapping rie.ErrFunction).
func (r *RIE) Invoke(ctx context.Context, event []byte) ([]byte, error) {
	return r.pool.Invoke(ctx, event)
}

// Logs returns everything the emulator and the function printed so far.
func (r *RIE) Logs() string { return r.pool.Logs() }

// InitDuration returns the duration of the first init phase the emulator reported (the cold
// start), or false before the first invoke.
func (r *RIE) InitDuration() (time.Duration, bool) { return rie.InitDuration(r.Logs()) }

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
