package app

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"strings"
	"testing"
)

func gunzip(t *testing.T, b []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("gzip.NewReader: %v", err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("gunzip: %v", err)
	}
	return out
}

func TestGzip(t *testing.T) {
	f := newFixture(t, nil)
	tok := f.login(demoUser, demoPassword).AccessToken
	tests := []struct {
		name     string
		path     string
		accept   string
		wantGzip bool
	}{
		{"feed gzip", "/v1/feed", "gzip", true},
		{"feed identity", "/v1/feed", "", false},
		{"feed gzip refused", "/v1/feed", "gzip;q=0", false},
		{"list gzip", "/v1/products?limit=50", "br, gzip", true},
		{"list identity", "/v1/products?limit=50", "identity", false},
		{"small body stays plain", "/v1/products?limit=1&fields=name", "gzip", false},
		{"problem stays plain", "/v1/products?limit=0", "gzip", false},
	}
	plain := map[string][]byte{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := f.do(req{method: "GET", path: tt.path, token: tok, header: map[string]string{"Accept-Encoding": tt.accept}})
			gotGzip := r.header.Get("Content-Encoding") == "gzip"
			if gotGzip != tt.wantGzip {
				t.Fatalf("GET %s (Accept-Encoding %q) gzip = %v, want %v", tt.path, tt.accept, gotGzip, tt.wantGzip)
			}
			if r.status == http.StatusOK && !strings.Contains(strings.Join(r.header.Values("Vary"), ","), "Accept-Encoding") {
				t.Errorf("GET %s Vary = %v, want Accept-Encoding", tt.path, r.header.Values("Vary"))
			}
			body := r.body
			if gotGzip {
				body = gunzip(t, body)
				if len(r.body) >= len(body) {
					t.Errorf("gzipped %d bytes, identity %d: want smaller", len(r.body), len(body))
				}
				if !strings.HasPrefix(r.header.Get("ETag"), `W/"`) {
					t.Errorf("gzipped ETag = %q, want a weak tag", r.header.Get("ETag"))
				}
			}
			if prev, ok := plain[tt.path]; ok && !bytes.Equal(prev, body) {
				t.Errorf("GET %s decoded body differs between encodings", tt.path)
			}
			plain[tt.path] = body
		})
	}
}

func TestETags(t *testing.T) {
	f := newFixture(t, nil)
	tok := f.newUser("etag")
	order := f.do(req{method: "POST", path: "/v1/orders", token: tok, body: map[string]any{"lines": []map[string]any{{"product_id": "p-0001", "quantity": 1}}, "payment_token": "tok_visa"}})
	if order.status != http.StatusAccepted {
		t.Fatalf("POST /v1/orders = %d %s", order.status, order.body)
	}
	var od OrderDetail
	order.json(t, &od)
	paths := []string{"/v1/feed", "/v1/products", "/v1/products?category=headphones&limit=5", "/v1/products/p-0001",
		"/v1/me", "/v1/orders", "/v1/orders/" + od.ID}
	for _, path := range paths {
		for _, accept := range []string{"", "gzip"} {
			t.Run(path+" "+accept, func(t *testing.T) {
				h := map[string]string{"Accept-Encoding": accept}
				r := f.do(req{method: "GET", path: path, token: tok, header: h})
				if r.status != http.StatusOK {
					t.Fatalf("GET %s = %d, want 200", path, r.status)
				}
				tag := r.header.Get("ETag")
				if tag == "" {
					t.Fatalf("GET %s has no ETag", path)
				}
				if cc := r.header.Get("Cache-Control"); !strings.HasPrefix(cc, "private") || strings.Contains(cc, "no-store") {
					t.Errorf("GET %s Cache-Control = %q, want private and revalidatable", path, cc)
				}
				for _, inm := range []string{tag, strings.TrimPrefix(tag, "W/"), `"other", ` + tag, "*"} {
					h2 := map[string]string{"Accept-Encoding": accept, "If-None-Match": inm}
					r2 := f.do(req{method: "GET", path: path, token: tok, header: h2})
					if r2.status != http.StatusNotModified {
						t.Fatalf("GET %s If-None-Match %s = %d, want 304", path, inm, r2.status)
					}
					if len(r2.body) != 0 || r2.header.Get("ETag") != tag {
						t.Errorf("304 body %d bytes, ETag %q; want empty and %q", len(r2.body), r2.header.Get("ETag"), tag)
					}
				}
				h3 := map[string]string{"Accept-Encoding": accept, "If-None-Match": `"stale"`}
				if r3 := f.do(req{method: "GET", path: path, token: tok, header: h3}); r3.status != http.StatusOK {
					t.Errorf("GET %s with a stale tag = %d, want 200", path, r3.status)
				}
			})
		}
	}
	t.Run("tag changes with the data", func(t *testing.T) {
		before := f.do(req{method: "GET", path: "/v1/me", token: tok}).header.Get("ETag")
		if r := f.do(req{method: "PATCH", path: "/v1/me", token: tok, body: map[string]any{"name": "Changed"}}); r.status != http.StatusOK {
			t.Fatalf("PATCH /v1/me = %d %s", r.status, r.body)
		}
		r := f.do(req{method: "GET", path: "/v1/me", token: tok, header: map[string]string{"If-None-Match": before}})
		if r.status != http.StatusOK || r.header.Get("ETag") == before {
			t.Errorf("GET /v1/me after a change = %d with ETag %q, want 200 and a new tag", r.status, r.header.Get("ETag"))
		}
	})
	t.Run("tag differs per user", func(t *testing.T) {
		other := f.newUser("etagother")
		a := f.do(req{method: "GET", path: "/v1/me", token: tok}).header.Get("ETag")
		r := f.do(req{method: "GET", path: "/v1/me", token: other, header: map[string]string{"If-None-Match": a}})
		if r.status != http.StatusOK {
			t.Errorf("GET /v1/me of another user with the first user's tag = %d, want 200", r.status)
		}
	})
}

func TestVersionGating(t *testing.T) {
	f := newFixture(t, map[string]string{
		"BFF_MOBILE_MIN_VERSION_IOS": "2.0.0", "BFF_MOBILE_RECOMMENDED_VERSION_IOS": "2.4.0",
		"BFF_MOBILE_MIN_VERSION_ANDROID": "3.1.0", "BFF_MOBILE_RECOMMENDED_VERSION_ANDROID": "3.1.0",
		"BFF_MOBILE_STORE_URL_IOS": "https://apps.apple.com/app/id1", "BFF_MOBILE_STORE_URL_ANDROID": "https://play.google.com/store/apps/details?id=x",
	})
	tok := f.login(demoUser, demoPassword).AccessToken
	tests := []struct {
		name, platform, version string
		wantStatus              int
		wantSoft                bool
		wantStore               string
		wantField               string
	}{
		{"ios below minimum", "ios", "1.9.9", 426, false, "https://apps.apple.com/app/id1", ""},
		{"ios pre-release of the minimum", "ios", "2.0.0-beta.1", 426, false, "https://apps.apple.com/app/id1", ""},
		{"ios at minimum", "ios", "2.0.0", 200, true, "", ""},
		{"ios above minimum, below recommended", "ios", "2.3.9", 200, true, "", ""},
		{"ios at recommended", "ios", "2.4.0", 200, false, "", ""},
		{"ios above", "ios", "10.0.0", 200, false, "", ""},
		{"ios two-part version", "ios", "2.5", 200, false, "", ""},
		{"ios upper-case platform", "IOS", "1.0.0", 426, false, "https://apps.apple.com/app/id1", ""},
		{"android below minimum", "android", "3.0.9", 426, false, "https://play.google.com/store/apps/details?id=x", ""},
		{"android at minimum", "android", "3.1.0", 200, false, "", ""},
		{"android above", "android", "3.1.1", 200, false, "", ""},
		{"android ios-valid version", "android", "2.4.0", 426, false, "https://play.google.com/store/apps/details?id=x", ""},
		{"no headers", "", "", 200, false, "", ""},
		{"version without platform", "", "0.0.1", 200, false, "", ""},
		{"platform without version", "ios", "", 200, false, "", ""},
		{"malformed version", "ios", "two", 400, false, "", "X-App-Version"},
		{"leading zero", "ios", "02.0.0", 400, false, "", "X-App-Version"},
		{"unknown platform", "windows", "9.0.0", 400, false, "", "X-Platform"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f.version, f.platform = tt.version, tt.platform
			for _, path := range []string{"/v1/me", "/v1/auth/login"} {
				var r resp
				if path == "/v1/me" {
					r = f.do(req{method: "GET", path: path, token: tok})
				} else {
					r = f.do(req{method: "POST", path: path, body: map[string]string{"username": demoUser, "password": demoPassword}})
				}
				if r.status != tt.wantStatus {
					t.Fatalf("%s with %s %s = %d %s, want %d", path, tt.platform, tt.version, r.status, r.body, tt.wantStatus)
				}
				if gotSoft := r.header.Get(HeaderAppUpdate) == "recommended"; gotSoft != tt.wantSoft {
					t.Errorf("%s %s: soft deprecation header = %v, want %v", tt.platform, tt.version, gotSoft, tt.wantSoft)
				}
				if tt.wantSoft && r.header.Get(HeaderRecommendedVersion) != "2.4.0" {
					t.Errorf("%s = %q, want 2.4.0", HeaderRecommendedVersion, r.header.Get(HeaderRecommendedVersion))
				}
				switch tt.wantStatus {
				case 426:
					var p struct {
						Code, StoreURL, MinVersion string
						Status                     int
					}
					r.json(t, &struct {
						Code       *string `json:"code"`
						StoreURL   *string `json:"store_url"`
						MinVersion *string `json:"min_version"`
						Status     *int    `json:"status"`
					}{&p.Code, &p.StoreURL, &p.MinVersion, &p.Status})
					if p.Code != CodeUpgradeRequired || p.StoreURL != tt.wantStore || p.Status != 426 || p.MinVersion == "" {
						t.Errorf("426 problem = %+v, want code %s and store_url %s", p, CodeUpgradeRequired, tt.wantStore)
					}
				case 400:
					if got := strings.Join(r.fieldErrors(t), ","); got != tt.wantField {
						t.Errorf("field errors = %q, want %q", got, tt.wantField)
					}
				}
			}
		})
	}
	t.Run("health is not gated", func(t *testing.T) {
		f.version, f.platform = "0.0.1", "ios"
		if r := f.do(req{method: "GET", path: "/healthz"}); r.status != http.StatusOK {
			t.Errorf("GET /healthz from an old app = %d, want 200", r.status)
		}
	})
}

func TestParseVersion(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"1.0.0", "1.0.0", 0},
		{"1.0.0", "1.0.1", -1},
		{"1.10.0", "1.9.0", 1},
		{"2.0", "2.0.0", 0},
		{"v2.1.0", "2.1.0", 0},
		{"1.0.0-alpha", "1.0.0", -1},
		{"1.0.0-alpha", "1.0.0-alpha.1", -1},
		{"1.0.0-alpha.1", "1.0.0-alpha.beta", -1},
		{"1.0.0-beta.2", "1.0.0-beta.11", -1},
		{"1.0.0-rc.1", "1.0.0-beta.11", 1},
		{"1.0.0+build.5", "1.0.0", 0},
	}
	for _, tt := range tests {
		a, err := ParseVersion(tt.a)
		if err != nil {
			t.Fatalf("ParseVersion(%q): %v", tt.a, err)
		}
		b, err := ParseVersion(tt.b)
		if err != nil {
			t.Fatalf("ParseVersion(%q): %v", tt.b, err)
		}
		if got := a.Compare(b); got != tt.want {
			t.Errorf("Compare(%s, %s) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
	for _, bad := range []string{"", "1", "1.2.3.4", "a.b.c", "1.-1.0", "01.0.0", "1.0.0-", "1.0.0-a..b", "1.0.0-ä", strings.Repeat("1", 70)} {
		if _, err := ParseVersion(bad); err == nil {
			t.Errorf("ParseVersion(%q) = nil error, want an error", bad)
		}
	}
}

func TestVersionConfigValidate(t *testing.T) {
	ok := VersionConfig{MinIOS: "1.0.0", MinAndroid: "1.0.0", StoreURLIOS: "https://a.example", StoreURLAndroid: "https://b.example"}
	tests := []struct {
		name    string
		mod     func(*VersionConfig)
		wantVar string
	}{
		{"valid", func(*VersionConfig) {}, ""},
		{"bad min", func(c *VersionConfig) { c.MinIOS = "x" }, "BFF_MOBILE_MIN_VERSION_IOS"},
		{"recommended below min", func(c *VersionConfig) { c.RecommendedAndroid = "0.9.0" }, "BFF_MOBILE_RECOMMENDED_VERSION_ANDROID"},
		{"http store url", func(c *VersionConfig) { c.StoreURLIOS = "http://a.example" }, "BFF_MOBILE_STORE_URL_IOS"},
		{"empty store url", func(c *VersionConfig) { c.StoreURLAndroid = "" }, "BFF_MOBILE_STORE_URL_ANDROID"},
	}
	for _, tt := range tests {
		c := ok
		tt.mod(&c)
		err := c.Validate()
		switch {
		case tt.wantVar == "" && err != nil:
			t.Errorf("Validate(%s) = %v, want nil", tt.name, err)
		case tt.wantVar != "" && (err == nil || !strings.Contains(err.Error(), tt.wantVar)):
			t.Errorf("Validate(%s) = %v, want an error naming %s", tt.name, err, tt.wantVar)
		}
	}
}
