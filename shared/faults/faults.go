// Package faults injects latency and errors into the embedded backend, so the BFFs'
// partial-response and timeout behaviour can be exercised locally and in tests. It is off
// unless configured.
//
// Syntax of BFF_FAULTS (also accepted by Parse):
//
//	client=setting[,setting...][;client=...]
//
// where client is catalog, customers or orders and a setting is latency:<Go duration>
// (added before every call of that client) or error:<probability 0..1> (the call fails with
// domain.ErrUnavailable). Example: "orders=latency:200ms,error:0.5;catalog=latency:20ms".
// Latency respects context cancellation: a call whose context ends while waiting fails with
// an error wrapping both domain.ErrUnavailable and the context's error.
package faults

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"bffsuite.dev/shared/domain"
)

// Client names.
const (
	Catalog   = "catalog"
	Customers = "customers"
	Orders    = "orders"
)

var clients = []string{Catalog, Customers, Orders}

// Rule is the fault of one client.
type Rule struct {
	Latency   time.Duration
	ErrorRate float64 // 0..1
}

// Config maps client names to rules.
type Config map[string]Rule

// String renders c in the BFF_FAULTS syntax (clients sorted).
func (c Config) String() string {
	names := make([]string, 0, len(c))
	for n := range c {
		names = append(names, n)
	}
	sort.Strings(names)
	parts := make([]string, 0, len(names))
	for _, n := range names {
		r := c[n]
		var s []string
		if r.Latency > 0 {
			s = append(s, "latency:"+r.Latency.String())
		}
		if r.ErrorRate > 0 {
			s = append(s, "error:"+strconv.FormatFloat(r.ErrorRate, 'g', -1, 64))
		}
		parts = append(parts, n+"="+strings.Join(s, ","))
	}
	return strings.Join(parts, ";")
}

// Parse reads the BFF_FAULTS syntax. The empty string is no faults.
func Parse(s string) (Config, error) {
	c := Config{}
	for _, part := range strings.Split(s, ";") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		name, settings, ok := strings.Cut(part, "=")
		name = strings.TrimSpace(name)
		if !ok {
			return nil, fmt.Errorf("fault %q: want client=setting[,setting]", part)
		}
		if !slices.Contains(clients, name) {
			return nil, fmt.Errorf("fault %q: unknown client %q (want catalog, customers or orders)", part, name)
		}
		var r Rule
		for _, set := range strings.Split(settings, ",") {
			k, v, ok := strings.Cut(strings.TrimSpace(set), ":")
			if !ok {
				return nil, fmt.Errorf("fault %q: setting %q: want latency:<duration> or error:<rate>", part, set)
			}
			switch k {
			case "latency":
				d, err := time.ParseDuration(v)
				if err != nil || d < 0 {
					return nil, fmt.Errorf("fault %q: latency %q: want a non-negative duration such as 200ms", part, v)
				}
				r.Latency = d
			case "error":
				f, err := strconv.ParseFloat(v, 64)
				if err != nil || f < 0 || f > 1 {
					return nil, fmt.Errorf("fault %q: error %q: want a rate between 0 and 1", part, v)
				}
				r.ErrorRate = f
			default:
				return nil, fmt.Errorf("fault %q: unknown setting %q (want latency or error)", part, k)
			}
		}
		c[name] = r
	}
	return c, nil
}

// Injector applies a Config. The zero value and nil inject nothing. Safe for concurrent use;
// rules may be changed while calls run (tests).
type Injector struct {
	mu    sync.RWMutex
	rules Config
	rng   *rand.Rand
	rngMu sync.Mutex
}

// New returns an Injector applying c. seed makes error draws reproducible.
func New(c Config, seed uint64) *Injector {
	i := &Injector{rules: Config{}, rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
	for k, v := range c {
		i.rules[k] = v
	}
	return i
}

// Set replaces the rule of one client (a zero Rule removes it).
func (i *Injector) Set(client string, r Rule) {
	i.mu.Lock()
	defer i.mu.Unlock()
	if i.rules == nil {
		i.rules = Config{}
	}
	i.rules[client] = r
}

// Reset removes every rule.
func (i *Injector) Reset() {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.rules = Config{}
}

// Inject applies the rule of client before a call: it waits the latency (or until ctx ends)
// and then fails with the configured probability. It returns nil when there is no fault.
func (i *Injector) Inject(ctx context.Context, client string) error {
	if i == nil {
		return nil
	}
	i.mu.RLock()
	r, ok := i.rules[client]
	i.mu.RUnlock()
	if !ok {
		return nil
	}
	if r.Latency > 0 {
		t := time.NewTimer(r.Latency)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("%s (injected latency %s): %w: %w", client, r.Latency, domain.ErrUnavailable, ctx.Err())
		case <-t.C:
		}
	}
	if r.ErrorRate > 0 {
		i.rngMu.Lock()
		if i.rng == nil {
			i.rng = rand.New(rand.NewPCG(1, 2))
		}
		hit := i.rng.Float64() < r.ErrorRate
		i.rngMu.Unlock()
		if hit {
			return fmt.Errorf("%s (injected error): %w", client, domain.ErrUnavailable)
		}
	}
	return nil
}

// UnmarshalText parses the BFF_FAULTS syntax, so a Config can be a field of a config struct
// loaded by shared/config.
func (c *Config) UnmarshalText(b []byte) error {
	parsed, err := Parse(string(b))
	if err != nil {
		return err
	}
	*c = parsed
	return nil
}

// MarshalText renders the BFF_FAULTS syntax.
func (c Config) MarshalText() ([]byte, error) { return []byte(c.String()), nil }
