package embedded

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"sync"
	"time"

	"bffsuite.dev/shared/domain"
	"bffsuite.dev/shared/partners"
)

// Partners is the in-memory partner registry backend (local runs, tests): records keyed by
// app client id. Safe for concurrent use.
type Partners struct {
	mu       sync.RWMutex
	byClient map[string]partners.Partner
}

var _ partners.Backend = (*Partners)(nil)

// NewPartners returns the backend holding seed (validated; duplicate client ids are an error).
func NewPartners(seed []partners.Partner) (*Partners, error) {
	s := &Partners{byClient: map[string]partners.Partner{}}
	for _, p := range seed {
		if err := s.Create(context.Background(), p); err != nil {
			return nil, fmt.Errorf("seed partner %s: %w", p.ID, err)
		}
	}
	return s, nil
}

func clonePartner(p partners.Partner) partners.Partner {
	p.Scopes = slices.Clone(p.Scopes)
	return p
}

// GetByClient implements partners.Backend.
func (s *Partners) GetByClient(_ context.Context, clientID string) (partners.Partner, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	p, ok := s.byClient[clientID]
	if !ok {
		return partners.Partner{}, fmt.Errorf("partner client %s: %w", clientID, domain.ErrNotFound)
	}
	return clonePartner(p), nil
}

// ListByPartner implements partners.Backend.
func (s *Partners) ListByPartner(ctx context.Context, partnerID string) ([]partners.Partner, error) {
	all, _ := s.List(ctx)
	out := all[:0]
	for _, p := range all {
		if p.ID == partnerID {
			out = append(out, p)
		}
	}
	return out, nil
}

// List implements partners.Backend: sorted by partner id, then client id.
func (s *Partners) List(context.Context) ([]partners.Partner, error) {
	s.mu.RLock()
	out := make([]partners.Partner, 0, len(s.byClient))
	for _, p := range s.byClient {
		out = append(out, clonePartner(p))
	}
	s.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool {
		if out[i].ID != out[j].ID {
			return out[i].ID < out[j].ID
		}
		return out[i].ClientID < out[j].ClientID
	})
	return out, nil
}

// Create implements partners.Backend.
func (s *Partners) Create(_ context.Context, p partners.Partner) error {
	if err := partners.Validate(p); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.byClient[p.ClientID]; ok {
		return fmt.Errorf("partner client %s already registered: %w", p.ClientID, domain.ErrConflict)
	}
	s.byClient[p.ClientID] = clonePartner(p)
	return nil
}

// SetStatus implements partners.Backend.
func (s *Partners) SetStatus(_ context.Context, clientID, status string, at time.Time) (partners.Partner, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.byClient[clientID]
	if !ok {
		return partners.Partner{}, fmt.Errorf("partner client %s: %w", clientID, domain.ErrNotFound)
	}
	p.Status, p.UpdatedAt = status, at.UTC()
	if err := partners.Validate(p); err != nil {
		return partners.Partner{}, err
	}
	s.byClient[clientID] = p
	return clonePartner(p), nil
}
