package session_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"bffsuite.dev/shared/session"
)

var now = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func keyring(t *testing.T, keys ...[]byte) *session.Keyring {
	t.Helper()
	kr, err := session.NewKeyring(keys...)
	if err != nil {
		t.Fatalf("NewKeyring() = %v", err)
	}
	return kr
}

func TestSealOpen(t *testing.T) {
	oldKey, newKey, foreign := session.GenerateKey(), session.GenerateKey(), session.GenerateKey()
	old := keyring(t, oldKey)
	rotated := keyring(t, newKey, oldKey)
	other := keyring(t, foreign)
	sealedOld := old.Seal("sid", []byte("hello"), now.Add(time.Hour))
	sealedNew := rotated.Seal("sid", []byte("hello"), now.Add(time.Hour))
	flip := func(s string) string {
		b := []byte(s)
		i := len(b) - 5
		if b[i] == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
		return string(b)
	}
	tests := []struct {
		name    string
		kr      *session.Keyring
		cookie  string
		value   string
		at      time.Time
		want    string
		wantErr error
	}{
		{"same key", old, "sid", sealedOld, now, "hello", nil},
		{"rotated keyring opens old", rotated, "sid", sealedOld, now, "hello", nil},
		{"rotated keyring opens new", rotated, "sid", sealedNew, now, "hello", nil},
		{"old keyring cannot open new", old, "sid", sealedNew, now, "", session.ErrInvalid},
		{"foreign key", other, "sid", sealedOld, now, "", session.ErrInvalid},
		{"other cookie name", old, "csrf", sealedOld, now, "", session.ErrInvalid},
		{"tampered", old, "sid", flip(sealedOld), now, "", session.ErrInvalid},
		{"truncated", old, "sid", sealedOld[:20], now, "", session.ErrInvalid},
		{"no prefix", old, "sid", sealedOld[3:], now, "", session.ErrInvalid},
		{"empty", old, "sid", "", now, "", session.ErrInvalid},
		{"garbage", old, "sid", "v1.!!!", now, "", session.ErrInvalid},
		{"expired", old, "sid", sealedOld, now.Add(time.Hour), "", session.ErrExpired},
		{"huge", old, "sid", "v1." + strings.Repeat("A", 10000), now, "", session.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.kr.Open(tt.cookie, tt.value, tt.at)
			if !errors.Is(err, tt.wantErr) || string(got) != tt.want {
				t.Errorf("Open(%s, %.20s…) = %q, %v, want %q, %v", tt.cookie, tt.value, got, err, tt.want, tt.wantErr)
			}
		})
	}
	first, second := old.Seal("sid", []byte("x"), now), old.Seal("sid", []byte("x"), now)
	if first == second {
		t.Errorf("Seal twice = same value, want fresh nonces")
	}
}

func TestParseKeys(t *testing.T) {
	k1, k2 := session.GenerateKey(), session.GenerateKey()
	tests := []struct {
		name, in, wantErr string
	}{
		{"one", session.EncodeKey(k1), ""},
		{"two with spaces", session.EncodeKey(k1) + " , " + session.EncodeKey(k2), ""},
		{"empty", "", "no keys"},
		{"short", session.EncodeKey(k1[:16]), "has 16 bytes"},
		{"not base64", "???", "key 1 is not base64"},
		{"duplicate", session.EncodeKey(k1) + "," + session.EncodeKey(k1), "repeats"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := session.ParseKeys(tt.in)
			if (tt.wantErr == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tt.wantErr)) {
				t.Errorf("ParseKeys(%q) = %v, want error %q", tt.in, err, tt.wantErr)
			}
			if err != nil && strings.Contains(err.Error(), session.EncodeKey(k1)) {
				t.Errorf("ParseKeys error %q echoes the key", err)
			}
		})
	}
}

func TestSealJSON(t *testing.T) {
	kr := keyring(t, session.GenerateKey())
	type payload struct{ A string }
	v, err := kr.SealJSON("s", payload{"x"}, now.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	var got payload
	if err := kr.OpenJSON("s", v, now, &got); err != nil || got.A != "x" {
		t.Errorf("OpenJSON() = %+v, %v, want {x}, nil", got, err)
	}
	notJSON := kr.Seal("s", []byte("{"), now.Add(time.Minute))
	if err := kr.OpenJSON("s", notJSON, now, &got); !errors.Is(err, session.ErrInvalid) {
		t.Errorf("OpenJSON(not json) = %v, want ErrInvalid", err)
	}
}

func TestCookies(t *testing.T) {
	tests := []struct {
		name string
		c    session.Cookies
		want []string
	}{
		{"secure host-only", session.Cookies{Secure: true, SameSite: http.SameSiteStrictMode}, []string{"__Host-sid=v", "Path=/", "Max-Age=60", "HttpOnly", "Secure", "SameSite=Strict"}},
		{"insecure local", session.Cookies{SameSite: http.SameSiteLaxMode}, []string{"sid=v", "Path=/", "HttpOnly", "SameSite=Lax"}},
		{"domain drops host prefix", session.Cookies{Secure: true, Domain: "example.com", SameSite: http.SameSiteLaxMode}, []string{"sid=v", "Domain=example.com", "Secure"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			if err := tt.c.Set(h, "sid", "v", time.Minute, true); err != nil {
				t.Fatal(err)
			}
			got := h.Get("Set-Cookie")
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("Set-Cookie = %q, want it to contain %q", got, w)
				}
			}
			if !tt.c.Secure && strings.Contains(got, "Secure") {
				t.Errorf("Set-Cookie = %q, want no Secure", got)
			}
			req := httptest.NewRequest("GET", "/", nil)
			req.Header.Set("Cookie", strings.SplitN(got, ";", 2)[0])
			if v := tt.c.Read(req, "sid"); v != "v" {
				t.Errorf("Read(sid) = %q, want v", v)
			}
			h = http.Header{}
			tt.c.Clear(h, "sid")
			if got := h.Get("Set-Cookie"); !strings.Contains(got, "Max-Age=0") {
				t.Errorf("Clear() Set-Cookie = %q, want Max-Age=0", got)
			}
		})
	}
	if err := (session.Cookies{}).Set(http.Header{}, "sid", strings.Repeat("a", 5000), 0, true); !errors.Is(err, session.ErrTooLarge) {
		t.Errorf("Set(5000-byte value) = %v, want ErrTooLarge", err)
	}
}

func BenchmarkSealOpen(b *testing.B) {
	kr, _ := session.NewKeyring(session.GenerateKey())
	payload := []byte(strings.Repeat("x", 1200))
	for b.Loop() {
		v := kr.Seal("sid", payload, now.Add(time.Hour))
		if _, err := kr.Open("sid", v, now); err != nil {
			b.Fatal(err)
		}
	}
}
