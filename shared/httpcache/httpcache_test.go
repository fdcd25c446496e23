package httpcache_test

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"bffsuite.dev/shared/httpcache"
	"bffsuite.dev/shared/problem"
	"github.com/gin-gonic/gin"
)

func TestCacheControl(t *testing.T) {
	tests := []struct {
		name string
		p    httpcache.Policy
		want string
	}{
		{"private", httpcache.Private, "private, no-store"},
		{"public", httpcache.Public(30*time.Second, time.Minute), "public, max-age=30, s-maxage=60"},
		{"public no s-maxage", httpcache.Public(10*time.Second, 0), "public, max-age=10"},
		{"private cached", httpcache.PrivateCached(time.Minute), "private, max-age=60"},
		{"private cached revalidate", httpcache.PrivateCached(0), "private, no-cache"},
		{"private cached negative", httpcache.PrivateCached(-time.Second), "private, no-cache"},
		{"stale", httpcache.Public(30*time.Second, time.Minute).WithStale(5 * time.Minute), "public, max-age=30, s-maxage=60, stale-while-revalidate=300"},
		{"negative clamps", httpcache.Public(-time.Second, 0), "public, max-age=0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.p.CacheControl(); got != tt.want {
				t.Errorf("CacheControl() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestMatches(t *testing.T) {
	tag := httpcache.ETag([]byte(`{"a":1}`))
	tests := []struct {
		inm  string
		want bool
	}{
		{"", false},
		{tag, true},
		{"W/" + tag, true},
		{`"other", ` + tag, true},
		{`"other"`, false},
		{"*", true},
		{tag[:len(tag)-2] + `"`, false},
	}
	for _, tt := range tests {
		if got := httpcache.Matches(tt.inm, tag); got != tt.want {
			t.Errorf("Matches(%q, %q) = %v, want %v", tt.inm, tag, got, tt.want)
		}
	}
	if httpcache.ETag([]byte("a")) == httpcache.ETag([]byte("b")) {
		t.Errorf("ETag(a) = ETag(b), want different tags")
	}
}

func engine(p httpcache.Policy, v any) *gin.Engine {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.Use(problem.Middleware(slog.New(slog.DiscardHandler)))
	r.Any("/x", func(c *gin.Context) { httpcache.JSON(c, http.StatusOK, p, v) })
	return r
}

func TestJSON(t *testing.T) {
	public := httpcache.Public(30*time.Second, 60*time.Second).Vary("Accept-Language")
	mine := httpcache.PrivateCached(0).Vary("Authorization")
	body := map[string]any{"name": "Red shoe", "price": 1299}
	tests := []struct {
		name         string
		p            httpcache.Policy
		method, inm  string
		v            any
		wantStatus   int
		wantETag     bool
		wantBody     bool
		wantCC, vary string
	}{
		{"public first", public, "GET", "", body, 200, true, true, "public, max-age=30, s-maxage=60", "Accept-Language"},
		{"public revalidated", public, "GET", "MATCH", body, 304, true, false, "public, max-age=30, s-maxage=60", "Accept-Language"},
		{"public weak revalidated", public, "GET", "W/MATCH", body, 304, true, false, "public, max-age=30, s-maxage=60", "Accept-Language"},
		{"public stale tag", public, "GET", `"old"`, body, 200, true, true, "public, max-age=30, s-maxage=60", "Accept-Language"},
		{"post never 304", public, "POST", "MATCH", body, 200, false, true, "public, max-age=30, s-maxage=60", "Accept-Language"},
		{"private no etag", httpcache.Private, "GET", "*", body, 200, false, true, "private, no-store", ""},
		{"private cached first", mine, "GET", "", body, 200, true, true, "private, no-cache", "Authorization"},
		{"private cached revalidated", mine, "GET", "MATCH", body, 304, true, false, "private, no-cache", "Authorization"},
		{"private cached post never 304", mine, "POST", "MATCH", body, 200, false, true, "private, no-cache", "Authorization"},
		{"encode failure is a problem", public, "GET", "", map[string]any{"f": func() {}}, 500, false, true, "no-store", ""},
	}
	tag := httpcache.ETag([]byte(`{"name":"Red shoe","price":1299}`))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(tt.method, "/x", nil)
			switch tt.inm {
			case "MATCH":
				req.Header.Set("If-None-Match", tag)
			case "W/MATCH":
				req.Header.Set("If-None-Match", "W/"+tag)
			case "":
			default:
				req.Header.Set("If-None-Match", tt.inm)
			}
			rec := httptest.NewRecorder()
			engine(tt.p, tt.v).ServeHTTP(rec, req)
			if rec.Code != tt.wantStatus {
				t.Errorf("status = %d, want %d", rec.Code, tt.wantStatus)
			}
			if got := rec.Header().Get("ETag"); (got == tag) != tt.wantETag {
				t.Errorf("ETag = %q, want present=%v (%s)", got, tt.wantETag, tag)
			}
			if got := rec.Body.Len() > 0; got != tt.wantBody {
				t.Errorf("body = %q, want present=%v", rec.Body.String(), tt.wantBody)
			}
			if got := rec.Header().Get("Cache-Control"); got != tt.wantCC {
				t.Errorf("Cache-Control = %q, want %q", got, tt.wantCC)
			}
			if got := rec.Header().Get("Vary"); got != tt.vary {
				t.Errorf("Vary = %q, want %q", got, tt.vary)
			}
		})
	}
}

func TestApplyVary(t *testing.T) {
	tests := []struct {
		name     string
		p        httpcache.Policy
		existing []string
		want     []string
	}{
		{"none", httpcache.Private, nil, nil},
		{"added", httpcache.PrivateCached(0).Vary("Authorization", "X-Device-Pixel-Ratio"), nil, []string{"Authorization", "X-Device-Pixel-Ratio"}},
		{"once", httpcache.Private.Vary("Authorization"), []string{"authorization"}, []string{"authorization"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gin.SetMode(gin.ReleaseMode)
			r := gin.New()
			r.POST("/x", func(c *gin.Context) {
				for _, v := range tt.existing {
					c.Writer.Header().Add("Vary", v)
				}
				httpcache.ApplyVary(c, tt.p)
				c.Status(http.StatusCreated)
			})
			rec := httptest.NewRecorder()
			r.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/x", nil))
			if got := rec.Header().Values("Vary"); !slices.Equal(got, tt.want) {
				t.Errorf("Vary = %v, want %v", got, tt.want)
			}
			if got := rec.Header().Get("Cache-Control"); got != "" {
				t.Errorf("Cache-Control = %q, want none (ApplyVary sets only Vary)", got)
			}
		})
	}
}
