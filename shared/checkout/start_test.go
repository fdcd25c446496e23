package checkout_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"bffsuite.dev/shared/checkout"
	"bffsuite.dev/shared/domain"
	"bffsuite.dev/shared/statemachine"
)

// fakeSFN behaves like StartExecution: a second execution of a name is ExecutionAlreadyExists.
type fakeSFN struct {
	mu    sync.Mutex
	names map[string]*sfn.StartExecutionInput
	err   error
}

func (f *fakeSFN) StartExecution(_ context.Context, in *sfn.StartExecutionInput, _ ...func(*sfn.Options)) (*sfn.StartExecutionOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return nil, f.err
	}
	if _, ok := f.names[aws.ToString(in.Name)]; ok {
		return nil, &types.ExecutionAlreadyExists{Message: aws.String("Execution Already Exists")}
	}
	f.names[aws.ToString(in.Name)] = in
	return &sfn.StartExecutionOutput{ExecutionArn: aws.String("arn:exec")}, nil
}

func TestStepFunctionsStarter(t *testing.T) {
	f := &fakeSFN{names: map[string]*sfn.StartExecutionInput{}}
	s := checkout.StepFunctions{Client: f, StateMachineARN: "arn:aws:states:us-east-1:123456789012:stateMachine:checkout"}
	in := checkout.Input{OrderID: "ord_1", PaymentMethod: "card", CorrelationID: "c-1", TraceHeader: "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1"}
	for i := range 2 {
		if err := s.Start(context.Background(), in); err != nil {
			t.Errorf("Start #%d = %v, want nil (ExecutionAlreadyExists is fine)", i+1, err)
		}
	}
	got := f.names["checkout-ord_1"]
	if len(f.names) != 1 || got == nil {
		t.Fatalf("executions = %v, want one named checkout-ord_1", f.names)
	}
	var sent checkout.Input
	if err := json.Unmarshal([]byte(aws.ToString(got.Input)), &sent); err != nil || sent != in {
		t.Errorf("execution input = %s, want %+v", aws.ToString(got.Input), in)
	}
	if aws.ToString(got.TraceHeader) != in.TraceHeader || aws.ToString(got.StateMachineArn) != s.StateMachineARN {
		t.Errorf("StartExecution = %+v, want the trace header and the state machine", got)
	}
	f.err = errors.New("throttled")
	if err := s.Start(context.Background(), checkout.Input{OrderID: "ord_2"}); !errors.Is(err, domain.ErrUnavailable) {
		t.Errorf("Start(failing) = %v, want ErrUnavailable", err)
	}
}

func TestInProcessStartsAnOrderOnce(t *testing.T) {
	var calls atomic.Int32
	ip, err := checkout.NewInProcess(&checkout.Tasks{}, checkout.InProcessOptions{WaitScale: 0.001})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan *statemachine.Execution, 2)
	ip.Done = func(_ checkout.Input, ex *statemachine.Execution, _ error) {
		calls.Add(1)
		done <- ex
	}
	in := checkout.Input{OrderID: "ord_missing", PaymentMethod: "card"}
	for range 3 {
		if err := ip.Start(context.Background(), in); err != nil {
			t.Fatalf("Start = %v", err)
		}
	}
	ip.Wait()
	if n := calls.Load(); n != 1 {
		t.Errorf("executions = %d, want 1", n)
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		cfg  checkout.Config
		want string
	}{
		{checkout.Config{Mode: "inprocess", WaitScale: 1}, ""},
		{checkout.Config{Mode: "stepfunctions", StateMachineARN: "arn:aws:states:eu-west-1:123456789012:stateMachine:bff-checkout", WaitScale: 1}, ""},
		{checkout.Config{Mode: "stepfunctions"}, "BFF_CHECKOUT_STATE_MACHINE_ARN"},
		{checkout.Config{Mode: "lambda"}, "BFF_CHECKOUT"},
		{checkout.Config{Mode: "inprocess", WaitScale: -1}, "BFF_CHECKOUT_WAIT_SCALE"},
	}
	for _, tc := range tests {
		err := tc.cfg.Validate()
		if (tc.want == "") != (err == nil) || (err != nil && !contains(err.Error(), tc.want)) {
			t.Errorf("Validate(%+v) = %v, want %q", tc.cfg, err, tc.want)
		}
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
