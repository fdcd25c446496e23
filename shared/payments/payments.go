// Package payments is the payments domain client: card authorizations, captures and voids for
// orders, through a Provider (a card processor; locally the Fake), recorded in a Ledger (one
// entry per order; DynamoDB or the embedded store, storage shapes in shared/store).
//
// Rules, enforced here:
//   - one payment per order: Authorize, Capture and Void are idempotent per order. The ledger
//     entry says what was done; a repeated call returns it without calling the provider again;
//   - the provider is called with an idempotency key per (order, operation)
//     ("<order>:authorize", ...), so a call repeated after a crash between the provider call
//     and the ledger write does not authorize or capture twice;
//   - the lifecycle authorized → captured → refunded, authorized → voided; a declined
//     authorization is recorded and declines again; Capture of anything but an authorized or
//     captured payment is domain.ErrInvalidTransition;
//   - provider failures that may succeed when retried wrap ErrTransient; declines are
//     *DeclinedError with the processor's code (card_declined, insufficient_funds, ...).
package payments

import (
	"context"
	"errors"
	"fmt"
	"time"

	"bffsuite.dev/shared/domain"
)

// Amount is money in minor units.
type Amount struct {
	Value    int64
	Currency string
}

// Status is the state of an order's payment.
type Status string

// Statuses.
const (
	StatusAuthorized Status = "authorized"
	StatusCaptured   Status = "captured"
	StatusVoided     Status = "voided"
	StatusRefunded   Status = "refunded"
	StatusDeclined   Status = "declined"
)

// Payment is the ledger entry of one order.
type Payment struct {
	OrderID         string
	AuthorizationID string // the provider's id; empty when declined
	Status          Status
	Amount          Amount
	DeclineCode     string // when declined
	CreatedAt       time.Time
	UpdatedAt       time.Time
	Version         int64 // 1 when created, +1 per change
}

// ErrTransient marks a provider failure worth retrying (5xx, timeout, rate limit).
var ErrTransient = errors.New("payment provider unavailable")

// DeclinedError is a declined authorization.
type DeclinedError struct {
	Code string // card_declined, insufficient_funds, ...
}

func (e *DeclinedError) Error() string { return "payment declined: " + e.Code }

// Provider is a card processor. Every call carries an idempotency key: a call repeated with
// the same key has the effect of one call and the same result.
type Provider interface {
	// Authorize places a hold of amount on the card token; returns the authorization id.
	Authorize(ctx context.Context, key, token string, amount Amount) (string, error)
	Capture(ctx context.Context, key, authorizationID string, amount Amount) error
	Void(ctx context.Context, key, authorizationID string) error
	Refund(ctx context.Context, key, authorizationID string, amount Amount) error
}

// Ledger stores one Payment per order.
type Ledger interface {
	// GetPayment returns the order's payment or domain.ErrNotFound.
	GetPayment(ctx context.Context, orderID string) (Payment, error)
	// PutPayment stores p when the stored version is p.Version-1 (0: no entry yet), else
	// domain.ErrConflict.
	PutPayment(ctx context.Context, p Payment) error
}

// Client is the payments domain client; safe for concurrent use.
type Client struct {
	p   Provider
	l   Ledger
	now func() time.Time
}

// New returns a Client.
func New(p Provider, l Ledger) *Client { return &Client{p: p, l: l, now: time.Now} }

// Get returns the order's payment or domain.ErrNotFound.
func (c *Client) Get(ctx context.Context, orderID string) (Payment, error) {
	p, err := c.l.GetPayment(ctx, orderID)
	if err != nil {
		return Payment{}, fmt.Errorf("get payment of order %s: %w", orderID, err)
	}
	return p, nil
}

func (c *Client) lookup(ctx context.Context, orderID string) (Payment, bool, error) {
	p, err := c.l.GetPayment(ctx, orderID)
	if errors.Is(err, domain.ErrNotFound) {
		return Payment{}, false, nil
	}
	if err != nil {
		return Payment{}, false, fmt.Errorf("payment of order %s: %w", orderID, err)
	}
	return p, true, nil
}

// Authorize authorizes amount on token for the order, once: the bool reports whether this call
// did it (false: an earlier call had). A recorded decline is returned again as *DeclinedError.
func (c *Client) Authorize(ctx context.Context, orderID, token string, amount Amount) (Payment, bool, error) {
	if token == "" {
		return Payment{}, false, &DeclinedError{Code: "missing_token"}
	}
	p, ok, err := c.lookup(ctx, orderID)
	if err != nil {
		return Payment{}, false, err
	}
	if ok {
		if p.Status == StatusDeclined {
			return p, false, &DeclinedError{Code: p.DeclineCode}
		}
		return p, false, nil
	}
	now := c.now().UTC()
	p = Payment{OrderID: orderID, Amount: amount, CreatedAt: now, UpdatedAt: now, Version: 1}
	authID, perr := c.p.Authorize(ctx, orderID+":authorize", token, amount)
	var d *DeclinedError
	switch {
	case errors.As(perr, &d):
		p.Status, p.DeclineCode = StatusDeclined, d.Code
	case perr != nil:
		return Payment{}, false, fmt.Errorf("authorize order %s: %w", orderID, perr)
	default:
		p.Status, p.AuthorizationID = StatusAuthorized, authID
	}
	if err := c.l.PutPayment(ctx, p); err != nil {
		if errors.Is(err, domain.ErrConflict) { // a concurrent run recorded it first
			return c.Authorize(ctx, orderID, token, amount)
		}
		return Payment{}, false, fmt.Errorf("record authorization of order %s: %w", orderID, err)
	}
	if p.Status == StatusDeclined {
		return p, true, d
	}
	return p, true, nil
}

// Capture captures the order's authorization, once.
func (c *Client) Capture(ctx context.Context, orderID string) (Payment, bool, error) {
	for range 3 {
		p, ok, err := c.lookup(ctx, orderID)
		if err != nil {
			return Payment{}, false, err
		}
		switch {
		case !ok:
			return Payment{}, false, fmt.Errorf("capture order %s: no authorization: %w", orderID, domain.ErrInvalidTransition)
		case p.Status == StatusCaptured:
			return p, false, nil
		case p.Status != StatusAuthorized:
			return p, false, fmt.Errorf("capture order %s: payment %s: %w", orderID, p.Status, domain.ErrInvalidTransition)
		}
		if err := c.p.Capture(ctx, orderID+":capture", p.AuthorizationID, p.Amount); err != nil {
			return Payment{}, false, fmt.Errorf("capture order %s: %w", orderID, err)
		}
		if err := c.advance(ctx, &p, StatusCaptured); err == nil {
			return p, true, nil
		} else if !errors.Is(err, domain.ErrConflict) {
			return Payment{}, false, err
		}
	}
	return Payment{}, false, fmt.Errorf("capture order %s: %w", orderID, domain.ErrConflict)
}

// Void releases the order's authorization (or refunds a captured payment), once. Without an
// authorization (none, or declined) there is nothing to do: the bool is false.
func (c *Client) Void(ctx context.Context, orderID string) (Payment, bool, error) {
	for range 3 {
		p, ok, err := c.lookup(ctx, orderID)
		if err != nil {
			return Payment{}, false, err
		}
		if !ok {
			return Payment{}, false, nil
		}
		var to Status
		switch p.Status {
		case StatusAuthorized:
			to = StatusVoided
			err = c.p.Void(ctx, orderID+":void", p.AuthorizationID)
		case StatusCaptured:
			to = StatusRefunded
			err = c.p.Refund(ctx, orderID+":refund", p.AuthorizationID, p.Amount)
		default: // voided, refunded, declined
			return p, false, nil
		}
		if err != nil {
			return Payment{}, false, fmt.Errorf("void payment of order %s: %w", orderID, err)
		}
		if err := c.advance(ctx, &p, to); err == nil {
			return p, true, nil
		} else if !errors.Is(err, domain.ErrConflict) {
			return Payment{}, false, err
		}
	}
	return Payment{}, false, fmt.Errorf("void payment of order %s: %w", orderID, domain.ErrConflict)
}

func (c *Client) advance(ctx context.Context, p *Payment, to Status) error {
	next := *p
	next.Status, next.UpdatedAt, next.Version = to, c.now().UTC(), p.Version+1
	if err := c.l.PutPayment(ctx, next); err != nil {
		return fmt.Errorf("record %s payment of order %s: %w", to, p.OrderID, err)
	}
	*p = next
	return nil
}
