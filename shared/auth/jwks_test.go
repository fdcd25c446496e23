package auth

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// jwksServer is an httptest JWKS endpoint that counts requests and serves a swappable document.
type jwksServer struct {
	*httptest.Server
	hits  atomic.Int64
	mu    sync.Mutex
	doc   []byte
	delay time.Duration
}

func newJWKSServer(t *testing.T, doc []byte) *jwksServer {
	t.Helper()
	s := &jwksServer{doc: doc}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.hits.Add(1)
		s.mu.Lock()
		doc, delay := s.doc, s.delay
		s.mu.Unlock()
		if delay > 0 {
			select {
			case <-time.After(delay):
			case <-r.Context().Done():
				return
			}
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(doc)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *jwksServer) serve(doc []byte, delay time.Duration) {
	s.mu.Lock()
	s.doc, s.delay = doc, delay
	s.mu.Unlock()
}

// fetchingVerifier verifies testIssuer tokens with keys fetched from url, with a fake clock for
// the key set's penalty window.
func fetchingVerifier(t *testing.T, url string, prewarm []byte, clock *time.Time) (*Verifier, *KeySet) {
	t.Helper()
	ks, err := NewKeySet(KeySetOptions{URL: url, RefetchInterval: time.Minute, FetchTimeout: 5 * time.Second, Prewarm: prewarm})
	if err != nil {
		t.Fatal(err)
	}
	if clock != nil {
		ks.now = func() time.Time { return *clock }
	}
	v, err := NewVerifier(Options{Issuer: testIssuer, ClientIDs: []string{webClient}, Keys: ks, Now: func() time.Time { return testNow }})
	if err != nil {
		t.Fatal(err)
	}
	return v, ks
}

func TestKeySetPrewarmNeedsNoFetch(t *testing.T) {
	a := loadTestKey(t, "pool-a", "kidA1")
	srv := newJWKSServer(t, jwksOf(t, a))
	v, ks := fetchingVerifier(t, srv.URL, jwksOf(t, a), nil)
	tok := sign(t, a, payload(t, "access_token.json"))
	for range 10 {
		if _, err := v.Verify(context.Background(), tok, Access{}); err != nil {
			t.Fatalf("Verify() error = %v", err)
		}
	}
	if got := srv.hits.Load(); got != 0 || ks.Fetches() != 0 {
		t.Errorf("JWKS fetches after prewarm = %d (server) %d (key set), want 0", got, ks.Fetches())
	}
}

func TestKeySetFetchesOnceAndCaches(t *testing.T) {
	a := loadTestKey(t, "pool-a", "kidA1")
	srv := newJWKSServer(t, jwksOf(t, a))
	v, _ := fetchingVerifier(t, srv.URL, nil, nil)
	tok := sign(t, a, payload(t, "access_token.json"))
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := v.Verify(context.Background(), tok, Access{})
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("Verify() error = %v", err)
		}
	}
	if got := srv.hits.Load(); got != 1 {
		t.Errorf("JWKS fetches for 20 concurrent first verifications = %d, want 1", got)
	}
}

func TestKeySetUnknownKidRefetchIsThrottled(t *testing.T) {
	a := loadTestKey(t, "pool-a", "kidA1")
	rotated := loadTestKey(t, "pool-a-rotated", "kidA2")
	srv := newJWKSServer(t, jwksOf(t, a))
	clock := time.Unix(1_800_000_000, 0)
	v, _ := fetchingVerifier(t, srv.URL, jwksOf(t, a), &clock)
	unknown := sign(t, loadTestKey(t, "pool-b", "kidB1"), payload(t, "access_token.json"))
	for i := range 5 {
		if _, err := v.Verify(context.Background(), unknown, Access{}); !errors.Is(err, ErrInvalidToken) {
			t.Fatalf("Verify(unknown kid) #%d error = %v, want ErrInvalidToken", i, err)
		}
	}
	if got := srv.hits.Load(); got != 1 {
		t.Fatalf("JWKS fetches for 5 unknown-kid tokens in one window = %d, want 1", got)
	}

	// Key rotation: the pool now publishes kidA2; inside the window it is not fetched yet.
	srv.serve(jwksOf(t, a, rotated), 0)
	newTok := sign(t, rotated, payload(t, "access_token.json"))
	if _, err := v.Verify(context.Background(), newTok, Access{}); !errors.Is(err, ErrInvalidToken) {
		t.Fatalf("Verify(rotated kid inside the penalty window) error = %v, want ErrInvalidToken", err)
	}
	clock = clock.Add(61 * time.Second)
	if _, err := v.Verify(context.Background(), newTok, Access{}); err != nil {
		t.Fatalf("Verify(rotated kid after the window) error = %v, want nil", err)
	}
	if got := srv.hits.Load(); got != 2 {
		t.Errorf("JWKS fetches after the window = %d, want 2", got)
	}
	// The old key is still published, so its tokens still verify without a fetch.
	if _, err := v.Verify(context.Background(), sign(t, a, payload(t, "access_token.json")), Access{}); err != nil {
		t.Errorf("Verify(old kid) error = %v, want nil", err)
	}

	// Retiring kidA1: once refetched, tokens of the removed key fail.
	srv.serve(jwksOf(t, rotated), 0)
	clock = clock.Add(61 * time.Second)
	_, _ = v.Verify(context.Background(), unknown, Access{}) // triggers the refetch
	if _, err := v.Verify(context.Background(), sign(t, a, payload(t, "access_token.json")), Access{}); !errors.Is(err, ErrInvalidToken) {
		t.Errorf("Verify(retired kid) error = %v, want ErrInvalidToken", err)
	}
}

func TestKeySetRefetchBoundedByDeadline(t *testing.T) {
	a := loadTestKey(t, "pool-a", "kidA1")
	srv := newJWKSServer(t, jwksOf(t, a))
	srv.serve(jwksOf(t, a), 600*time.Millisecond)
	v, _ := fetchingVerifier(t, srv.URL, nil, nil)
	tok := sign(t, a, payload(t, "access_token.json"))

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := v.Verify(ctx, tok, Access{})
	elapsed := time.Since(start)
	if !errors.Is(err, ErrKeysUnavailable) {
		t.Fatalf("Verify(slow JWKS) error = %v, want ErrKeysUnavailable", err)
	}
	if elapsed > 400*time.Millisecond {
		t.Errorf("Verify(slow JWKS) took %s, want about the 50ms budget", elapsed)
	}
	if r, ok := Status(err); !ok || r.Status != http.StatusUnauthorized {
		t.Errorf("Status(%v) = %+v, want 401", err, r)
	}
}

func TestKeySetFetchFailures(t *testing.T) {
	a := loadTestKey(t, "pool-a", "kidA1")
	tok := sign(t, a, payload(t, "access_token.json"))
	tests := []struct {
		name    string
		handler http.HandlerFunc
	}{
		{"server error", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusInternalServerError) }},
		{"not json", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("<html>")) }},
		{"no usable keys", func(w http.ResponseWriter, _ *http.Request) {
			_, _ = w.Write([]byte(`{"keys":[{"kty":"EC","kid":"x"}]}`))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(tt.handler)
			defer srv.Close()
			v, _ := fetchingVerifier(t, srv.URL, nil, nil)
			if _, err := v.Verify(context.Background(), tok, Access{}); !errors.Is(err, ErrKeysUnavailable) {
				t.Errorf("Verify() error = %v, want ErrKeysUnavailable", err)
			}
		})
	}
}

func TestParseJWKSRejectsWeakKeys(t *testing.T) {
	tests := []struct{ name, doc string }{
		{"empty", `{"keys":[]}`},
		{"1024-bit modulus", `{"keys":[{"kty":"RSA","kid":"k","alg":"RS256","n":"` + modulusOfBits(1024) + `","e":"AQAB"}]}`},
		{"even exponent", `{"keys":[{"kty":"RSA","kid":"k","alg":"RS256","n":"` + modulusOfBits(2048) + `","e":"Ag"}]}`},
		{"only an encryption key", `{"keys":[{"kty":"RSA","kid":"k","use":"enc","n":"` + modulusOfBits(2048) + `","e":"AQAB"}]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := parseJWKS([]byte(tt.doc)); err == nil {
				t.Errorf("parseJWKS(%s) error = nil, want an error", tt.name)
			}
		})
	}
}

func modulusOfBits(bits int) string {
	b := make([]byte, bits/8)
	for i := range b {
		b[i] = 0xff
	}
	return b64.EncodeToString(b)
}
