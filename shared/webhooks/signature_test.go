package webhooks

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// The vectors of the Standard Webhooks reference libraries (libraries/go/webhook_test.go of
// github.com/standard-webhooks/standard-webhooks).
const (
	specSecret  = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	specMsgID   = "msg_p5jXN8AQM9LWM0D4loKWxJek"
	specPayload = `{"test": 2432232314}`
	specTS      = 1614265330
	specSig     = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
	otherSig    = "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc="
)

func TestSignSpecVector(t *testing.T) {
	for _, secret := range []string{specSecret, strings.TrimPrefix(specSecret, SecretPrefix)} {
		got, err := Sign(secret, specMsgID, time.Unix(specTS, 0), []byte(specPayload))
		if err != nil {
			t.Fatalf("Sign: %v", err)
		}
		if got != specSig {
			t.Errorf("Sign(%q): got %s, want %s", secret, got, specSig)
		}
	}
}

func TestVerifySpecCases(t *testing.T) {
	tolerance := DefaultTolerance
	now := time.Unix(specTS, 0)
	header := func(ts time.Time, mod func(h http.Header)) http.Header {
		h, err := Headers([]string{specSecret}, specMsgID, ts, []byte(specPayload))
		if err != nil {
			t.Fatalf("Headers: %v", err)
		}
		if mod != nil {
			mod(h)
		}
		return h
	}
	tests := []struct {
		name    string
		h       http.Header
		body    string
		noTol   bool
		wantErr error
	}{
		{"valid signature", header(now, nil), specPayload, false, nil},
		{"missing id", header(now, func(h http.Header) { h.Del(HeaderID) }), specPayload, false, ErrMissingHeaders},
		{"missing timestamp", header(now, func(h http.Header) { h.Del(HeaderTimestamp) }), specPayload, false, ErrMissingHeaders},
		{"missing signature", header(now, func(h http.Header) { h.Del(HeaderSignature) }), specPayload, false, ErrMissingHeaders},
		{"invalid signature", header(now, func(h http.Header) { h.Set(HeaderSignature, otherSig) }), specPayload, false, ErrNoMatch},
		{"tampered body", header(now, nil), `{"test": 2432232315}`, false, ErrNoMatch},
		{"old timestamp", header(now.Add(-tolerance), nil), specPayload, false, ErrInvalidTimestamp},
		{"new timestamp", header(now.Add(tolerance+time.Second), nil), specPayload, false, ErrInvalidTimestamp},
		{"multi signature with one valid", header(now, func(h http.Header) {
			h.Set(HeaderSignature, strings.Join([]string{otherSig, "v2,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=", h.Get(HeaderSignature), otherSig}, " "))
		}), specPayload, false, nil},
		{"old timestamp ignoring tolerance", header(now.Add(-tolerance), nil), specPayload, true, nil},
		{"malformed timestamp", header(now, func(h http.Header) { h.Set(HeaderTimestamp, "soon") }), specPayload, true, ErrInvalidTimestamp},
		{"spec vector header", http.Header{"Webhook-Id": {specMsgID}, "Webhook-Timestamp": {fmt.Sprint(specTS)}, "Webhook-Signature": {specSig}}, specPayload, false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := NewVerifier(specSecret)
			if err != nil {
				t.Fatalf("NewVerifier: %v", err)
			}
			v.Now = func() time.Time { return now }
			if tt.noTol {
				v.Tolerance = -1
			}
			if err := v.Verify(tt.h, []byte(tt.body)); !errors.Is(err, tt.wantErr) {
				t.Errorf("Verify: got %v, want %v", err, tt.wantErr)
			}
		})
	}
}

func TestRotationSignsWithBothSecrets(t *testing.T) {
	oldS, _ := NewSecret()
	newS, _ := NewSecret()
	now := time.Now()
	h, err := Headers([]string{newS, oldS}, "msg_1", now, []byte("{}"))
	if err != nil {
		t.Fatalf("Headers: %v", err)
	}
	if n := len(strings.Fields(h.Get(HeaderSignature))); n != 2 {
		t.Fatalf("signatures: got %d, want 2", n)
	}
	for name, s := range map[string]string{"old": oldS, "new": newS} {
		v, _ := NewVerifier(s)
		if err := v.Verify(h, []byte("{}")); err != nil {
			t.Errorf("receiver holding the %s secret: got %v, want nil", name, err)
		}
	}
	third, _ := NewSecret()
	v, _ := NewVerifier(third)
	if err := v.Verify(h, []byte("{}")); !errors.Is(err, ErrNoMatch) {
		t.Errorf("unrelated secret: got %v, want ErrNoMatch", err)
	}
}

func TestNewSecretFormat(t *testing.T) {
	s, err := NewSecret()
	if err != nil {
		t.Fatalf("NewSecret: %v", err)
	}
	if !strings.HasPrefix(s, SecretPrefix) {
		t.Errorf("secret %q: want prefix %s", s, SecretPrefix)
	}
	if k, err := secretKey(s); err != nil || len(k) != SecretBytes {
		t.Errorf("secret key: got %d bytes (%v), want %d", len(k), err, SecretBytes)
	}
	if _, err := NewVerifier("whsec_***"); !errors.Is(err, ErrInvalidSecret) {
		t.Errorf("bad secret: got %v, want ErrInvalidSecret", err)
	}
}
