// Package statemachine runs an Amazon States Language (ASL, JSONPath flavour) state machine in
// process, for local runs (make run) and tests: the checkout saga's definition executes here
// exactly as Step Functions executes it in AWS, with every Task state bound to one Go handler.
//
// It implements only the subset the repository's definitions use, and Parse fails loudly
// (naming the state and the field) on anything else, so a definition can never silently
// mean something different here than in Step Functions:
//
//   - top level: StartAt, States, Comment;
//   - states: Task, Choice, Pass, Succeed, Fail (no Wait, Parallel, Map);
//   - Task: Resource (any string; every Task calls the bound Handler with it), Parameters,
//     InputPath, ResultPath (a path or null), OutputPath, TimeoutSeconds, Retry, Catch,
//     Next/End, Comment (no ResultSelector, HeartbeatSeconds, Credentials, Arguments/Output);
//   - Retry: ErrorEquals, IntervalSeconds (default 1), MaxAttempts (default 3, 0 = never),
//     BackoffRate (default 2.0) (no MaxDelaySeconds, JitterStrategy);
//   - Catch: ErrorEquals, Next, ResultPath (default "$");
//   - Choice: Choices of Variable with StringEquals, NumericEquals, BooleanEquals, IsPresent,
//     IsNull, and And/Or/Not of those; Default;
//   - Pass: Result, Parameters, InputPath, ResultPath, OutputPath; Fail: Error, Cause (no
//     ErrorPath, CausePath);
//   - paths: "$" or "$.field.field…" (no brackets, wildcards, filters, context object "$$");
//     Parameters: nested objects, static values, "key.$": path (no intrinsic functions).
//
// Errors: a handler error carrying an ASL name (the Named interface) is matched by that name;
// any other error is States.TaskFailed; an exceeded TimeoutSeconds is States.Timeout.
// States.ALL matches every error but States.Runtime; States.TaskFailed every task error but
// States.Timeout. A bad path or a missing field at run time is States.Runtime and fails the
// execution (no Retry, no Catch), as in Step Functions.
package statemachine

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"time"
)

// Handler runs one Task state: resource is the state's Resource, input its effective input
// (after InputPath and Parameters).
type Handler func(ctx context.Context, resource string, input json.RawMessage) (json.RawMessage, error)

// Named is an error with an ASL error name and cause (e.g. *checkout.TaskError).
type Named interface {
	ASLError() (name, cause string)
}

// Error is an ASL error: a task's, a Fail state's or the runtime's.
type Error struct {
	Name, Cause string
}

func (e *Error) Error() string { return e.Name + ": " + e.Cause }

// ASLError implements Named.
func (e *Error) ASLError() (string, string) { return e.Name, e.Cause }

// ASL error names of the runtime.
const (
	ErrAll        = "States.ALL"
	ErrTaskFailed = "States.TaskFailed"
	ErrTimeout    = "States.Timeout"
	ErrRuntime    = "States.Runtime"
)

// Machine is a parsed definition.
type Machine struct {
	startAt string
	states  map[string]*state
}

type state struct {
	Name           string
	Type           string
	Next           string
	End            bool
	Resource       string
	InputPath      *string // nil: null
	OutputPath     *string
	ResultPath     *string
	Parameters     any // nil: none
	hasParameters  bool
	Result         any
	hasResult      bool
	TimeoutSeconds int
	Retry          []retrier
	Catch          []catcher
	Choices        []choice
	Default        string
	Error, Cause   string
}

type retrier struct {
	ErrorEquals     []string
	IntervalSeconds float64
	MaxAttempts     int
	BackoffRate     float64
}

type catcher struct {
	ErrorEquals []string
	Next        string
	ResultPath  *string
}

type choice struct {
	Variable string
	op       string // StringEquals, NumericEquals, BooleanEquals, IsPresent, IsNull, And, Or, Not
	value    any
	subs     []choice
	Next     string
}

var allowed = map[string][]string{
	"Task":    {"Type", "Comment", "Resource", "Parameters", "InputPath", "ResultPath", "OutputPath", "TimeoutSeconds", "Retry", "Catch", "Next", "End"},
	"Pass":    {"Type", "Comment", "Result", "Parameters", "InputPath", "ResultPath", "OutputPath", "Next", "End"},
	"Choice":  {"Type", "Comment", "Choices", "Default", "InputPath", "OutputPath"},
	"Succeed": {"Type", "Comment", "InputPath", "OutputPath"},
	"Fail":    {"Type", "Comment", "Error", "Cause"},
}

// Parse parses and checks def; any feature outside the supported subset is an error.
func Parse(def []byte) (*Machine, error) {
	var top map[string]json.RawMessage
	if err := strictUnmarshal(def, &top); err != nil {
		return nil, fmt.Errorf("statemachine: definition: %w", err)
	}
	for k := range top {
		if k != "StartAt" && k != "States" && k != "Comment" {
			return nil, fmt.Errorf("statemachine: top-level field %q is not supported", k)
		}
	}
	m := &Machine{states: map[string]*state{}}
	if err := json.Unmarshal(top["StartAt"], &m.startAt); err != nil || m.startAt == "" {
		return nil, errors.New("statemachine: StartAt is required")
	}
	var raw map[string]map[string]json.RawMessage
	if err := json.Unmarshal(top["States"], &raw); err != nil || len(raw) == 0 {
		return nil, errors.New("statemachine: States must be a non-empty object")
	}
	for name, fields := range raw {
		s, err := parseState(name, fields)
		if err != nil {
			return nil, fmt.Errorf("statemachine: state %q: %w", name, err)
		}
		m.states[name] = s
	}
	if err := m.check(); err != nil {
		return nil, fmt.Errorf("statemachine: %w", err)
	}
	return m, nil
}

func strictUnmarshal(b []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	return d.Decode(v)
}

func parseState(name string, f map[string]json.RawMessage) (*state, error) {
	s := &state{Name: name}
	if err := json.Unmarshal(f["Type"], &s.Type); err != nil {
		return nil, errors.New("field Type is required")
	}
	ok, known := allowed[s.Type]
	if !known {
		return nil, fmt.Errorf("state type %q is not supported (Task, Choice, Pass, Succeed, Fail)", s.Type)
	}
	for k := range f {
		if !slices.Contains(ok, k) {
			return nil, fmt.Errorf("field %q is not supported on a %s state", k, s.Type)
		}
	}
	str := func(k string, dst *string) error {
		if v, ok := f[k]; ok {
			if err := json.Unmarshal(v, dst); err != nil {
				return fmt.Errorf("%s: must be a string", k)
			}
		}
		return nil
	}
	path := func(k string) (*string, error) {
		v, ok := f[k]
		if !ok {
			d := "$"
			return &d, nil
		}
		if string(v) == "null" {
			return nil, nil
		}
		var p string
		if err := json.Unmarshal(v, &p); err != nil {
			return nil, fmt.Errorf("%s: must be a path or null", k)
		}
		if _, err := splitPath(p); err != nil {
			return nil, fmt.Errorf("%s: %w", k, err)
		}
		return &p, nil
	}
	var err error
	for _, k := range []string{"Next", "Resource", "Default", "Error", "Cause"} {
		dst := map[string]*string{"Next": &s.Next, "Resource": &s.Resource, "Default": &s.Default, "Error": &s.Error, "Cause": &s.Cause}[k]
		if err := str(k, dst); err != nil {
			return nil, err
		}
	}
	if v, ok := f["End"]; ok {
		if err := json.Unmarshal(v, &s.End); err != nil {
			return nil, errors.New("field End: must be a boolean")
		}
	}
	if s.InputPath, err = path("InputPath"); err != nil {
		return nil, err
	}
	if s.OutputPath, err = path("OutputPath"); err != nil {
		return nil, err
	}
	if s.ResultPath, err = path("ResultPath"); err != nil {
		return nil, err
	}
	if v, ok := f["Parameters"]; ok {
		if err := strictUnmarshal(v, &s.Parameters); err != nil {
			return nil, fmt.Errorf("field Parameters: %w", err)
		}
		if err := checkTemplate(s.Parameters, "Parameters"); err != nil {
			return nil, err
		}
		s.hasParameters = true
	}
	if v, ok := f["Result"]; ok {
		if err := strictUnmarshal(v, &s.Result); err != nil {
			return nil, fmt.Errorf("field Result: %w", err)
		}
		s.hasResult = true
	}
	if v, ok := f["TimeoutSeconds"]; ok {
		if err := json.Unmarshal(v, &s.TimeoutSeconds); err != nil || s.TimeoutSeconds < 1 {
			return nil, errors.New("field TimeoutSeconds: must be a positive integer")
		}
	}
	if v, ok := f["Retry"]; ok {
		if s.Retry, err = parseRetry(v); err != nil {
			return nil, err
		}
	}
	if v, ok := f["Catch"]; ok {
		if s.Catch, err = parseCatch(v); err != nil {
			return nil, err
		}
	}
	if v, ok := f["Choices"]; ok {
		var raws []map[string]json.RawMessage
		if err := json.Unmarshal(v, &raws); err != nil || len(raws) == 0 {
			return nil, errors.New("field Choices: must be a non-empty array")
		}
		for i, r := range raws {
			c, err := parseChoice(r, true)
			if err != nil {
				return nil, fmt.Errorf("field Choices[%d]: %w", i, err)
			}
			s.Choices = append(s.Choices, c)
		}
	}
	switch s.Type {
	case "Task", "Pass":
		if s.End == (s.Next != "") {
			return nil, errors.New("needs exactly one of Next and End")
		}
	case "Choice":
		if len(s.Choices) == 0 {
			return nil, errors.New("field Choices is required")
		}
	}
	if s.Type == "Task" && s.Resource == "" {
		return nil, errors.New("field Resource is required")
	}
	return s, nil
}

func parseRetry(v json.RawMessage) ([]retrier, error) {
	var raws []map[string]json.RawMessage
	if err := json.Unmarshal(v, &raws); err != nil {
		return nil, errors.New("field Retry: must be an array")
	}
	var out []retrier
	for i, r := range raws {
		for k := range r {
			if !slices.Contains([]string{"ErrorEquals", "IntervalSeconds", "MaxAttempts", "BackoffRate"}, k) {
				return nil, fmt.Errorf("field Retry[%d]: field %q is not supported", i, k)
			}
		}
		rt := retrier{IntervalSeconds: 1, MaxAttempts: 3, BackoffRate: 2}
		if err := json.Unmarshal(r["ErrorEquals"], &rt.ErrorEquals); err != nil || len(rt.ErrorEquals) == 0 {
			return nil, fmt.Errorf("field Retry[%d]: ErrorEquals must be a non-empty array of strings", i)
		}
		if x, ok := r["IntervalSeconds"]; ok {
			if err := json.Unmarshal(x, &rt.IntervalSeconds); err != nil || rt.IntervalSeconds < 1 || rt.IntervalSeconds != math.Trunc(rt.IntervalSeconds) {
				return nil, fmt.Errorf("field Retry[%d]: IntervalSeconds must be a positive integer", i)
			}
		}
		if x, ok := r["MaxAttempts"]; ok {
			if err := json.Unmarshal(x, &rt.MaxAttempts); err != nil || rt.MaxAttempts < 0 {
				return nil, fmt.Errorf("field Retry[%d]: MaxAttempts must be a non-negative integer", i)
			}
		}
		if x, ok := r["BackoffRate"]; ok {
			if err := json.Unmarshal(x, &rt.BackoffRate); err != nil || rt.BackoffRate < 1 {
				return nil, fmt.Errorf("field Retry[%d]: BackoffRate must be at least 1.0", i)
			}
		}
		if err := checkErrorEquals(rt.ErrorEquals, i == len(raws)-1); err != nil {
			return nil, fmt.Errorf("field Retry[%d]: %w", i, err)
		}
		out = append(out, rt)
	}
	return out, nil
}

func parseCatch(v json.RawMessage) ([]catcher, error) {
	var raws []map[string]json.RawMessage
	if err := json.Unmarshal(v, &raws); err != nil {
		return nil, errors.New("field Catch: must be an array")
	}
	var out []catcher
	for i, r := range raws {
		for k := range r {
			if !slices.Contains([]string{"ErrorEquals", "Next", "ResultPath"}, k) {
				return nil, fmt.Errorf("field Catch[%d]: field %q is not supported", i, k)
			}
		}
		var c catcher
		if err := json.Unmarshal(r["ErrorEquals"], &c.ErrorEquals); err != nil || len(c.ErrorEquals) == 0 {
			return nil, fmt.Errorf("field Catch[%d]: ErrorEquals must be a non-empty array of strings", i)
		}
		if err := json.Unmarshal(r["Next"], &c.Next); err != nil || c.Next == "" {
			return nil, fmt.Errorf("field Catch[%d]: Next is required", i)
		}
		d := "$"
		c.ResultPath = &d
		if x, ok := r["ResultPath"]; ok {
			if string(x) == "null" {
				c.ResultPath = nil
			} else if err := json.Unmarshal(x, &d); err != nil {
				return nil, fmt.Errorf("field Catch[%d]: ResultPath must be a path or null", i)
			} else if _, err := splitPath(d); err != nil {
				return nil, fmt.Errorf("field Catch[%d]: ResultPath: %w", i, err)
			}
		}
		if err := checkErrorEquals(c.ErrorEquals, i == len(raws)-1); err != nil {
			return nil, fmt.Errorf("field Catch[%d]: %w", i, err)
		}
		out = append(out, c)
	}
	return out, nil
}

// checkErrorEquals enforces the ASL rule: States.ALL appears alone, in the last rule.
func checkErrorEquals(names []string, last bool) error {
	if slices.Contains(names, ErrAll) && (len(names) > 1 || !last) {
		return errors.New("States.ALL must appear alone in the last rule")
	}
	return nil
}

var choiceOps = []string{"StringEquals", "NumericEquals", "BooleanEquals", "IsPresent", "IsNull"}

func parseChoice(r map[string]json.RawMessage, top bool) (choice, error) {
	var c choice
	for k, v := range r {
		switch {
		case k == "Next" && top:
			if err := json.Unmarshal(v, &c.Next); err != nil {
				return c, errors.New("field Next: must be a string")
			}
		case k == "Variable":
			if err := json.Unmarshal(v, &c.Variable); err != nil {
				return c, errors.New("field Variable: must be a path")
			}
			if _, err := splitPath(c.Variable); err != nil {
				return c, fmt.Errorf("field Variable: %w", err)
			}
		case k == "And" || k == "Or":
			var subs []map[string]json.RawMessage
			if err := json.Unmarshal(v, &subs); err != nil || len(subs) == 0 {
				return c, fmt.Errorf("%s: must be a non-empty array", k)
			}
			for _, s := range subs {
				sc, err := parseChoice(s, false)
				if err != nil {
					return c, fmt.Errorf("%s: %w", k, err)
				}
				c.subs = append(c.subs, sc)
			}
			c.op = k
		case k == "Not":
			var sub map[string]json.RawMessage
			if err := json.Unmarshal(v, &sub); err != nil {
				return c, errors.New("field Not: must be an object")
			}
			sc, err := parseChoice(sub, false)
			if err != nil {
				return c, fmt.Errorf("field Not: %w", err)
			}
			c.subs, c.op = []choice{sc}, k
		case slices.Contains(choiceOps, k):
			if c.op != "" {
				return c, errors.New("more than one comparison in one rule")
			}
			if err := strictUnmarshal(v, &c.value); err != nil {
				return c, fmt.Errorf("%s: %w", k, err)
			}
			c.op = k
		default:
			return c, fmt.Errorf("field %q is not supported in a choice rule (supported: %s, And, Or, Not)", k, strings.Join(choiceOps, ", "))
		}
	}
	switch {
	case c.op == "":
		return c, errors.New("a comparison is required")
	case top && c.Next == "":
		return c, errors.New("field Next is required")
	case slices.Contains(choiceOps, c.op) && c.Variable == "":
		return c, errors.New("field Variable is required")
	}
	return c, nil
}

// checkTemplate rejects intrinsic functions and "$$" in a Parameters template.
func checkTemplate(v any, at string) error {
	switch t := v.(type) {
	case map[string]any:
		for k, x := range t {
			if strings.HasSuffix(k, ".$") {
				p, ok := x.(string)
				if !ok {
					return fmt.Errorf("%s.%s: must be a path string", at, k)
				}
				if _, err := splitPath(p); err != nil {
					return fmt.Errorf("%s.%s: %w", at, k, err)
				}
				continue
			}
			if err := checkTemplate(x, at+"."+k); err != nil {
				return err
			}
		}
	case []any:
		for i, x := range t {
			if err := checkTemplate(x, fmt.Sprintf("%s[%d]", at, i)); err != nil {
				return err
			}
		}
	}
	return nil
}

// splitPath parses "$" or "$.a.b" into its field names.
func splitPath(p string) ([]string, error) {
	if p == "$" {
		return nil, nil
	}
	if strings.HasPrefix(p, "$$") {
		return nil, fmt.Errorf("path %q: the context object is not supported", p)
	}
	if !strings.HasPrefix(p, "$.") {
		if strings.HasPrefix(p, "States.") {
			return nil, fmt.Errorf("%q: intrinsic functions are not supported", p)
		}
		return nil, fmt.Errorf("path %q: must be $ or $.field.field", p)
	}
	parts := strings.Split(p[2:], ".")
	for _, s := range parts {
		if s == "" || strings.ContainsAny(s, "[]*?@()'\" ") {
			return nil, fmt.Errorf("path %q: only $.field.field... is supported", p)
		}
	}
	return parts, nil
}

func (m *Machine) check() error {
	if _, ok := m.states[m.startAt]; !ok {
		return fmt.Errorf("StartAt %q: no such state", m.startAt)
	}
	target := func(from, to string) error {
		if _, ok := m.states[to]; !ok {
			return fmt.Errorf("state %q: transition to %q: no such state", from, to)
		}
		return nil
	}
	var errs []error
	walkChoice := func(from string, c choice) {
		if c.Next != "" {
			errs = append(errs, target(from, c.Next))
		}
	}
	for name, s := range m.states {
		if s.Next != "" {
			errs = append(errs, target(name, s.Next))
		}
		if s.Default != "" {
			errs = append(errs, target(name, s.Default))
		}
		for _, c := range s.Catch {
			errs = append(errs, target(name, c.Next))
		}
		for _, c := range s.Choices {
			walkChoice(name, c)
		}
	}
	return errors.Join(errs...)
}

// States returns the state names (for tests and diagrams), sorted.
func (m *Machine) States() []string {
	out := make([]string, 0, len(m.states))
	for n := range m.states {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

// Options configure a run.
type Options struct {
	// Sleep waits between retries (default: a timer honouring ctx). Tests pass a scaled one.
	Sleep func(ctx context.Context, d time.Duration) error
	// MaxTransitions bounds a run (default 1000), against loops.
	MaxTransitions int
}

// Event is one step of an execution's history.
type Event struct {
	State   string
	Type    string
	Attempt int    // Task: 1 for the first attempt
	Error   string // the error of this attempt, if any
	Cause   string
}

// Execution is the outcome of Run.
type Execution struct {
	Status  string // SUCCEEDED or FAILED
	Output  json.RawMessage
	Error   string // FAILED: the error name
	Cause   string
	History []Event
	mu      sync.Mutex
}

func (e *Execution) add(ev Event) {
	e.mu.Lock()
	e.History = append(e.History, ev)
	e.mu.Unlock()
}

// Run executes the machine on input, calling h for every Task state, until a terminal state,
// ctx's end (an error) or MaxTransitions (an error). A FAILED execution is not an error.
func (m *Machine) Run(ctx context.Context, input json.RawMessage, h Handler, o Options) (*Execution, error) {
	if o.Sleep == nil {
		o.Sleep = sleep
	}
	if o.MaxTransitions == 0 {
		o.MaxTransitions = 1000
	}
	var data any
	if err := strictUnmarshal(input, &data); err != nil {
		return nil, fmt.Errorf("statemachine: input: %w", err)
	}
	ex := &Execution{}
	name := m.startAt
	for range o.MaxTransitions {
		if err := ctx.Err(); err != nil {
			return ex, fmt.Errorf("statemachine: state %q: %w", name, err)
		}
		s := m.states[name]
		next, out, err := m.step(ctx, s, data, h, o, ex)
		if err != nil {
			var ae *Error
			if errors.As(err, &ae) {
				ex.Status, ex.Error, ex.Cause = "FAILED", ae.Name, ae.Cause
				return ex, nil
			}
			return ex, err
		}
		data = out
		if next == "" {
			ex.Status = "SUCCEEDED"
			ex.Output, err = json.Marshal(data)
			return ex, err
		}
		name = next
	}
	return ex, fmt.Errorf("statemachine: more than %d transitions", o.MaxTransitions)
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func runtimeErr(state, format string, args ...any) *Error {
	return &Error{Name: ErrRuntime, Cause: fmt.Sprintf("state %q: ", state) + fmt.Sprintf(format, args...)}
}

// step runs one state; next is "" at a terminal state. A returned *Error ends the execution
// as FAILED; any other error aborts Run.
func (m *Machine) step(ctx context.Context, s *state, in any, h Handler, o Options, ex *Execution) (string, any, error) {
	switch s.Type {
	case "Succeed":
		ex.add(Event{State: s.Name, Type: s.Type})
		eff, err := applyPath(s.Name, in, s.InputPath)
		if err != nil {
			return "", nil, err
		}
		out, err := applyPath(s.Name, eff, s.OutputPath)
		return "", out, err
	case "Fail":
		ex.add(Event{State: s.Name, Type: s.Type, Error: s.Error, Cause: s.Cause})
		return "", nil, &Error{Name: s.Error, Cause: s.Cause}
	case "Choice":
		ex.add(Event{State: s.Name, Type: s.Type})
		eff, err := applyPath(s.Name, in, s.InputPath)
		if err != nil {
			return "", nil, err
		}
		next := ""
		for _, c := range s.Choices {
			ok, err := evalChoice(s.Name, c, eff)
			if err != nil {
				return "", nil, err
			}
			if ok {
				next = c.Next
				break
			}
		}
		if next == "" {
			if s.Default == "" {
				return "", nil, &Error{Name: "States.NoChoiceMatched", Cause: fmt.Sprintf("state %q: no choice matched and no Default", s.Name)}
			}
			next = s.Default
		}
		out, err := applyPath(s.Name, eff, s.OutputPath)
		return next, out, err
	case "Pass":
		ex.add(Event{State: s.Name, Type: s.Type})
		eff, err := effectiveInput(s, in)
		if err != nil {
			return "", nil, err
		}
		result := eff
		if s.hasResult {
			result = s.Result
		}
		out, err := applyResult(s.Name, in, result, s.ResultPath)
		if err != nil {
			return "", nil, err
		}
		out, err = applyPath(s.Name, out, s.OutputPath)
		return s.Next, out, err
	case "Task":
		return m.task(ctx, s, in, h, o, ex)
	}
	return "", nil, runtimeErr(s.Name, "state type %s", s.Type)
}

func effectiveInput(s *state, in any) (any, error) {
	eff, err := applyPath(s.Name, in, s.InputPath)
	if err != nil {
		return nil, err
	}
	if s.hasParameters {
		return render(s.Name, s.Parameters, eff)
	}
	return eff, nil
}

func (m *Machine) task(ctx context.Context, s *state, in any, h Handler, o Options, ex *Execution) (string, any, error) {
	eff, err := effectiveInput(s, in)
	if err != nil {
		return "", nil, err
	}
	payload, err := json.Marshal(eff)
	if err != nil {
		return "", nil, runtimeErr(s.Name, "encode input: %v", err)
	}
	tries := make([]int, len(s.Retry)) // retries used per retrier
	for attempt := 1; ; attempt++ {
		result, name, cause := invoke(ctx, s, payload, h)
		if err := ctx.Err(); err != nil {
			return "", nil, fmt.Errorf("statemachine: state %q: %w", s.Name, err)
		}
		ex.add(Event{State: s.Name, Type: s.Type, Attempt: attempt, Error: name, Cause: cause})
		if name == "" {
			var res any
			if len(bytes.TrimSpace(result)) == 0 {
				result = json.RawMessage("null")
			}
			if err := strictUnmarshal(result, &res); err != nil {
				return "", nil, runtimeErr(s.Name, "task result is not JSON: %v", err)
			}
			out, err := applyResult(s.Name, in, res, s.ResultPath)
			if err != nil {
				return "", nil, err
			}
			out, err = applyPath(s.Name, out, s.OutputPath)
			if s.End {
				return "", out, err
			}
			return s.Next, out, err
		}
		if name == ErrRuntime {
			return "", nil, &Error{Name: name, Cause: cause}
		}
		if i := matchRetry(s.Retry, name); i >= 0 && tries[i] < s.Retry[i].MaxAttempts {
			r := s.Retry[i]
			d := time.Duration(r.IntervalSeconds * math.Pow(r.BackoffRate, float64(tries[i])) * float64(time.Second))
			tries[i]++
			if err := o.Sleep(ctx, d); err != nil {
				return "", nil, fmt.Errorf("statemachine: state %q: %w", s.Name, err)
			}
			continue
		}
		for _, c := range s.Catch {
			if matches(c.ErrorEquals, name) {
				out, err := applyResult(s.Name, in, map[string]any{"Error": name, "Cause": cause}, c.ResultPath)
				return c.Next, out, err
			}
		}
		return "", nil, &Error{Name: name, Cause: cause}
	}
}

// invoke calls h with the state's timeout; it returns the result or the ASL error name and cause.
func invoke(ctx context.Context, s *state, payload json.RawMessage, h Handler) (json.RawMessage, string, string) {
	tctx := ctx
	if s.TimeoutSeconds > 0 {
		var cancel context.CancelFunc
		tctx, cancel = context.WithTimeout(ctx, time.Duration(s.TimeoutSeconds)*time.Second)
		defer cancel()
	}
	type answer struct {
		out json.RawMessage
		err error
	}
	ch := make(chan answer, 1)
	go func() {
		defer func() { // a panicking handler is a failed task, as a crashed Lambda is
			if r := recover(); r != nil {
				ch <- answer{nil, &Error{Name: ErrTaskFailed, Cause: fmt.Sprintf("task panicked: %v", r)}}
			}
		}()
		out, err := h(tctx, s.Resource, payload)
		ch <- answer{out, err}
	}()
	var a answer
	select {
	case a = <-ch:
	case <-tctx.Done():
		if ctx.Err() == nil {
			return nil, ErrTimeout, fmt.Sprintf("state %q: task timed out after %d s", s.Name, s.TimeoutSeconds)
		}
		return nil, ErrTaskFailed, ctx.Err().Error()
	}
	if a.err == nil {
		if tctx.Err() != nil && ctx.Err() == nil {
			return nil, ErrTimeout, fmt.Sprintf("state %q: task timed out after %d s", s.Name, s.TimeoutSeconds)
		}
		return a.out, "", ""
	}
	var n Named
	if errors.As(a.err, &n) {
		name, cause := n.ASLError()
		return nil, name, cause
	}
	return nil, ErrTaskFailed, a.err.Error()
}

func matchRetry(rs []retrier, name string) int {
	for i, r := range rs {
		if matches(r.ErrorEquals, name) {
			return i
		}
	}
	return -1
}

// matches applies the ASL error-matching rules.
func matches(list []string, name string) bool {
	for _, e := range list {
		switch {
		case e == name:
			return true
		case e == ErrAll && name != ErrRuntime:
			return true
		case e == ErrTaskFailed && name != ErrTimeout && name != ErrRuntime:
			return true
		}
	}
	return false
}

// lookup resolves a path in v; ok is false when a field is missing.
func lookup(v any, parts []string) (any, bool) {
	for _, p := range parts {
		m, isObj := v.(map[string]any)
		if !isObj {
			return nil, false
		}
		if v, isObj = m[p]; !isObj {
			return nil, false
		}
	}
	return v, true
}

func applyPath(state string, v any, p *string) (any, error) {
	if p == nil {
		return map[string]any{}, nil
	}
	parts, _ := splitPath(*p)
	out, ok := lookup(v, parts)
	if !ok {
		return nil, runtimeErr(state, "path %s not found in the input", *p)
	}
	return out, nil
}

// render fills a Parameters template from v.
func render(state string, tmpl, v any) (any, error) {
	switch t := tmpl.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, x := range t {
			if key, ok := strings.CutSuffix(k, ".$"); ok {
				parts, _ := splitPath(x.(string))
				val, found := lookup(v, parts)
				if !found {
					return nil, runtimeErr(state, "Parameters: path %s (for %q) not found in the input", x, key)
				}
				out[key] = val
				continue
			}
			r, err := render(state, x, v)
			if err != nil {
				return nil, err
			}
			out[k] = r
		}
		return out, nil
	case []any:
		out := make([]any, len(t))
		for i, x := range t {
			r, err := render(state, x, v)
			if err != nil {
				return nil, err
			}
			out[i] = r
		}
		return out, nil
	}
	return tmpl, nil
}

// applyResult places result into (a copy of) in at ResultPath.
func applyResult(state string, in, result any, p *string) (any, error) {
	if p == nil {
		return in, nil
	}
	parts, _ := splitPath(*p)
	if len(parts) == 0 {
		return result, nil
	}
	root, ok := in.(map[string]any)
	if !ok {
		return nil, &Error{Name: "States.ResultPathMatchFailure", Cause: fmt.Sprintf("state %q: ResultPath %s: the input is not an object", state, *p)}
	}
	out := cloneMap(root)
	cur := out
	for i, k := range parts {
		if i == len(parts)-1 {
			cur[k] = result
			break
		}
		child, ok := cur[k].(map[string]any)
		if !ok {
			if _, exists := cur[k]; exists {
				return nil, &Error{Name: "States.ResultPathMatchFailure", Cause: fmt.Sprintf("state %q: ResultPath %s: %q is not an object", state, *p, k)}
			}
			child = map[string]any{}
		} else {
			child = cloneMap(child)
		}
		cur[k] = child
		cur = child
	}
	return out, nil
}

func cloneMap(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func evalChoice(state string, c choice, v any) (bool, error) {
	switch c.op {
	case "And", "Or":
		for _, s := range c.subs {
			ok, err := evalChoice(state, s, v)
			if err != nil {
				return false, err
			}
			if c.op == "Or" && ok {
				return true, nil
			}
			if c.op == "And" && !ok {
				return false, nil
			}
		}
		return c.op == "And", nil
	case "Not":
		ok, err := evalChoice(state, c.subs[0], v)
		return !ok, err
	}
	parts, _ := splitPath(c.Variable)
	val, found := lookup(v, parts)
	switch c.op {
	case "IsPresent":
		want, _ := c.value.(bool)
		return found == want, nil
	case "IsNull":
		want, _ := c.value.(bool)
		return found && (val == nil) == want, nil
	}
	if !found {
		return false, runtimeErr(state, "choice Variable %s not found in the input", c.Variable)
	}
	switch c.op {
	case "StringEquals":
		s, ok := val.(string)
		return ok && s == c.value, nil
	case "BooleanEquals":
		b, ok := val.(bool)
		return ok && b == c.value, nil
	case "NumericEquals":
		a, ok1 := val.(json.Number)
		b, ok2 := c.value.(json.Number)
		if !ok1 || !ok2 {
			return false, nil
		}
		x, e1 := a.Float64()
		y, e2 := b.Float64()
		return e1 == nil && e2 == nil && x == y, nil
	}
	return false, runtimeErr(state, "choice operator %s", c.op)
}
