package embedded

import (
	"context"
	"fmt"
	"sync"

	"bffsuite.dev/shared/domain"
	"bffsuite.dev/shared/faults"
	"bffsuite.dev/shared/orders"
	"bffsuite.dev/shared/payments"
)

// ReserveStock implements orders.StockReserver: the order write and every stock decrement
// under the store's lock, all or nothing.
func (v ordersView) ReserveStock(ctx context.Context, o orders.Order, from orders.Status, reserve []orders.StockChange) error {
	if err := v.s.inject(ctx, faults.Orders); err != nil {
		return err
	}
	v.s.mu.Lock()
	defer v.s.mu.Unlock()
	old, err := v.s.transition(o, from)
	if err != nil {
		return err
	}
	for _, r := range reserve {
		p, ok := v.s.products[r.ProductID]
		switch {
		case !ok:
			return fmt.Errorf("product %s: %w", r.ProductID, domain.ErrNotFound)
		case p.Stock < r.Quantity:
			return fmt.Errorf("product %s: %d requested, %d available: %w", r.ProductID, r.Quantity, p.Stock, domain.ErrInsufficientStock)
		}
	}
	for _, r := range reserve {
		p := v.s.products[r.ProductID]
		p.Stock -= r.Quantity
		p.UpdatedAt = later(p.UpdatedAt, o.UpdatedAt)
		v.s.products[r.ProductID] = p
	}
	v.s.orders[o.ID] = cloneOrder(o)
	v.s.list = nil
	if v.s.onOrder != nil { // the in-process outbox (order events), as in UpdateOrder
		v.s.onOrder(&old, cloneOrder(o))
	}
	return nil
}

// Ledger is the payments ledger in memory (one process; make run and tests).
type Ledger struct {
	mu sync.Mutex
	m  map[string]payments.Payment
}

// NewLedger returns an empty ledger.
func NewLedger() *Ledger { return &Ledger{m: map[string]payments.Payment{}} }

// GetPayment implements payments.Ledger.
func (l *Ledger) GetPayment(ctx context.Context, orderID string) (payments.Payment, error) {
	if err := ctx.Err(); err != nil {
		return payments.Payment{}, fmt.Errorf("ledger: %w: %w", domain.ErrUnavailable, err)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	p, ok := l.m[orderID]
	if !ok {
		return payments.Payment{}, domain.ErrNotFound
	}
	return p, nil
}

// PutPayment implements payments.Ledger.
func (l *Ledger) PutPayment(ctx context.Context, p payments.Payment) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("ledger: %w: %w", domain.ErrUnavailable, err)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.m[p.OrderID].Version != p.Version-1 {
		return fmt.Errorf("payment %s changed concurrently: %w", p.OrderID, domain.ErrConflict)
	}
	l.m[p.OrderID] = p
	return nil
}
