package app

import (
	"context"
	"sync"
	"time"
)

// memo keeps one value of public catalog data (categories, featured products) for a few
// seconds, so a busy home screen does not recompute the same search for every request. It
// only ever holds data that is the same for every caller and that the HTTP caches may keep
// longer anyway (Cache-Control max-age). Failed fetches are not kept. A ttl of 0 disables it.
type memo[T any] struct {
	ttl time.Duration
	mu  sync.Mutex
	val T
	at  time.Time
	ok  bool
}

// get returns the kept value while fresh, else fetches (callers must not modify the value).
func (m *memo[T]) get(ctx context.Context, fetch func(ctx context.Context) (T, error)) (T, error) {
	if m.ttl <= 0 {
		return fetch(ctx)
	}
	m.mu.Lock()
	if m.ok && time.Since(m.at) < m.ttl {
		v := m.val
		m.mu.Unlock()
		return v, nil
	}
	m.mu.Unlock()
	v, err := fetch(ctx)
	if err != nil {
		return v, err
	}
	m.mu.Lock()
	m.val, m.at, m.ok = v, time.Now(), true
	m.mu.Unlock()
	return v, nil
}
