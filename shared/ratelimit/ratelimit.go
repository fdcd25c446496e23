// Package ratelimit enforces per-client request rates in the BFF: one token bucket per client,
// sized by the client's rate tier, with the RateLimit and RateLimit-Policy response headers of
// the IETF httpapi draft (draft-ietf-httpapi-ratelimit-headers) and Retry-After on 429.
//
// Buckets live in the process. Behind API Gateway each Lambda instance has its own buckets, so
// the BFF's limit holds per instance only; the account-wide limit per partner is API Gateway's
// usage plan of the same tier (Terraform). Locally and in tests the BFF's limit is the only one,
// so the same 429 is observable without AWS.
package ratelimit

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Tier is a rate tier: a bucket of Burst tokens refilled at Rate tokens per second.
type Tier struct {
	Name  string
	Rate  float64 // sustained requests per second
	Burst int     // requests allowed at once
}

// ParseTiers reads "name=rate/burst,..." such as "bronze=5/10,silver=25/50,gold=100/200"
// (the API Gateway usage plans' rate_limit and burst_limit).
func ParseTiers(s string) ([]Tier, error) {
	var tiers []Tier
	seen := map[string]bool{}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		name, spec, ok := strings.Cut(part, "=")
		rateS, burstS, ok2 := strings.Cut(spec, "/")
		if !ok || !ok2 || name == "" {
			return nil, fmt.Errorf("tier %q: want name=rate/burst", part)
		}
		rate, err := strconv.ParseFloat(rateS, 64)
		if err != nil || rate <= 0 || math.IsInf(rate, 0) || math.IsNaN(rate) {
			return nil, fmt.Errorf("tier %q: rate must be a positive number", part)
		}
		burst, err := strconv.Atoi(burstS)
		if err != nil || burst < 1 {
			return nil, fmt.Errorf("tier %q: burst must be a positive integer", part)
		}
		if seen[name] {
			return nil, fmt.Errorf("tier %q: duplicate name", name)
		}
		seen[name] = true
		tiers = append(tiers, Tier{Name: name, Rate: rate, Burst: burst})
	}
	if len(tiers) == 0 {
		return nil, errors.New("no tiers")
	}
	return tiers, nil
}

// Decision is the outcome of one request against its bucket.
type Decision struct {
	Allowed bool
	Tier    Tier
	// Remaining whole tokens after this request.
	Remaining int
	// RetryAfter is how long until one token is available (0 when Remaining > 0).
	RetryAfter time.Duration
	// Reset is how long until the bucket is full again.
	Reset time.Duration
}

// Window is the policy window of t for the RateLimit-Policy header: the time a full bucket
// takes to refill, at least one second.
func (t Tier) Window() int {
	return max(1, int(math.Ceil(float64(t.Burst)/t.Rate)))
}

type bucket struct {
	tokens float64
	at     time.Time
}

// Limiter holds one bucket per client. It is safe for concurrent use.
type Limiter struct {
	tiers map[string]Tier
	now   func() time.Time

	mu        sync.Mutex
	buckets   map[string]*bucket
	lastSweep time.Time
}

// New returns a Limiter over tiers; now is the clock (nil: time.Now).
func New(tiers []Tier, now func() time.Time) (*Limiter, error) {
	if now == nil {
		now = time.Now
	}
	l := &Limiter{tiers: map[string]Tier{}, buckets: map[string]*bucket{}, now: now}
	for _, t := range tiers {
		if t.Rate <= 0 || t.Burst < 1 || t.Name == "" {
			return nil, fmt.Errorf("tier %q: needs a name, a positive rate and a burst of at least 1", t.Name)
		}
		l.tiers[t.Name] = t
	}
	return l, nil
}

// Tier returns the tier called name.
func (l *Limiter) Tier(name string) (Tier, bool) {
	t, ok := l.tiers[name]
	return t, ok
}

// Allow takes one token from client's bucket of tier. An unknown tier is an error (a partner
// record naming a tier the configuration lacks).
func (l *Limiter) Allow(client, tier string) (Decision, error) {
	t, ok := l.tiers[tier]
	if !ok {
		return Decision{}, fmt.Errorf("rate tier %q is not configured", tier)
	}
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sweep(now)
	key := tier + "\x00" + client
	b, ok := l.buckets[key]
	if !ok {
		b = &bucket{tokens: float64(t.Burst), at: now}
		l.buckets[key] = b
	}
	if el := now.Sub(b.at).Seconds(); el > 0 {
		b.tokens = math.Min(float64(t.Burst), b.tokens+el*t.Rate)
		b.at = now
	}
	d := Decision{Tier: t}
	if b.tokens >= 1 {
		b.tokens--
		d.Allowed = true
	}
	d.Remaining = int(math.Floor(b.tokens))
	if b.tokens < 1 {
		d.RetryAfter = seconds((1 - b.tokens) / t.Rate)
	}
	d.Reset = seconds((float64(t.Burst) - b.tokens) / t.Rate)
	return d, nil
}

func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

// sweep drops buckets that have refilled completely (they equal a new bucket), at most once a minute.
func (l *Limiter) sweep(now time.Time) {
	if now.Sub(l.lastSweep) < time.Minute {
		return
	}
	l.lastSweep = now
	for k, b := range l.buckets {
		t := l.tiers[k[:strings.IndexByte(k, 0)]]
		if b.tokens+now.Sub(b.at).Seconds()*t.Rate >= float64(t.Burst) {
			delete(l.buckets, k)
		}
	}
}

// Len returns the number of buckets held (tests, metrics).
func (l *Limiter) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
}
