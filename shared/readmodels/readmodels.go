// Package readmodels is the read side (CQRS) of the orders: views kept up to date from the
// order events (shared/events) by a projector, so the BFFs read one item instead of
// computing over the orders table:
//
//   - the customer summary: how many orders a customer has (cancelled ones not counted), their
//     lifetime value and the membership tier that value earns (web home, mobile /v1/me);
//   - product popularity: units ordered per product in a recent window ("Popular now" on web
//     home and in the mobile feed).
//
// The projector is idempotent per event and correct under duplicates and reordering: it keeps
// the last applied state of every order (its version and what it contributes), applies an event
// only when it is newer than that state, and applies the difference between the old and new
// contributions together with the new state in one atomic write that is conditional on the
// state it read (store/dynamo: one transaction; store/embedded: one lock). A duplicate or an
// older event changes nothing; an event that arrives before an older one it supersedes wins,
// and the older one is then dropped. The state item records the id of the event that produced
// it (the per-event marker).
//
// Backends live with the other storage shapes: store/embedded (in memory, make run) and
// store/dynamo (one DynamoDB table).
package readmodels

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"bffsuite.dev/shared/domain"
)

// ErrConflict is Apply's answer when the stored state of the order is no longer the one the
// projector read (another projector instance got there first): read again and retry.
var ErrConflict = errors.New("readmodels: order state changed concurrently")

// ProductUnits is a product and a number of units.
type ProductUnits struct {
	ProductID string
	SKU       string
	Units     int64
}

// OrderState is what one order contributes to the read models as of Version.
type OrderState struct {
	OrderID     string
	CustomerID  string
	Version     int64
	LastEventID string // the event that produced this state (per-event marker)
	Counted     bool   // the order counts (not cancelled)
	Total       int64  // minor units
	Currency    string
	Lines       []ProductUnits
	// Bucket is the popularity bucket the order's units went to (the bucket of the first
	// event of the order the projector saw), BucketEnd when it leaves the window.
	Bucket    string
	BucketEnd time.Time
}

// Delta is what Apply adds to the views beside writing the new order state.
type Delta struct {
	CustomerID string // "" (a partner order without customer): no summary change
	Orders     int64
	Value      int64
	Currency   string
	// Units are added to the products of Bucket (empty: none), kept until Expires.
	Bucket  string
	Expires time.Time
	Units   []ProductUnits
}

// Empty reports whether d changes no view.
func (d Delta) Empty() bool {
	return (d.CustomerID == "" || (d.Orders == 0 && d.Value == 0)) && len(d.Units) == 0
}

// Counts is the stored customer summary.
type Counts struct {
	Orders        int64
	LifetimeValue int64
	Currency      string
	UpdatedAt     time.Time
}

// Backend stores the read models.
type Backend interface {
	// OrderState returns the stored state of the order, false when there is none.
	OrderState(ctx context.Context, orderID string) (OrderState, bool, error)
	// Apply stores next and adds d, atomically, if the stored state is still prev (none when
	// prev is nil, else one at prev.Version); otherwise it changes nothing and returns
	// ErrConflict.
	Apply(ctx context.Context, prev *OrderState, next OrderState, d Delta, at time.Time) error
	// Summary returns the customer's counts, false when none were ever applied.
	Summary(ctx context.Context, customerID string) (Counts, bool, error)
	// BucketUnits returns the units per product in a popularity bucket.
	BucketUnits(ctx context.Context, bucket string) ([]ProductUnits, error)
}

// Config configures the read models (platform config, workers).
type Config struct {
	// PopularWindow is how far back "Popular now" counts units; it is read in 4 buckets and
	// the current one (so the window is between PopularWindow and 5/4 of it).
	PopularWindow time.Duration `env:"BFF_POPULAR_WINDOW" default:"24h"`
	// PopularCacheTTL is how long a process reuses the popularity it read (one read for all
	// customers); 0 reads every time.
	PopularCacheTTL time.Duration `env:"BFF_POPULAR_CACHE_TTL" default:"30s"`
}

// Validate names the variable at fault.
func (c Config) Validate() error {
	var errs []error
	if c.PopularWindow < 4*time.Second || c.PopularWindow > 90*24*time.Hour {
		errs = append(errs, fmt.Errorf("BFF_POPULAR_WINDOW: %v must be between 4s and 90 days", c.PopularWindow))
	}
	if c.PopularCacheTTL < 0 {
		errs = append(errs, errors.New("BFF_POPULAR_CACHE_TTL: must not be negative"))
	}
	return errors.Join(errs...)
}

// WithDefaults fills zero fields with the defaults (configs built in code, not from the
// environment).
func (c Config) WithDefaults() Config {
	if c.PopularWindow <= 0 {
		c.PopularWindow = 24 * time.Hour
	}
	return c
}

// Unavailable is a backend whose every call fails with domain.ErrUnavailable and why (a
// process configured without a read-model table): the BFFs render the views as unavailable.
func Unavailable(why string) Backend { return unavailable(why) }

type unavailable string

func (u unavailable) err() error {
	return fmt.Errorf("read models: %s: %w", string(u), domain.ErrUnavailable)
}

func (u unavailable) OrderState(context.Context, string) (OrderState, bool, error) {
	return OrderState{}, false, u.err()
}

func (u unavailable) Apply(context.Context, *OrderState, OrderState, Delta, time.Time) error {
	return u.err()
}

func (u unavailable) Summary(context.Context, string) (Counts, bool, error) {
	return Counts{}, false, u.err()
}

func (u unavailable) BucketUnits(context.Context, string) ([]ProductUnits, error) {
	return nil, u.err()
}

// bucketSize is a quarter of the window.
func (c Config) bucketSize() time.Duration { return max(c.PopularWindow/4, time.Second) }

// BucketOf is the popularity bucket of time t ("p" and the bucket's start, UTC, RFC 3339)
// and when that bucket leaves the window.
func (c Config) BucketOf(t time.Time) (string, time.Time) {
	size := c.bucketSize()
	start := t.UTC().Truncate(size)
	return "p" + start.Format(time.RFC3339), start.Add(size + c.PopularWindow)
}

// window lists the buckets in the window at now, newest first.
func (c Config) window(now time.Time) []string {
	size := c.bucketSize()
	var out []string
	for t := now.UTC().Truncate(size); !t.Before(now.Add(-c.PopularWindow).Truncate(size)); t = t.Add(-size) {
		b, _ := c.BucketOf(t)
		out = append(out, b)
	}
	return out
}

// Tiers are the membership tiers, by lifetime value in minor units (the tier rule lives here,
// with the summary it is computed from; the BFFs only render it).
const (
	TierMember = "standard"
	TierSilver = "silver"
	TierGold   = "gold"

	SilverFrom = 50_000  // 500.00
	GoldFrom   = 200_000 // 2,000.00
)

// TierOf is the tier a lifetime value earns.
func TierOf(lifetimeValue int64) string {
	switch {
	case lifetimeValue >= GoldFrom:
		return TierGold
	case lifetimeValue >= SilverFrom:
		return TierSilver
	}
	return TierMember
}

// Summary is a customer's order summary.
type Summary struct {
	CustomerID    string
	OrderCount    int64
	LifetimeValue int64 // minor units of Currency
	Currency      string
	Tier          string
	UpdatedAt     time.Time // zero when the customer has no order yet
}

// Client reads the read models for the BFFs. Safe for concurrent use.
type Client struct {
	b   Backend
	cfg Config
	now func() time.Time

	mu       sync.Mutex
	cached   []ProductUnits
	cachedAt time.Time
}

// NewClient returns a client over b.
func NewClient(b Backend, cfg Config, now func() time.Time) *Client {
	if now == nil {
		now = time.Now
	}
	return &Client{b: b, cfg: cfg.WithDefaults(), now: now}
}

// Config returns the configuration.
func (c *Client) Config() Config { return c.cfg }

// Summary returns the customer's summary; a customer without orders has a zero summary at
// the first tier.
func (c *Client) Summary(ctx context.Context, customerID string) (Summary, error) {
	n, _, err := c.b.Summary(ctx, customerID)
	if err != nil {
		return Summary{}, fmt.Errorf("order summary of %s: %w", customerID, err)
	}
	return Summary{CustomerID: customerID, OrderCount: n.Orders, LifetimeValue: n.LifetimeValue, Currency: n.Currency,
		Tier: TierOf(n.LifetimeValue), UpdatedAt: n.UpdatedAt}, nil
}

// Popular returns up to limit products by units ordered in the window, most first (ties by
// product id); products whose units net to zero or less (cancelled) are left out.
func (c *Client) Popular(ctx context.Context, limit int) ([]ProductUnits, error) {
	now := c.now()
	c.mu.Lock()
	if c.cached != nil && c.cfg.PopularCacheTTL > 0 && now.Sub(c.cachedAt) < c.cfg.PopularCacheTTL {
		out := c.cached
		c.mu.Unlock()
		return head(out, limit), nil
	}
	c.mu.Unlock()
	buckets := c.cfg.window(now)
	parts := make([][]ProductUnits, len(buckets))
	errs := make([]error, len(buckets))
	var wg sync.WaitGroup
	for i, b := range buckets {
		wg.Go(func() { parts[i], errs[i] = c.b.BucketUnits(ctx, b) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("popular products: %w", err)
	}
	sum := map[string]*ProductUnits{}
	for _, p := range parts {
		for _, u := range p {
			if s, ok := sum[u.ProductID]; ok {
				s.Units += u.Units
			} else {
				cp := u
				sum[u.ProductID] = &cp
			}
		}
	}
	out := make([]ProductUnits, 0, len(sum))
	for _, s := range sum {
		if s.Units > 0 {
			out = append(out, *s)
		}
	}
	slices.SortFunc(out, func(a, b ProductUnits) int {
		if a.Units != b.Units {
			return int(b.Units - a.Units)
		}
		return strings.Compare(a.ProductID, b.ProductID)
	})
	c.mu.Lock()
	c.cached, c.cachedAt = out, now
	c.mu.Unlock()
	return head(out, limit), nil
}

func head(p []ProductUnits, n int) []ProductUnits {
	if n <= 0 || n >= len(p) {
		return slices.Clone(p)
	}
	return slices.Clone(p[:n])
}
