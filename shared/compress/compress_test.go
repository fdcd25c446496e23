package compress

import (
	"bytes"
	"compress/gzip"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"bffsuite.dev/shared/problem"
	"github.com/gin-gonic/gin"
)

func init() { gin.SetMode(gin.ReleaseMode) }

// jsonBody returns a JSON document of at least n bytes.
func jsonBody(n int) string {
	var b strings.Builder
	b.WriteString(`{"items":[`)
	for i := 0; b.Len() < n; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`{"id":"p-0001","name":"Wireless Over-Ear Headphones","price":"€129.00"}`)
	}
	b.WriteString(`]}`)
	return b.String()
}

func newEngine(t *testing.T, minSize int) *gin.Engine {
	t.Helper()
	r := gin.New()
	r.Use(problem.Middleware(discardLogger()), Gzip(Options{MinSize: minSize}))
	big, small := jsonBody(4000), `{"ok":true}`
	r.GET("/big", func(c *gin.Context) { c.Data(http.StatusOK, "application/json", []byte(big)) })
	r.GET("/small", func(c *gin.Context) { c.Data(http.StatusOK, "application/json", []byte(small)) })
	r.GET("/etag", func(c *gin.Context) {
		c.Header("ETag", `"abc123"`)
		c.Data(http.StatusOK, "application/json", []byte(big))
	})
	r.GET("/smalletag", func(c *gin.Context) {
		c.Header("ETag", `"s1"`)
		c.Data(http.StatusOK, "application/json", []byte(small))
	})
	r.GET("/weak", func(c *gin.Context) {
		c.Header("ETag", `W/"abc123"`)
		c.Data(http.StatusOK, "application/json", []byte(big))
	})
	r.GET("/png", func(c *gin.Context) { c.Data(http.StatusOK, "image/png", bytes.Repeat([]byte{0x89}, 4000)) })
	r.GET("/encoded", func(c *gin.Context) {
		c.Header("Content-Encoding", "br")
		c.Data(http.StatusOK, "application/json", []byte(big))
	})
	r.GET("/304", func(c *gin.Context) {
		c.Header("ETag", `"abc123"`)
		c.Status(http.StatusNotModified)
	})
	r.DELETE("/204", func(c *gin.Context) { c.Status(http.StatusNoContent) })
	r.GET("/problem", func(c *gin.Context) {
		problem.Abort(c, problem.New(http.StatusBadRequest, "bad_request", strings.Repeat("x", 3000)))
	})
	r.GET("/vary", func(c *gin.Context) {
		c.Header("Vary", "Authorization")
		c.Data(http.StatusOK, "application/json", []byte(big))
	})
	r.HEAD("/big", func(c *gin.Context) {
		c.Header("Content-Type", "application/json")
		c.Status(http.StatusOK)
	})
	return r
}

func TestGzip(t *testing.T) {
	r := newEngine(t, 1024)
	big := jsonBody(4000)
	tests := []struct {
		name, method, path, accept string
		wantStatus                 int
		wantGzip                   bool
		wantVary                   bool
		wantBody                   string // checked after decoding when not empty
		wantETag                   string
	}{
		{"big accepted", "GET", "/big", "gzip, deflate, br", 200, true, true, big, ""},
		{"big x-gzip", "GET", "/big", "x-gzip", 200, true, true, big, ""},
		{"big star", "GET", "/big", "*", 200, true, true, big, ""},
		{"big not accepted", "GET", "/big", "", 200, false, true, big, ""},
		{"big identity only", "GET", "/big", "identity", 200, false, true, big, ""},
		{"big gzip refused", "GET", "/big", "gzip;q=0, *;q=1", 200, false, true, big, ""},
		{"big gzip low q", "GET", "/big", "br;q=1.0, gzip;q=0.1", 200, true, true, big, ""},
		{"small below threshold", "GET", "/small", "gzip", 200, false, true, `{"ok":true}`, ""},
		{"strong etag weakened", "GET", "/etag", "gzip", 200, true, true, big, `W/"abc123"`},
		{"strong etag kept without gzip", "GET", "/etag", "", 200, false, true, big, `"abc123"`},
		{"weak etag kept", "GET", "/weak", "gzip", 200, true, true, big, `W/"abc123"`},
		{"binary type", "GET", "/png", "gzip", 200, false, false, "", ""},
		{"already encoded", "GET", "/encoded", "gzip", 200, false, true, "", ""},
		{"not modified repeats the weak tag", "GET", "/304", "gzip", 304, false, false, "", `W/"abc123"`},
		{"not modified without gzip", "GET", "/304", "", 304, false, false, "", `"abc123"`},
		{"small body weak tag when gzip accepted", "GET", "/smalletag", "gzip", 200, false, true, `{"ok":true}`, `W/"s1"`},
		{"small body strong tag otherwise", "GET", "/smalletag", "", 200, false, true, `{"ok":true}`, `"s1"`},
		{"no content", "DELETE", "/204", "gzip", 204, false, false, "", ""},
		{"problem stays plain", "GET", "/problem", "gzip", 400, false, false, "", ""},
		{"existing vary kept", "GET", "/vary", "gzip", 200, true, true, big, ""},
		{"head", "HEAD", "/big", "gzip", 200, false, true, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(tt.method, tt.path, nil)
			if tt.accept != "" {
				req.Header.Set("Accept-Encoding", tt.accept)
			}
			rec := httptest.NewRecorder()
			r.ServeHTTP(rec, req)
			if rec.Code != tt.wantStatus {
				t.Fatalf("GET %s status = %d, want %d", tt.path, rec.Code, tt.wantStatus)
			}
			gotGzip := rec.Header().Get("Content-Encoding") == "gzip"
			if gotGzip != tt.wantGzip {
				t.Fatalf("GET %s (Accept-Encoding %q) gzip = %v, want %v", tt.path, tt.accept, gotGzip, tt.wantGzip)
			}
			gotVary := strings.Contains(strings.Join(rec.Header().Values("Vary"), ","), "Accept-Encoding")
			if gotVary != tt.wantVary {
				t.Errorf("GET %s Vary = %q, want Accept-Encoding present = %v", tt.path, rec.Header().Values("Vary"), tt.wantVary)
			}
			body := rec.Body.Bytes()
			if gotGzip {
				if cl := rec.Header().Get("Content-Length"); cl != itoa(len(body)) {
					t.Errorf("Content-Length = %s, want %d", cl, len(body))
				}
				if len(body) >= len(tt.wantBody) {
					t.Errorf("gzipped size %d, want less than %d", len(body), len(tt.wantBody))
				}
				body = gunzip(t, body)
			}
			if tt.wantBody != "" && string(body) != tt.wantBody {
				t.Errorf("GET %s body = %.60q..., want %.60q...", tt.path, body, tt.wantBody)
			}
			if tt.wantETag != "" && rec.Header().Get("ETag") != tt.wantETag {
				t.Errorf("ETag = %q, want %q", rec.Header().Get("ETag"), tt.wantETag)
			}
			if (tt.wantStatus == 304 || tt.wantStatus == 204 || tt.method == "HEAD") && rec.Body.Len() != 0 {
				t.Errorf("%s %s body = %d bytes, want none", tt.method, tt.path, rec.Body.Len())
			}
		})
	}
}

func TestGzipThreshold(t *testing.T) {
	body := jsonBody(2000)
	tests := []struct {
		minSize  int
		wantGzip bool
	}{
		{len(body), true},
		{len(body) + 1, false},
		{0, true}, // default 1024
	}
	for _, tt := range tests {
		r := gin.New()
		r.Use(Gzip(Options{MinSize: tt.minSize}))
		r.GET("/", func(c *gin.Context) { c.Data(200, "application/json; charset=utf-8", []byte(body)) })
		req := httptest.NewRequest("GET", "/", nil)
		req.Header.Set("Accept-Encoding", "gzip")
		rec := httptest.NewRecorder()
		r.ServeHTTP(rec, req)
		if got := rec.Header().Get("Content-Encoding") == "gzip"; got != tt.wantGzip {
			t.Errorf("Gzip(MinSize %d) on %d bytes: gzip = %v, want %v", tt.minSize, len(body), got, tt.wantGzip)
		}
	}
}

func TestAcceptsGzip(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"", false},
		{"gzip", true},
		{"GZIP", true},
		{"deflate, gzip;q=1.0, *;q=0.5", true},
		{"gzip;q=0", false},
		{"gzip;q=0.000", false},
		{"gzip; q=0.5", true},
		{"gzip;q=abc", false},
		{"gzip;q=2", false},
		{"br", false},
		{"*", true},
		{"*;q=0", false},
		{"gzip;q=0, *", false},
		{"identity, *;q=0", false},
		{" , gzip", true},
	}
	for _, tt := range tests {
		if got := AcceptsGzip(tt.in); got != tt.want {
			t.Errorf("AcceptsGzip(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestCompressible(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"application/json", true},
		{"application/json; charset=utf-8", true},
		{"application/problem+json", true},
		{"text/plain", true},
		{"application/yaml", false},
		{"image/png", false},
		{"application/octet-stream", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := Compressible(tt.in); got != tt.want {
			t.Errorf("Compressible(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestGzipInvalidLevelPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Errorf("Gzip(Level 42) did not panic, want a panic at start")
		}
	}()
	Gzip(Options{Level: 42})
}

func BenchmarkGzip(b *testing.B) {
	body := []byte(jsonBody(8000))
	for _, level := range []int{gzip.BestSpeed, gzip.DefaultCompression} {
		r := gin.New()
		r.Use(Gzip(Options{Level: level}))
		r.GET("/", func(c *gin.Context) { c.Data(200, "application/json", body) })
		b.Run("level"+itoa(level), func(b *testing.B) {
			req := httptest.NewRequest("GET", "/", nil)
			req.Header.Set("Accept-Encoding", "gzip")
			b.ReportAllocs()
			var size int
			for b.Loop() {
				rec := httptest.NewRecorder()
				r.ServeHTTP(rec, req)
				size = rec.Body.Len()
			}
			b.ReportMetric(float64(size), "bytes/op-out")
			b.ReportMetric(float64(len(body)), "bytes/op-in")
		})
	}
}

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

func itoa(n int) string { return strconv.Itoa(n) }

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }
