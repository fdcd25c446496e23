package webhooks

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"bffsuite.dev/shared/domain"
	"bffsuite.dev/shared/events"
)

// Memory is the in-process Store. Safe for concurrent use.
type Memory struct {
	mu         sync.Mutex
	endpoints  map[string]Endpoint // id → endpoint
	deliveries map[string]Delivery // id → delivery
	feeds      map[string][]FeedEntry
}

// NewMemory returns an empty store.
func NewMemory() *Memory {
	return &Memory{endpoints: map[string]Endpoint{}, deliveries: map[string]Delivery{}, feeds: map[string][]FeedEntry{}}
}

var _ Store = (*Memory)(nil)

func clone(e Endpoint) Endpoint {
	e.Secrets = slices.Clone(e.Secrets)
	e.EventTypes = slices.Clone(e.EventTypes)
	return e
}

// CreateEndpoint implements Store.
func (m *Memory) CreateEndpoint(ctx context.Context, e Endpoint) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.endpoints[e.ID]; ok {
		return fmt.Errorf("create endpoint: %w", domain.ErrConflict)
	}
	m.endpoints[e.ID] = clone(e)
	return nil
}

// GetEndpoint implements Store.
func (m *Memory) GetEndpoint(ctx context.Context, partnerID, id string) (Endpoint, error) {
	if err := ctx.Err(); err != nil {
		return Endpoint{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.endpoints[id]
	if !ok || e.PartnerID != partnerID {
		return Endpoint{}, fmt.Errorf("webhook endpoint %s: %w", id, domain.ErrNotFound)
	}
	return clone(e), nil
}

// ListEndpoints implements Store.
func (m *Memory) ListEndpoints(ctx context.Context, partnerID string) ([]Endpoint, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Endpoint
	for _, e := range m.endpoints {
		if e.PartnerID == partnerID {
			out = append(out, clone(e))
		}
	}
	sortEndpoints(out)
	return out, nil
}

func sortEndpoints(es []Endpoint) {
	sort.Slice(es, func(i, j int) bool {
		if !es[i].CreatedAt.Equal(es[j].CreatedAt) {
			return es[i].CreatedAt.Before(es[j].CreatedAt)
		}
		return es[i].ID < es[j].ID
	})
}

// DeleteEndpoint implements Store.
func (m *Memory) DeleteEndpoint(ctx context.Context, partnerID, id string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.endpoints[id]
	if !ok || e.PartnerID != partnerID {
		return fmt.Errorf("webhook endpoint %s: %w", id, domain.ErrNotFound)
	}
	delete(m.endpoints, id)
	return nil
}

// UpdateSecrets implements Store.
func (m *Memory) UpdateSecrets(ctx context.Context, partnerID, id string, secrets []Secret, at time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.endpoints[id]
	if !ok || e.PartnerID != partnerID {
		return fmt.Errorf("webhook endpoint %s: %w", id, domain.ErrNotFound)
	}
	e.Secrets, e.UpdatedAt = slices.Clone(secrets), at
	m.endpoints[id] = e
	return nil
}

// CreateDelivery implements Store.
func (m *Memory) CreateDelivery(ctx context.Context, d Delivery) (Delivery, bool, error) {
	if err := ctx.Err(); err != nil {
		return Delivery{}, false, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if old, ok := m.deliveries[d.ID]; ok {
		return old, false, nil
	}
	m.deliveries[d.ID] = d
	return d, true, nil
}

// GetDelivery implements Store.
func (m *Memory) GetDelivery(ctx context.Context, partnerID, endpointID, id string) (Delivery, error) {
	if err := ctx.Err(); err != nil {
		return Delivery{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	d, ok := m.deliveries[id]
	if !ok || d.PartnerID != partnerID || d.EndpointID != endpointID {
		return Delivery{}, fmt.Errorf("webhook delivery %s: %w", id, domain.ErrNotFound)
	}
	return d, nil
}

// PutDelivery implements Store.
func (m *Memory) PutDelivery(ctx context.Context, d Delivery) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.deliveries[d.ID] = d
	return nil
}

// ListDeliveries implements Store.
func (m *Memory) ListDeliveries(ctx context.Context, partnerID, endpointID string, limit int) ([]Delivery, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Delivery
	for _, d := range m.deliveries {
		if d.PartnerID == partnerID && d.EndpointID == endpointID {
			out = append(out, d)
		}
	}
	sortDeliveries(out)
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

func sortDeliveries(ds []Delivery) {
	sort.Slice(ds, func(i, j int) bool {
		if !ds[i].CreatedAt.Equal(ds[j].CreatedAt) {
			return ds[i].CreatedAt.After(ds[j].CreatedAt)
		}
		return ds[i].ID > ds[j].ID
	})
}

// AppendFeed implements Store.
func (m *Memory) AppendFeed(ctx context.Context, partnerID string, e events.Event) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	pos := FeedPosition(e)
	f := m.feeds[partnerID]
	i, found := slices.BinarySearchFunc(f, pos, func(en FeedEntry, p string) int { return strings.Compare(en.Position, p) })
	if found {
		return nil
	}
	m.feeds[partnerID] = slices.Insert(f, i, FeedEntry{Position: pos, Event: e})
	return nil
}

// ReadFeed implements Store.
func (m *Memory) ReadFeed(ctx context.Context, partnerID, after string, limit int) ([]FeedEntry, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []FeedEntry
	for _, en := range m.feeds[partnerID] {
		if en.Position > after {
			out = append(out, en)
			if len(out) == limit {
				break
			}
		}
	}
	return out, nil
}
