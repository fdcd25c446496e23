package localidp

import (
	"sync"
	"time"
)

// Throttling of failed authentication attempts (sign-in passwords and token endpoint client
// secrets). Like Cognito it answers 429 with a growing wait after repeated failures, and like
// Cognito with PreventUserExistenceErrors it treats unknown accounts exactly like known ones.
// Unlike a per-account lock-out it cannot be used to lock someone else out: the growing wait is
// kept per (account, source address), so failures from an attacker's address never slow down
// the owner signing in from another one, and a separate per-source budget stops one address
// from spraying guesses over many accounts.
const (
	freeFailures  = 5                // failures per (account, source) before waits start
	firstWait     = time.Second      // wait after failure freeFailures, doubled per further failure
	maxWait       = 15 * time.Minute // cap of that wait
	sourceBurst   = 20               // failures one source may make in a burst (all accounts)
	sourceRefill  = 3 * time.Second  // one more allowed failure per source every sourceRefill
	idleForget    = 30 * time.Minute // entries idle this long are forgotten
	sweepAtLength = 4096             // sweep idle entries when a map grows past this
)

type backoff struct {
	failures int
	until    time.Time // no attempt before this
	last     time.Time
}

type bucket struct {
	tokens float64
	at     time.Time
}

// attempts is safe for concurrent use.
type attempts struct {
	mu      sync.Mutex
	pairs   map[[2]string]*backoff
	sources map[string]*bucket
}

func newAttempts() *attempts {
	return &attempts{pairs: map[[2]string]*backoff{}, sources: map[string]*bucket{}}
}

// refill brings b to now. Callers hold a.mu.
func (b *bucket) refill(now time.Time) {
	if now.After(b.at) {
		b.tokens += float64(now.Sub(b.at)) / float64(sourceRefill)
		if b.tokens > sourceBurst {
			b.tokens = sourceBurst
		}
		b.at = now
	}
}

// wait returns how long account may not be tried from source (0: go ahead).
func (a *attempts) wait(now time.Time, account, source string) time.Duration {
	a.mu.Lock()
	defer a.mu.Unlock()
	var w time.Duration
	if b, ok := a.pairs[[2]string{account, source}]; ok && now.Before(b.until) {
		w = b.until.Sub(now)
	}
	if s, ok := a.sources[source]; ok {
		s.refill(now)
		if s.tokens < 1 {
			if sw := time.Duration((1 - s.tokens) * float64(sourceRefill)); sw > w {
				w = sw
			}
		}
	}
	return w
}

// failed records a failed attempt on account from source.
func (a *attempts) failed(now time.Time, account, source string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.sweep(now)
	k := [2]string{account, source}
	b := a.pairs[k]
	if b == nil || now.Sub(b.last) > idleForget {
		b = &backoff{}
		a.pairs[k] = b
	}
	b.failures++
	b.last = now
	if n := b.failures - freeFailures; n >= 0 {
		w := maxWait
		if n < 20 {
			w = min(firstWait<<n, maxWait)
		}
		b.until = now.Add(w)
	}
	s := a.sources[source]
	if s == nil {
		s = &bucket{tokens: sourceBurst, at: now}
		a.sources[source] = s
	}
	s.refill(now)
	s.tokens--
}

// succeeded clears the failures of account from source (the source budget stays spent).
func (a *attempts) succeeded(account, source string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	delete(a.pairs, [2]string{account, source})
}

// sweep forgets idle entries once a map has grown large. Callers hold a.mu.
func (a *attempts) sweep(now time.Time) {
	if len(a.pairs) > sweepAtLength {
		for k, b := range a.pairs {
			if now.Sub(b.last) > idleForget && now.After(b.until) {
				delete(a.pairs, k)
			}
		}
	}
	if len(a.sources) > sweepAtLength {
		for k, s := range a.sources {
			if s.refill(now); s.tokens >= sourceBurst {
				delete(a.sources, k)
			}
		}
	}
}
