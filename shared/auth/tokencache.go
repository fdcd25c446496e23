package auth

import (
	"crypto/rsa"
	"crypto/sha256"
	"sync"
	"time"
)

// DefaultTokenCacheSize is the number of verified tokens a Verifier remembers unless
// Options.CacheSize says otherwise.
const DefaultTokenCacheSize = 4096

// tokenCache remembers the claims of tokens whose signature has been verified, keyed by the
// SHA-256 of the raw token, until the token expires (exp plus leeway). A hit skips parsing and
// the RS256 check (about 0.1 ms, 20-30 % of the CPU of a signed-in route) but not the claim
// checks: Verify runs check and authorize on every call, so exp, nbf, iss, token_use, the
// route's clients, scopes and groups are judged at each request with the current clock.
//
// The cache is bounded: when it is full, expired entries are dropped, then an arbitrary one.
// An entry also remembers the kid and key that verified it: a hit counts only while the key
// set still publishes that key under that kid, so a retired key retires its cached tokens.
type tokenCache struct {
	mu      sync.RWMutex
	max     int
	entries map[[sha256.Size]byte]cachedToken
}

type cachedToken struct {
	claims *claims
	until  time.Time
	kid    string
	key    *rsa.PublicKey
}

func newTokenCache(size int) *tokenCache {
	if size <= 0 {
		return nil
	}
	return &tokenCache{max: size, entries: make(map[[sha256.Size]byte]cachedToken, min(size, 256))}
}

// get returns the cached entry of the token with hash key (ok false when absent or expired at now).
func (c *tokenCache) get(key [sha256.Size]byte, now time.Time) (cachedToken, bool) {
	c.mu.RLock()
	e, ok := c.entries[key]
	c.mu.RUnlock()
	if !ok {
		return cachedToken{}, false
	}
	if now.After(e.until) {
		c.mu.Lock()
		delete(c.entries, key)
		c.mu.Unlock()
		return cachedToken{}, false
	}
	return e, true
}

// put remembers verified claims until until, keeping at most max entries.
func (c *tokenCache) put(key [sha256.Size]byte, e cachedToken, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.entries[key]; !ok && len(c.entries) >= c.max {
		for k, e := range c.entries {
			if now.After(e.until) {
				delete(c.entries, k)
			}
		}
		for k := range c.entries { // still full: drop an arbitrary entry (map order is random)
			if len(c.entries) < c.max {
				break
			}
			delete(c.entries, k)
		}
	}
	c.entries[key] = e
}

func (c *tokenCache) len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.entries)
}
