package checkout

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"go.opentelemetry.io/otel/propagation"

	"bffsuite.dev/shared/domain"
	"bffsuite.dev/shared/logging"
	"bffsuite.dev/shared/orders"
	"bffsuite.dev/shared/payments"
	"bffsuite.dev/shared/statemachine"
	"bffsuite.dev/shared/tracing"
)

// Starter starts the checkout of an order. Starting the same order twice runs it once: the
// second Start is a success that does nothing (the execution name is derived from the order id).
type Starter interface {
	Start(ctx context.Context, in Input) error
}

// ExecutionName is the Step Functions execution name of an order's checkout. Names are unique
// per state machine (for 90 days after an execution ends), so a retried StartExecution of the
// same order cannot run checkout twice. Order ids are 1-64 of [A-Za-z0-9_-]; the name stays
// within the 80 characters Step Functions allows.
func ExecutionName(orderID string) string { return "checkout-" + orderID }

// ---- in process ----

// InProcess runs the definition with the in-process runner (shared/statemachine), each
// execution in its own goroutine. Executions already started in this process are not started
// again (as Step Functions refuses a second execution of the same name); the record is in
// memory, which is fine for make run and tests.
type InProcess struct {
	m     *statemachine.Machine
	tasks *Tasks
	opts  statemachine.Options
	log   *slog.Logger

	mu      sync.Mutex
	started map[string]bool
	wg      sync.WaitGroup
	// Done, when set, receives every finished execution (tests, the bench).
	Done func(in Input, ex *statemachine.Execution, err error)
}

// InProcessOptions configure NewInProcess.
type InProcessOptions struct {
	// WaitScale multiplies every retry interval of the definition (1: as written; tests use
	// a small one to keep backoff short). 0 means 1.
	WaitScale float64
	Log       *slog.Logger
}

// NewInProcess parses Definition for the in-process runner.
func NewInProcess(tasks *Tasks, o InProcessOptions) (*InProcess, error) {
	m, err := statemachine.Parse(Definition)
	if err != nil {
		return nil, fmt.Errorf("checkout definition: %w", err)
	}
	scale := o.WaitScale
	if scale <= 0 {
		scale = 1
	}
	log := o.Log
	if log == nil {
		log = slog.Default()
	}
	sleep := func(ctx context.Context, d time.Duration) error {
		t := time.NewTimer(time.Duration(float64(d) * scale))
		defer t.Stop()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
			return nil
		}
	}
	return &InProcess{m: m, tasks: tasks, opts: statemachine.Options{Sleep: sleep}, log: log, started: map[string]bool{}}, nil
}

// Handler binds every Task state to h (whatever its Resource).
func Handler(h func(ctx context.Context, input json.RawMessage) (json.RawMessage, error)) statemachine.Handler {
	return func(ctx context.Context, _ string, input json.RawMessage) (json.RawMessage, error) {
		return h(ctx, input)
	}
}

// Run executes the checkout of in synchronously (tests, the bench); it does not record the
// order as started.
func (p *InProcess) Run(ctx context.Context, in Input) (*statemachine.Execution, error) {
	return p.RunWith(ctx, in, p.tasks.Handle)
}

// RunWith is Run with every Task state bound to h instead of Tasks.Handle (tests wrap it).
func (p *InProcess) RunWith(ctx context.Context, in Input, h func(ctx context.Context, input json.RawMessage) (json.RawMessage, error)) (*statemachine.Execution, error) {
	b, err := json.Marshal(in)
	if err != nil {
		return nil, err
	}
	return p.m.Run(ctx, b, Handler(h), p.opts)
}

// Start implements Starter: the execution runs in the background, detached from ctx's
// cancellation (the request that started it ends first).
func (p *InProcess) Start(ctx context.Context, in Input) error {
	p.mu.Lock()
	if p.started[in.OrderID] {
		p.mu.Unlock()
		return nil
	}
	p.started[in.OrderID] = true
	p.wg.Add(1)
	p.mu.Unlock()
	bg := context.WithoutCancel(ctx)
	go func() {
		defer p.wg.Done()
		ex, err := p.Run(bg, in)
		switch {
		case err != nil:
			p.log.ErrorContext(bg, "checkout execution aborted", "order_id", in.OrderID, "error", err.Error())
		case ex.Status != "SUCCEEDED":
			p.log.InfoContext(bg, "checkout execution failed", "order_id", in.OrderID, "error", ex.Error, "cause", ex.Cause)
		default:
			p.log.InfoContext(bg, "checkout execution succeeded", "order_id", in.OrderID)
		}
		if p.Done != nil {
			p.Done(in, ex, err)
		}
	}()
	return nil
}

// Wait blocks until every started execution has finished.
func (p *InProcess) Wait() { p.wg.Wait() }

// ---- Step Functions ----

// SFNAPI is the part of the Step Functions client the starter uses.
type SFNAPI interface {
	StartExecution(ctx context.Context, in *sfn.StartExecutionInput, opts ...func(*sfn.Options)) (*sfn.StartExecutionOutput, error)
}

// StepFunctions starts executions of the deployed state machine.
type StepFunctions struct {
	Client          SFNAPI
	StateMachineARN string
}

// Start implements Starter with StartExecution, named ExecutionName(order id) and carrying
// the trace header. ExecutionAlreadyExists (a retried start) is success.
func (s StepFunctions) Start(ctx context.Context, in Input) error {
	b, err := json.Marshal(in)
	if err != nil {
		return err
	}
	req := &sfn.StartExecutionInput{
		StateMachineArn: aws.String(s.StateMachineARN),
		Name:            aws.String(ExecutionName(in.OrderID)),
		Input:           aws.String(string(b)),
	}
	if in.TraceHeader != "" && len(in.TraceHeader) <= 256 {
		req.TraceHeader = aws.String(in.TraceHeader)
	}
	_, err = s.Client.StartExecution(ctx, req)
	var exists *types.ExecutionAlreadyExists
	if err == nil || errors.As(err, &exists) {
		return nil
	}
	return fmt.Errorf("start checkout of order %s: %w: %w", in.OrderID, domain.ErrUnavailable, err)
}

// ---- configuration ----

// Modes of BFF_CHECKOUT.
const (
	ModeInProcess     = "inprocess"
	ModeStepFunctions = "stepfunctions"
)

// Config configures checkout (issue 19). Embedded in the platform configuration.
type Config struct {
	// Mode is inprocess (the saga runs in the BFF process; local runs) or stepfunctions
	// (StartExecution of StateMachineARN).
	Mode            string `env:"BFF_CHECKOUT" default:"inprocess"`
	StateMachineARN string `env:"BFF_CHECKOUT_STATE_MACHINE_ARN"`
	// WaitScale multiplies the definition's retry intervals in process (1: as written).
	WaitScale float64 `env:"BFF_CHECKOUT_WAIT_SCALE" default:"1"`
}

// Validate checks the configuration; every error names its variable.
func (c Config) Validate() error {
	var errs []error
	switch c.Mode {
	case ModeInProcess:
	case ModeStepFunctions:
		if !strings.HasPrefix(c.StateMachineARN, "arn:") || !strings.Contains(c.StateMachineARN, ":stateMachine:") {
			errs = append(errs, errors.New("BFF_CHECKOUT_STATE_MACHINE_ARN: a state machine ARN is required with BFF_CHECKOUT=stepfunctions"))
		}
	default:
		errs = append(errs, fmt.Errorf("BFF_CHECKOUT: %q is not inprocess or stepfunctions", c.Mode))
	}
	if c.WaitScale < 0 || c.WaitScale > 10 {
		errs = append(errs, errors.New("BFF_CHECKOUT_WAIT_SCALE: must be between 0 and 10"))
	}
	return errors.Join(errs...)
}

// ReasonCheckoutUnavailable cancels an order whose checkout could not be started.
const ReasonCheckoutUnavailable = "checkout_unavailable"

// InputFor is the execution input of order o, with the correlation ID and the X-Ray trace
// header of the request in ctx.
func InputFor(ctx context.Context, o orders.Order) Input {
	carrier := propagation.HeaderCarrier{}
	tracing.Propagator().Inject(ctx, carrier)
	return Input{OrderID: o.ID, PaymentMethod: string(o.PaymentMethod), CorrelationID: logging.CorrelationID(ctx), TraceHeader: carrier.Get("X-Amzn-Trace-Id")}
}

// Canceller cancels a checkout order (*orders.Client).
type Canceller interface {
	CancelCheckout(ctx context.Context, id, reason string) (orders.Order, bool, error)
}

// Begin starts the checkout of the placed order o. When the start fails, the order is
// cancelled (checkout_unavailable) so it does not stay pending for ever, and the error (wrapping
// domain.ErrUnavailable) is returned: the BFF answers 503.
func Begin(ctx context.Context, s Starter, c Canceller, o orders.Order) error {
	err := s.Start(ctx, InputFor(ctx, o))
	if err == nil {
		return nil
	}
	if _, _, cerr := c.CancelCheckout(context.WithoutCancel(ctx), o.ID, ReasonCheckoutUnavailable); cerr != nil {
		return errors.Join(err, cerr)
	}
	return err
}

// Refunder releases an order's payment (*payments.Client).
type Refunder interface {
	Void(ctx context.Context, orderID string) (payments.Payment, bool, error)
}

// AfterCancel releases the payment of a card order its customer cancelled (POST .../cancel):
// an authorization is voided, a captured payment refunded, once (payments.Client.Void is
// idempotent per order, so a retried cancel retries only what is left). A checkout still
// running for the order cannot capture afterwards: ConfirmOrder refuses a cancelled order.
// Failures wrap domain.ErrUnavailable; the order stays cancelled and the cancel can be retried.
func AfterCancel(ctx context.Context, r Refunder, o orders.Order) error {
	if r == nil || o.PaymentMethod != orders.PaymentCard || o.Status != orders.StatusCancelled {
		return nil
	}
	if _, _, err := r.Void(ctx, o.ID); err != nil {
		return fmt.Errorf("release the payment of cancelled order %s: %w: %w", o.ID, domain.ErrUnavailable, err)
	}
	return nil
}
