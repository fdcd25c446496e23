package asltest

import (
	"bufio"
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda/messages"

	"bffsuite.dev/shared/workspace"
)

//go:embed driver.mjs
var driverJS []byte

// TaskCall is one run of a Task state: its name, its Resource and its effective input (after
// InputPath and Parameters), as the Lambda function behind it would receive it. A Resource that
// is a template placeholder, "${name}", becomes arn:aws:lambda:REGION:ACCOUNT:function:name.
type TaskCall struct {
	Execution string // the execution's ARN ($$.Execution.Id)
	State     string
	Resource  string
	Input     json.RawMessage
}

// TaskFunc runs a Task state in Go. It returns the task's result (JSON), or an error whose
// States error name is what a Go Lambda function would report for it (ErrorName): return a
// messages.InvokeResponse_Error to choose the name, as a Lambda handler does.
type TaskFunc func(ctx context.Context, call TaskCall) (json.RawMessage, error)

// ErrorName returns the errorType and errorMessage the Go Lambda runtime (aws-lambda-go)
// reports for err, which Step Functions uses as the States error name and in the cause: a
// messages.InvokeResponse_Error gives its Type and Message; any other error the name of its
// (pointed-to) type, e.g. "errorString" for errors.New and "wrapError" for fmt.Errorf with %w.
func ErrorName(err error) (errorType, errorMessage string) {
	switch e := err.(type) {
	case messages.InvokeResponse_Error:
		return e.Type, e.Message
	case *messages.InvokeResponse_Error:
		return e.Type, e.Message
	}
	t := reflect.TypeOf(err)
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t.Name(), err.Error()
}

// Options configure an Interpreter.
type Options struct {
	// Tasks runs every Task state. A Task state with no TaskFunc fails with asltest.NoTaskFunc.
	Tasks TaskFunc
	// RetryInterval, when set, is the wait before every retry of every Retry rule, instead of
	// IntervalSeconds × BackoffRate^attempt (the library's retryIntervalOverrides): tests of a
	// definition with second-long backoffs stay fast. Attempts are counted as the rules say.
	RetryInterval *time.Duration
	// Region and Account make the ARNs of the context object ($$.Execution.Id, ...);
	// defaults us-east-1 and 123456789012.
	Region, Account string
}

// Interpreter is a running aws-local-stepfunctions driver (node) and the local task endpoint
// it calls. Executions of any number of machines may run on it concurrently.
type Interpreter struct {
	opts     Options
	cmd      *exec.Cmd
	stdin    io.WriteCloser
	runURL   string
	taskURL  string
	tasks    *http.Server
	logs     syncBuffer
	exited   chan struct{}
	baseCtx  context.Context
	cancel   context.CancelFunc
	closeErr error
	once     sync.Once
	// perExecution holds the TaskFunc of executions started with StartWith, by execution ARN.
	perExecution sync.Map
}

// New starts an Interpreter for a test and closes it when the test ends; it ends the test
// (RequireTools) when the tools are missing.
func New(t testing.TB, opts Options) *Interpreter {
	t.Helper()
	RequireTools(t)
	in, err := Start(context.Background(), opts)
	if err != nil {
		t.Fatalf("asltest.Start: %v", err)
	}
	t.Cleanup(func() {
		in.Close()
		if t.Failed() {
			t.Logf("aws-local-stepfunctions driver output:\n%s", in.Logs())
		}
	})
	return in
}

// Start starts the task endpoint and the node driver (ErrToolMissing when node or the library
// is not installed).
func Start(ctx context.Context, opts Options) (*Interpreter, error) {
	if opts.Region == "" {
		opts.Region = "us-east-1"
	}
	if opts.Account == "" {
		opts.Account = "123456789012"
	}
	node, err := exec.LookPath("node")
	if err != nil {
		return nil, fmt.Errorf("%w: node", ErrToolMissing)
	}
	lib := filepath.Join(workspace.ToolsDir(), LibraryRel)
	if _, err := os.Stat(filepath.Join(lib, "package.json")); err != nil {
		return nil, fmt.Errorf("%w: %s", ErrToolMissing, lib)
	}
	dir, err := os.MkdirTemp("", "asltest-")
	if err != nil {
		return nil, err
	}
	script := filepath.Join(dir, "driver.mjs")
	if err := os.WriteFile(script, driverJS, 0o644); err != nil {
		return nil, err
	}

	in := &Interpreter{opts: opts, exited: make(chan struct{})}
	in.baseCtx, in.cancel = context.WithCancel(context.Background())

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	in.taskURL = "http://" + ln.Addr().String() + "/task"
	in.tasks = &http.Server{Handler: http.HandlerFunc(in.serveTask), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = in.tasks.Serve(ln) }()

	in.cmd = exec.Command(node, script)
	in.cmd.Env = append(os.Environ(), "ASL_SFN_LIB="+lib)
	in.cmd.Stderr = &in.logs
	stdout, err := in.cmd.StdoutPipe()
	if err != nil {
		in.tasks.Close()
		return nil, err
	}
	if in.stdin, err = in.cmd.StdinPipe(); err != nil {
		in.tasks.Close()
		return nil, err
	}
	if err := in.cmd.Start(); err != nil {
		in.tasks.Close()
		return nil, fmt.Errorf("asltest: start node: %w", err)
	}
	go func() {
		_ = in.cmd.Wait()
		os.RemoveAll(dir)
		close(in.exited)
	}()
	ready := make(chan int, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		first := true
		for sc.Scan() {
			if first {
				var hello struct{ Port int }
				if json.Unmarshal(sc.Bytes(), &hello) == nil && hello.Port > 0 {
					ready <- hello.Port
				}
				first = false
				continue
			}
			in.logs.Write(append(sc.Bytes(), '\n'))
		}
	}()
	select {
	case port := <-ready:
		in.runURL = fmt.Sprintf("http://127.0.0.1:%d/run", port)
		return in, nil
	case <-in.exited:
		in.tasks.Close()
		return nil, fmt.Errorf("asltest: the driver exited before it listened:\n%s", in.logs.String())
	case <-time.After(30 * time.Second):
	case <-ctx.Done():
	}
	in.Close()
	return nil, fmt.Errorf("asltest: the driver did not listen in time:\n%s", in.logs.String())
}

// Close stops the driver and the task endpoint. Executions still running fail.
func (in *Interpreter) Close() error {
	in.once.Do(func() {
		in.cancel()
		in.stdin.Close() // the driver exits when its stdin ends
		select {
		case <-in.exited:
		case <-time.After(5 * time.Second):
			_ = in.cmd.Process.Kill()
			<-in.exited
		}
		in.closeErr = in.tasks.Close()
	})
	return in.closeErr
}

// Logs returns what the driver printed (its stderr and stdout after the first line).
func (in *Interpreter) Logs() string { return in.logs.String() }

// serveTask is the Lambda Invoke-like endpoint the driver calls for every Task state.
func (in *Interpreter) serveTask(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	call := TaskCall{Execution: r.Header.Get("X-Asl-Execution"), State: r.Header.Get("X-Asl-State"), Resource: r.Header.Get("X-Asl-Resource"), Input: body}
	out, err := in.runTask(r.Context(), call)
	w.Header().Set("Content-Type", "application/json")
	if err != nil {
		typ, msg := ErrorName(err)
		doc, _ := json.Marshal(messages.InvokeResponse_Error{Type: typ, Message: msg})
		w.Header().Set("X-Amz-Function-Error", "Unhandled")
		_, _ = w.Write(doc)
		return
	}
	if len(out) == 0 {
		out = json.RawMessage("null")
	}
	_, _ = w.Write(out)
}

// runTask calls the TaskFunc, turning a panic into the error the Go runtime would report.
func (in *Interpreter) runTask(ctx context.Context, call TaskCall) (out json.RawMessage, err error) {
	tasks := in.opts.Tasks
	if f, ok := in.perExecution.Load(call.Execution); ok {
		tasks = f.(TaskFunc)
	}
	if tasks == nil {
		return nil, messages.InvokeResponse_Error{Type: "asltest.NoTaskFunc", Message: "no TaskFunc for state " + call.State}
	}
	defer func() {
		if p := recover(); p != nil {
			t := reflect.TypeOf(p)
			if t.Kind() == reflect.Pointer {
				t = t.Elem()
			}
			err = messages.InvokeResponse_Error{Type: t.Name(), Message: fmt.Sprint(p)}
		}
	}()
	return tasks(ctx, call)
}

// ErrExecutionAlreadyExists: StartExecution with a name already used, and the execution is
// closed or its input differs (Step Functions' ExecutionAlreadyExists for a STANDARD machine).
var ErrExecutionAlreadyExists = errors.New("ExecutionAlreadyExists")

// Machine is one state machine definition on an Interpreter, with its executions by name.
type Machine struct {
	in         *Interpreter
	name       string
	definition json.RawMessage
	mu         sync.Mutex
	executions map[string]*Execution
}

// Machine registers a definition under a name (used in ARNs and the context object). The
// definition is parsed here; aws-local-stepfunctions validates it again at each execution.
func (in *Interpreter) Machine(name string, definition []byte) (*Machine, error) {
	var probe struct {
		StartAt string          `json:"StartAt"`
		States  json.RawMessage `json:"States"`
	}
	if err := json.Unmarshal(definition, &probe); err != nil {
		return nil, fmt.Errorf("asltest: definition %s is not JSON: %w", name, err)
	}
	if probe.StartAt == "" || len(probe.States) == 0 {
		return nil, fmt.Errorf("asltest: definition %s has no StartAt or States", name)
	}
	return &Machine{in: in, name: name, definition: definition, executions: map[string]*Execution{}}, nil
}

// ARN is the machine's ARN in the context object.
func (m *Machine) ARN() string {
	return fmt.Sprintf("arn:aws:states:%s:%s:stateMachine:%s", m.in.opts.Region, m.in.opts.Account, m.name)
}

// Execution is one execution of a Machine.
type Execution struct {
	ARN   string
	Name  string
	Input json.RawMessage
	done  chan struct{}
	res   *Result
	err   error
}

// Start starts an execution named name with input (JSON; nil means {}), like StartExecution on
// a STANDARD state machine: a name already used returns the same execution while it is still
// running with the same input, and ErrExecutionAlreadyExists when it is closed or the input
// differs. The execution runs until it ends or the Interpreter closes, whatever ctx does.
func (m *Machine) Start(ctx context.Context, name string, input json.RawMessage) (*Execution, error) {
	return m.StartWith(ctx, name, input, nil)
}

// StartWith is Start with the Task states of this execution bound to tasks instead of
// Options.Tasks (nil: Options.Tasks).
func (m *Machine) StartWith(ctx context.Context, name string, input json.RawMessage, tasks TaskFunc) (*Execution, error) {
	if len(input) == 0 {
		input = json.RawMessage("{}")
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if e, ok := m.executions[name]; ok {
		select {
		case <-e.done:
		default:
			if jsonEqual(e.Input, input) {
				return e, nil
			}
		}
		return nil, fmt.Errorf("%w: execution %q of %s", ErrExecutionAlreadyExists, name, m.name)
	}
	e := &Execution{
		ARN:   fmt.Sprintf("arn:aws:states:%s:%s:execution:%s:%s", m.in.opts.Region, m.in.opts.Account, m.name, name),
		Name:  name,
		Input: input,
		done:  make(chan struct{}),
	}
	m.executions[name] = e
	if tasks != nil {
		m.in.perExecution.Store(e.ARN, tasks)
	}
	go func() {
		defer close(e.done)
		defer m.in.perExecution.Delete(e.ARN)
		e.res, e.err = m.in.run(m, e)
	}()
	return e, nil
}

// Run starts an execution and waits for its result.
func (m *Machine) Run(ctx context.Context, name string, input json.RawMessage) (*Result, error) {
	return m.RunWith(ctx, name, input, nil)
}

// RunWith is StartWith, then Wait.
func (m *Machine) RunWith(ctx context.Context, name string, input json.RawMessage, tasks TaskFunc) (*Result, error) {
	e, err := m.StartWith(ctx, name, input, tasks)
	if err != nil {
		return nil, err
	}
	return e.Wait(ctx)
}

// Wait returns the execution's result once it has ended. An error means the driver could not
// run it (a definition the library refuses, a driver that died), not a failed execution: that
// is Result.Status FAILED.
func (e *Execution) Wait(ctx context.Context) (*Result, error) {
	select {
	case <-e.done:
		return e.res, e.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Execution statuses, as DescribeExecution reports them.
const (
	StatusSucceeded = "SUCCEEDED"
	StatusFailed    = "FAILED"
	StatusTimedOut  = "TIMED_OUT"
	StatusAborted   = "ABORTED"
)

// Result is an ended execution: its status, output (SUCCEEDED) or error and cause (FAILED),
// and its history of events.
type Result struct {
	Status  string
	Output  json.RawMessage
	Error   string
	Cause   string
	History []Event
}

// Event is one history event of aws-local-stepfunctions: ExecutionStarted, StateEntered,
// StateExited, StateFailed, StateRetried, StateCaught, ExecutionSucceeded, ExecutionFailed, ...
type Event struct {
	Type      string
	Time      time.Time
	State     string // the state's name, for State* events
	StateType string
	Input     json.RawMessage
	Output    json.RawMessage
	Error     string // StateFailed, ExecutionFailed
	Cause     string
	Attempt   int // StateRetried: the retrier's attempt number (1 for the first retry)
}

// Visited returns the names of the states entered, in order (a state retried is entered once).
func (r *Result) Visited() []string {
	var out []string
	for _, ev := range r.History {
		if ev.Type == "StateEntered" {
			out = append(out, ev.State)
		}
	}
	return out
}

// Count returns how many events of type typ the history has for state (any state when "").
func (r *Result) Count(typ, state string) int {
	n := 0
	for _, ev := range r.History {
		if ev.Type == typ && (state == "" || ev.State == state) {
			n++
		}
	}
	return n
}

type runRequest struct {
	Definition      json.RawMessage `json:"definition"`
	Input           json.RawMessage `json:"input"`
	Context         map[string]any  `json:"context"`
	TaskURL         string          `json:"taskURL"`
	RetryIntervalMs *int64          `json:"retryIntervalMs"`
	Region          string          `json:"region"`
	Account         string          `json:"account"`
}

type rawEvent struct {
	Type      string  `json:"type"`
	Timestamp float64 `json:"timestamp"`
	State     *struct {
		Name   string          `json:"name"`
		Type   string          `json:"type"`
		Input  json.RawMessage `json:"input"`
		Output json.RawMessage `json:"output"`
	} `json:"state"`
	Input  json.RawMessage `json:"input"`
	Output json.RawMessage `json:"output"`
	Error  string          `json:"Error"`
	Cause  json.RawMessage `json:"Cause"`
	Retry  *struct {
		Attempt int `json:"attempt"`
	} `json:"retry"`
}

type runReply struct {
	Status  string          `json:"status"`
	Output  json.RawMessage `json:"output"`
	Error   string          `json:"error"`
	Cause   string          `json:"cause"`
	History []rawEvent      `json:"history"`
}

func (in *Interpreter) run(m *Machine, e *Execution) (*Result, error) {
	req := runRequest{
		Definition: m.definition,
		Input:      e.Input,
		TaskURL:    in.taskURL,
		Region:     in.opts.Region,
		Account:    in.opts.Account,
		Context: map[string]any{
			"Execution": map[string]any{
				"Id":        e.ARN,
				"Name":      e.Name,
				"Input":     e.Input,
				"StartTime": time.Now().UTC().Format(time.RFC3339Nano),
				"RoleArn":   fmt.Sprintf("arn:aws:iam::%s:role/%s-asltest", in.opts.Account, m.name),
			},
			"StateMachine": map[string]any{"Id": m.ARN(), "Name": m.name},
		},
	}
	if in.opts.RetryInterval != nil {
		ms := in.opts.RetryInterval.Milliseconds()
		req.RetryIntervalMs = &ms
	}
	body, err := json.Marshal(req)
	if err != nil {
		return nil, err
	}
	hreq, err := http.NewRequestWithContext(in.baseCtx, http.MethodPost, in.runURL, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	hreq.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(hreq)
	if err != nil {
		return nil, fmt.Errorf("asltest: run %s: %w", e.Name, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("asltest: run %s: %w", e.Name, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("asltest: run %s: driver status %d: %s", e.Name, resp.StatusCode, b)
	}
	var rep runReply
	if err := json.Unmarshal(b, &rep); err != nil {
		return nil, fmt.Errorf("asltest: run %s: driver reply: %w", e.Name, err)
	}
	if rep.Status == "INVALID" {
		return nil, fmt.Errorf("asltest: aws-local-stepfunctions refused definition %s: %s", m.name, rep.Cause)
	}
	res := &Result{Status: rep.Status, Output: rep.Output, Error: rep.Error, Cause: rep.Cause}
	for _, r := range rep.History {
		ev := Event{
			Type:   r.Type,
			Time:   time.UnixMilli(int64(r.Timestamp)).UTC(),
			Input:  r.Input,
			Output: r.Output,
			Error:  r.Error,
			Cause:  causeString(r.Cause),
		}
		if r.State != nil {
			ev.State, ev.StateType, ev.Input, ev.Output = r.State.Name, r.State.Type, r.State.Input, r.State.Output
		}
		if r.Retry != nil {
			ev.Attempt = r.Retry.Attempt
		}
		res.History = append(res.History, ev)
	}
	return res, nil
}

// causeString returns a cause as text: a JSON string unquoted, anything else as JSON.
func causeString(raw json.RawMessage) string {
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return string(raw)
}

func jsonEqual(a, b json.RawMessage) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return bytes.Equal(a, b)
	}
	return reflect.DeepEqual(x, y)
}

// syncBuffer is a bytes.Buffer safe for concurrent use.
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
