// Package compress gzips response bodies for clients that accept it, because API Gateway HTTP
// APIs do not compress and mobile networks are slow. It buffers the handler's response, and
// when the body is at least MinSize bytes of a compressible type, the request accepts gzip
// and the body is not encoded already, it sends the gzipped body with Content-Encoding: gzip.
//
// Every response of a compressible type carries Vary: Accept-Encoding, compressed or not, so
// caches keep the two representations apart. 204, 304, HEAD and bodiless responses pass
// through untouched. When the request accepts gzip, a strong ETag is turned into a weak one
// (as nginx does for what it compresses): the gzipped bytes differ from the identity
// representation the tag was computed over. This applies to 304s and small bodies too, so a
// 304 always repeats the tag of the 200 it confirms; If-None-Match uses the weak comparison,
// so revalidation works with either form.
//
// On Lambda the shared runtime (shared/server) base64-encodes any response that has a
// Content-Encoding, so gzipped bodies survive the JSON event payload.
//
// Mount it after the standard chain (server.EngineOptions.Extra), so problem responses written
// by the problem middleware stay uncompressed and small.
package compress

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/gin-gonic/gin"
)

// DefaultMinSize is the body size below which compressing does not pay: gzip adds about 20
// bytes of framing, and a small body fits one packet either way.
const DefaultMinSize = 1024

// Options configure Gzip.
type Options struct {
	// MinSize is the smallest body that is compressed (0: DefaultMinSize).
	MinSize int
	// Level is the gzip level (0: gzip.DefaultCompression). BestSpeed suits Lambda CPU.
	Level int
}

// Gzip returns the middleware. It panics on an invalid level (a programming error at start).
func Gzip(o Options) gin.HandlerFunc {
	if o.MinSize <= 0 {
		o.MinSize = DefaultMinSize
	}
	if o.Level == 0 {
		o.Level = gzip.DefaultCompression
	}
	if _, err := gzip.NewWriterLevel(nil, o.Level); err != nil {
		panic(fmt.Sprintf("compress: %v", err))
	}
	pool := &sync.Pool{New: func() any {
		w, _ := gzip.NewWriterLevel(nil, o.Level)
		return w
	}}
	return func(c *gin.Context) {
		orig := c.Writer
		bw := &bufferedWriter{ResponseWriter: orig}
		c.Writer = bw
		defer func() { c.Writer = orig }()
		c.Next()
		c.Writer = orig
		bw.finish(c.Request, o.MinSize, pool)
	}
}

// AcceptsGzip reports whether an Accept-Encoding header value allows gzip (RFC 9110 §12.5.3):
// "gzip" or "x-gzip" with a non-zero q, or "*" with a non-zero q when gzip is not refused.
func AcceptsGzip(header string) bool {
	star := false
	for part := range strings.SplitSeq(header, ",") {
		coding, params, _ := strings.Cut(part, ";")
		coding = strings.ToLower(strings.TrimSpace(coding))
		if coding == "" {
			continue
		}
		q := qvalue(params)
		switch coding {
		case "gzip", "x-gzip":
			return q > 0
		case "*":
			star = q > 0
		}
	}
	return star
}

func qvalue(params string) float64 {
	for p := range strings.SplitSeq(params, ";") {
		k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
		if !ok || !strings.EqualFold(strings.TrimSpace(k), "q") {
			continue
		}
		q, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil || q < 0 || q > 1 {
			return 0 // a malformed weight is not an acceptance
		}
		return q
	}
	return 1
}

// Compressible reports whether a Content-Type is worth compressing: text, JSON (including
// problem+json), XML and JavaScript.
func Compressible(contentType string) bool {
	ct := strings.ToLower(strings.TrimSpace(strings.SplitN(contentType, ";", 2)[0]))
	switch {
	case strings.HasPrefix(ct, "text/"),
		ct == "application/json", strings.HasSuffix(ct, "+json"),
		ct == "application/xml", strings.HasSuffix(ct, "+xml"),
		ct == "application/javascript", ct == "image/svg+xml":
		return true
	}
	return false
}

// bufferedWriter holds the body until the handler is done, so the decision to compress is
// made once with the whole body and nothing partial is ever sent.
type bufferedWriter struct {
	gin.ResponseWriter
	buf       bytes.Buffer
	headerNow bool
}

func (w *bufferedWriter) Write(b []byte) (int, error) { return w.buf.Write(b) }

func (w *bufferedWriter) WriteString(s string) (int, error) { return w.buf.WriteString(s) }

// WriteHeaderNow is deferred to finish; the status itself is recorded by WriteHeader.
func (w *bufferedWriter) WriteHeaderNow() { w.headerNow = true }

func (w *bufferedWriter) Written() bool { return w.headerNow || w.buf.Len() > 0 }

func (w *bufferedWriter) Size() int {
	if !w.Written() {
		return -1
	}
	return w.buf.Len()
}

// Flush is ignored while buffering: streaming responses should not go through this middleware.
func (w *bufferedWriter) Flush() {}

func (w *bufferedWriter) finish(r *http.Request, minSize int, pool *sync.Pool) {
	out := w.ResponseWriter
	h := out.Header()
	status := out.Status()
	compressible := Compressible(h.Get("Content-Type"))
	if compressible {
		addVary(h, "Accept-Encoding")
	}
	accepts := AcceptsGzip(r.Header.Get("Accept-Encoding"))
	if et := h.Get("ETag"); accepts && et != "" && !strings.HasPrefix(et, "W/") && (compressible || status == http.StatusNotModified) {
		h.Set("ETag", "W/"+et)
	}
	if !w.Written() {
		return // nothing written: the problem middleware or Gin writes the response
	}
	body := w.buf.Bytes()
	if len(body) == 0 || status == http.StatusNoContent || status == http.StatusNotModified ||
		status < 200 || r.Method == http.MethodHead || !compressible || len(body) < minSize ||
		h.Get("Content-Encoding") != "" || !accepts {
		out.WriteHeaderNow()
		if len(body) > 0 {
			_, _ = out.Write(body)
		}
		return
	}
	gz := pool.Get().(*gzip.Writer)
	defer pool.Put(gz)
	var zbuf bytes.Buffer
	zbuf.Grow(len(body) / 3)
	gz.Reset(&zbuf)
	if _, err := gz.Write(body); err != nil || gz.Close() != nil {
		// Writing to memory cannot fail; if it ever did, send the identity body.
		out.WriteHeaderNow()
		_, _ = out.Write(body)
		return
	}
	h.Set("Content-Encoding", "gzip")
	h.Set("Content-Length", strconv.Itoa(zbuf.Len()))
	out.WriteHeaderNow()
	_, _ = out.Write(zbuf.Bytes())
}

// addVary adds a token to Vary unless it is listed already.
func addVary(h http.Header, token string) {
	for _, v := range h.Values("Vary") {
		for t := range strings.SplitSeq(v, ",") {
			t = strings.TrimSpace(t)
			if t == "*" || strings.EqualFold(t, token) {
				return
			}
		}
	}
	h.Add("Vary", token)
}
