package orders

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"bffsuite.dev/shared/domain"
)

// PaymentMethod is how a checkout order is paid.
type PaymentMethod string

// Payment methods.
const (
	PaymentCard      PaymentMethod = "card"       // a card token, authorized and captured by the saga
	PaymentOnAccount PaymentMethod = "on_account" // partners: invoiced, the saga skips payment
)

// StockState is where a saga order's stock stands.
type StockState string

// Stock states. "" → reserved → released, or "" → released (a release before any reservation
// leaves a mark, so a late reservation cannot happen after it).
const (
	StockNone     StockState = ""
	StockReserved StockState = "reserved"
	StockReleased StockState = "released"
)

// Checkout saga steps on orders. Each is a local transaction, idempotent per (order, step): the
// order records the step's effect (Stock, Status) in the same atomic write as the effect, and a
// repeated step sees it and returns the order unchanged with done=false.
//
// Orders placed with PaymentMethod card are stored PENDING with no stock reserved
// (ReserveStock does it); on_account orders (partners) reserve at placement, as before the
// saga, so the partner contract (409 when out of stock) stays; their ReserveStock is a no-op.

func (c *Client) sagaStep(ctx context.Context, id, op string, f func(o Order) (next Order, reserve, restock []StockChange, skip bool, err error)) (Order, bool, error) {
	v := &domain.ValidationError{}
	validID(v, "id", id, true)
	if err := v.Err(); err != nil {
		return Order{}, false, err
	}
	var err error
	for range 10 { // a concurrent change of the order: re-read and decide again
		var o Order
		if o, err = c.b.GetOrder(ctx, id); err != nil {
			return Order{}, false, fmt.Errorf("%s %s: %w", op, id, err)
		}
		if !o.Saga {
			return o, false, fmt.Errorf("%s %s: not a checkout order: %w", op, id, domain.ErrInvalidTransition)
		}
		next, reserve, restock, skip, ferr := f(o)
		if ferr != nil {
			return o, false, fmt.Errorf("%s %s: %w", op, id, ferr)
		}
		if skip {
			return o, false, nil
		}
		now := c.stamp()
		next.UpdatedAt, next.Version = now, o.Version+1
		if next.Status != o.Status {
			next.History = append(slices.Clone(o.History), StatusChange{Status: next.Status, At: now})
		}
		if len(reserve) > 0 {
			r, ok := c.b.(StockReserver)
			if !ok {
				return o, false, fmt.Errorf("%s %s: the backend cannot reserve stock for checkout: %w", op, id, domain.ErrUnavailable)
			}
			err = r.ReserveStock(ctx, next, o.Status, reserve)
		} else {
			err = c.b.UpdateOrder(ctx, next, o.Status, restock)
		}
		if err == nil {
			return next, true, nil
		}
		if !errors.Is(err, domain.ErrConflict) {
			return o, false, fmt.Errorf("%s %s: %w", op, id, err)
		}
	}
	return Order{}, false, fmt.Errorf("%s %s: %w", op, id, err)
}

func linesStock(o Order) []StockChange {
	out := make([]StockChange, 0, len(o.Lines))
	for _, l := range o.Lines {
		out = append(out, StockChange{ProductID: l.ProductID, Quantity: l.Quantity, UnitPrice: l.UnitPrice.Amount})
	}
	return out
}

// ReserveStock reserves the stock of every line of a PENDING checkout order, once. Errors:
// domain.ErrInsufficientStock (nothing reserved), domain.ErrInvalidTransition when the order
// is no longer pending or its stock was already released.
func (c *Client) ReserveStock(ctx context.Context, id string) (Order, bool, error) {
	return c.sagaStep(ctx, id, "reserve stock for order", func(o Order) (Order, []StockChange, []StockChange, bool, error) {
		switch {
		case o.Stock == StockReserved:
			return o, nil, nil, true, nil
		case o.Stock == StockReleased:
			return o, nil, nil, false, fmt.Errorf("stock already released: %w", domain.ErrInvalidTransition)
		case o.Status != StatusPending:
			return o, nil, nil, false, fmt.Errorf("order is %s: %w", o.Status, domain.ErrInvalidTransition)
		}
		next := o
		next.Stock = StockReserved
		return next, linesStock(o), nil, false, nil
	})
}

// ReleaseStock gives back the stock a checkout order reserved, once; without a reservation it
// only marks the order released (so no reservation can follow).
func (c *Client) ReleaseStock(ctx context.Context, id string) (Order, bool, error) {
	return c.sagaStep(ctx, id, "release stock of order", func(o Order) (Order, []StockChange, []StockChange, bool, error) {
		if o.Stock == StockReleased {
			return o, nil, nil, true, nil
		}
		next := o
		next.Stock = StockReleased
		var restock []StockChange
		if o.Stock == StockReserved {
			restock = linesStock(o)
		}
		return next, nil, restock, false, nil
	})
}

// ConfirmOrder moves a checkout order whose stock is reserved from PENDING to CONFIRMED, once.
func (c *Client) ConfirmOrder(ctx context.Context, id string) (Order, bool, error) {
	return c.sagaStep(ctx, id, "confirm order", func(o Order) (Order, []StockChange, []StockChange, bool, error) {
		switch {
		case o.Status == StatusConfirmed:
			return o, nil, nil, true, nil
		case o.Status != StatusPending:
			return o, nil, nil, false, fmt.Errorf("order is %s: %w", o.Status, domain.ErrInvalidTransition)
		case o.Stock != StockReserved:
			return o, nil, nil, false, fmt.Errorf("stock not reserved: %w", domain.ErrInvalidTransition)
		}
		next := o
		next.Status = StatusConfirmed
		return next, nil, nil, false, nil
	})
}

// CancelCheckout cancels a checkout order with reason, once, giving back stock still
// reserved (normally ReleaseStock ran before).
func (c *Client) CancelCheckout(ctx context.Context, id, reason string) (Order, bool, error) {
	return c.sagaStep(ctx, id, "cancel order", func(o Order) (Order, []StockChange, []StockChange, bool, error) {
		if o.Status == StatusCancelled {
			return o, nil, nil, true, nil
		}
		if !CanTransition(o.Status, StatusCancelled) {
			return o, nil, nil, false, fmt.Errorf("order is %s: %w", o.Status, domain.ErrInvalidTransition)
		}
		next := o
		next.Status, next.CancellationReason = StatusCancelled, reason
		var restock []StockChange
		if o.Stock == StockReserved {
			restock, next.Stock = linesStock(o), StockReleased
		}
		return next, nil, restock, false, nil
	})
}

func validatePayment(v *domain.ValidationError, in PlaceOrderInput) {
	switch in.PaymentMethod {
	case "":
		if in.PaymentToken != "" {
			v.Add("payment_token", "not_allowed", "only card checkouts have a payment token")
		}
	case PaymentCard:
		if in.Channel == ChannelPartner {
			v.Add("payment_method", "invalid", "partner orders are on account")
		}
		switch {
		case in.PaymentToken == "":
			v.Add("payment_token", "required", "must not be empty")
		case len(in.PaymentToken) > 128 || strings.ContainsFunc(in.PaymentToken, func(r rune) bool { return r < 0x21 || r > 0x7e }):
			v.Add("payment_token", "invalid", "must be 1-128 printable ASCII characters")
		}
	case PaymentOnAccount:
		if in.Channel != ChannelPartner {
			v.Add("payment_method", "invalid", "only partner orders are on account")
		}
		if in.PaymentToken != "" {
			v.Add("payment_token", "not_allowed", "orders on account have no payment token")
		}
	default:
		v.Add("payment_method", "invalid", "must be card or on_account")
	}
}
