// Package checkouttest is the scenario suite of the checkout saga, reusable by every ASL
// interpreter: the in-process runner (shared/statemachine) runs it in package checkout's tests
// on both store backends, and an external interpreter (aws-local-stepfunctions) can run the
// same scenarios by implementing Runner.
//
// A Runner executes checkout.Definition for one input with every Task state bound to the
// given Go function (the suite passes checkout.Tasks.Handle, sometimes wrapped to inject a
// crash after the side effect); the suite then checks orders, stock, the payments ledger and
// the fake card processor's effect counts.
package checkouttest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"bffsuite.dev/shared/catalog"
	"bffsuite.dev/shared/checkout"
	"bffsuite.dev/shared/customers"
	"bffsuite.dev/shared/domain"
	"bffsuite.dev/shared/orders"
	"bffsuite.dev/shared/payments"
	"bffsuite.dev/shared/store/seed"
	"bffsuite.dev/shared/store/storetest"
)

// TaskFunc is the Go side of every Task state (checkout.Tasks.Handle or a wrapper).
type TaskFunc = func(ctx context.Context, input json.RawMessage) (json.RawMessage, error)

// Result is how an execution ended.
type Result struct {
	Status string // SUCCEEDED or FAILED
	Error  string // FAILED: the error name (Checkout.Cancelled, ...)
	Cause  string
}

// Runner executes the checkout definition for in, every Task state bound to task, and returns
// when the execution has ended. It must apply the definition's Retry intervals (scaled down
// if it likes) and report a task error by its ASL name (checkout.TaskError.Name).
type Runner interface {
	Execute(ctx context.Context, in checkout.Input, task TaskFunc) (Result, error)
}

// Open returns fresh, empty store backends and a payments ledger, isolated from every other
// call.
type Open func(t *testing.T) (seed.Backends, payments.Ledger)

// Env is one scenario's world.
type Env struct {
	*storetest.Env
	Payments *payments.Client
	Fake     *payments.Fake
	Tasks    *checkout.Tasks
	Runner   Runner
}

func newEnv(t *testing.T, open Open, r Runner) *Env {
	t.Helper()
	b, ledger := open(t)
	se := storetest.NewEnv(t, b)
	fake := payments.NewFake()
	fake.Slow = 50 * time.Millisecond
	pc := payments.New(fake, ledger)
	return &Env{Env: se, Payments: pc, Fake: fake, Runner: r,
		Tasks: &checkout.Tasks{Orders: se.Orders, Payments: pc}}
}

// Run runs every scenario with runner over backends from open.
func Run(t *testing.T, open Open, runner Runner) {
	tests := []struct {
		name string
		fn   func(t *testing.T, e *Env)
	}{
		{"ApproveConfirmsAndTakesStockOnce", testApprove},
		{"SlowApprovalConfirms", testSlow},
		{"DeclineCancelsRestoresStock", testDecline},
		{"InsufficientFundsCancels", testInsufficientFunds},
		{"CaptureFailureVoidsAndCancels", testCaptureFailure},
		{"TransientTwiceThenConfirmedOnce", testTransient},
		{"OutOfStockCancels", testOutOfStock},
		{"PartnerOnAccountSkipsPayment", testOnAccount},
		{"CrashAfterCaptureNoDoubleCapture", testCrashAfterCapture},
		{"CrashAfterReleaseNoDoubleRelease", testCrashAfterRelease},
		{"CrashAfterReserveStockDownOnce", testCrashAfterReserve},
		{"SecondRunChangesNothing", testSecondRun},
		{"FiftyCheckoutsForTenUnits", testLastUnits},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.fn(t, newEnv(t, open, runner))
		})
	}
}

func ctxT(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// product returns a seeded product with its stock set to stock.
func (e *Env) product(t *testing.T, stock int64) catalog.Product {
	t.Helper()
	p := e.Data.Products[0]
	if err := e.Backends.Catalog.SetStock(ctxT(t), p.ID, stock, time.Now().UTC()); err != nil {
		t.Fatalf("SetStock(%s, %d) = %v", p.ID, stock, err)
	}
	return p
}

func (e *Env) stock(t *testing.T, id string) int64 {
	t.Helper()
	p, err := e.Catalog.GetProduct(ctxT(t), id)
	if err != nil {
		t.Fatalf("GetProduct(%s) = %v", id, err)
	}
	return p.Stock
}

func address() customers.Address {
	return customers.Address{Name: "Test Buyer", Line1: "Teststraße 1", City: "Berlin", PostalCode: "10115", Country: "DE"}
}

// place places a card checkout order (or an on_account partner order when token is "").
func (e *Env) place(t *testing.T, p catalog.Product, qty int64, token string) orders.Order {
	t.Helper()
	in := orders.PlaceOrderInput{CustomerID: seed.CustomerBob, Channel: orders.ChannelWeb, ShippingAddress: address(),
		Lines: []orders.LineInput{{ProductID: p.ID, Quantity: qty}}, PaymentMethod: orders.PaymentCard, PaymentToken: token}
	if token == "" {
		in.CustomerID, in.Channel, in.PartnerID, in.PaymentMethod = "", orders.ChannelPartner, "partner-test", orders.PaymentOnAccount
	}
	o, err := e.Orders.PlaceOrder(ctxT(t), in)
	if err != nil {
		t.Fatalf("PlaceOrder(%s × %d, %q) = %v", p.ID, qty, token, err)
	}
	if o.Status != orders.StatusPending {
		t.Fatalf("PlaceOrder status = %s, want %s", o.Status, orders.StatusPending)
	}
	return o
}

func input(o orders.Order) checkout.Input {
	return checkout.Input{OrderID: o.ID, PaymentMethod: string(o.PaymentMethod), CorrelationID: "corr-" + o.ID, TraceHeader: "Root=1-00000000-000000000000000000000001;Sampled=1"}
}

// run executes the checkout of o with task (nil: Tasks.Handle).
func (e *Env) run(t *testing.T, o orders.Order, task TaskFunc) Result {
	t.Helper()
	if task == nil {
		task = e.Tasks.Handle
	}
	r, err := e.Runner.Execute(ctxT(t), input(o), task)
	if err != nil {
		t.Fatalf("Execute(%s) = %v", o.ID, err)
	}
	return r
}

func (e *Env) order(t *testing.T, id string) orders.Order {
	t.Helper()
	o, err := e.Orders.GetOrder(ctxT(t), id)
	if err != nil {
		t.Fatalf("GetOrder(%s) = %v", id, err)
	}
	return o
}

func (e *Env) payment(t *testing.T, id string) (payments.Payment, bool) {
	t.Helper()
	p, err := e.Payments.Get(ctxT(t), id)
	if errors.Is(err, domain.ErrNotFound) {
		return p, false
	}
	if err != nil {
		t.Fatalf("payments.Get(%s) = %v", id, err)
	}
	return p, true
}

func wantResult(t *testing.T, got Result, status, errName string) {
	t.Helper()
	if got.Status != status || got.Error != errName {
		t.Errorf("execution = %+v, want status %s error %q", got, status, errName)
	}
}

func wantOrder(t *testing.T, o orders.Order, status orders.Status, reason string) {
	t.Helper()
	if o.Status != status || o.CancellationReason != reason {
		t.Errorf("order %s = status %s reason %q, want %s %q", o.ID, o.Status, o.CancellationReason, status, reason)
	}
}

func wantCounts(t *testing.T, e *Env, id string, want payments.FakeCounts) {
	t.Helper()
	if got := e.Fake.Counts(id); got != want {
		t.Errorf("processor effects for %s = %+v, want %+v", id, got, want)
	}
}

func wantStock(t *testing.T, e *Env, id string, want int64) {
	t.Helper()
	if got := e.stock(t, id); got != want {
		t.Errorf("stock of %s = %d, want %d", id, got, want)
	}
}

func testApprove(t *testing.T, e *Env) {
	p := e.product(t, 5)
	o := e.place(t, p, 2, payments.TokenApprove)
	wantStock(t, e, p.ID, 5) // card orders reserve in the saga, not at placement
	wantResult(t, e.run(t, o, nil), "SUCCEEDED", "")
	got := e.order(t, o.ID)
	wantOrder(t, got, orders.StatusConfirmed, "")
	if got.Stock != orders.StockReserved {
		t.Errorf("order stock state = %q, want %q", got.Stock, orders.StockReserved)
	}
	wantStock(t, e, p.ID, 3)
	if pay, ok := e.payment(t, o.ID); !ok || pay.Status != payments.StatusCaptured || pay.Amount.Value != o.Total.Amount {
		t.Errorf("payment = %+v (found %v), want captured %d", pay, ok, o.Total.Amount)
	}
	wantCounts(t, e, o.ID, payments.FakeCounts{Authorizations: 1, Captures: 1})
}

func testSlow(t *testing.T, e *Env) {
	p := e.product(t, 5)
	o := e.place(t, p, 1, payments.TokenSlow)
	wantResult(t, e.run(t, o, nil), "SUCCEEDED", "")
	wantOrder(t, e.order(t, o.ID), orders.StatusConfirmed, "")
	wantCounts(t, e, o.ID, payments.FakeCounts{Authorizations: 1, Captures: 1})
}

func testDecline(t *testing.T, e *Env) {
	p := e.product(t, 5)
	o := e.place(t, p, 2, payments.TokenDeclined)
	wantResult(t, e.run(t, o, nil), "FAILED", "Checkout.Cancelled")
	got := e.order(t, o.ID)
	wantOrder(t, got, orders.StatusCancelled, checkout.ReasonPaymentDeclined)
	if got.Stock != orders.StockReleased {
		t.Errorf("order stock state = %q, want %q", got.Stock, orders.StockReleased)
	}
	wantStock(t, e, p.ID, 5)
	// A declined card holds nothing: VoidPayment ran and found nothing to void.
	if pay, ok := e.payment(t, o.ID); !ok || pay.Status != payments.StatusDeclined || pay.DeclineCode != "card_declined" {
		t.Errorf("payment = %+v (found %v), want declined card_declined", pay, ok)
	}
	wantCounts(t, e, o.ID, payments.FakeCounts{})
}

func testInsufficientFunds(t *testing.T, e *Env) {
	p := e.product(t, 5)
	o := e.place(t, p, 1, payments.TokenInsufficientFunds)
	wantResult(t, e.run(t, o, nil), "FAILED", "Checkout.Cancelled")
	wantOrder(t, e.order(t, o.ID), orders.StatusCancelled, checkout.ReasonPaymentDeclined)
	wantStock(t, e, p.ID, 5)
	if pay, _ := e.payment(t, o.ID); pay.DeclineCode != "insufficient_funds" {
		t.Errorf("decline code = %q, want insufficient_funds", pay.DeclineCode)
	}
}

func testCaptureFailure(t *testing.T, e *Env) {
	p := e.product(t, 5)
	o := e.place(t, p, 1, payments.TokenCaptureFails)
	wantResult(t, e.run(t, o, nil), "FAILED", "Checkout.Cancelled")
	wantOrder(t, e.order(t, o.ID), orders.StatusCancelled, checkout.ReasonCheckoutFailed)
	wantStock(t, e, p.ID, 5)
	if pay, ok := e.payment(t, o.ID); !ok || pay.Status != payments.StatusVoided {
		t.Errorf("payment = %+v (found %v), want voided", pay, ok)
	}
	wantCounts(t, e, o.ID, payments.FakeCounts{Authorizations: 1, Voids: 1})
}

func testTransient(t *testing.T, e *Env) {
	p := e.product(t, 5)
	o := e.place(t, p, 1, payments.TransientPrefix+"2")
	var authCalls atomic.Int32
	count := func(ctx context.Context, in json.RawMessage) (json.RawMessage, error) {
		var ti checkout.TaskInput
		_ = json.Unmarshal(in, &ti)
		if ti.Task == checkout.TaskAuthorizePayment {
			authCalls.Add(1)
		}
		return e.Tasks.Handle(ctx, in)
	}
	wantResult(t, e.run(t, o, count), "SUCCEEDED", "")
	wantOrder(t, e.order(t, o.ID), orders.StatusConfirmed, "")
	if n := authCalls.Load(); n != 3 {
		t.Errorf("AuthorizePayment ran %d times, want 3 (2 transient failures, then success)", n)
	}
	wantStock(t, e, p.ID, 4)
	wantCounts(t, e, o.ID, payments.FakeCounts{Authorizations: 1, Captures: 1})
}

func testOutOfStock(t *testing.T, e *Env) {
	p := e.product(t, 1)
	o := e.place(t, p, 2, payments.TokenApprove)
	wantResult(t, e.run(t, o, nil), "FAILED", "Checkout.Cancelled")
	wantOrder(t, e.order(t, o.ID), orders.StatusCancelled, checkout.ReasonOutOfStock)
	wantStock(t, e, p.ID, 1)
	if _, ok := e.payment(t, o.ID); ok {
		t.Errorf("payment of an out-of-stock order exists, want none")
	}
}

func testOnAccount(t *testing.T, e *Env) {
	p := e.product(t, 5)
	o := e.place(t, p, 2, "")
	wantStock(t, e, p.ID, 3) // on account: reserved at placement (the partner contract)
	wantResult(t, e.run(t, o, nil), "SUCCEEDED", "")
	wantOrder(t, e.order(t, o.ID), orders.StatusConfirmed, "")
	wantStock(t, e, p.ID, 3)
	if _, ok := e.payment(t, o.ID); ok {
		t.Errorf("payment of an on-account order exists, want none")
	}
}

// crashAfter runs the real task and then, the first time task runs, reports a transient
// failure as if the function died after its side effect (the runtime retries it).
func (e *Env) crashAfter(task string) TaskFunc {
	var once sync.Once
	return func(ctx context.Context, in json.RawMessage) (json.RawMessage, error) {
		out, err := e.Tasks.Handle(ctx, in)
		var ti checkout.TaskInput
		_ = json.Unmarshal(in, &ti)
		crashed := false
		if err == nil && ti.Task == task {
			once.Do(func() { crashed = true })
		}
		if crashed {
			return nil, &checkout.TaskError{Name: checkout.ErrNameTransient, Cause: fmt.Sprintf("%s: function crashed after its side effect", task)}
		}
		return out, err
	}
}

func testCrashAfterCapture(t *testing.T, e *Env) {
	p := e.product(t, 5)
	o := e.place(t, p, 1, payments.TokenApprove)
	wantResult(t, e.run(t, o, e.crashAfter(checkout.TaskConfirmOrder)), "SUCCEEDED", "")
	wantOrder(t, e.order(t, o.ID), orders.StatusConfirmed, "")
	wantStock(t, e, p.ID, 4)
	wantCounts(t, e, o.ID, payments.FakeCounts{Authorizations: 1, Captures: 1})
}

func testCrashAfterRelease(t *testing.T, e *Env) {
	p := e.product(t, 5)
	o := e.place(t, p, 3, payments.TokenDeclined)
	wantResult(t, e.run(t, o, e.crashAfter(checkout.TaskReleaseStock)), "FAILED", "Checkout.Cancelled")
	wantOrder(t, e.order(t, o.ID), orders.StatusCancelled, checkout.ReasonPaymentDeclined)
	wantStock(t, e, p.ID, 5) // released once: 5, not 8
}

func testCrashAfterReserve(t *testing.T, e *Env) {
	p := e.product(t, 5)
	o := e.place(t, p, 2, payments.TokenApprove)
	wantResult(t, e.run(t, o, e.crashAfter(checkout.TaskReserveStock)), "SUCCEEDED", "")
	wantStock(t, e, p.ID, 3) // reserved once: 3, not 1
	wantCounts(t, e, o.ID, payments.FakeCounts{Authorizations: 1, Captures: 1})
}

// testSecondRun runs a finished checkout again (a duplicate execution): nothing changes.
func testSecondRun(t *testing.T, e *Env) {
	p := e.product(t, 5)
	ok := e.place(t, p, 1, payments.TokenApprove)
	bad := e.place(t, p, 1, payments.TokenDeclined)
	wantResult(t, e.run(t, ok, nil), "SUCCEEDED", "")
	wantResult(t, e.run(t, bad, nil), "FAILED", "Checkout.Cancelled")
	wantStock(t, e, p.ID, 4)
	// Again: the confirmed order stays confirmed with one capture; the cancelled one stays
	// cancelled (its ReserveStock refuses: stock already released) without touching stock.
	wantResult(t, e.run(t, ok, nil), "SUCCEEDED", "")
	wantResult(t, e.run(t, bad, nil), "FAILED", "Checkout.Cancelled")
	wantOrder(t, e.order(t, ok.ID), orders.StatusConfirmed, "")
	wantOrder(t, e.order(t, bad.ID), orders.StatusCancelled, checkout.ReasonPaymentDeclined)
	wantStock(t, e, p.ID, 4)
	wantCounts(t, e, ok.ID, payments.FakeCounts{Authorizations: 1, Captures: 1})
}

// testLastUnits: 50 concurrent checkouts of one unit each for the last 10 units.
func testLastUnits(t *testing.T, e *Env) {
	const units, buyers = 10, 50
	p := e.product(t, units)
	os := make([]orders.Order, buyers)
	for i := range os {
		os[i] = e.place(t, p, 1, payments.TokenApprove)
	}
	results := make([]Result, buyers)
	errs := make([]error, buyers)
	var wg sync.WaitGroup
	for i, o := range os {
		wg.Go(func() { results[i], errs[i] = e.Runner.Execute(ctxT(t), input(o), e.Tasks.Handle) })
	}
	wg.Wait()
	confirmed, cancelled := 0, 0
	for i, o := range os {
		if errs[i] != nil {
			t.Fatalf("Execute(%s) = %v", o.ID, errs[i])
		}
		got := e.order(t, o.ID)
		switch {
		case got.Status == orders.StatusConfirmed && results[i].Status == "SUCCEEDED":
			confirmed++
			wantCounts(t, e, o.ID, payments.FakeCounts{Authorizations: 1, Captures: 1})
		case got.Status == orders.StatusCancelled && got.CancellationReason == checkout.ReasonOutOfStock && results[i].Error == "Checkout.Cancelled":
			cancelled++
			if c := e.Fake.Counts(o.ID); c.Captures != 0 || c.Authorizations != 0 {
				t.Errorf("cancelled order %s: processor effects %+v, want none", o.ID, c)
			}
			if _, ok := e.payment(t, o.ID); ok {
				t.Errorf("cancelled order %s has a payment, want none", o.ID)
			}
		default:
			t.Errorf("order %s = %s %q (execution %+v), want confirmed, or cancelled out_of_stock", o.ID, got.Status, got.CancellationReason, results[i])
		}
	}
	if confirmed != units || cancelled != buyers-units {
		t.Errorf("confirmed %d, cancelled %d; want %d and %d", confirmed, cancelled, units, buyers-units)
	}
	wantStock(t, e, p.ID, 0)
}

// InProcess is the in-process runner (shared/statemachine) as a Runner; WaitScale shortens
// the definition's retry intervals (0.001: 1 s becomes 1 ms).
type InProcess struct {
	WaitScale float64
}

// Execute implements Runner.
func (r InProcess) Execute(ctx context.Context, in checkout.Input, task TaskFunc) (Result, error) {
	ip, err := checkout.NewInProcess(nil, checkout.InProcessOptions{WaitScale: r.WaitScale})
	if err != nil {
		return Result{}, err
	}
	ex, err := ip.RunWith(ctx, in, task)
	if err != nil {
		return Result{}, err
	}
	return Result{Status: ex.Status, Error: ex.Error, Cause: ex.Cause}, nil
}
