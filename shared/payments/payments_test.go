package payments_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"bffsuite.dev/shared/domain"
	"bffsuite.dev/shared/payments"
	"bffsuite.dev/shared/store/embedded"
)

var amount = payments.Amount{Value: 1999, Currency: "EUR"}

func TestFakeTokens(t *testing.T) {
	tests := []struct {
		token       string
		transient   int // transient failures before the outcome
		wantDecline string
	}{
		{payments.TokenApprove, 0, ""},
		{payments.TokenDeclined, 0, "card_declined"},
		{payments.TokenInsufficientFunds, 0, "insufficient_funds"},
		{payments.TransientPrefix + "2", 2, ""},
		{payments.TimeoutPrefix + "1", 1, ""},
		{payments.TokenSlow, 0, ""},
		{"4242424242424242", 0, "invalid_token"},
	}
	for _, tc := range tests {
		t.Run(tc.token, func(t *testing.T) {
			f := payments.NewFake()
			f.Slow, f.Timeout = 20*time.Millisecond, time.Millisecond
			ctx := context.Background()
			for i := range tc.transient {
				if _, err := f.Authorize(ctx, "o1:authorize", tc.token, amount); !errors.Is(err, payments.ErrTransient) {
					t.Fatalf("attempt %d: Authorize = %v, want ErrTransient", i+1, err)
				}
			}
			id, err := f.Authorize(ctx, "o1:authorize", tc.token, amount)
			var d *payments.DeclinedError
			switch {
			case tc.wantDecline != "" && (!errors.As(err, &d) || d.Code != tc.wantDecline):
				t.Errorf("Authorize = %q, %v, want decline %s", id, err, tc.wantDecline)
			case tc.wantDecline == "" && (err != nil || id == ""):
				t.Errorf("Authorize = %q, %v, want an authorization", id, err)
			}
			again, err2 := f.Authorize(ctx, "o1:authorize", tc.token, amount)
			if again != id || (err == nil) != (err2 == nil) {
				t.Errorf("replayed Authorize = %q, %v, want %q, %v (idempotency key)", again, err2, id, err)
			}
		})
	}
}

func TestClientIdempotentPerOrder(t *testing.T) {
	ctx := context.Background()
	f := payments.NewFake()
	c := payments.New(f, embedded.NewLedger())
	p, done, err := c.Authorize(ctx, "o1", payments.TokenApprove, amount)
	if err != nil || !done || p.Status != payments.StatusAuthorized {
		t.Fatalf("Authorize = %+v, %v, %v", p, done, err)
	}
	if _, done, err := c.Authorize(ctx, "o1", payments.TokenApprove, amount); err != nil || done {
		t.Errorf("second Authorize = %v, %v, want already done", done, err)
	}
	for i := range 2 {
		p, done, err = c.Capture(ctx, "o1")
		if err != nil || done != (i == 0) || p.Status != payments.StatusCaptured {
			t.Errorf("Capture #%d = %+v, %v, %v", i+1, p, done, err)
		}
	}
	if got := f.Counts("o1"); got != (payments.FakeCounts{Authorizations: 1, Captures: 1}) {
		t.Errorf("counts = %+v, want one authorization and one capture", got)
	}
	// Void after capture refunds, once.
	for i := range 2 {
		p, done, err = c.Void(ctx, "o1")
		if err != nil || done != (i == 0) || p.Status != payments.StatusRefunded {
			t.Errorf("Void #%d = %+v, %v, %v", i+1, p, done, err)
		}
	}
	if _, _, err := c.Capture(ctx, "o1"); !errors.Is(err, domain.ErrInvalidTransition) {
		t.Errorf("Capture(refunded) = %v, want ErrInvalidTransition", err)
	}
	// Nothing to void without an authorization; a decline is remembered.
	if _, done, err := c.Void(ctx, "o2"); err != nil || done {
		t.Errorf("Void(no payment) = %v, %v, want nothing done", done, err)
	}
	var d *payments.DeclinedError
	if _, _, err := c.Authorize(ctx, "o3", payments.TokenDeclined, amount); !errors.As(err, &d) {
		t.Errorf("Authorize(declined) = %v, want DeclinedError", err)
	}
	if _, done, err := c.Authorize(ctx, "o3", payments.TokenApprove, amount); !errors.As(err, &d) || done {
		t.Errorf("Authorize(declined order, other token) = %v, %v, want the recorded decline", done, err)
	}
}

// crashLedger fails the first write after the provider call, like a crash between them.
type crashLedger struct {
	payments.Ledger
	fail int
}

func (l *crashLedger) PutPayment(ctx context.Context, p payments.Payment) error {
	if l.fail > 0 {
		l.fail--
		return domain.ErrUnavailable
	}
	return l.Ledger.PutPayment(ctx, p)
}

func TestClientCrashBetweenProviderAndLedger(t *testing.T) {
	ctx := context.Background()
	f := payments.NewFake()
	l := &crashLedger{Ledger: embedded.NewLedger()}
	c := payments.New(f, l)
	if _, _, err := c.Authorize(ctx, "o1", payments.TokenApprove, amount); err != nil {
		t.Fatal(err)
	}
	l.fail = 1
	if _, _, err := c.Capture(ctx, "o1"); !errors.Is(err, domain.ErrUnavailable) {
		t.Fatalf("Capture with a failing ledger = %v, want ErrUnavailable", err)
	}
	if _, _, err := c.Capture(ctx, "o1"); err != nil {
		t.Fatalf("retried Capture = %v", err)
	}
	if got := f.Counts("o1"); got.Captures != 1 {
		t.Errorf("captures = %d, want 1 (the provider saw the same idempotency key twice)", got.Captures)
	}
}
