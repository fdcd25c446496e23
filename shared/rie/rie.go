// Package rie runs a Lambda function's bootstrap under the AWS Lambda Runtime Interface
// Emulator (aws-lambda-rie, installed by .ci/install-deps into BFF_TOOLS/bin) and invokes it.
//
// One emulator serves one invoke at a time (a second concurrent invoke crashes it), so a Pool
// runs Size emulators of the same bootstrap, each its own process (its own cold start, like
// Lambda's execution environments), and gives each invoke a free one. An invoke whose caller
// gives up (context cancelled, e.g. API Gateway's 29 s cut) keeps its emulator busy until the
// function really finishes, as a Lambda execution environment stays busy after the caller left.
//
// It is used by `make run-lambda` (shared/lambdastack), the apply rehearsal and, through
// shared/testenv.StartRIE, by the tests.
package rie

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"sync"
	"syscall"
	"time"

	"bffsuite.dev/shared/workspace"
)

// Options start a Pool.
type Options struct {
	// Bootstrap is the path of the function's bootstrap executable (provided.al2023 runtime).
	Bootstrap string
	// Env is the function's environment (aws_lambda_function environment.variables, plus
	// credentials: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN). It overrides
	// BaseEnv.
	Env map[string]string
	// BaseEnv replaces the default base environment (DefaultBaseEnv) when not nil.
	BaseEnv []string
	// FunctionName, MemoryMB and Timeout set AWS_LAMBDA_FUNCTION_NAME/_MEMORY_SIZE/_TIMEOUT
	// (defaults "function", 256, 30 s). The emulator enforces Timeout.
	FunctionName string
	MemoryMB     int
	Timeout      time.Duration
	// Size is the number of emulators (concurrent invokes); default 1.
	Size int
	// Binary is aws-lambda-rie; default BFF_TOOLS/bin/aws-lambda-rie.
	Binary string
	// Output also receives everything the emulators and the function print (each instance's
	// Logs keeps its own copy); nil: nowhere else.
	Output io.Writer
	// StartTimeout bounds the wait for each emulator to listen; default 10 s.
	StartTimeout time.Duration
}

// DefaultBaseEnv is the minimal Lambda-like environment the function starts with: PATH and
// HOME of this process, region us-east-1 and placeholder credentials (tests and local runs
// talk to local peers only; pass real role credentials in Options.Env).
func DefaultBaseEnv() []string {
	return []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"),
		"AWS_REGION=us-east-1", "AWS_DEFAULT_REGION=us-east-1",
		"AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test",
	}
}

// ErrFunction is wrapped by Invoke's error when the function itself failed (it returned an
// error or crashed); the error text carries the errorType and errorMessage.
var ErrFunction = errors.New("function error")

// Pool is Size running emulators of one bootstrap. Safe for concurrent use.
type Pool struct {
	instances []*Instance
	free      chan *Instance
	closeOnce sync.Once
}

// Instance is one running emulator.
type Instance struct {
	// URL is the emulator's invoke URL.
	URL  string
	logs *syncBuffer
	cmd  *exec.Cmd
	done chan struct{}
	// hard bounds one HTTP invoke (function timeout plus slack).
	hard time.Duration
}

// Start runs Size emulators and waits until each listens. On error the ones started are stopped.
func Start(ctx context.Context, o Options) (*Pool, error) {
	if o.Bootstrap == "" {
		return nil, errors.New("rie: Bootstrap is required")
	}
	if _, err := os.Stat(o.Bootstrap); err != nil {
		return nil, fmt.Errorf("rie: bootstrap: %w", err)
	}
	if o.Binary == "" {
		o.Binary = filepath.Join(workspace.ToolsDir(), "bin", "aws-lambda-rie")
	}
	if _, err := os.Stat(o.Binary); err != nil {
		return nil, fmt.Errorf("rie: %s not installed (run .ci/install-deps rie): %w", o.Binary, err)
	}
	if o.Size <= 0 {
		o.Size = 1
	}
	if o.FunctionName == "" {
		o.FunctionName = "function"
	}
	if o.MemoryMB == 0 {
		o.MemoryMB = 256
	}
	if o.Timeout == 0 {
		o.Timeout = 30 * time.Second
	}
	if o.StartTimeout == 0 {
		o.StartTimeout = 10 * time.Second
	}
	p := &Pool{free: make(chan *Instance, o.Size)}
	for range o.Size {
		in, err := startInstance(ctx, o)
		if err != nil {
			p.Close()
			return nil, err
		}
		p.instances = append(p.instances, in)
		p.free <- in
	}
	return p, nil
}

func startInstance(ctx context.Context, o Options) (*Instance, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	apiPort, err := freePort()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(o.Binary,
		"--runtime-interface-emulator-address", "127.0.0.1:"+strconv.Itoa(port),
		"--runtime-api-address", "127.0.0.1:"+strconv.Itoa(apiPort),
		o.Bootstrap)
	cmd.Dir = filepath.Dir(o.Bootstrap)
	// Its own process group: Close stops the emulator and the function it runs together, and
	// a terminal's Ctrl-C reaches only the process that owns the pool.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	base := o.BaseEnv
	if base == nil {
		base = DefaultBaseEnv()
	}
	cmd.Env = append([]string{}, base...)
	cmd.Env = append(cmd.Env,
		"AWS_LAMBDA_FUNCTION_NAME="+o.FunctionName,
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE="+strconv.Itoa(o.MemoryMB),
		"AWS_LAMBDA_FUNCTION_TIMEOUT="+strconv.Itoa(int(o.Timeout/time.Second)),
	)
	keys := make([]string, 0, len(o.Env))
	for k := range o.Env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		cmd.Env = append(cmd.Env, k+"="+o.Env[k]) // later entries win (os/exec dedups)
	}
	logs := &syncBuffer{}
	var out io.Writer = logs
	if o.Output != nil {
		out = io.MultiWriter(logs, o.Output)
	}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("rie: start: %w", err)
	}
	in := &Instance{
		URL:  fmt.Sprintf("http://127.0.0.1:%d/2015-03-31/functions/function/invocations", port),
		logs: logs, cmd: cmd, done: make(chan struct{}), hard: o.Timeout + 10*time.Second,
	}
	go func() { _ = cmd.Wait(); close(in.done) }()
	deadline := time.Now().Add(o.StartTimeout)
	for {
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), 200*time.Millisecond)
		if err == nil {
			c.Close()
			return in, nil
		}
		select {
		case <-in.done:
			return nil, fmt.Errorf("rie: emulator exited before listening:\n%s", logs.String())
		case <-ctx.Done():
			in.stop()
			return nil, ctx.Err()
		default:
		}
		if time.Now().After(deadline) {
			in.stop()
			return nil, fmt.Errorf("rie: emulator did not listen on %d within %s: %v\n%s", port, o.StartTimeout, err, logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("rie: free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// Invoke sends one event to a free emulator (waiting for one while ctx allows) and returns
// the function's response payload. A function error wraps ErrFunction. When ctx ends first,
// Invoke returns ctx's error at once; the emulator stays reserved until the function finishes.
func (p *Pool) Invoke(ctx context.Context, event []byte) ([]byte, error) {
	var in *Instance
	select {
	case in = <-p.free:
	case <-ctx.Done():
		return nil, fmt.Errorf("rie: no free emulator: %w", ctx.Err())
	}
	type result struct {
		b   []byte
		err error
	}
	ch := make(chan result, 1)
	go func() {
		defer func() { p.free <- in }()
		b, err := in.invoke(context.WithoutCancel(ctx), event)
		ch <- result{b, err}
	}()
	select {
	case r := <-ch:
		return r.b, r.err
	case <-ctx.Done():
		return nil, fmt.Errorf("rie: invoke: %w", ctx.Err())
	}
}

// Instances returns the emulators (for their logs and init durations).
func (p *Pool) Instances() []*Instance { return p.instances }

// Logs returns the output of every emulator, one after the other.
func (p *Pool) Logs() string {
	var b bytes.Buffer
	for _, in := range p.instances {
		b.WriteString(in.Logs())
	}
	return b.String()
}

// Close stops the emulators (and their functions) and waits for them to exit.
func (p *Pool) Close() {
	p.closeOnce.Do(func() {
		for _, in := range p.instances {
			in.stop()
		}
	})
}

// stop sends SIGTERM to the emulator's process group (emulator and function), then SIGKILL
// to what is left after 2 s.
func (in *Instance) stop() {
	if in.cmd.Process == nil {
		return
	}
	pgid := in.cmd.Process.Pid
	_ = syscall.Kill(-pgid, syscall.SIGTERM)
	select {
	case <-in.done:
	case <-time.After(2 * time.Second):
	}
	_ = syscall.Kill(-pgid, syscall.SIGKILL)
	select {
	case <-in.done:
	case <-time.After(5 * time.Second):
	}
}

// Invoke posts one event to this emulator. Callers must not invoke one instance concurrently
// (Pool.Invoke takes care of that).
func (in *Instance) Invoke(ctx context.Context, event []byte) ([]byte, error) {
	return in.invoke(ctx, event)
}

func (in *Instance) invoke(ctx context.Context, event []byte) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, in.hard)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, in.URL, bytes.NewReader(event))
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("rie: invoke: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("rie: read invoke response: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("rie: invoke: status %d: %s", resp.StatusCode, body)
	}
	if fe := functionError(resp.Header, body); fe != "" {
		return nil, fmt.Errorf("%w: %s", ErrFunction, fe)
	}
	return body, nil
}

// functionErrorRE matches the error document the runtime posts for a failed invoke.
var functionErrorRE = regexp.MustCompile(`^\s*\{\s*"error(Message|Type)"\s*:`)

// functionError returns a description when the response is a function error: the emulator
// marks it with X-Amz-Function-Error like Lambda's Invoke API, or (older emulators) only
// answers the runtime's {"errorMessage":...,"errorType":...} document.
func functionError(h http.Header, body []byte) string {
	if v := h.Get("X-Amz-Function-Error"); v != "" {
		return v + ": " + truncate(body)
	}
	if functionErrorRE.Match(body) {
		return truncate(body)
	}
	return ""
}

func truncate(b []byte) string {
	if len(b) > 500 {
		return string(b[:500]) + "…"
	}
	return string(b)
}

// Logs returns everything this emulator and its function printed so far.
func (in *Instance) Logs() string { return in.logs.String() }

// initReportRE matches the emulator's init report: "INIT REPORT(durationMs: 6.678000)" in
// current versions (their REPORT line's "Init Duration" is a constant), "Init Duration: X ms"
// in older ones.
var initReportRE = regexp.MustCompile(`INIT REPORT\(durationMs: ([0-9.]+)\)|Init Duration: ([0-9.]+) ms`)

// InitDuration returns the duration of the first init phase the emulator reported (the cold
// start: process start until the runtime asks for its first event), or false before the
// first invoke.
func (in *Instance) InitDuration() (time.Duration, bool) { return InitDuration(in.Logs()) }

// InitDuration finds the first init report in emulator output.
func InitDuration(logs string) (time.Duration, bool) {
	m := initReportRE.FindStringSubmatch(logs)
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

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
