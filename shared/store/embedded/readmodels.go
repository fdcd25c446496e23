package embedded

import (
	"context"
	"slices"
	"sync"
	"time"

	"bffsuite.dev/shared/orders"
	"bffsuite.dev/shared/readmodels"
)

// ReadModels is the in-memory read-model backend (readmodels.Backend) of `make run`: one lock
// makes every Apply atomic, as the DynamoDB transaction does.
type ReadModels struct {
	mu        sync.Mutex
	states    map[string]readmodels.OrderState
	summaries map[string]readmodels.Counts
	buckets   map[string]*bucket
}

type bucket struct {
	expires time.Time
	units   map[string]readmodels.ProductUnits
}

// NewReadModels returns an empty read-model backend.
func NewReadModels() *ReadModels {
	return &ReadModels{states: map[string]readmodels.OrderState{}, summaries: map[string]readmodels.Counts{}, buckets: map[string]*bucket{}}
}

// OrderState implements readmodels.Backend.
func (r *ReadModels) OrderState(_ context.Context, orderID string) (readmodels.OrderState, bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	s, ok := r.states[orderID]
	s.Lines = slices.Clone(s.Lines)
	return s, ok, nil
}

// Apply implements readmodels.Backend.
func (r *ReadModels) Apply(_ context.Context, prev *readmodels.OrderState, next readmodels.OrderState, d readmodels.Delta, at time.Time) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	cur, ok := r.states[next.OrderID]
	if (prev == nil && ok) || (prev != nil && (!ok || cur.Version != prev.Version)) {
		return readmodels.ErrConflict
	}
	next.Lines = slices.Clone(next.Lines)
	r.states[next.OrderID] = next
	if d.CustomerID != "" {
		c := r.summaries[d.CustomerID]
		c.Orders += d.Orders
		c.LifetimeValue += d.Value
		if c.Currency == "" {
			c.Currency = d.Currency
		}
		c.UpdatedAt = at
		r.summaries[d.CustomerID] = c
	}
	if d.Bucket != "" && len(d.Units) > 0 {
		b := r.buckets[d.Bucket]
		if b == nil {
			b = &bucket{units: map[string]readmodels.ProductUnits{}}
			r.buckets[d.Bucket] = b
		}
		b.expires = d.Expires
		for _, u := range d.Units {
			p := b.units[u.ProductID]
			p.ProductID, p.SKU, p.Units = u.ProductID, u.SKU, p.Units+u.Units
			b.units[u.ProductID] = p
		}
	}
	for name, b := range r.buckets { // what the table's TTL does
		if !b.expires.After(at) {
			delete(r.buckets, name)
		}
	}
	return nil
}

// Summary implements readmodels.Backend.
func (r *ReadModels) Summary(_ context.Context, customerID string) (readmodels.Counts, bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	c, ok := r.summaries[customerID]
	return c, ok, nil
}

// BucketUnits implements readmodels.Backend.
func (r *ReadModels) BucketUnits(_ context.Context, name string) ([]readmodels.ProductUnits, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	b := r.buckets[name]
	if b == nil {
		return nil, nil
	}
	out := make([]readmodels.ProductUnits, 0, len(b.units))
	for _, u := range b.units {
		out = append(out, u)
	}
	return out, nil
}

// AllOrders returns every order of the store (the rebuild of the read models at start).
func (s *Store) AllOrders() []orders.Order {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]orders.Order, 0, len(s.orders))
	for _, o := range s.orders {
		out = append(out, cloneOrder(o))
	}
	return out
}
