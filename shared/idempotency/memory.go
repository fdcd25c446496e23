package idempotency

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"
)

// Memory is the embedded Store: records in a map of this process, dropped when they expire.
// Records are not shared between processes (each local BFF process has its own).
type Memory struct {
	mu        sync.Mutex
	records   map[string]Record
	lastSweep time.Time
}

// sweepEvery bounds how often Acquire scans for expired records.
const sweepEvery = time.Minute

// NewMemory returns an empty in-memory store.
func NewMemory() *Memory { return &Memory{records: map[string]Record{}} }

func cloneRecord(r Record) Record {
	r.Header = r.Header.Clone()
	r.Body = slices.Clone(r.Body)
	return r
}

// Acquire implements Store.
func (m *Memory) Acquire(ctx context.Context, key string, rec Record, now time.Time) (*Record, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("acquire idempotency key: %w", err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if now.Sub(m.lastSweep) >= sweepEvery {
		m.lastSweep = now
		maps.DeleteFunc(m.records, func(_ string, r Record) bool { return !now.Before(r.ExpiresAt) })
	}
	if old, ok := m.records[key]; ok && old.live(now) {
		c := cloneRecord(old)
		return &c, nil
	}
	m.records[key] = cloneRecord(rec)
	return nil, nil
}

// Complete implements Store.
func (m *Memory) Complete(ctx context.Context, key string, rec Record) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("complete idempotency key: %w", err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	old, ok := m.records[key]
	if !ok || old.Token != rec.Token || old.State != StateInProgress {
		return fmt.Errorf("complete idempotency key: %w", ErrLost)
	}
	m.records[key] = cloneRecord(rec)
	return nil
}

// Release implements Store.
func (m *Memory) Release(ctx context.Context, key, token string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("release idempotency key: %w", err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	old, ok := m.records[key]
	if !ok || old.Token != token || old.State != StateInProgress {
		return fmt.Errorf("release idempotency key: %w", ErrLost)
	}
	delete(m.records, key)
	return nil
}

// Len returns the number of records held, expired ones included until the next sweep.
func (m *Memory) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.records)
}
