package payments

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"bffsuite.dev/shared/domain"
)

// Test tokens of the Fake provider, modelled on a card processor's test mode.
const (
	TokenApprove           = "tok_visa"                // approves
	TokenDeclined          = "tok_card_declined"       // declines: card_declined
	TokenInsufficientFunds = "tok_insufficient_funds"  // declines: insufficient_funds
	TokenSlow              = "tok_slow"                // approves after Fake.Slow
	TokenCaptureFails      = "tok_capture_unavailable" // approves; every capture is a 5xx
	TransientPrefix        = "tok_transient_"          // tok_transient_<N>: N× 5xx per call, then approves
	TimeoutPrefix          = "tok_timeout_"            // tok_timeout_<N>: N× timeout per call, then approves
)

const (
	defaultSlow      = 1500 * time.Millisecond
	defaultTimeout   = 50 * time.Millisecond
	tokenMaxLen      = 64
	authPrefix       = "auth_"
	transientMessage = "processor answered 503"
	timeoutMessage   = "processor did not answer"
	unknownTokenCode = "invalid_token"
	amountCode       = "invalid_amount"
)

// Fake is a card processor in test mode, in memory: tokens decide the outcome (TokenApprove,
// TokenDeclined, ...; any other "tok_" token approves, anything else declines invalid_token).
// Every call is idempotent per key, like a real processor's idempotency keys: a replay returns
// the first outcome and has no second effect. Transient failures are not remembered as the
// outcome of a key (the retry goes through). Safe for concurrent use.
type Fake struct {
	// Slow is how long TokenSlow takes (default 1.5 s); Timeout how long a timeout takes
	// before failing (default 50 ms).
	Slow, Timeout time.Duration

	mu       sync.Mutex
	results  map[string]fakeResult // idempotency key → first definitive outcome
	failures map[string]int        // idempotency key → transient failures served
	auths    map[string]*fakeAuth  // authorization id → state
	seq      int
}

type fakeResult struct {
	authID string
	err    error
}

type fakeAuth struct {
	token                    string
	amount                   Amount
	captures, voids, refunds int
}

// NewFake returns a Fake provider.
func NewFake() *Fake {
	return &Fake{results: map[string]fakeResult{}, failures: map[string]int{}, auths: map[string]*fakeAuth{}}
}

// FakeCounts are the effects the Fake performed for one authorization (for tests).
type FakeCounts struct {
	Authorizations, Captures, Voids, Refunds int
}

// Counts returns the effects performed for the authorization made with key prefix orderID
// (the payments Client uses "<order>:authorize").
func (f *Fake) Counts(orderID string) FakeCounts {
	f.mu.Lock()
	defer f.mu.Unlock()
	r, ok := f.results[orderID+":authorize"]
	if !ok || r.authID == "" {
		return FakeCounts{}
	}
	a := f.auths[r.authID]
	return FakeCounts{Authorizations: 1, Captures: a.captures, Voids: a.voids, Refunds: a.refunds}
}

// transient serves the token's remaining transient failures for key.
func (f *Fake) transient(ctx context.Context, key, token string) error {
	var n int
	var msg string
	switch {
	case strings.HasPrefix(token, TransientPrefix):
		n, _ = strconv.Atoi(strings.TrimPrefix(token, TransientPrefix))
		msg = transientMessage
	case strings.HasPrefix(token, TimeoutPrefix):
		n, _ = strconv.Atoi(strings.TrimPrefix(token, TimeoutPrefix))
		msg = timeoutMessage
	default:
		return nil
	}
	f.mu.Lock()
	served := f.failures[key]
	if served < n {
		f.failures[key] = served + 1
	}
	f.mu.Unlock()
	if served >= n {
		return nil
	}
	if msg == timeoutMessage {
		if err := sleep(ctx, f.timeout()); err != nil {
			return err
		}
	}
	return fmt.Errorf("%s (failure %d of %d): %w", msg, served+1, n, ErrTransient)
}

func (f *Fake) timeout() time.Duration {
	if f.Timeout > 0 {
		return f.Timeout
	}
	return defaultTimeout
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("%w: %w", ctx.Err(), ErrTransient)
	}
}

// Authorize implements Provider.
func (f *Fake) Authorize(ctx context.Context, key, token string, amount Amount) (string, error) {
	f.mu.Lock()
	if r, ok := f.results[key]; ok {
		f.mu.Unlock()
		return r.authID, r.err
	}
	f.mu.Unlock()
	if err := f.transient(ctx, key, token); err != nil {
		return "", err
	}
	if token == TokenSlow {
		slow := f.Slow
		if slow <= 0 {
			slow = defaultSlow
		}
		if err := sleep(ctx, slow); err != nil {
			return "", err
		}
	}
	var r fakeResult
	switch {
	case amount.Value <= 0 || amount.Currency == "":
		r.err = &DeclinedError{Code: amountCode}
	case token == TokenDeclined:
		r.err = &DeclinedError{Code: "card_declined"}
	case token == TokenInsufficientFunds:
		r.err = &DeclinedError{Code: "insufficient_funds"}
	case !strings.HasPrefix(token, "tok_") || len(token) > tokenMaxLen:
		r.err = &DeclinedError{Code: unknownTokenCode}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if prev, ok := f.results[key]; ok { // a concurrent replay finished first
		return prev.authID, prev.err
	}
	if r.err == nil {
		f.seq++
		r.authID = fmt.Sprintf("%s%06d", authPrefix, f.seq)
		f.auths[r.authID] = &fakeAuth{token: token, amount: amount}
	}
	f.results[key] = r
	return r.authID, r.err
}

// effect applies op once per key to the authorization.
func (f *Fake) effect(ctx context.Context, key, authID string, apply func(a *fakeAuth) error) error {
	f.mu.Lock()
	a, ok := f.auths[authID]
	if r, done := f.results[key]; done {
		f.mu.Unlock()
		return r.err
	}
	token := ""
	if ok {
		token = a.token
	}
	f.mu.Unlock()
	if !ok {
		return fmt.Errorf("authorization %s: %w", authID, domain.ErrNotFound)
	}
	if token == TokenCaptureFails && strings.HasSuffix(key, ":capture") {
		return fmt.Errorf("capture: %s: %w", transientMessage, ErrTransient)
	}
	if err := f.transient(ctx, key, token); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if r, done := f.results[key]; done {
		return r.err
	}
	err := apply(a)
	f.results[key] = fakeResult{authID: authID, err: err}
	return err
}

// Capture implements Provider.
func (f *Fake) Capture(ctx context.Context, key, authID string, amount Amount) error {
	return f.effect(ctx, key, authID, func(a *fakeAuth) error {
		if a.voids > 0 {
			return fmt.Errorf("capture of a voided authorization: %w", domain.ErrInvalidTransition)
		}
		if amount.Value > a.amount.Value {
			return fmt.Errorf("capture of %d above the authorized %d: %w", amount.Value, a.amount.Value, domain.ErrInvalidTransition)
		}
		a.captures++
		return nil
	})
}

// Void implements Provider.
func (f *Fake) Void(ctx context.Context, key, authID string) error {
	return f.effect(ctx, key, authID, func(a *fakeAuth) error {
		if a.captures > 0 {
			return fmt.Errorf("void of a captured authorization: %w", domain.ErrInvalidTransition)
		}
		a.voids++
		return nil
	})
}

// Refund implements Provider.
func (f *Fake) Refund(ctx context.Context, key, authID string, amount Amount) error {
	return f.effect(ctx, key, authID, func(a *fakeAuth) error {
		if a.captures == 0 {
			return fmt.Errorf("refund of an uncaptured authorization: %w", domain.ErrInvalidTransition)
		}
		a.refunds++
		return nil
	})
}
