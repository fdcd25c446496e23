package statemachine

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
	"time"
)

func TestParseRejectsUnsupported(t *testing.T) {
	tests := []struct {
		name, def, want string
	}{
		{"wait state", `{"StartAt":"A","States":{"A":{"Type":"Wait","Seconds":1,"End":true}}}`, `state type "Wait"`},
		{"map state", `{"StartAt":"A","States":{"A":{"Type":"Map","End":true}}}`, `state type "Map"`},
		{"result selector", `{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"r","ResultSelector":{},"End":true}}}`, `"ResultSelector"`},
		{"jitter", `{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"r","Retry":[{"ErrorEquals":["X"],"JitterStrategy":"FULL"}],"End":true}}}`, `"JitterStrategy"`},
		{"max delay", `{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"r","Retry":[{"ErrorEquals":["X"],"MaxDelaySeconds":3}],"End":true}}}`, `"MaxDelaySeconds"`},
		{"intrinsic", `{"StartAt":"A","States":{"A":{"Type":"Pass","Parameters":{"x.$":"States.Format('{}', $.a)"},"End":true}}}`, "intrinsic"},
		{"context object", `{"StartAt":"A","States":{"A":{"Type":"Pass","Parameters":{"x.$":"$$.Execution.Id"},"End":true}}}`, "context object"},
		{"bracket path", `{"StartAt":"A","States":{"A":{"Type":"Pass","InputPath":"$.a[0]","End":true}}}`, "only $.field"},
		{"query language", `{"QueryLanguage":"JSONata","StartAt":"A","States":{"A":{"Type":"Succeed"}}}`, `"QueryLanguage"`},
		{"string matches", `{"StartAt":"A","States":{"A":{"Type":"Choice","Choices":[{"Variable":"$.a","StringMatches":"x*","Next":"B"}]},"B":{"Type":"Succeed"}}}`, `"StringMatches"`},
		{"unknown next", `{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"Nope"}}}`, `"Nope": no such state`},
		{"states.all not last", `{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"r","Catch":[{"ErrorEquals":["States.ALL"],"Next":"B"},{"ErrorEquals":["X"],"Next":"B"}],"End":true},"B":{"Type":"Succeed"}}}`, "States.ALL"},
		{"next and end", `{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"A","End":true}}}`, "exactly one of Next and End"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.def))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Parse = %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

type nameErr struct{ name string }

func (e nameErr) Error() string              { return e.name }
func (e nameErr) ASLError() (string, string) { return e.name, "because " + e.name }

// recorder sleeps nowhere and records the requested delays.
type recorder struct{ delays []time.Duration }

func (r *recorder) sleep(_ context.Context, d time.Duration) error {
	r.delays = append(r.delays, d)
	return nil
}

func TestRunRetryBackoffAndCatch(t *testing.T) {
	def := `{"StartAt":"T","States":{
	  "T":{"Type":"Task","Resource":"res:t","Parameters":{"id.$":"$.id","fixed":"v","nested":{"k.$":"$.meta.k"}},
	       "ResultPath":"$.out",
	       "Retry":[{"ErrorEquals":["Transient"],"IntervalSeconds":2,"MaxAttempts":3,"BackoffRate":1.5}],
	       "Catch":[{"ErrorEquals":["States.ALL"],"ResultPath":"$.error","Next":"Comp"}],"Next":"Done"},
	  "Comp":{"Type":"Pass","Result":{"compensated":true},"ResultPath":"$.comp","Next":"Failed"},
	  "Failed":{"Type":"Fail","Error":"Saga.Failed","Cause":"compensated"},
	  "Done":{"Type":"Succeed"}}}`
	m, err := Parse([]byte(def))
	if err != nil {
		t.Fatalf("Parse = %v", err)
	}
	tests := []struct {
		name       string
		failures   []string // the errors of successive attempts, then success
		wantStatus string
		wantCalls  int
		wantDelays []time.Duration
	}{
		{"success", nil, "SUCCEEDED", 1, nil},
		{"transient twice", []string{"Transient", "Transient"}, "SUCCEEDED", 3, []time.Duration{2 * time.Second, 3 * time.Second}},
		{"transient beyond max attempts", []string{"Transient", "Transient", "Transient", "Transient"}, "FAILED", 4, []time.Duration{2 * time.Second, 3 * time.Second, 4500 * time.Millisecond}},
		{"other error caught at once", []string{"Declined"}, "FAILED", 1, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			calls := 0
			var lastIn map[string]any
			h := func(_ context.Context, res string, in json.RawMessage) (json.RawMessage, error) {
				if res != "res:t" {
					t.Errorf("resource = %q, want res:t", res)
				}
				_ = json.Unmarshal(in, &lastIn)
				calls++
				if calls <= len(tc.failures) {
					return nil, nameErr{tc.failures[calls-1]}
				}
				return json.RawMessage(`{"ok":1}`), nil
			}
			rec := &recorder{}
			ex, err := m.Run(context.Background(), json.RawMessage(`{"id":"o1","meta":{"k":"x"}}`), h, Options{Sleep: rec.sleep})
			if err != nil {
				t.Fatalf("Run = %v", err)
			}
			if ex.Status != tc.wantStatus || calls != tc.wantCalls {
				t.Errorf("Run = %s after %d calls, want %s after %d", ex.Status, calls, tc.wantStatus, tc.wantCalls)
			}
			if len(rec.delays) != len(tc.wantDelays) {
				t.Fatalf("delays = %v, want %v", rec.delays, tc.wantDelays)
			}
			for i := range rec.delays {
				if rec.delays[i] != tc.wantDelays[i] {
					t.Errorf("delay %d = %v, want %v", i, rec.delays[i], tc.wantDelays[i])
				}
			}
			if lastIn["id"] != "o1" || lastIn["fixed"] != "v" || lastIn["nested"].(map[string]any)["k"] != "x" {
				t.Errorf("task input = %v, want Parameters rendered", lastIn)
			}
			switch tc.wantStatus {
			case "SUCCEEDED":
				var out map[string]any
				_ = json.Unmarshal(ex.Output, &out)
				if out["id"] != "o1" || out["out"].(map[string]any)["ok"] != 1.0 {
					t.Errorf("output = %s, want input with the result at $.out", ex.Output)
				}
			case "FAILED":
				if ex.Error != "Saga.Failed" || ex.History[len(ex.History)-2].State != "Comp" {
					t.Errorf("execution = %+v, want the Catch to run Comp then fail with Saga.Failed", ex)
				}
			}
		})
	}
}

func TestRunCatchStoresErrorAtResultPath(t *testing.T) {
	def := `{"StartAt":"T","States":{
	  "T":{"Type":"Task","Resource":"r","Catch":[{"ErrorEquals":["Declined"],"ResultPath":"$.error","Next":"C"}],"End":true},
	  "C":{"Type":"Task","Resource":"c","Parameters":{"error.$":"$.error","id.$":"$.id"},"ResultPath":null,"End":true}}}`
	m, err := Parse([]byte(def))
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	h := func(_ context.Context, res string, in json.RawMessage) (json.RawMessage, error) {
		if res == "r" {
			return nil, nameErr{"Declined"}
		}
		_ = json.Unmarshal(in, &got)
		return json.RawMessage(`"ignored"`), nil
	}
	ex, err := m.Run(context.Background(), json.RawMessage(`{"id":"o1"}`), h, Options{})
	if err != nil || ex.Status != "SUCCEEDED" {
		t.Fatalf("Run = %+v, %v", ex, err)
	}
	e, _ := got["error"].(map[string]any)
	if e["Error"] != "Declined" || e["Cause"] != "because Declined" || got["id"] != "o1" {
		t.Errorf("compensation input = %v, want the caught error and the id", got)
	}
	var out map[string]any
	_ = json.Unmarshal(ex.Output, &out)
	if _, ok := out["id"]; !ok {
		t.Errorf("output = %s, want the input kept (ResultPath null)", ex.Output)
	}
}

func TestRunChoiceAndRuntimeErrors(t *testing.T) {
	def := `{"StartAt":"C","States":{
	  "C":{"Type":"Choice","Choices":[
	     {"Variable":"$.method","StringEquals":"on_account","Next":"Skip"},
	     {"And":[{"Variable":"$.n","IsPresent":true},{"Variable":"$.n","NumericEquals":2}],"Next":"Two"},
	     {"Not":{"Variable":"$.flag","BooleanEquals":true},"Next":"NotFlag"}],"Default":"Other"},
	  "Skip":{"Type":"Succeed"},"Two":{"Type":"Succeed"},"NotFlag":{"Type":"Succeed"},"Other":{"Type":"Succeed"}}}`
	m, err := Parse([]byte(def))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ in, wantState, wantStatus string }{
		{`{"method":"on_account"}`, "Skip", "SUCCEEDED"},
		{`{"method":"card","n":2}`, "Two", "SUCCEEDED"},
		{`{"method":"card","n":3,"flag":false}`, "NotFlag", "SUCCEEDED"},
		{`{"method":"card","n":3,"flag":true}`, "Other", "SUCCEEDED"},
		{`{"n":3}`, "C", "FAILED"}, // $.method missing: States.Runtime
	}
	for _, tc := range tests {
		ex, err := m.Run(context.Background(), json.RawMessage(tc.in), nil, Options{})
		if err != nil {
			t.Fatalf("Run(%s) = %v", tc.in, err)
		}
		last := ex.History[len(ex.History)-1].State
		if ex.Status != tc.wantStatus || last != tc.wantState {
			t.Errorf("Run(%s) = %s at %s, want %s at %s", tc.in, ex.Status, last, tc.wantStatus, tc.wantState)
		}
		if tc.wantStatus == "FAILED" && ex.Error != ErrRuntime {
			t.Errorf("Run(%s) error = %s, want %s", tc.in, ex.Error, ErrRuntime)
		}
	}
}

func TestRunTimeout(t *testing.T) {
	def := `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"r","TimeoutSeconds":1,"Retry":[{"ErrorEquals":["States.Timeout"],"MaxAttempts":1}],"End":true}}}`
	m, err := Parse([]byte(def))
	if err != nil {
		t.Fatal(err)
	}
	calls := 0
	h := func(ctx context.Context, _ string, _ json.RawMessage) (json.RawMessage, error) {
		calls++
		if calls == 1 {
			<-ctx.Done()
			return nil, ctx.Err()
		}
		return json.RawMessage(`{}`), nil
	}
	rec := &recorder{}
	ex, err := m.Run(context.Background(), json.RawMessage(`{}`), h, Options{Sleep: rec.sleep})
	if err != nil || ex.Status != "SUCCEEDED" || calls != 2 || ex.History[0].Error != ErrTimeout {
		t.Errorf("Run = %+v, %v after %d calls, want a States.Timeout retried once, then success", ex, err, calls)
	}
}

func TestRunNonNamedErrorIsTaskFailed(t *testing.T) {
	def := `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"r","Catch":[{"ErrorEquals":["States.TaskFailed"],"Next":"F"}],"End":true},"F":{"Type":"Fail","Error":"Caught"}}}`
	m, err := Parse([]byte(def))
	if err != nil {
		t.Fatal(err)
	}
	h := func(context.Context, string, json.RawMessage) (json.RawMessage, error) {
		return nil, errors.New("boom")
	}
	ex, err := m.Run(context.Background(), json.RawMessage(`{}`), h, Options{})
	if err != nil || ex.Error != "Caught" || ex.History[0].Error != ErrTaskFailed {
		t.Errorf("Run = %+v, %v, want States.TaskFailed caught", ex, err)
	}
}

// TestParseCheckoutDefinition keeps the repository's definition inside the supported subset.
func TestParseCheckoutDefinition(t *testing.T) {
	b, err := os.ReadFile("../checkout/definition.asl.json")
	if err != nil {
		t.Fatal(err)
	}
	m, err := Parse(b)
	if err != nil {
		t.Fatalf("Parse(checkout definition) = %v", err)
	}
	if got := len(m.States()); got != 10 {
		t.Errorf("states = %d (%v), want 10", got, m.States())
	}
}
