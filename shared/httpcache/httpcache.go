// Package httpcache sets the HTTP caching headers of BFF responses in one place: public
// catalog data gets Cache-Control with a short max-age and s-maxage plus an ETag computed
// from the exact bytes sent, and a conditional GET whose If-None-Match matches answers 304
// without a body; anything personal is "private, no-store", or, for a client that keeps its
// own data (the mobile app), "private, max-age=N" / "private, no-cache" with an ETag
// (PrivateCached), so it revalidates for a 304 instead of downloading the payload again.
//
//	httpcache.JSON(c, http.StatusOK, httpcache.Public(30*time.Second, 60*time.Second).Vary("Accept-Language"), view)
//	httpcache.JSON(c, http.StatusOK, httpcache.Private, account)
//	httpcache.Write(c, http.StatusOK, httpcache.PrivateCached(0).Vary("Authorization"), "application/json", me)
//
// The ETag is strong (a hash of the body), so it changes with every representation,
// including per-language renderings; a compression layer may weaken it, and If-None-Match
// uses the weak comparison of RFC 9110 section 13.1.2, so W/"x" matches "x".
package httpcache

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"bffsuite.dev/shared/problem"
	"github.com/gin-gonic/gin"
)

// Policy is the caching policy of one response.
type Policy struct {
	public bool
	// cached: a private policy whose responses the client may keep (PrivateCached).
	cached bool
	// MaxAge is for browsers, SMaxAge for shared caches (CDN, API Gateway cache).
	MaxAge, SMaxAge time.Duration
	// StaleWhileRevalidate lets caches serve a stale copy while they revalidate (RFC 5861).
	StaleWhileRevalidate time.Duration
	vary                 []string
}

// Private is the policy of personal data and of partial responses: never stored by anyone.
var Private = Policy{}

// Public returns a policy for data that is the same for every caller.
func Public(maxAge, sMaxAge time.Duration) Policy {
	return Policy{public: true, MaxAge: maxAge, SMaxAge: sMaxAge}
}

// PrivateCached returns a policy for data of one caller that the caller's own client may
// keep: "private, max-age=N" when maxAge is positive (reuse without asking), else
// "private, no-cache" (revalidate every time). Unlike Private, a 200 to GET carries an ETag and
// a matching If-None-Match answers 304. Shared caches never store it.
func PrivateCached(maxAge time.Duration) Policy {
	return Policy{cached: true, MaxAge: max(maxAge, 0)}
}

// WithStale returns p with stale-while-revalidate.
func (p Policy) WithStale(d time.Duration) Policy {
	p.StaleWhileRevalidate = d
	return p
}

// Vary returns p with request headers the representation depends on (e.g. Accept-Language).
func (p Policy) Vary(headers ...string) Policy {
	p.vary = append(append([]string(nil), p.vary...), headers...)
	return p
}

// IsPublic reports whether responses under p may be stored by shared caches.
func (p Policy) IsPublic() bool { return p.public }

// CacheControl renders the Cache-Control header value.
func (p Policy) CacheControl() string {
	if !p.public {
		switch {
		case !p.cached:
			return "private, no-store"
		case p.MaxAge > 0:
			return "private, max-age=" + secs(p.MaxAge)
		}
		return "private, no-cache"
	}
	s := "public, max-age=" + secs(p.MaxAge)
	if p.SMaxAge > 0 {
		s += ", s-maxage=" + secs(p.SMaxAge)
	}
	if p.StaleWhileRevalidate > 0 {
		s += ", stale-while-revalidate=" + secs(p.StaleWhileRevalidate)
	}
	return s
}

func secs(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	return strconv.FormatInt(int64(d/time.Second), 10)
}

// ETag returns a strong entity tag for body: a quoted, URL-safe base64 of the first 16 bytes
// of its SHA-256.
func ETag(body []byte) string {
	sum := sha256.Sum256(body)
	return `"` + base64.RawURLEncoding.EncodeToString(sum[:16]) + `"`
}

// Matches reports whether an If-None-Match header value matches etag, with the weak
// comparison RFC 9110 requires for If-None-Match: "*" matches any, and W/ prefixes are
// ignored on both sides.
func Matches(ifNoneMatch, etag string) bool {
	if ifNoneMatch == "" || etag == "" {
		return false
	}
	want := strings.TrimPrefix(etag, "W/")
	for _, tag := range strings.Split(ifNoneMatch, ",") {
		tag = strings.TrimSpace(tag)
		if tag == "*" || strings.TrimPrefix(tag, "W/") == want {
			return true
		}
	}
	return false
}

// Apply sets Cache-Control (and Vary) of p on the response.
func Apply(c *gin.Context, p Policy) {
	c.Writer.Header().Set("Cache-Control", p.CacheControl())
	ApplyVary(c, p)
}

// ApplyVary adds only the Vary headers of p (once each): for a response whose caching is not
// decided by p, e.g. the answer to a POST that shares a GET's representation.
func ApplyVary(c *gin.Context, p Policy) {
	if len(p.vary) > 0 {
		addVary(c.Writer.Header(), p.vary...)
	}
}

func addVary(h http.Header, names ...string) {
	have := map[string]bool{}
	for _, v := range h.Values("Vary") {
		for _, n := range strings.Split(v, ",") {
			have[strings.ToLower(strings.TrimSpace(n))] = true
		}
	}
	for _, n := range names {
		if !have[strings.ToLower(n)] {
			h.Add("Vary", n)
			have[strings.ToLower(n)] = true
		}
	}
}

// JSON encodes v and writes it with status under policy p. For a public or PrivateCached 200
// response to GET or HEAD it sets an ETag and answers 304 Not Modified (no body, same ETag and
// Cache-Control) when If-None-Match matches. Private responses carry no ETag: they are
// never stored, so there is nothing to revalidate. An encoding failure is a problem
// response, with nothing of the body written.
func JSON(c *gin.Context, status int, p Policy, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		problem.Abort(c, fmt.Errorf("encode response: %w", err))
		return
	}
	Write(c, status, p, "application/json; charset=utf-8", body)
}

// Write is JSON for an already encoded body.
func Write(c *gin.Context, status int, p Policy, contentType string, body []byte) {
	Apply(c, p)
	m := c.Request.Method
	if (p.public || p.cached) && status == http.StatusOK && (m == http.MethodGet || m == http.MethodHead) {
		tag := ETag(body)
		c.Header("ETag", tag)
		if Matches(c.GetHeader("If-None-Match"), tag) {
			c.Status(http.StatusNotModified)
			c.Writer.WriteHeaderNow()
			return
		}
	}
	c.Data(status, contentType, body)
}
