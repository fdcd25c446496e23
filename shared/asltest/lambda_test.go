package asltest

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"bffsuite.dev/shared/checkout"
	"bffsuite.dev/shared/testenv"
)

// TestCheckoutOnTheTasksBootstrap runs the checkout definition on aws-local-stepfunctions with
// every Task state invoking the real checkout-tasks bootstrap (workers/cmd/checkout-tasks, the
// release build with the embedded store) under the Lambda RIE: the error names Retry and Catch
// see are the errorType the Go Lambda runtime reports. An order that does not exist fails
// ReserveStock with Checkout.Invalid (not retried), caught into ReleaseStock, which fails the
// same way, caught into CompensationFailed.
func TestCheckoutOnTheTasksBootstrap(t *testing.T) {
	RequireTools(t)
	if testing.Short() {
		t.Skip("builds the checkout-tasks bootstrap")
	}
	bootstrap := testenv.BuildLocalBootstrap(t, "../../workers/cmd/checkout-tasks")
	fn := testenv.StartRIE(t, bootstrap, map[string]string{"BFF_DATA_BACKEND": "embedded", "BFF_LOG_LEVEL": "warn"})
	zero := time.Duration(0)
	m, err := New(t, Options{Tasks: InvokeURL(fn.URL), RetryInterval: &zero}).Machine("checkout", checkout.Definition)
	if err != nil {
		t.Fatal(err)
	}
	input, _ := json.Marshal(checkout.Input{OrderID: "ord_missing", PaymentMethod: "card", CorrelationID: "c1", TraceHeader: "Root=1-x"})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	res, err := m.Run(ctx, checkout.ExecutionName("ord_missing"), input)
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != StatusFailed || res.Error != "Checkout.CompensationFailed" {
		t.Errorf("status, error = %s, %s; want FAILED, Checkout.CompensationFailed (cause %q)", res.Status, res.Error, res.Cause)
	}
	if got, want := res.Visited(), []string{"ReserveStock", "ReleaseStock", "CompensationFailed"}; !reflect.DeepEqual(got, want) {
		t.Errorf("visited %v, want %v", got, want)
	}
	var failed []string
	for _, ev := range res.History {
		if ev.Type == "StateFailed" && ev.StateType == "Task" {
			failed = append(failed, ev.State+":"+ev.Error)
		}
	}
	if want := []string{"ReserveStock:" + checkout.ErrNameInvalid, "ReleaseStock:" + checkout.ErrNameInvalid}; !reflect.DeepEqual(failed, want) {
		t.Errorf("task failures %v, want %v (the runtime's errorType; no retry of Checkout.Invalid)", failed, want)
	}
}
