// Package checkout runs checkout as an orchestrated saga: one Amazon States Language
// definition (definition.asl.json, embedded as Definition) executed by AWS Step Functions in
// AWS and by the in-process runner (shared/statemachine) locally and in tests, with the same
// Go task handlers (Tasks) behind every Task state.
//
// # Binding of Task states to Go
//
// Every Task state of the definition has the same Resource, "${checkout_tasks_function_arn}"
// (a templatefile placeholder Terraform replaces with the checkout-tasks Lambda's ARN), and
// Parameters of this shape:
//
//	{"task": "<TaskName>", "order_id.$": "$.order_id", "correlation_id.$": "$.correlation_id",
//	 "trace_header.$": "$.trace_header"}            (+ "error.$": "$.error" for CancelOrder)
//
// That effective input goes, unchanged, to Tasks.Handle(ctx, input), which dispatches on the
// "task" field (ReserveStock, AuthorizePayment, ConfirmOrder, VoidPayment, ReleaseStock,
// CancelOrder; the names equal the state names). Handle returns a small JSON result (the
// definition discards it: ResultPath null) or a *TaskError whose Name is the ASL error name
// the Retry and Catch rules match (Checkout.Transient, Checkout.OutOfStock,
// Checkout.PaymentDeclined, Checkout.Invalid, Checkout.Failed) and whose Cause is a message.
// The Lambda bootstrap (workers/cmd/checkout-tasks) reports a *TaskError as the function error
// {"errorType": Name, "errorMessage": Cause}, which Step Functions turns into Error and Cause;
// the in-process runner and any other interpreter (aws-local-stepfunctions) do the same with
// TaskError.Name and TaskError.Cause.
//
// The execution input is Input: {"order_id", "payment_method" ("card" | "on_account"),
// "correlation_id", "trace_header"}; every field is present (possibly empty), since a
// Parameters path to a missing field is a runtime error in ASL.
//
// Every task is idempotent per (order, step): running it again after it succeeded (a retry
// after a crash or a timeout that happened after the side effect) changes nothing and succeeds.
package checkout

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"

	"bffsuite.dev/shared/domain"
	"bffsuite.dev/shared/logging"
	"bffsuite.dev/shared/orders"
	"bffsuite.dev/shared/payments"
)

// Definition is the checkout state machine, in Amazon States Language.
//
//go:embed definition.asl.json
var Definition []byte

// ResourcePlaceholder is the Resource of every Task state (replaced by Terraform).
const ResourcePlaceholder = "${checkout_tasks_function_arn}"

// Task names: the "task" field of a task input, and the names of the Task states.
const (
	TaskReserveStock     = "ReserveStock"
	TaskAuthorizePayment = "AuthorizePayment"
	TaskConfirmOrder     = "ConfirmOrder"
	TaskVoidPayment      = "VoidPayment"
	TaskReleaseStock     = "ReleaseStock"
	TaskCancelOrder      = "CancelOrder"
)

// ASL error names a task fails with (TaskError.Name).
const (
	// ErrNameTransient: a dependency failed or timed out; the definition retries with backoff.
	ErrNameTransient = "Checkout.Transient"
	// ErrNameOutOfStock: a line asks for more units than are in stock.
	ErrNameOutOfStock = "Checkout.OutOfStock"
	// ErrNamePaymentDeclined: the card was declined; Cause is the decline code.
	ErrNamePaymentDeclined = "Checkout.PaymentDeclined"
	// ErrNameInvalid: the task input or the order's state makes the step impossible.
	ErrNameInvalid = "Checkout.Invalid"
	// ErrNameFailed: anything else.
	ErrNameFailed = "Checkout.Failed"
)

// Cancellation reasons (orders.Order.CancellationReason) set by the CancelOrder task.
const (
	ReasonPaymentDeclined = "payment_declined"
	ReasonOutOfStock      = "out_of_stock"
	ReasonCheckoutFailed  = "checkout_failed"
)

// Input is the execution input.
type Input struct {
	OrderID       string `json:"order_id"`
	PaymentMethod string `json:"payment_method"`
	CorrelationID string `json:"correlation_id"`
	TraceHeader   string `json:"trace_header"`
}

// CaughtError is what a Catch with ResultPath stores: the error name and cause.
type CaughtError struct {
	Error string `json:"Error"`
	Cause string `json:"Cause"`
}

// TaskInput is the effective input of every Task state.
type TaskInput struct {
	Task          string       `json:"task"`
	OrderID       string       `json:"order_id"`
	CorrelationID string       `json:"correlation_id"`
	TraceHeader   string       `json:"trace_header"`
	Error         *CaughtError `json:"error,omitempty"` // CancelOrder: the forward step's error
}

// TaskResult is the result of every task.
type TaskResult struct {
	Task    string `json:"task"`
	OrderID string `json:"order_id"`
	Status  string `json:"status"` // the order's status after the task
	// Outcome says what the task did: "done", or "already_done" when an earlier run of the same
	// (order, step) had done it, or "skipped" when there was nothing to do.
	Outcome string `json:"outcome"`
}

// TaskError is a task failure with its ASL error name.
type TaskError struct {
	Name  string
	Cause string
	Err   error // the underlying error, if any (not serialised)
}

func (e *TaskError) Error() string { return e.Name + ": " + e.Cause }
func (e *TaskError) Unwrap() error { return e.Err }

// ASLError returns the ASL error name and cause (statemachine.Named).
func (e *TaskError) ASLError() (string, string) { return e.Name, e.Cause }

// Orders is what the tasks need from the orders domain client (*orders.Client).
type Orders interface {
	GetOrder(ctx context.Context, id string) (orders.Order, error)
	ReserveStock(ctx context.Context, id string) (orders.Order, bool, error)
	ReleaseStock(ctx context.Context, id string) (orders.Order, bool, error)
	ConfirmOrder(ctx context.Context, id string) (orders.Order, bool, error)
	CancelCheckout(ctx context.Context, id, reason string) (orders.Order, bool, error)
}

// Payments is what the tasks need from the payments domain client (*payments.Client).
type Payments interface {
	Authorize(ctx context.Context, orderID, token string, amount payments.Amount) (payments.Payment, bool, error)
	Capture(ctx context.Context, orderID string) (payments.Payment, bool, error)
	Void(ctx context.Context, orderID string) (payments.Payment, bool, error)
}

// Tasks are the checkout task handlers.
type Tasks struct {
	Orders   Orders
	Payments Payments
	Log      *slog.Logger // nil: slog.Default()
}

// Handle runs the task named by input's "task" field; see the package documentation for the
// binding. Errors are always *TaskError.
func (t *Tasks) Handle(ctx context.Context, input json.RawMessage) (json.RawMessage, error) {
	var in TaskInput
	if err := json.Unmarshal(input, &in); err != nil {
		return nil, &TaskError{Name: ErrNameInvalid, Cause: "task input: " + err.Error(), Err: err}
	}
	if in.OrderID == "" {
		return nil, &TaskError{Name: ErrNameInvalid, Cause: "task input: order_id is required"}
	}
	if in.CorrelationID != "" {
		ctx = logging.WithCorrelationID(ctx, in.CorrelationID)
	}
	log := t.Log
	if log == nil {
		log = slog.Default()
	}
	log = log.With("task", in.Task, "order_id", in.OrderID, "trace_header", in.TraceHeader)
	var (
		o    orders.Order
		done bool
		err  error
	)
	switch in.Task {
	case TaskReserveStock:
		o, done, err = t.Orders.ReserveStock(ctx, in.OrderID)
	case TaskAuthorizePayment:
		o, done, err = t.authorize(ctx, in.OrderID)
	case TaskConfirmOrder:
		o, done, err = t.confirm(ctx, in.OrderID)
	case TaskVoidPayment:
		o, done, err = t.void(ctx, in.OrderID)
	case TaskReleaseStock:
		o, done, err = t.Orders.ReleaseStock(ctx, in.OrderID)
	case TaskCancelOrder:
		o, done, err = t.Orders.CancelCheckout(ctx, in.OrderID, Reason(in.Error))
	default:
		return nil, &TaskError{Name: ErrNameInvalid, Cause: fmt.Sprintf("task input: unknown task %q", in.Task)}
	}
	if err != nil {
		te := classify(err)
		log.WarnContext(ctx, "checkout task failed", "error", te.Name, "cause", te.Cause)
		return nil, te
	}
	res := TaskResult{Task: in.Task, OrderID: o.ID, Status: string(o.Status), Outcome: "done"}
	if !done {
		res.Outcome = "already_done"
	}
	log.InfoContext(ctx, "checkout task", "outcome", res.Outcome, "status", res.Status)
	out, err := json.Marshal(res)
	if err != nil {
		return nil, &TaskError{Name: ErrNameFailed, Cause: err.Error(), Err: err}
	}
	return out, nil
}

func (t *Tasks) authorize(ctx context.Context, id string) (orders.Order, bool, error) {
	o, err := t.Orders.GetOrder(ctx, id)
	if err != nil {
		return o, false, err
	}
	if o.PaymentMethod != orders.PaymentCard {
		return o, false, fmt.Errorf("order %s pays %q, not by card: %w", id, o.PaymentMethod, errInvalid)
	}
	if o.Status == orders.StatusCancelled { // a confirmed order: Authorize returns its payment
		return o, false, fmt.Errorf("authorize order %s in status %s: %w", id, o.Status, domain.ErrInvalidTransition)
	}
	_, done, err := t.Payments.Authorize(ctx, id, o.PaymentToken, payments.Amount{Value: o.Total.Amount, Currency: o.Total.Currency})
	return o, done, err
}

// confirm captures the authorization (card orders) and then confirms the order; both halves
// are idempotent, so a retry after either one finishes the other.
func (t *Tasks) confirm(ctx context.Context, id string) (orders.Order, bool, error) {
	o, err := t.Orders.GetOrder(ctx, id)
	if err != nil {
		return o, false, err
	}
	captured := false
	if o.PaymentMethod == orders.PaymentCard {
		if o.Status == orders.StatusCancelled {
			return o, false, fmt.Errorf("capture for cancelled order %s: %w", id, domain.ErrInvalidTransition)
		}
		if _, captured, err = t.Payments.Capture(ctx, id); err != nil {
			return o, false, err
		}
	}
	o, confirmed, err := t.Orders.ConfirmOrder(ctx, id)
	return o, captured || confirmed, err
}

func (t *Tasks) void(ctx context.Context, id string) (orders.Order, bool, error) {
	o, err := t.Orders.GetOrder(ctx, id)
	if err != nil {
		return o, false, err
	}
	if o.PaymentMethod != orders.PaymentCard {
		return o, false, nil
	}
	_, done, err := t.Payments.Void(ctx, id)
	return o, done, err
}

var errInvalid = errors.New("invalid checkout step")

// Reason maps the error a forward step failed with to the order's cancellation reason.
func Reason(e *CaughtError) string {
	if e == nil {
		return ReasonCheckoutFailed
	}
	switch e.Error {
	case ErrNamePaymentDeclined:
		return ReasonPaymentDeclined
	case ErrNameOutOfStock:
		return ReasonOutOfStock
	}
	return ReasonCheckoutFailed
}

// classify maps a domain error to its TaskError.
func classify(err error) *TaskError {
	var te *TaskError
	if errors.As(err, &te) {
		return te
	}
	var d *payments.DeclinedError
	switch {
	case errors.As(err, &d):
		return &TaskError{Name: ErrNamePaymentDeclined, Cause: d.Code, Err: err}
	case errors.Is(err, domain.ErrInsufficientStock):
		return &TaskError{Name: ErrNameOutOfStock, Cause: err.Error(), Err: err}
	case errors.Is(err, payments.ErrTransient), errors.Is(err, domain.ErrUnavailable),
		errors.Is(err, domain.ErrConflict), errors.Is(err, context.DeadlineExceeded):
		return &TaskError{Name: ErrNameTransient, Cause: err.Error(), Err: err}
	case errors.Is(err, errInvalid), errors.Is(err, domain.ErrInvalidTransition),
		errors.Is(err, domain.ErrNotFound):
		return &TaskError{Name: ErrNameInvalid, Cause: err.Error(), Err: err}
	}
	return &TaskError{Name: ErrNameFailed, Cause: err.Error(), Err: err}
}
