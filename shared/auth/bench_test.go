package auth

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// BenchmarkVerify measures one verification with a warm key cache (RS256 signature check plus
// claim checks): the per-request cost of auth for a token not seen before.
func BenchmarkVerify(b *testing.B) {
	a := loadTestKey(b, "pool-a", "kidA1")
	v := newTestVerifier(b, a)
	v.cache = nil
	tok := sign(b, a, payload(b, "access_token.json"))
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Verify(ctx, tok, Access{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyCached is the same token again: a hit in the cache of verified tokens (hash,
// key still published, claim checks).
func BenchmarkVerifyCached(b *testing.B) {
	a := loadTestKey(b, "pool-a", "kidA1")
	v := newTestVerifier(b, a)
	tok := sign(b, a, payload(b, "access_token.json"))
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Verify(ctx, tok, Access{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkColdStartPrewarmed measures building the verifier from a JWKS document in
// configuration plus the first verification: what a Lambda cold start pays.
func BenchmarkColdStartPrewarmed(b *testing.B) {
	a := loadTestKey(b, "pool-a", "kidA1")
	doc := jwksOf(b, a)
	tok := sign(b, a, payload(b, "access_token.json"))
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		ks, err := NewKeySet(KeySetOptions{URL: "http://127.0.0.1:1/never-fetched", Prewarm: doc})
		if err != nil {
			b.Fatal(err)
		}
		v, err := NewVerifier(Options{Issuer: testIssuer, ClientIDs: []string{webClient}, Keys: ks, Now: func() time.Time { return testNow }})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := v.Verify(ctx, tok, Access{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkColdStartFetched is the same with the JWKS fetched over HTTP (loopback here; to
// Cognito it adds a TLS handshake and a network round trip on top).
func BenchmarkColdStartFetched(b *testing.B) {
	a := loadTestKey(b, "pool-a", "kidA1")
	doc := jwksOf(b, a)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write(doc) }))
	defer srv.Close()
	tok := sign(b, a, payload(b, "access_token.json"))
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		// A fresh client per iteration, as in a new process: no pooled connection.
		ks, err := NewKeySet(KeySetOptions{URL: srv.URL, HTTPClient: &http.Client{Transport: &http.Transport{}}})
		if err != nil {
			b.Fatal(err)
		}
		v, err := NewVerifier(Options{Issuer: testIssuer, ClientIDs: []string{webClient}, Keys: ks, Now: func() time.Time { return testNow }})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := v.Verify(ctx, tok, Access{}); err != nil {
			b.Fatal(err)
		}
	}
}
