package asltest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda/messages"

	"bffsuite.dev/shared/checkout"
	"bffsuite.dev/shared/checkout/checkouttest"
	"bffsuite.dev/shared/payments"
	"bffsuite.dev/shared/store/embedded"
	"bffsuite.dev/shared/store/seed"
)

// checkoutRunner runs the checkout definition on aws-local-stepfunctions as a
// checkouttest.Runner: each execution is named checkout.ExecutionName(order id), like the
// Step Functions starter, and its Task states are bound to the scenario's task function with
// a *checkout.TaskError reported as the function error the checkout-tasks Lambda reports.
type checkoutRunner struct{ m *Machine }

func newCheckoutRunner(t *testing.T) checkoutRunner {
	t.Helper()
	wait := time.Millisecond // the definition's 1 s, 2 s, ... backoffs (the in-process runner scales them 1000× down)
	m, err := New(t, Options{RetryInterval: &wait}).Machine("checkout", checkout.Definition)
	if err != nil {
		t.Fatal(err)
	}
	return checkoutRunner{m}
}

// lambdaTask adapts a checkout task function as workers/cmd/checkout-tasks does.
func lambdaTask(task checkouttest.TaskFunc) TaskFunc {
	return func(ctx context.Context, call TaskCall) (json.RawMessage, error) {
		out, err := task(ctx, call.Input)
		var te *checkout.TaskError
		if errors.As(err, &te) {
			return nil, messages.InvokeResponse_Error{Type: te.Name, Message: te.Cause}
		}
		return out, err
	}
}

func (r checkoutRunner) Execute(ctx context.Context, in checkout.Input, task checkouttest.TaskFunc) (checkouttest.Result, error) {
	input, err := json.Marshal(in)
	if err != nil {
		return checkouttest.Result{}, err
	}
	name := checkout.ExecutionName(in.OrderID)
	res, err := r.m.RunWith(ctx, name, input, lambdaTask(task))
	for n := 2; errors.Is(err, ErrExecutionAlreadyExists); n++ {
		// A scenario that runs an order's checkout again (SecondRunChangesNothing) tests the
		// tasks' idempotency, which Step Functions would reach through a new name (a redrive
		// or an operator's restart): the name rule itself is TestStartExecutionName's.
		res, err = r.m.RunWith(ctx, fmt.Sprintf("%s-%d", name, n), input, lambdaTask(task))
	}
	if err != nil {
		return checkouttest.Result{}, err
	}
	return checkouttest.Result{Status: res.Status, Error: res.Error, Cause: res.Cause}, nil
}

// TestCheckoutScenarios runs the checkout scenario suite (the same one the in-process runner
// passes in package checkout) on aws-local-stepfunctions, over the embedded store.
func TestCheckoutScenarios(t *testing.T) {
	checkouttest.Run(t, func(t *testing.T) (seed.Backends, payments.Ledger) {
		s := embedded.New(nil)
		return seed.Backends{Catalog: s.Catalog(), Customers: s.Customers(), Orders: s.Orders()}, embedded.NewLedger()
	}, newCheckoutRunner(t))
}

// TestRunnersAgree runs the checkout definition on both runners with the same scripted task
// outcomes and compares what each did: status, error, the states entered and the sequence of
// task calls (so retries and compensations agree too).
func TestRunnersAgree(t *testing.T) {
	scripts := []struct {
		name   string
		method string
		script map[string][]string // task → outcome per call: "" succeeds, else the error name
	}{
		{"approved", "card", nil},
		{"on account", "on_account", nil},
		{"declined", "card", map[string][]string{"AuthorizePayment": {checkout.ErrNamePaymentDeclined}}},
		{"out of stock", "card", map[string][]string{"ReserveStock": {checkout.ErrNameOutOfStock}}},
		{"transient twice", "card", map[string][]string{"AuthorizePayment": {checkout.ErrNameTransient, checkout.ErrNameTransient}}},
		{"transient beyond retries", "card", map[string][]string{"ReserveStock": {checkout.ErrNameTransient, checkout.ErrNameTransient, checkout.ErrNameTransient, checkout.ErrNameTransient}}},
		{"States.Timeout is retried", "card", map[string][]string{"ConfirmOrder": {"States.Timeout"}}},
		{"capture fails", "card", map[string][]string{"ConfirmOrder": {checkout.ErrNameInvalid}}},
		{"unknown error caught by States.ALL", "on_account", map[string][]string{"ConfirmOrder": {"Something.Else"}}},
		{"compensation transient then ok", "card", map[string][]string{"AuthorizePayment": {checkout.ErrNamePaymentDeclined}, "VoidPayment": {checkout.ErrNameTransient}}},
		{"compensation fails", "card", map[string][]string{"AuthorizePayment": {checkout.ErrNamePaymentDeclined}, "ReleaseStock": {checkout.ErrNameFailed}}},
	}
	type outcome struct {
		Status, Error string
		Visited       []string
		Calls         []string // task names in call order, with the caught error CancelOrder got
	}
	// scripted returns a task function playing script and recording its calls.
	scripted := func(script map[string][]string, calls *[]string) checkouttest.TaskFunc {
		var mu sync.Mutex
		left := map[string][]string{}
		for k, v := range script {
			left[k] = append([]string(nil), v...)
		}
		return func(ctx context.Context, input json.RawMessage) (json.RawMessage, error) {
			var in checkout.TaskInput
			if err := json.Unmarshal(input, &in); err != nil {
				return nil, err
			}
			mu.Lock()
			defer mu.Unlock()
			call := in.Task
			if in.Error != nil {
				call += "(" + in.Error.Error + ")"
			}
			*calls = append(*calls, call)
			if s := left[in.Task]; len(s) > 0 {
				left[in.Task] = s[1:]
				if s[0] != "" {
					return nil, &checkout.TaskError{Name: s[0], Cause: "scripted"}
				}
			}
			return json.Marshal(checkout.TaskResult{Task: in.Task, OrderID: in.OrderID, Outcome: "done"})
		}
	}
	asl := newCheckoutRunner(t)
	inproc, err := checkout.NewInProcess(nil, checkout.InProcessOptions{WaitScale: 0.001})
	if err != nil {
		t.Fatal(err)
	}
	for i, sc := range scripts {
		t.Run(sc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			in := checkout.Input{OrderID: fmt.Sprintf("agree-%d", i), PaymentMethod: sc.method, CorrelationID: "c", TraceHeader: "Root=1-x"}

			var want outcome
			ex, err := inproc.RunWith(ctx, in, scripted(sc.script, &want.Calls))
			if err != nil {
				t.Fatalf("in-process: %v", err)
			}
			want.Status, want.Error = ex.Status, ex.Error
			for _, ev := range ex.History {
				if n := len(want.Visited); n == 0 || want.Visited[n-1] != ev.State {
					want.Visited = append(want.Visited, ev.State)
				}
			}

			var got outcome
			input, _ := json.Marshal(in)
			res, err := asl.m.RunWith(ctx, checkout.ExecutionName(in.OrderID), input, lambdaTask(scripted(sc.script, &got.Calls)))
			if err != nil {
				t.Fatalf("aws-local-stepfunctions: %v", err)
			}
			got.Status, got.Error, got.Visited = res.Status, res.Error, res.Visited()

			if !reflect.DeepEqual(got, want) {
				t.Errorf("runners disagree\naws-local-stepfunctions: %+v\nin-process:              %+v", got, want)
			}
		})
	}
}
