package asltest

import (
	"bytes"
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
)

// TestCheckoutDefinitionValid: the definition Terraform deploys and the runners execute is
// valid for asl-validator, and a broken copy of it is refused with a message naming the problem.
func TestCheckoutDefinitionValid(t *testing.T) {
	RequireTools(t)
	if err := Validate(context.Background(), "shared/checkout/definition.asl.json", checkout.Definition); err != nil {
		t.Fatalf("Validate(checkout definition) = %v, want nil", err)
	}
	broken := bytes.Replace(checkout.Definition, []byte(`"Next": "ChoosePaymentMethod"`), []byte(`"Next": "ChoosePaymentMethd"`), 1)
	if bytes.Equal(broken, checkout.Definition) {
		t.Fatal("the checkout definition no longer has ReserveStock → ChoosePaymentMethod; update this test")
	}
	err := Validate(context.Background(), "broken checkout", broken)
	var inv *InvalidError
	if !errors.As(err, &inv) || !bytes.Contains([]byte(err.Error()), []byte("MISSING_TRANSITION_TARGET")) ||
		!bytes.Contains([]byte(err.Error()), []byte("ChoosePaymentMethd")) {
		t.Errorf("Validate(broken checkout) = %v, want an *InvalidError naming MISSING_TRANSITION_TARGET ChoosePaymentMethd", err)
	}
}

// TestCheckoutPaths runs the checkout definition on aws-local-stepfunctions with scripted task
// outcomes (not the domain: that is the scenario suite), to pin its paths: the Choice on the
// payment method, Retry on Checkout.Transient, and the compensations in reverse after a Catch.
func TestCheckoutPaths(t *testing.T) {
	tests := []struct {
		name        string
		method      string
		script      map[string][]string
		wantStatus  string
		wantError   string
		wantVisited []string
		wantCancel  string // the Error CancelOrder received
	}{
		{"card approved", "card", nil, StatusSucceeded, "",
			[]string{"ReserveStock", "ChoosePaymentMethod", "AuthorizePayment", "ConfirmOrder", "CheckoutSucceeded"}, ""},
		{"on account skips payment", "on_account", nil, StatusSucceeded, "",
			[]string{"ReserveStock", "ChoosePaymentMethod", "ConfirmOrder", "CheckoutSucceeded"}, ""},
		{"declined", "card", map[string][]string{"AuthorizePayment": {checkout.ErrNamePaymentDeclined}}, StatusFailed, "Checkout.Cancelled",
			[]string{"ReserveStock", "ChoosePaymentMethod", "AuthorizePayment", "VoidPayment", "ReleaseStock", "CancelOrder", "CheckoutFailed"}, checkout.ErrNamePaymentDeclined},
		{"out of stock", "card", map[string][]string{"ReserveStock": {checkout.ErrNameOutOfStock}}, StatusFailed, "Checkout.Cancelled",
			[]string{"ReserveStock", "ReleaseStock", "CancelOrder", "CheckoutFailed"}, checkout.ErrNameOutOfStock},
		{"transient twice then approved", "card", map[string][]string{"AuthorizePayment": {checkout.ErrNameTransient, checkout.ErrNameTransient}}, StatusSucceeded, "",
			[]string{"ReserveStock", "ChoosePaymentMethod", "AuthorizePayment", "ConfirmOrder", "CheckoutSucceeded"}, ""},
		{"capture fails: void, release, cancel", "card", map[string][]string{"ConfirmOrder": {checkout.ErrNameInvalid}}, StatusFailed, "Checkout.Cancelled",
			[]string{"ReserveStock", "ChoosePaymentMethod", "AuthorizePayment", "ConfirmOrder", "VoidPayment", "ReleaseStock", "CancelOrder", "CheckoutFailed"}, checkout.ErrNameInvalid},
		{"compensation fails", "card", map[string][]string{"AuthorizePayment": {checkout.ErrNamePaymentDeclined}, "ReleaseStock": {checkout.ErrNameInvalid}}, StatusFailed, "Checkout.CompensationFailed",
			[]string{"ReserveStock", "ChoosePaymentMethod", "AuthorizePayment", "VoidPayment", "ReleaseStock", "CompensationFailed"}, ""},
	}
	var mu sync.Mutex
	scripts := map[string]map[string][]string{} // order → task → remaining outcomes
	cancelled := map[string]string{}            // order → Error CancelOrder received
	tasks := func(ctx context.Context, call TaskCall) (json.RawMessage, error) {
		var in checkout.TaskInput
		if err := json.Unmarshal(call.Input, &in); err != nil {
			return nil, err
		}
		if in.Task != call.State {
			return nil, messages.InvokeResponse_Error{Type: "Test.WrongTask", Message: fmt.Sprintf("state %s sent task %s", call.State, in.Task)}
		}
		mu.Lock()
		defer mu.Unlock()
		if in.Task == checkout.TaskCancelOrder && in.Error != nil {
			cancelled[in.OrderID] = in.Error.Error
		}
		if s := scripts[in.OrderID][in.Task]; len(s) > 0 {
			scripts[in.OrderID][in.Task] = s[1:]
			if s[0] != "" {
				return nil, messages.InvokeResponse_Error{Type: s[0], Message: "scripted"}
			}
		}
		return json.Marshal(checkout.TaskResult{Task: in.Task, OrderID: in.OrderID, Outcome: "done"})
	}
	zero := time.Duration(0)
	m, err := New(t, Options{Tasks: tasks, RetryInterval: &zero}).Machine("checkout", checkout.Definition)
	if err != nil {
		t.Fatal(err)
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			order := fmt.Sprintf("ord-%d", i)
			mu.Lock()
			scripts[order] = map[string][]string{}
			for k, v := range tt.script {
				scripts[order][k] = append([]string(nil), v...)
			}
			mu.Unlock()
			input, _ := json.Marshal(checkout.Input{OrderID: order, PaymentMethod: tt.method, CorrelationID: "corr-" + order, TraceHeader: "Root=1-abc"})
			res, err := m.Run(context.Background(), "checkout-"+order, input)
			if err != nil {
				t.Fatal(err)
			}
			if res.Status != tt.wantStatus || res.Error != tt.wantError {
				t.Errorf("status, error = %s, %q; want %s, %q (cause %q)", res.Status, res.Error, tt.wantStatus, tt.wantError, res.Cause)
			}
			if got := res.Visited(); !reflect.DeepEqual(got, tt.wantVisited) {
				t.Errorf("visited %v\nwant    %v", got, tt.wantVisited)
			}
			mu.Lock()
			defer mu.Unlock()
			if got := cancelled[order]; got != tt.wantCancel {
				t.Errorf("CancelOrder got error %q, want %q", got, tt.wantCancel)
			}
		})
	}
}
