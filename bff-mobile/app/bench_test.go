package app

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkHandlers measures the in-process cost of the main GET routes (routing, auth,
// aggregation, shaping, ETag, gzip) over the embedded backend, without network.
func BenchmarkHandlers(b *testing.B) {
	f := newFixture(b, nil)
	tok := f.login(demoUser, demoPassword).AccessToken
	for _, bc := range []struct{ name, path, accept string }{
		{"feed", "/v1/feed", ""},
		{"feed_gzip", "/v1/feed", "gzip"},
		{"products_50", "/v1/products?limit=50", ""},
		{"products_page_5", "/v1/products?limit=20&cursor=", ""},
		{"product", "/v1/products/p-0042", ""},
	} {
		b.Run(bc.name, func(b *testing.B) {
			path := bc.path
			if bc.name == "products_page_5" {
				var l ProductList
				cur := ""
				for range 4 {
					f.do(req{method: "GET", path: "/v1/products?limit=20&cursor=" + cur, token: tok}).json(b, &l)
					cur = l.NextCursor
				}
				path += cur
			}
			r := httptest.NewRequest("GET", path, nil)
			r.Header.Set("Authorization", "Bearer "+tok)
			r.Header.Set(HeaderAppVersion, "2.0.0")
			r.Header.Set(HeaderPlatform, "ios")
			if bc.accept != "" {
				r.Header.Set("Accept-Encoding", bc.accept)
			}
			b.ReportAllocs()
			var size int
			for b.Loop() {
				rec := httptest.NewRecorder()
				f.engine.ServeHTTP(rec, r)
				if rec.Code != http.StatusOK {
					b.Fatalf("GET %s = %d %s", path, rec.Code, rec.Body)
				}
				size = rec.Body.Len()
			}
			b.ReportMetric(float64(size), "resp_B")
		})
	}
}
