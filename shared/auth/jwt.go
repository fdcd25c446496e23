package auth

import (
	"bytes"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
)

// MaxTokenSize caps a token before any parsing. Cognito tokens are 1-2 KB; a token with many
// groups or custom claims stays well under this.
const MaxTokenSize = 16 << 10

type header struct {
	Alg  string          `json:"alg"`
	Kid  string          `json:"kid"`
	Typ  string          `json:"typ,omitempty"`
	Crit json.RawMessage `json:"crit,omitempty"`
	Jku  string          `json:"jku,omitempty"`
	Jwk  json.RawMessage `json:"jwk,omitempty"`
	X5u  string          `json:"x5u,omitempty"`
}

// audience accepts the string form Cognito uses and the array form RFC 7519 allows.
type audience []string

func (a *audience) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*a = audience{s}
		return nil
	}
	var l []string
	if err := json.Unmarshal(b, &l); err != nil {
		return err
	}
	*a = l
	return nil
}

// numericDate is a JSON number of seconds (RFC 7519 NumericDate); fractions are truncated.
type numericDate int64

func (d *numericDate) UnmarshalJSON(b []byte) error {
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		return errors.New("NumericDate is not a number")
	}
	if f < 0 || f > 1<<40 {
		return errors.New("NumericDate out of range")
	}
	*d = numericDate(f)
	return nil
}

// Claims are the claims of a Cognito access or ID token that this package reads.
type claims struct {
	Iss             string       `json:"iss"`
	Sub             string       `json:"sub"`
	TokenUse        string       `json:"token_use"`
	ClientID        string       `json:"client_id"`
	Aud             audience     `json:"aud"`
	Exp             *numericDate `json:"exp"`
	Nbf             *numericDate `json:"nbf"`
	Iat             *numericDate `json:"iat"`
	AuthTime        *numericDate `json:"auth_time"`
	Scope           string       `json:"scope"`
	Groups          []string     `json:"cognito:groups"`
	Username        string       `json:"username"`
	CognitoUsername string       `json:"cognito:username"`
	Email           string       `json:"email"`
	EmailVerified   any          `json:"email_verified"`
	Jti             string       `json:"jti"`
	OriginJti       string       `json:"origin_jti"`
	EventID         string       `json:"event_id"`
}

// token is a parsed JWT whose signature has not been checked yet.
type token struct {
	header       header
	signingInput string
	signature    []byte
	payload      string
}

var b64 = base64.RawURLEncoding.Strict()

// parse splits and decodes a compact JWS without trusting it: size cap, exactly three
// segments, strict unpadded base64url, a header naming RS256 and a kid, no crit/jku/jwk/x5u.
func parse(raw string) (*token, error) {
	if len(raw) > MaxTokenSize {
		return nil, invalid("token too large")
	}
	if raw == "" {
		return nil, invalid("empty token")
	}
	h, rest, ok1 := strings.Cut(raw, ".")
	p, s, ok2 := strings.Cut(rest, ".")
	if !ok1 || !ok2 || strings.Contains(s, ".") || h == "" || p == "" || s == "" {
		return nil, invalid("token is not a compact JWS with three segments")
	}
	hb, err := b64.DecodeString(h)
	if err != nil {
		return nil, invalid("header is not base64url")
	}
	var hd header
	dec := json.NewDecoder(bytes.NewReader(hb))
	if err := dec.Decode(&hd); err != nil || dec.More() {
		return nil, invalid("header is not a JSON object")
	}
	if hd.Alg != "RS256" {
		return nil, invalid("unsupported alg " + strconv.Quote(truncate(hd.Alg)))
	}
	if hd.Kid == "" {
		return nil, invalid("missing kid")
	}
	if len(hd.Crit) > 0 || hd.Jku != "" || len(hd.Jwk) > 0 || hd.X5u != "" {
		return nil, invalid("header carries crit/jku/jwk/x5u")
	}
	if hd.Typ != "" && !strings.EqualFold(hd.Typ, "JWT") && !strings.EqualFold(hd.Typ, "at+jwt") {
		return nil, invalid("unexpected typ")
	}
	sig, err := b64.DecodeString(s)
	if err != nil {
		return nil, invalid("signature is not base64url")
	}
	return &token{header: hd, signingInput: raw[:len(h)+1+len(p)], signature: sig, payload: p}, nil
}

// verifySignature checks the RS256 signature with k, whose alg must be the token's alg.
func (t *token) verifySignature(k publicKey) error {
	if k.alg != t.header.Alg {
		return invalid("token alg does not match key alg")
	}
	if len(t.signature) != k.key.Size() {
		return invalid("bad signature length")
	}
	sum := sha256.Sum256([]byte(t.signingInput))
	if err := rsa.VerifyPKCS1v15(k.key, crypto.SHA256, sum[:], t.signature); err != nil {
		return invalid("bad signature")
	}
	return nil
}

// claims decodes the payload; call only after verifySignature.
func (t *token) claims() (*claims, error) {
	pb, err := b64.DecodeString(t.payload)
	if err != nil {
		return nil, invalid("payload is not base64url")
	}
	var c claims
	dec := json.NewDecoder(bytes.NewReader(pb))
	if err := dec.Decode(&c); err != nil || dec.More() {
		return nil, invalid("payload is not a JSON object of the expected claim types")
	}
	return &c, nil
}

func truncate(s string) string {
	if len(s) > 16 {
		return s[:16]
	}
	return s
}
