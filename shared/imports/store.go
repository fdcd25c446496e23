package imports

import (
	"context"
	"slices"
	"sync"

	"bffsuite.dev/shared/domain"
)

// Store keeps import records. Implementations: NewMemory, NewDynamoDB.
type Store interface {
	// Create stores a new record (domain.ErrConflict when the id is taken).
	Create(ctx context.Context, imp Import) error
	// Get returns the partner's import (domain.ErrNotFound, also for another partner's id).
	Get(ctx context.Context, partnerID, id string) (Import, error)
	// List returns the partner's imports newest first, after the id "before" (exclusive; ""
	// from the newest), at most limit, and whether more follow.
	List(ctx context.Context, partnerID, before string, limit int) ([]Import, bool, error)
	// Update replaces the record when its stored Version is prev (imp.Version must be prev+1);
	// otherwise domain.ErrConflict.
	Update(ctx context.Context, imp Import, prev int64) error
}

// Memory is the in-process Store (make run, tests).
type Memory struct {
	mu   sync.Mutex
	recs map[string]Import // partner/id
}

// NewMemory returns an empty in-memory store.
func NewMemory() *Memory { return &Memory{recs: map[string]Import{}} }

func memKey(partnerID, id string) string { return partnerID + "/" + id }

// Create implements Store.
func (m *Memory) Create(_ context.Context, imp Import) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := memKey(imp.PartnerID, imp.ID)
	if _, ok := m.recs[k]; ok {
		return domain.ErrConflict
	}
	m.recs[k] = imp
	return nil
}

// Get implements Store.
func (m *Memory) Get(_ context.Context, partnerID, id string) (Import, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	imp, ok := m.recs[memKey(partnerID, id)]
	if !ok {
		return Import{}, domain.ErrNotFound
	}
	return imp, nil
}

// List implements Store.
func (m *Memory) List(_ context.Context, partnerID, before string, limit int) ([]Import, bool, error) {
	m.mu.Lock()
	var all []Import
	for _, imp := range m.recs {
		if imp.PartnerID == partnerID && (before == "" || imp.ID < before) {
			all = append(all, imp)
		}
	}
	m.mu.Unlock()
	slices.SortFunc(all, func(a, b Import) int { return -compareStrings(a.ID, b.ID) })
	more := len(all) > limit
	return all[:min(limit, len(all))], more, nil
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Update implements Store.
func (m *Memory) Update(_ context.Context, imp Import, prev int64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := memKey(imp.PartnerID, imp.ID)
	cur, ok := m.recs[k]
	if !ok {
		return domain.ErrNotFound
	}
	if cur.Version != prev || imp.Version != prev+1 {
		return domain.ErrConflict
	}
	m.recs[k] = imp
	return nil
}
