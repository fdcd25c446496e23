package localidp

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"testing"
	"time"

	"bffsuite.dev/shared/auth"
)

// TestMintClientCredentialsWithJWK: a token minted with a key read from a private JWK (the form
// moto ships its signing key in, without primes) verifies against the public JWKS of that key as
// a Cognito client_credentials token.
func TestMintClientCredentialsWithJWK(t *testing.T) {
	gen, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	b64 := func(i *big.Int) string { return base64.RawURLEncoding.EncodeToString(i.Bytes()) }
	doc, _ := json.Marshal(map[string]string{"kty": "RSA", "kid": "dummy", "alg": "RS256",
		"n": b64(gen.N), "e": b64(big.NewInt(int64(gen.E))), "d": b64(gen.D)})
	key, kid, err := ParseRSAJWK(doc)
	if err != nil || kid != "dummy" {
		t.Fatalf("ParseRSAJWK = %v, %q, want the key with kid dummy", err, kid)
	}
	issuer := "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_abc"
	tok, err := MintClientCredentials(key, kid, issuer, "client1", []string{"partner-api/catalog.read"}, time.Hour, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	jwks, _ := json.Marshal(auth.JWKSet{Keys: []auth.JWK{auth.NewJWK("dummy", &gen.PublicKey)}})
	ks, err := auth.NewKeySet(auth.KeySetOptions{Prewarm: jwks})
	if err != nil {
		t.Fatal(err)
	}
	v, err := auth.NewVerifier(auth.Options{Issuer: issuer, ClientIDs: []string{"client1"}, Keys: ks})
	if err != nil {
		t.Fatal(err)
	}
	p, err := v.Verify(context.Background(), tok, auth.Access{MachinesOnly: true, Scopes: []string{"partner-api/catalog.read"}})
	if err != nil || p.ClientID != "client1" || !p.Machine {
		t.Errorf("Verify(minted token) = %+v, %v, want machine principal client1", p, err)
	}
	for _, bad := range []string{`{"kty":"EC"}`, `{"kty":"RSA","n":"!","e":"AQAB","d":"AQAB"}`, `not json`} {
		if _, _, err := ParseRSAJWK([]byte(bad)); err == nil {
			t.Errorf("ParseRSAJWK(%s) = nil error, want one", bad)
		}
	}
}
