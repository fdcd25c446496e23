package partners

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"bffsuite.dev/shared/domain"
)

// Cache defaults: a record change (a new partner, a suspension) takes effect within TTL.
const (
	DefaultTTL        = 30 * time.Second
	DefaultMaxEntries = 4096
	// DefaultMaxNegative bounds the remembered unknown client ids separately, so many unknown
	// ids cannot push known partners out of the cache.
	DefaultMaxNegative = 1024
)

// Options configure a Registry.
type Options struct {
	// TTL is how long a looked-up record (or its absence) is reused; 0: DefaultTTL.
	TTL time.Duration
	// MaxEntries bounds the cached records; MaxNegative the cached unknown client ids. When a
	// bound is reached the oldest entry is dropped. 0: the defaults.
	MaxEntries, MaxNegative int
	// Now replaces the clock (tests).
	Now func() time.Time
}

// Registry resolves app clients to partners with a bounded TTL cache in front of a Backend:
// at most one backend read per client id per TTL (concurrent misses share one read), unknown
// ids are cached too (in their own bounded set), and backend failures are never cached. Safe
// for concurrent use; build one per process.
type Registry struct {
	b   Backend
	o   Options
	mu  sync.Mutex
	pos cacheSet
	neg cacheSet
	// inflight holds the reads under way, so a burst of requests of one client reads once.
	inflight map[string]*call
	reads    int64
}

type call struct {
	done chan struct{}
	p    Partner
	err  error
}

type entry struct {
	p   Partner
	at  time.Time
	seq uint64 // insertion number: tells a live key from an older, deleted occurrence in order
}

type orderKey struct {
	k   string
	seq uint64
}

// cacheSet is a map with FIFO eviction at a size bound.
type cacheSet struct {
	max   int
	seq   uint64
	m     map[string]entry
	order []orderKey
}

func (s *cacheSet) get(k string) (entry, bool) { e, ok := s.m[k]; return e, ok }

func (s *cacheSet) put(k string, e entry) {
	delete(s.m, k) // a refreshed entry goes to the back of the line (its old place turns stale)
	for len(s.m) >= s.max && len(s.order) > 0 {
		o := s.order[0]
		s.order = s.order[1:]
		if cur, ok := s.m[o.k]; ok && cur.seq == o.seq {
			delete(s.m, o.k)
		}
	}
	s.seq++
	e.seq = s.seq
	s.m[k] = e
	s.order = append(s.order, orderKey{k, e.seq})
	if len(s.order) > 2*s.max+16 { // drop occurrences of keys deleted out of line
		live := make([]orderKey, 0, len(s.m))
		for _, o := range s.order {
			if cur, ok := s.m[o.k]; ok && cur.seq == o.seq {
				live = append(live, o)
			}
		}
		s.order = live
	}
}

func (s *cacheSet) del(k string) { delete(s.m, k) }

// NewRegistry returns a Registry over b.
func NewRegistry(b Backend, o Options) *Registry {
	if o.TTL <= 0 {
		o.TTL = DefaultTTL
	}
	if o.MaxEntries <= 0 {
		o.MaxEntries = DefaultMaxEntries
	}
	if o.MaxNegative <= 0 {
		o.MaxNegative = DefaultMaxNegative
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Registry{b: b, o: o,
		pos:      cacheSet{max: o.MaxEntries, m: map[string]entry{}},
		neg:      cacheSet{max: o.MaxNegative, m: map[string]entry{}},
		inflight: map[string]*call{},
	}
}

// TTL returns how long a record change may take to reach this process.
func (r *Registry) TTL() time.Duration { return r.o.TTL }

// Reads returns how many backend reads the registry made (tests, metrics).
func (r *Registry) Reads() int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.reads
}

// Resolve returns the partner of an app client. Unknown clients are an error wrapping
// domain.ErrNotFound; a suspended partner returns its record and an error wrapping
// ErrSuspended; backend failures wrap domain.ErrUnavailable.
func (r *Registry) Resolve(ctx context.Context, clientID string) (Partner, error) {
	p, err := r.lookup(ctx, clientID)
	if err != nil {
		return Partner{}, err
	}
	if !p.Active() {
		return p, fmt.Errorf("client %s of partner %s: %w", clientID, p.ID, ErrSuspended)
	}
	return p, nil
}

func (r *Registry) lookup(ctx context.Context, clientID string) (Partner, error) {
	notFound := fmt.Errorf("client %q: %w", clientID, domain.ErrNotFound)
	if clientID == "" {
		return Partner{}, notFound
	}
	now := r.o.Now()
	r.mu.Lock()
	if e, ok := r.pos.get(clientID); ok && now.Sub(e.at) < r.o.TTL {
		r.mu.Unlock()
		return e.p, nil
	}
	if e, ok := r.neg.get(clientID); ok && now.Sub(e.at) < r.o.TTL {
		r.mu.Unlock()
		return Partner{}, notFound
	}
	c, running := r.inflight[clientID]
	if !running {
		c = &call{done: make(chan struct{})}
		r.inflight[clientID] = c
		r.reads++
	}
	r.mu.Unlock()

	if running {
		select {
		case <-c.done:
			return c.p, c.err
		case <-ctx.Done():
			return Partner{}, fmt.Errorf("partner of client %s: %w", clientID, ctx.Err())
		}
	}
	// The read runs without the caller's cancellation (other callers wait for it) but keeps
	// its deadline's budget through a bounded context of its own.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), readTimeout(ctx))
	p, err := r.b.GetByClient(rctx, clientID)
	cancel()
	r.mu.Lock()
	switch {
	case err == nil:
		r.neg.del(clientID)
		r.pos.put(clientID, entry{p: p, at: r.o.Now()})
	case errors.Is(err, domain.ErrNotFound):
		r.pos.del(clientID)
		r.neg.put(clientID, entry{at: r.o.Now()})
		p, err = Partner{}, notFound
	default:
		p, err = Partner{}, fmt.Errorf("partner of client %s: %w", clientID, err)
	}
	c.p, c.err = p, err
	delete(r.inflight, clientID)
	r.mu.Unlock()
	close(c.done)
	return p, err
}

// readTimeout is the caller's remaining time, at most 5 s.
func readTimeout(ctx context.Context) time.Duration {
	const limit = 5 * time.Second
	if dl, ok := ctx.Deadline(); ok {
		if d := time.Until(dl); d < limit {
			return max(d, time.Millisecond)
		}
	}
	return limit
}
