package auth

import (
	"crypto"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// Test fixtures: the pool and clients of the Cognito-shaped payloads in testdata/.
const (
	testIssuer    = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Example1"
	otherIssuer   = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Other0002"
	webClient     = "3exampleclientweb0000000000"
	mobileClient  = "4exampleclientmobile0000000"
	partnerClient = "7examplepartner000000000000"
	testIat       = 1764230400
)

// testNow is a minute after the testdata tokens were issued (they live one hour).
var testNow = time.Unix(testIat+60, 0)

type testKey struct {
	kid  string
	priv *rsa.PrivateKey
}

func loadTestKey(t testing.TB, name, kid string) testKey {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "keys", name+".pem"))
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(b)
	if block == nil {
		t.Fatalf("no PEM in %s", name)
		return testKey{}
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return testKey{kid: kid, priv: k.(*rsa.PrivateKey)}
}

func jwksOf(t testing.TB, keys ...testKey) []byte {
	t.Helper()
	set := JWKSet{}
	for _, k := range keys {
		set.Keys = append(set.Keys, NewJWK(k.kid, &k.priv.PublicKey))
	}
	b, err := json.Marshal(set)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// payload reads a Cognito-shaped payload from testdata and applies mutations.
func payload(t testing.TB, file string, mut ...func(map[string]any)) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", file))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for _, f := range mut {
		f(m)
	}
	return m
}

func set(k string, v any) func(map[string]any) { return func(m map[string]any) { m[k] = v } }
func del(k string) func(map[string]any)        { return func(m map[string]any) { delete(m, k) } }

func b64JSON(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// signWith signs header.claims with RS256 and key k (the header is used as given).
func signWith(t testing.TB, k testKey, header map[string]any, claims map[string]any) string {
	t.Helper()
	input := b64JSON(t, header) + "." + b64JSON(t, claims)
	sum := sha256.Sum256([]byte(input))
	sig, err := rsa.SignPKCS1v15(rand.Reader, k.priv, crypto.SHA256, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	return input + "." + base64.RawURLEncoding.EncodeToString(sig)
}

// sign signs claims as Cognito does: {"kid": k.kid, "alg": "RS256"}.
func sign(t testing.TB, k testKey, claims map[string]any) string {
	t.Helper()
	return signWith(t, k, map[string]any{"kid": k.kid, "alg": "RS256"}, claims)
}

// signHS256 forges an HMAC token keyed with the RSA public key PEM (the classic alg confusion).
func signHS256(t testing.TB, k testKey, claims map[string]any) string {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(&k.priv.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	pub := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	input := b64JSON(t, map[string]any{"kid": k.kid, "alg": "HS256"}) + "." + b64JSON(t, claims)
	m := hmac.New(sha256.New, pub)
	m.Write([]byte(input))
	return input + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// newTestVerifier builds a verifier of testIssuer prewarmed with keys, at testNow.
func newTestVerifier(t testing.TB, keys ...testKey) *Verifier {
	t.Helper()
	ks, err := NewKeySet(KeySetOptions{Prewarm: jwksOf(t, keys...)})
	if err != nil {
		t.Fatal(err)
	}
	v, err := NewVerifier(Options{Issuer: testIssuer, ClientIDs: []string{webClient, partnerClient}, Leeway: 30 * time.Second, Keys: ks, Now: func() time.Time { return testNow }})
	if err != nil {
		t.Fatal(err)
	}
	return v
}
