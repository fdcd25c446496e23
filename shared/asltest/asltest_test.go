package asltest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda/messages"
)

func readDef(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestValidate(t *testing.T) {
	RequireTools(t)
	tests := []struct {
		file string
		want string // "" valid, else a text the refusal must contain
	}{
		{"retry_catch.asl.json", ""},
		{"choice.asl.json", ""},
		{"missing_target.asl.json", "MISSING_TRANSITION_TARGET"},
		{"bad_field.asl.json", "/States/A/Retry/0/MaxAttempts is invalid"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			err := Validate(context.Background(), tt.file, readDef(t, tt.file))
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Validate(%s) = %v, want nil", tt.file, err)
				}
				return
			}
			var inv *InvalidError
			if !errors.As(err, &inv) {
				t.Fatalf("Validate(%s) = %v, want an *InvalidError", tt.file, err)
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), tt.file) {
				t.Errorf("Validate(%s) = %q, want it to name the file and contain %q", tt.file, err, tt.want)
			}
		})
	}
}

func TestValidateNotJSON(t *testing.T) {
	RequireTools(t)
	err := Validate(context.Background(), "garbage", []byte("{not json"))
	if err == nil {
		t.Fatal("Validate(garbage) = nil, want an error")
	}
}

func TestErrorName(t *testing.T) {
	type custom struct{ error }
	tests := []struct {
		err      error
		wantType string
		wantMsg  string
	}{
		{messages.InvokeResponse_Error{Type: "Flaky.Transient", Message: "503"}, "Flaky.Transient", "503"},
		{&messages.InvokeResponse_Error{Type: "Flaky.Declined", Message: "card_declined"}, "Flaky.Declined", "card_declined"},
		{errors.New("boom"), "errorString", "boom"},
		{fmt.Errorf("wrapped: %w", errors.New("boom")), "wrapError", "wrapped: boom"},
		{&custom{errors.New("x")}, "custom", "x"},
	}
	for _, tt := range tests {
		typ, msg := ErrorName(tt.err)
		if typ != tt.wantType || msg != tt.wantMsg {
			t.Errorf("ErrorName(%#v) = %q, %q; want %q, %q", tt.err, typ, msg, tt.wantType, tt.wantMsg)
		}
	}
}

// flaky is a TaskFunc whose Charge fails transiently a given number of times per order, then
// approves or declines; it records every call.
type flaky struct {
	mu        sync.Mutex
	transient map[string]int // order → transient failures left
	decline   map[string]bool
	calls     []TaskCall
}

func (f *flaky) task(ctx context.Context, call TaskCall) (json.RawMessage, error) {
	var in struct {
		Task      string          `json:"task"`
		OrderID   string          `json:"order_id"`
		Execution string          `json:"execution"`
		Error     json.RawMessage `json:"error"`
	}
	if err := json.Unmarshal(call.Input, &in); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, call)
	switch in.Task {
	case "Charge":
		if f.transient[in.OrderID] > 0 {
			f.transient[in.OrderID]--
			return nil, messages.InvokeResponse_Error{Type: "Flaky.Transient", Message: "provider 503"}
		}
		if f.decline[in.OrderID] {
			return nil, messages.InvokeResponse_Error{Type: "Flaky.Declined", Message: "card_declined"}
		}
		if in.OrderID == "crash" {
			return nil, errors.New("unexpected")
		}
		return json.Marshal(map[string]string{"charged": in.OrderID, "execution": in.Execution})
	case "Refund":
		return json.RawMessage(`{"refunded":true}`), nil
	}
	return nil, messages.InvokeResponse_Error{Type: "Flaky.Unknown", Message: in.Task}
}

func (f *flaky) count(state string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, c := range f.calls {
		if c.State == state {
			n++
		}
	}
	return n
}

func TestRetryCatch(t *testing.T) {
	zero := time.Duration(0)
	tests := []struct {
		name        string
		order       string
		transient   int
		decline     bool
		wantStatus  string
		wantError   string
		wantVisited []string
		wantCharge  int // Charge task calls
		wantRetries int // StateRetried events
	}{
		{"approve", "o1", 0, false, StatusSucceeded, "", []string{"Charge", "Done"}, 1, 0},
		{"transient twice then success", "o2", 2, false, StatusSucceeded, "", []string{"Charge", "Done"}, 3, 2},
		{"transient beyond MaxAttempts is uncaught", "o3", 3, false, StatusFailed, "Flaky.Transient", []string{"Charge"}, 3, 2},
		{"declined is caught", "o4", 0, true, StatusFailed, "Order.Declined", []string{"Charge", "Refund", "Declined"}, 1, 0},
		{"transient then declined", "o5", 1, true, StatusFailed, "Order.Declined", []string{"Charge", "Refund", "Declined"}, 2, 1},
		{"a Go error is named by its type", "crash", 0, false, StatusFailed, "errorString", []string{"Charge"}, 1, 0},
	}
	f := &flaky{transient: map[string]int{}, decline: map[string]bool{}}
	in := New(t, Options{Tasks: f.task, RetryInterval: &zero})
	m, err := in.Machine("retry-catch", readDef(t, "retry_catch.asl.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f.mu.Lock()
			f.transient[tt.order], f.decline[tt.order] = tt.transient, tt.decline
			f.mu.Unlock()
			before := f.count("Charge")
			res, err := m.Run(context.Background(), "exec-"+tt.order, json.RawMessage(fmt.Sprintf(`{"order_id":%q}`, tt.order)))
			if err != nil {
				t.Fatal(err)
			}
			if res.Status != tt.wantStatus || res.Error != tt.wantError {
				t.Errorf("status, error = %s, %q; want %s, %q (cause %q)", res.Status, res.Error, tt.wantStatus, tt.wantError, res.Cause)
			}
			if got := res.Visited(); !reflect.DeepEqual(got, tt.wantVisited) {
				t.Errorf("visited %v, want %v", got, tt.wantVisited)
			}
			if got := f.count("Charge") - before; got != tt.wantCharge {
				t.Errorf("Charge called %d times, want %d", got, tt.wantCharge)
			}
			if got := res.Count("StateRetried", "Charge"); got != tt.wantRetries {
				t.Errorf("StateRetried events %d, want %d", got, tt.wantRetries)
			}
			if tt.wantStatus == StatusSucceeded {
				var out struct {
					Charge struct{ Charged, Execution string }
				}
				if err := json.Unmarshal(res.Output, &out); err != nil || out.Charge.Charged != tt.order || out.Charge.Execution != "exec-"+tt.order {
					t.Errorf("output %s, want $.charge = {charged: %s, execution: exec-%s} (context object)", res.Output, tt.order, tt.order)
				}
			}
		})
	}
}

// TestCatchCause checks the error output a Catch stores: Error is the errorType, Cause the
// function's error document as a JSON string, as Step Functions does for a Lambda task.
func TestCatchCause(t *testing.T) {
	zero := time.Duration(0)
	var refundInput json.RawMessage
	var mu sync.Mutex
	f := &flaky{transient: map[string]int{}, decline: map[string]bool{"d": true}}
	tasks := func(ctx context.Context, call TaskCall) (json.RawMessage, error) {
		if call.State == "Refund" {
			mu.Lock()
			refundInput = call.Input
			mu.Unlock()
		}
		return f.task(ctx, call)
	}
	m, err := New(t, Options{Tasks: tasks, RetryInterval: &zero}).Machine("catch", readDef(t, "retry_catch.asl.json"))
	if err != nil {
		t.Fatal(err)
	}
	res, err := m.Run(context.Background(), "d", json.RawMessage(`{"order_id":"d"}`))
	if err != nil {
		t.Fatal(err)
	}
	var in struct {
		Error struct{ Error, Cause string } `json:"error"`
	}
	mu.Lock()
	defer mu.Unlock()
	if err := json.Unmarshal(refundInput, &in); err != nil {
		t.Fatalf("Refund input %s: %v", refundInput, err)
	}
	if in.Error.Error != "Flaky.Declined" {
		t.Errorf("caught Error = %q, want Flaky.Declined", in.Error.Error)
	}
	var doc struct{ ErrorType, ErrorMessage string }
	if err := json.Unmarshal([]byte(in.Error.Cause), &doc); err != nil || doc.ErrorType != "Flaky.Declined" || doc.ErrorMessage != "card_declined" {
		t.Errorf("caught Cause = %q, want the error document {errorMessage: card_declined, errorType: Flaky.Declined}", in.Error.Cause)
	}
	if res.Cause != "the charge was declined" {
		t.Errorf("execution cause = %q, want the Fail state's", res.Cause)
	}
	if got := res.Count("StateCaught", "Charge"); got != 1 {
		t.Errorf("StateCaught events %d, want 1", got)
	}
}

// TestRetryBackoff runs the definition's own backoff (IntervalSeconds 1, BackoffRate 2): two
// retries wait 1 s then 2 s.
func TestRetryBackoff(t *testing.T) {
	if testing.Short() {
		t.Skip("waits 3 s")
	}
	f := &flaky{transient: map[string]int{"b": 2}, decline: map[string]bool{}}
	m, err := New(t, Options{Tasks: f.task}).Machine("backoff", readDef(t, "retry_catch.asl.json"))
	if err != nil {
		t.Fatal(err)
	}
	res, err := m.Run(context.Background(), "b", json.RawMessage(`{"order_id":"b"}`))
	if err != nil {
		t.Fatal(err)
	}
	var fails []time.Time
	for _, ev := range res.History {
		if ev.Type == "StateFailed" || (ev.Type == "StateExited" && ev.State == "Charge") {
			fails = append(fails, ev.Time)
		}
	}
	if res.Status != StatusSucceeded || len(fails) != 3 {
		t.Fatalf("status %s with %d Charge attempts, want SUCCEEDED after 3", res.Status, len(fails))
	}
	for i, want := range []time.Duration{time.Second, 2 * time.Second} {
		got := fails[i+1].Sub(fails[i])
		if got < want || got > want+700*time.Millisecond {
			t.Errorf("wait before retry %d = %v, want about %v", i+1, got, want)
		}
	}
}

func TestChoice(t *testing.T) {
	m, err := New(t, Options{}).Machine("choice", readDef(t, "choice.asl.json"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		input string
		want  string
	}{
		{`{"method":"on_account","total":5000}`, "invoice"},
		{`{"method":"card","total":5000}`, "review"},
		{`{"method":"card","total":10}`, "card"},
		{`{"method":"card"}`, "card"},
	}
	for i, tt := range tests {
		res, err := m.Run(context.Background(), fmt.Sprint("c", i), json.RawMessage(tt.input))
		if err != nil {
			t.Fatal(err)
		}
		var out struct{ Path string }
		if err := json.Unmarshal(res.Output, &out); err != nil || res.Status != StatusSucceeded || out.Path != tt.want {
			t.Errorf("%s: status %s output %s, want path %q", tt.input, res.Status, res.Output, tt.want)
		}
	}
}

// TestStartExecutionName checks StartExecution's name rules: the same name and input while
// running is the same execution; once closed, or with another input, ExecutionAlreadyExists.
func TestStartExecutionName(t *testing.T) {
	release := make(chan struct{})
	var calls int
	var mu sync.Mutex
	tasks := func(ctx context.Context, call TaskCall) (json.RawMessage, error) {
		mu.Lock()
		calls++
		mu.Unlock()
		<-release
		return json.RawMessage(`{}`), nil
	}
	m, err := New(t, Options{Tasks: tasks}).Machine("names", readDef(t, "retry_catch.asl.json"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	in := json.RawMessage(`{"order_id":"n"}`)
	e1, err := m.Start(ctx, "order-n", in)
	if err != nil {
		t.Fatal(err)
	}
	e2, err := m.Start(ctx, "order-n", json.RawMessage(`{ "order_id" : "n" }`))
	if err != nil || e2 != e1 {
		t.Errorf("second Start while running = %p, %v; want the same execution %p", e2, err, e1)
	}
	if _, err := m.Start(ctx, "order-n", json.RawMessage(`{"order_id":"other"}`)); !errors.Is(err, ErrExecutionAlreadyExists) {
		t.Errorf("Start with another input = %v, want ErrExecutionAlreadyExists", err)
	}
	close(release)
	res, err := e1.Wait(ctx)
	if err != nil || res.Status != StatusSucceeded {
		t.Fatalf("Wait = %+v, %v; want SUCCEEDED", res, err)
	}
	if _, err := m.Start(ctx, "order-n", in); !errors.Is(err, ErrExecutionAlreadyExists) {
		t.Errorf("Start after it closed = %v, want ErrExecutionAlreadyExists", err)
	}
	if calls != 1 {
		t.Errorf("Charge ran %d times, want 1", calls)
	}
}

func TestConcurrentExecutions(t *testing.T) {
	zero := time.Duration(0)
	f := &flaky{transient: map[string]int{}, decline: map[string]bool{}}
	for i := 0; i < 50; i++ {
		f.transient[fmt.Sprint("p", i)] = i % 2
	}
	m, err := New(t, Options{Tasks: f.task, RetryInterval: &zero}).Machine("many", readDef(t, "retry_catch.asl.json"))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	results := make([]*Result, 50)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := m.Run(context.Background(), fmt.Sprint("p", i), json.RawMessage(fmt.Sprintf(`{"order_id":"p%d"}`, i)))
			if err != nil {
				t.Error(err)
				return
			}
			results[i] = res
		}()
	}
	wg.Wait()
	for i, res := range results {
		if res == nil || res.Status != StatusSucceeded {
			t.Errorf("execution p%d: %+v, want SUCCEEDED", i, res)
		}
	}
	if got := f.count("Charge"); got != 75 {
		t.Errorf("Charge calls %d, want 75 (50 + 25 retries)", got)
	}
}
