package auth

import (
	"bytes"
	"context"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// maxJWKSBytes caps a fetched JWKS document.
const maxJWKSBytes = 1 << 20

// minRSABits is the smallest RSA modulus accepted (Cognito uses 2048).
const minRSABits = 2048

type publicKey struct {
	alg string // "RS256"; a JWK without alg is treated as RS256 only
	key *rsa.PublicKey
}

// JWK is one RSA JSON Web Key as Cognito publishes it.
type JWK struct {
	Kty string `json:"kty"`
	Alg string `json:"alg,omitempty"`
	Use string `json:"use,omitempty"`
	Kid string `json:"kid"`
	N   string `json:"n"`
	E   string `json:"e"`
}

// JWKSet is a JWKS document.
type JWKSet struct {
	Keys []JWK `json:"keys"`
}

// NewJWK returns the JWK of an RSA public key for RS256 signatures.
func NewJWK(kid string, pub *rsa.PublicKey) JWK {
	return JWK{
		Kty: "RSA", Alg: "RS256", Use: "sig", Kid: kid,
		N: base64.RawURLEncoding.EncodeToString(pub.N.Bytes()),
		E: base64.RawURLEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes()),
	}
}

// parseJWKS parses a JWKS document into usable signature keys. Keys that are not RSA
// signature keys for RS256 are skipped; a document with no usable key is an error.
func parseJWKS(doc []byte) (map[string]publicKey, error) {
	var set JWKSet
	if err := json.Unmarshal(doc, &set); err != nil {
		return nil, fmt.Errorf("parse jwks: %w", err)
	}
	keys := make(map[string]publicKey, len(set.Keys))
	for _, k := range set.Keys {
		if k.Kty != "RSA" || k.Kid == "" || (k.Use != "" && k.Use != "sig") || (k.Alg != "" && k.Alg != "RS256") {
			continue
		}
		n, err1 := base64.RawURLEncoding.DecodeString(k.N)
		e, err2 := base64.RawURLEncoding.DecodeString(k.E)
		if err1 != nil || err2 != nil || len(e) == 0 || len(e) > 4 {
			return nil, fmt.Errorf("parse jwks: key %q: bad modulus or exponent", k.Kid)
		}
		pub := &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
		if pub.N.BitLen() < minRSABits || pub.E < 3 || pub.E%2 == 0 {
			return nil, fmt.Errorf("parse jwks: key %q: weak RSA key (%d bits, e=%d)", k.Kid, pub.N.BitLen(), pub.E)
		}
		alg := k.Alg
		if alg == "" {
			alg = "RS256"
		}
		keys[k.Kid] = publicKey{alg: alg, key: pub}
	}
	if len(keys) == 0 {
		return nil, errors.New("parse jwks: no RS256 signing key")
	}
	return keys, nil
}

// KeySet caches the signing keys of one issuer. It can be prewarmed from a JWKS document so
// a cold start needs no network call. A kid it does not know triggers at most one refetch per
// refetch interval; a caller never waits for that refetch longer than its ctx allows.
type KeySet struct {
	url      string
	client   *http.Client
	interval time.Duration
	timeout  time.Duration
	now      func() time.Time

	mu          sync.Mutex
	keys        map[string]publicKey
	lastAttempt time.Time
	inflight    *fetchCall

	fetches atomic.Int64
}

type fetchCall struct {
	done chan struct{}
	err  error
}

// KeySetOptions tunes a KeySet. Zero values mean defaults.
type KeySetOptions struct {
	// URL of the JWKS; empty means the set is fixed (prewarmed only).
	URL string
	// HTTPClient for fetches; default a client with FetchTimeout.
	HTTPClient *http.Client
	// RefetchInterval is the penalty window between fetches for unknown kids (default 1m).
	RefetchInterval time.Duration
	// FetchTimeout caps one fetch in the background (default 5s).
	FetchTimeout time.Duration
	// Prewarm is a JWKS document loaded at construction.
	Prewarm []byte
}

// NewKeySet builds a KeySet. A Prewarm document that does not parse is an error.
func NewKeySet(o KeySetOptions) (*KeySet, error) {
	s := &KeySet{url: o.URL, client: o.HTTPClient, interval: o.RefetchInterval, timeout: o.FetchTimeout, now: time.Now}
	if s.interval == 0 {
		s.interval = time.Minute
	}
	if s.timeout == 0 {
		s.timeout = 5 * time.Second
	}
	if s.client == nil {
		s.client = &http.Client{Timeout: s.timeout}
	}
	if len(o.Prewarm) > 0 {
		if err := s.Prewarm(o.Prewarm); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// Prewarm adds the keys of a JWKS document to the cache.
func (s *KeySet) Prewarm(doc []byte) error {
	keys, err := parseJWKS(doc)
	if err != nil {
		return fmt.Errorf("prewarm: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.keys == nil {
		s.keys = make(map[string]publicKey, len(keys))
	}
	for kid, k := range keys {
		s.keys[kid] = k
	}
	return nil
}

// Fetches reports how many JWKS fetches were started (for tests and metrics).
func (s *KeySet) Fetches() int64 { return s.fetches.Load() }

// holds reports whether kid still maps to the key k (no fetch): a cached token stays valid
// only while the key that verified it is published.
func (s *KeySet) holds(kid string, k *rsa.PublicKey) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	cur, ok := s.keys[kid]
	return ok && cur.key == k
}

// key returns the key for kid, refetching the JWKS when kid is unknown and the penalty window
// allows it.
func (s *KeySet) key(ctx context.Context, kid string) (publicKey, error) {
	s.mu.Lock()
	if k, ok := s.keys[kid]; ok {
		s.mu.Unlock()
		return k, nil
	}
	if s.url == "" {
		s.mu.Unlock()
		return publicKey{}, invalid("unknown kid")
	}
	call := s.inflight
	if call == nil {
		if !s.lastAttempt.IsZero() && s.now().Sub(s.lastAttempt) < s.interval {
			s.mu.Unlock()
			return publicKey{}, invalid("unknown kid (refetch throttled)")
		}
		s.lastAttempt = s.now()
		call = &fetchCall{done: make(chan struct{})}
		s.inflight = call
		s.fetches.Add(1)
		// The fetch outlives a caller whose budget runs out, so the next request finds the keys.
		go s.fetch(context.WithoutCancel(ctx), call)
	}
	s.mu.Unlock()

	select {
	case <-call.done:
	case <-ctx.Done():
		return publicKey{}, &Error{Kind: ErrKeysUnavailable, Reason: "jwks refetch exceeded request budget: " + ctx.Err().Error()}
	}
	if call.err != nil {
		return publicKey{}, &Error{Kind: ErrKeysUnavailable, Reason: call.err.Error()}
	}
	s.mu.Lock()
	k, ok := s.keys[kid]
	s.mu.Unlock()
	if !ok {
		return publicKey{}, invalid("unknown kid")
	}
	return k, nil
}

func (s *KeySet) fetch(ctx context.Context, call *fetchCall) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	keys, err := s.get(ctx)
	s.mu.Lock()
	if err == nil {
		// Replace: keys the issuer no longer publishes are no longer trusted.
		s.keys = keys
	}
	call.err = err
	s.inflight = nil
	s.mu.Unlock()
	close(call.done)
}

func (s *KeySet) get(ctx context.Context) (map[string]publicKey, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.url, nil)
	if err != nil {
		return nil, fmt.Errorf("fetch jwks %s: %w", s.url, err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetch jwks %s: %w", s.url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fetch jwks %s: status %d", s.url, resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxJWKSBytes+1))
	if err != nil {
		return nil, fmt.Errorf("fetch jwks %s: %w", s.url, err)
	}
	if len(body) > maxJWKSBytes {
		return nil, fmt.Errorf("fetch jwks %s: document larger than %d bytes", s.url, maxJWKSBytes)
	}
	keys, err := parseJWKS(body)
	if err != nil {
		return nil, fmt.Errorf("fetch jwks %s: %w", s.url, err)
	}
	return keys, nil
}

// VerifySignature checks a raw token's structure (size, three segments, RS256 header with a
// kid, no crit/jku/jwk/x5u) and its signature with a key of this set, and returns the payload
// as generic claims (numbers as json.Number). It checks no claim: it is for gateways that
// apply their own claim rules (shared/apigwlocal mirrors API Gateway's authorizers);
// application code uses Verifier.Verify. Errors wrap ErrInvalidToken or ErrKeysUnavailable.
func (s *KeySet) VerifySignature(ctx context.Context, raw string) (map[string]any, error) {
	t, err := parse(raw)
	if err != nil {
		return nil, err
	}
	k, err := s.key(ctx, t.header.Kid)
	if err != nil {
		return nil, err
	}
	if err := t.verifySignature(k); err != nil {
		return nil, err
	}
	pb, err := b64.DecodeString(t.payload)
	if err != nil {
		return nil, invalid("payload is not base64url")
	}
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(pb))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil || dec.More() || m == nil {
		return nil, invalid("payload is not a JSON object")
	}
	return m, nil
}
