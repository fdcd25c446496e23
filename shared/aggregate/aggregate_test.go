package aggregate_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"bffsuite.dev/shared/aggregate"
	"bffsuite.dev/shared/catalog"
	"bffsuite.dev/shared/customers"
	"bffsuite.dev/shared/domain"
	"bffsuite.dev/shared/faults"
	"bffsuite.dev/shared/orders"
	"bffsuite.dev/shared/store/embedded"
	"bffsuite.dev/shared/store/seed"
)

func sleep(d time.Duration, err error) func(context.Context) error {
	return func(ctx context.Context) error {
		select {
		case <-time.After(d):
			return err
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

var errBoom = errors.New("boom")

func TestRun(t *testing.T) {
	tests := []struct {
		name       string
		budget     time.Duration
		parts      []aggregate.Part
		wantErr    error // nil: success
		wantFailed []string
		maxElapsed time.Duration
	}{
		{"all succeed in parallel", time.Second, []aggregate.Part{
			aggregate.Required("a", sleep(30*time.Millisecond, nil)),
			aggregate.Optional("b", sleep(30*time.Millisecond, nil)),
			aggregate.Optional("c", sleep(30*time.Millisecond, nil)),
		}, nil, nil, 80 * time.Millisecond},
		{"optional error is partial", time.Second, []aggregate.Part{
			aggregate.Required("a", sleep(5*time.Millisecond, nil)),
			aggregate.Optional("b", sleep(5*time.Millisecond, errBoom)),
		}, nil, []string{"b"}, 500 * time.Millisecond},
		{"optional own timeout", time.Second, []aggregate.Part{
			aggregate.Required("a", sleep(10*time.Millisecond, nil)),
			aggregate.Optional("slow", sleep(time.Second, nil)).WithTimeout(20 * time.Millisecond),
		}, nil, []string{"slow"}, 200 * time.Millisecond},
		{"optional beyond the request budget", 30 * time.Millisecond, []aggregate.Part{
			aggregate.Required("a", sleep(5*time.Millisecond, nil)),
			aggregate.Optional("slow", sleep(time.Second, nil)),
		}, nil, []string{"slow"}, 200 * time.Millisecond},
		{"required error cancels the rest", time.Second, []aggregate.Part{
			aggregate.Required("a", sleep(10*time.Millisecond, errBoom)),
			aggregate.Optional("slow", sleep(time.Second, nil)),
			aggregate.Required("slow2", sleep(time.Second, nil)),
		}, errBoom, nil, 200 * time.Millisecond},
		{"required timeout is unavailable", 30 * time.Millisecond, []aggregate.Part{
			aggregate.Required("a", sleep(time.Second, nil)),
			aggregate.Optional("b", sleep(5*time.Millisecond, nil)),
		}, domain.ErrUnavailable, nil, 200 * time.Millisecond},
		{"required own timeout", time.Second, []aggregate.Part{
			aggregate.Required("a", sleep(time.Second, nil)).WithTimeout(20 * time.Millisecond),
		}, context.DeadlineExceeded, nil, 200 * time.Millisecond},
		{"panic is a failure", time.Second, []aggregate.Part{
			aggregate.Required("a", sleep(time.Millisecond, nil)),
			aggregate.Optional("p", func(context.Context) error { panic("bad part") }),
		}, nil, []string{"p"}, 200 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), tt.budget)
			defer cancel()
			start := time.Now()
			res, err := aggregate.Run(ctx, tt.parts...)
			elapsed := time.Since(start)
			if tt.wantErr == nil && err != nil || tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("Run() error = %v, want %v", err, tt.wantErr)
			}
			if tt.wantErr == nil && !slices.Equal(res.FailedNames(), tt.wantFailed) && !(len(tt.wantFailed) == 0 && len(res.FailedNames()) == 0) {
				t.Errorf("Run() failed = %v, want %v", res.FailedNames(), tt.wantFailed)
			}
			if res.Partial() != (len(tt.wantFailed) > 0) && tt.wantErr == nil {
				t.Errorf("Run().Partial() = %v, want %v", res.Partial(), len(tt.wantFailed) > 0)
			}
			if elapsed > tt.maxElapsed {
				t.Errorf("Run() took %v, want at most %v", elapsed, tt.maxElapsed)
			}
		})
	}
}

func TestRequiredTimeoutWrapsBoth(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, err := aggregate.Run(ctx, aggregate.Required("orders", sleep(time.Second, nil)))
	if !errors.Is(err, domain.ErrUnavailable) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Run(required past deadline) = %v, want ErrUnavailable and DeadlineExceeded", err)
	}
	res, _ := aggregate.Run(context.Background(), aggregate.Optional("x", sleep(time.Second, nil)).WithTimeout(10*time.Millisecond))
	if len(res.Failures) != 1 || !res.Failures[0].TimedOut {
		t.Errorf("Run(optional timeout).Failures = %+v, want one timed out", res.Failures)
	}
}

func TestCallerCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(10*time.Millisecond, cancel)
	_, err := aggregate.Run(ctx, aggregate.Required("a", sleep(time.Second, nil)))
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Run(cancelled caller) = %v, want context.Canceled", err)
	}
}

func TestInvalidParts(t *testing.T) {
	for _, parts := range [][]aggregate.Part{
		{aggregate.Required("", sleep(0, nil))},
		{aggregate.Required("a", sleep(0, nil)), aggregate.Optional("a", sleep(0, nil))},
		{aggregate.Required("a", nil)},
	} {
		if _, err := aggregate.Run(context.Background(), parts...); err == nil {
			t.Errorf("Run(%d invalid parts) error = nil, want error", len(parts))
		}
	}
}

// page builds a realistic screen: product (catalog 20ms), customer (40ms), last orders (60ms).
func page(b testing.TB) func(ctx context.Context) (aggregate.Result, error) {
	inj := faults.New(nil, 1)
	slow := embedded.New(inj)
	if err := seed.Load(context.Background(), seed.Backends{Catalog: slow.Catalog(), Customers: slow.Customers(), Orders: slow.Orders()}, seed.GenerateN(2)); err != nil {
		b.Fatal(err)
	}
	inj.Set(faults.Catalog, faults.Rule{Latency: 20 * time.Millisecond})
	inj.Set(faults.Customers, faults.Rule{Latency: 40 * time.Millisecond})
	inj.Set(faults.Orders, faults.Rule{Latency: 60 * time.Millisecond})
	cat := catalog.New(slow.Catalog(), catalog.Options{})
	cus := customers.New(slow.Customers(), nil)
	ord := orders.New(slow.Orders(), cat, orders.Options{})
	return func(ctx context.Context) (aggregate.Result, error) {
		return aggregate.Run(ctx,
			aggregate.Required("product", func(ctx context.Context) error { _, err := cat.GetProduct(ctx, "p-0001"); return err }),
			aggregate.Optional("customer", func(ctx context.Context) error { _, err := cus.GetCustomer(ctx, seed.CustomerAlice); return err }),
			aggregate.Optional("orders", func(ctx context.Context) error {
				_, err := ord.ListOrdersByCustomer(ctx, seed.CustomerAlice, "", 5)
				return err
			}),
		)
	}
}

func TestPageWithFaults(t *testing.T) {
	run := page(t)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	res, err := run(ctx)
	if err != nil || !slices.Equal(res.FailedNames(), []string{"orders"}) {
		t.Errorf("page under a 50ms budget = %v, %v, want orders (60ms) failed only", res.FailedNames(), err)
	}
	if !res.Failures[0].TimedOut || !errors.Is(res.Failures[0].Err, domain.ErrUnavailable) {
		t.Errorf("orders failure = %+v, want timed out, ErrUnavailable", res.Failures[0])
	}
}

// BenchmarkRunThreeParts: three calls with 20/40/60 ms injected; ns/op ≈ 60ms, not 120ms.
func BenchmarkRunThreeParts(b *testing.B) {
	run := page(b)
	b.ReportAllocs()
	for b.Loop() {
		if res, err := run(context.Background()); err != nil || res.Partial() {
			b.Fatal(err, res.FailedNames())
		}
	}
}
