package partners_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"bffsuite.dev/shared/domain"
	"bffsuite.dev/shared/partners"
	"bffsuite.dev/shared/store/embedded"
)

// countingBackend counts reads and can fail or block them.
type countingBackend struct {
	partners.Backend
	reads atomic.Int64
	fail  atomic.Bool
	gate  chan struct{} // nil: reads do not block
}

func (c *countingBackend) GetByClient(ctx context.Context, id string) (partners.Partner, error) {
	c.reads.Add(1)
	if c.gate != nil {
		<-c.gate
	}
	if c.fail.Load() {
		return partners.Partner{}, fmt.Errorf("get: %w", domain.ErrUnavailable)
	}
	return c.Backend.GetByClient(ctx, id)
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }
func newClock() *clock               { return &clock{t: time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)} }
func active(id, client string) partners.Partner {
	return partners.Partner{ID: id, Name: id, ClientID: client, RateTier: "gold", Status: partners.StatusActive}
}

func newBackend(t *testing.T, seed ...partners.Partner) *countingBackend {
	t.Helper()
	mem, err := embedded.NewPartners(seed)
	if err != nil {
		t.Fatal(err)
	}
	return &countingBackend{Backend: mem}
}

func TestResolve(t *testing.T) {
	sus := active("sus", "sus-client")
	sus.Status = partners.StatusSuspended
	b := newBackend(t, active("acme", "acme-client"), sus)
	r := partners.NewRegistry(b, partners.Options{})
	ctx := context.Background()
	tests := []struct {
		client string
		wantID string
		want   error
	}{
		{"acme-client", "acme", nil},
		{"sus-client", "sus", partners.ErrSuspended},
		{"stranger", "", domain.ErrNotFound},
		{"", "", domain.ErrNotFound},
	}
	for _, tt := range tests {
		p, err := r.Resolve(ctx, tt.client)
		if !errors.Is(err, tt.want) || (tt.want == nil && err != nil) || p.ID != tt.wantID {
			t.Errorf("Resolve(%q) = %q, %v, want %q, %v", tt.client, p.ID, err, tt.wantID, tt.want)
		}
	}
}

// TestCacheTTL: a change reaches the registry within the TTL, and not before.
func TestCacheTTL(t *testing.T) {
	b := newBackend(t, active("acme", "acme-client"))
	clk := newClock()
	r := partners.NewRegistry(b, partners.Options{TTL: 30 * time.Second, Now: clk.now})
	ctx := context.Background()
	for range 100 {
		if _, err := r.Resolve(ctx, "acme-client"); err != nil {
			t.Fatal(err)
		}
	}
	if got := b.reads.Load(); got != 1 {
		t.Errorf("backend reads for 100 lookups within the TTL = %d, want 1", got)
	}
	if _, err := b.SetStatus(ctx, "acme-client", partners.StatusSuspended, clk.now()); err != nil {
		t.Fatal(err)
	}
	clk.add(29 * time.Second)
	if _, err := r.Resolve(ctx, "acme-client"); err != nil {
		t.Errorf("Resolve 29 s after suspension = %v, want the cached active record", err)
	}
	clk.add(time.Second)
	if _, err := r.Resolve(ctx, "acme-client"); !errors.Is(err, partners.ErrSuspended) {
		t.Errorf("Resolve 30 s after suspension = %v, want ErrSuspended", err)
	}

	// A partner added after a miss was cached is found once the negative entry expires.
	if _, err := r.Resolve(ctx, "new-client"); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("Resolve(new-client) = %v, want ErrNotFound", err)
	}
	if err := b.Create(ctx, active("new", "new-client")); err != nil {
		t.Fatal(err)
	}
	before := b.reads.Load()
	if _, err := r.Resolve(ctx, "new-client"); !errors.Is(err, domain.ErrNotFound) || b.reads.Load() != before {
		t.Errorf("Resolve(new-client) within the TTL = %v after %d reads, want cached ErrNotFound without a read", err, b.reads.Load()-before)
	}
	clk.add(30 * time.Second)
	if p, err := r.Resolve(ctx, "new-client"); err != nil || p.ID != "new" {
		t.Errorf("Resolve(new-client) after the TTL = %+v, %v, want partner new", p, err)
	}
}

// TestNegativeCacheBounded: unknown ids are cached (one read each per TTL) in a bounded set
// that does not evict known partners.
func TestNegativeCacheBounded(t *testing.T) {
	b := newBackend(t, active("acme", "acme-client"))
	clk := newClock()
	r := partners.NewRegistry(b, partners.Options{MaxNegative: 8, MaxEntries: 4, Now: clk.now})
	ctx := context.Background()
	if _, err := r.Resolve(ctx, "acme-client"); err != nil {
		t.Fatal(err)
	}
	for i := range 8 {
		r.Resolve(ctx, fmt.Sprintf("unknown-%d", i))
	}
	reads := b.reads.Load()
	for i := range 8 { // all 8 fit: no further read
		r.Resolve(ctx, fmt.Sprintf("unknown-%d", i))
	}
	if got := b.reads.Load() - reads; got != 0 {
		t.Errorf("reads for 8 cached unknown ids = %d, want 0", got)
	}
	for i := 8; i < 1000; i++ {
		r.Resolve(ctx, fmt.Sprintf("unknown-%d", i))
	}
	reads = b.reads.Load()
	if _, err := r.Resolve(ctx, "acme-client"); err != nil || b.reads.Load() != reads {
		t.Errorf("Resolve(acme) after 1000 unknown ids = %v with %d reads, want the cached record", err, b.reads.Load()-reads)
	}
	r.Resolve(ctx, "unknown-0") // evicted long ago: one read
	if got := b.reads.Load() - reads; got != 1 {
		t.Errorf("reads for an evicted unknown id = %d, want 1", got)
	}
}

// TestFailuresNotCached: a failed read is an ErrUnavailable and the next lookup reads again.
func TestFailuresNotCached(t *testing.T) {
	b := newBackend(t, active("acme", "acme-client"))
	r := partners.NewRegistry(b, partners.Options{})
	ctx := context.Background()
	b.fail.Store(true)
	if _, err := r.Resolve(ctx, "acme-client"); !errors.Is(err, domain.ErrUnavailable) {
		t.Errorf("Resolve with a failing backend = %v, want ErrUnavailable", err)
	}
	b.fail.Store(false)
	if p, err := r.Resolve(ctx, "acme-client"); err != nil || p.ID != "acme" {
		t.Errorf("Resolve after recovery = %+v, %v, want acme", p, err)
	}
}

// TestConcurrentMissesReadOnce: a burst of lookups of one uncached client makes one read.
func TestConcurrentMissesReadOnce(t *testing.T) {
	b := newBackend(t, active("acme", "acme-client"))
	b.gate = make(chan struct{})
	r := partners.NewRegistry(b, partners.Options{})
	var wg sync.WaitGroup
	errs := make(chan error, 50)
	for range 50 {
		wg.Go(func() {
			_, err := r.Resolve(context.Background(), "acme-client")
			errs <- err
		})
	}
	for r.Reads() == 0 {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(20 * time.Millisecond) // let the others queue behind the read
	close(b.gate)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("Resolve = %v, want nil", err)
		}
	}
	if got := b.reads.Load(); got != 1 {
		t.Errorf("backend reads for 50 concurrent misses = %d, want 1", got)
	}
}

func TestValidate(t *testing.T) {
	ok := active("acme", "5r2k1example0client")
	tests := []struct {
		name  string
		edit  func(*partners.Partner)
		field string
	}{
		{"valid", func(*partners.Partner) {}, ""},
		{"bad id", func(p *partners.Partner) { p.ID = "a b" }, "id"},
		{"no name", func(p *partners.Partner) { p.Name = "" }, "name"},
		{"bad client", func(p *partners.Partner) { p.ClientID = "x/y" }, "client_id"},
		{"bad scope", func(p *partners.Partner) { p.Scopes = []string{"a b"} }, "scopes[0]"},
		{"no tier", func(p *partners.Partner) { p.RateTier = "" }, "rate_tier"},
		{"bad status", func(p *partners.Partner) { p.Status = "paused" }, "status"},
	}
	for _, tt := range tests {
		p := ok
		tt.edit(&p)
		err := partners.Validate(p)
		var ve *domain.ValidationError
		switch {
		case tt.field == "" && err != nil:
			t.Errorf("%s: Validate = %v, want nil", tt.name, err)
		case tt.field != "" && (!errors.As(err, &ve) || ve.Fields[0].Field != tt.field):
			t.Errorf("%s: Validate = %v, want a validation error on %s", tt.name, err, tt.field)
		}
	}
}

// TestEvictionKeepsRecentEntries: a client that moves between known and unknown is evicted in
// its turn, not by an older occurrence of its id.
func TestEvictionKeepsRecentEntries(t *testing.T) {
	b := newBackend(t)
	clk := newClock()
	r := partners.NewRegistry(b, partners.Options{MaxNegative: 3, Now: clk.now})
	ctx := context.Background()
	for _, id := range []string{"a", "b"} {
		r.Resolve(ctx, id)
	}
	clk.add(time.Minute) // "a" and "b" expire; "a" is read again and re-cached, last in line
	r.Resolve(ctx, "a")
	r.Resolve(ctx, "c")
	r.Resolve(ctx, "d") // the set is full (a, b, c): the oldest live entry, b, goes
	reads := b.reads.Load()
	r.Resolve(ctx, "a")
	if got := b.reads.Load() - reads; got != 0 {
		t.Errorf("reads for a, re-cached after b = %d, want 0 (b is evicted first)", got)
	}
	r.Resolve(ctx, "b")
	if got := b.reads.Load() - reads; got != 1 {
		t.Errorf("reads for the evicted b = %d, want 1", got)
	}
}
