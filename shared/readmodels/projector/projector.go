// Package projector applies order events (shared/events) to the read models
// (shared/readmodels): the same code in the projector Lambda (workers/cmd/projector), the
// rebuild command and the in-process bus of `make run`.
package projector

import (
	"context"
	"errors"
	"fmt"
	"time"

	"slices"
	"strings"

	"bffsuite.dev/shared/events"
	"bffsuite.dev/shared/orders"
	rm "bffsuite.dev/shared/readmodels"
)

// Projector applies order events to the read models (events.Handler). Safe for concurrent
// use, also by several processes over one backend.
type Projector struct {
	b   rm.Backend
	cfg rm.Config
	now func() time.Time
}

// New returns a projector writing to b.
func New(b rm.Backend, cfg rm.Config, now func() time.Time) *Projector {
	if now == nil {
		now = time.Now
	}
	return &Projector{b: b, cfg: cfg.WithDefaults(), now: now}
}

// Outcome says what Apply did with an event.
type Outcome string

// Outcomes.
const (
	Applied Outcome = "applied" // the event was newer than the stored state
	Skipped Outcome = "skipped" // a duplicate or an older event: nothing changed
)

// maxAttempts bounds the re-reads after rm.ErrConflict (concurrent projectors on one order).
const maxAttempts = 5

// Handle is Apply as an events.Handler.
func (p *Projector) Handle(ctx context.Context, e events.Event) error {
	_, err := p.Apply(ctx, e)
	return err
}

// Apply projects e: when e is newer than the order's stored state, it stores the state e
// describes and adds the difference of the two states' contributions to the views, atomically.
func (p *Projector) Apply(ctx context.Context, e events.Event) (Outcome, error) {
	for range maxAttempts {
		old, ok, err := p.b.OrderState(ctx, e.OrderID)
		if err != nil {
			return "", fmt.Errorf("project %s: read order state: %w", e.ID, err)
		}
		var prev *rm.OrderState
		if ok {
			if old.Version >= e.OrderVersion {
				return Skipped, nil
			}
			prev = &old
		}
		next := p.stateOf(e, prev)
		d := p.delta(prev, next)
		err = p.b.Apply(ctx, prev, next, d, p.now())
		if err == nil {
			return Applied, nil
		}
		if !errors.Is(err, rm.ErrConflict) {
			return "", fmt.Errorf("project %s: %w", e.ID, err)
		}
	}
	return "", fmt.Errorf("project %s: order %s kept changing: %w", e.ID, e.OrderID, rm.ErrConflict)
}

// stateOf is the order state an event describes; the popularity bucket stays the one of the
// first event the projector saw of the order.
func (p *Projector) stateOf(e events.Event, prev *rm.OrderState) rm.OrderState {
	s := rm.OrderState{
		OrderID: e.OrderID, CustomerID: e.Owner.CustomerID, Version: e.OrderVersion, LastEventID: e.ID,
		Counted: e.Status != string(orders.StatusCancelled), Total: e.Total.Amount, Currency: e.Total.Currency,
	}
	for _, l := range e.Lines {
		s.Lines = append(s.Lines, rm.ProductUnits{ProductID: l.ProductID, SKU: l.SKU, Units: l.Quantity})
	}
	if prev != nil && prev.Bucket != "" {
		s.Bucket, s.BucketEnd = prev.Bucket, prev.BucketEnd
	} else {
		s.Bucket, s.BucketEnd = p.cfg.BucketOf(e.OccurredAt)
	}
	return s
}

// contribution of a state: counted orders add one order, their total and their units.
func contribution(s *rm.OrderState) (orders, value int64, units map[string]rm.ProductUnits) {
	units = map[string]rm.ProductUnits{}
	if s == nil || !s.Counted {
		return 0, 0, units
	}
	for _, l := range s.Lines {
		u := units[l.ProductID]
		u.ProductID, u.SKU, u.Units = l.ProductID, l.SKU, u.Units+l.Units
		units[l.ProductID] = u
	}
	return 1, s.Total, units
}

// delta is next's contribution less prev's. Units go to next's bucket only while it is in the
// window (an expired bucket is no longer read).
func (p *Projector) delta(prev *rm.OrderState, next rm.OrderState) rm.Delta {
	o0, v0, u0 := contribution(prev)
	o1, v1, u1 := contribution(&next)
	d := rm.Delta{CustomerID: next.CustomerID, Orders: o1 - o0, Value: v1 - v0, Currency: next.Currency}
	if !next.BucketEnd.After(p.now()) {
		return d
	}
	d.Bucket, d.Expires = next.Bucket, next.BucketEnd
	ids := map[string]bool{}
	for id := range u0 {
		ids[id] = true
	}
	for id := range u1 {
		ids[id] = true
	}
	for id := range ids {
		a, b := u0[id], u1[id]
		if diff := b.Units - a.Units; diff != 0 {
			sku := b.SKU
			if sku == "" {
				sku = a.SKU
			}
			d.Units = append(d.Units, rm.ProductUnits{ProductID: id, SKU: sku, Units: diff})
		}
	}
	slices.SortFunc(d.Units, func(a, b rm.ProductUnits) int { return strings.Compare(a.ProductID, b.ProductID) })
	return d
}
