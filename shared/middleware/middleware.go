// Package middleware holds the Gin middleware every BFF runs. server.NewEngine installs it, and
// is the reference for the order, which is:
//
//	Recovery → Correlation → [tracing] → [metrics] → RequestLog → problem mapping
//	(problem.Middleware) → HeaderLimit → Deadline → BodyLimit → CORS → SecurityHeaders →
//	RequireJSON → the BFF's extra middleware → the route's own (auth, idempotency) → handler
//
// so a panic anywhere is recovered, every log line and problem carries the correlation ID, the
// request log sees the final status of mapped errors, and a rejected request (too large, wrong
// origin, not JSON) is still a logged problem+json response. Tracing and metrics are present
// only when enabled.
package middleware

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"bffsuite.dev/shared/logging"
	"bffsuite.dev/shared/problem"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/awslabs/aws-lambda-go-api-proxy/core"
	"github.com/gin-gonic/gin"
)

// HeaderCorrelationID is the header that carries the correlation ID in and out.
const HeaderCorrelationID = "X-Correlation-ID"

// Recovery turns a panic into a 500 problem. The stack goes to the log, never to the client.
func Recovery(logger *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		defer func() {
			rec := recover()
			if rec == nil {
				return
			}
			logger.LogAttrs(c.Request.Context(), slog.LevelError, "panic recovered",
				slog.String("panic", panicText(rec)), slog.String("stack", string(debug.Stack())))
			c.Abort()
			if !c.Writer.Written() {
				problem.Write(c, problem.New(http.StatusInternalServerError, problem.CodeInternal, "An unexpected error occurred."))
			}
		}()
		c.Next()
	}
}

func panicText(v any) string {
	switch x := v.(type) {
	case error:
		return x.Error()
	case string:
		return x
	}
	return "non-error panic value"
}

// ValidCorrelationID reports whether an incoming correlation ID is safe to adopt: 8 to 128
// characters of letters, digits and -_.: (no spaces or control characters that could forge log lines).
func ValidCorrelationID(id string) bool {
	if len(id) < 8 || len(id) > 128 {
		return false
	}
	for i := 0; i < len(id); i++ {
		b := id[i]
		switch {
		case b >= 'a' && b <= 'z', b >= 'A' && b <= 'Z', b >= '0' && b <= '9', b == '-', b == '_', b == '.', b == ':':
		default:
			return false
		}
	}
	return true
}

// NewID returns a random 128-bit ID in UUID form.
func NewID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	var out [36]byte
	hex.Encode(out[0:8], b[0:4])
	out[8] = '-'
	hex.Encode(out[9:13], b[4:6])
	out[13] = '-'
	hex.Encode(out[14:18], b[6:8])
	out[18] = '-'
	hex.Encode(out[19:23], b[8:10])
	out[23] = '-'
	hex.Encode(out[24:], b[10:])
	return string(out[:])
}

// GatewayRequestID returns the API Gateway request ID of a request that came through Lambda
// (REST or HTTP API), or "".
func GatewayRequestID(ctx context.Context) string {
	if rc, ok := core.GetAPIGatewayV2ContextFromContext(ctx); ok && rc.RequestID != "" {
		return rc.RequestID
	}
	if rc, ok := core.GetAPIGatewayContextFromContext(ctx); ok && rc.RequestID != "" {
		return rc.RequestID
	}
	return ""
}

// Correlation adopts a well-formed X-Correlation-ID, else seeds it from the API Gateway request
// ID, else generates one. It echoes it on the response and carries it in the request context
// (logging.CorrelationID) for logs and downstream calls. It also starts the request's log field bag.
func Correlation() gin.HandlerFunc {
	return func(c *gin.Context) {
		ctx := c.Request.Context()
		id := c.GetHeader(HeaderCorrelationID)
		if !ValidCorrelationID(id) {
			id = GatewayRequestID(ctx)
			if !ValidCorrelationID(id) {
				id = NewID()
			}
		}
		ctx = logging.WithCorrelationID(ctx, id)
		ctx, fields := logging.WithFields(ctx)
		if lc, ok := lambdacontext.FromContext(ctx); ok {
			fields.Set("aws_request_id", lc.AwsRequestID)
		}
		c.Request = c.Request.WithContext(ctx)
		c.Header(HeaderCorrelationID, id)
		c.Next()
	}
}

// RequestLog writes one JSON line per request: method, route template, status, latency,
// response size, and (through the context) correlation ID, AWS request ID and whatever later
// middleware added (principal, client kind). It never logs headers, cookies, query values or bodies.
func RequestLog(logger *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		panicking := true
		defer func() {
			status := c.Writer.Status()
			if panicking {
				status = http.StatusInternalServerError // Recovery, further out, writes it
			}
			route := c.FullPath()
			if route == "" {
				route = "unmatched"
			}
			level := slog.LevelInfo
			if status >= 500 {
				level = slog.LevelWarn
			}
			logger.LogAttrs(c.Request.Context(), level, "request",
				slog.String("method", c.Request.Method),
				slog.String("route", route),
				slog.Int("status", status),
				slog.Float64("latency_ms", float64(time.Since(start).Microseconds())/1000),
				slog.Int("bytes", max(c.Writer.Size(), 0)),
			)
		}()
		c.Next()
		panicking = false
	}
}

// DeadlineConfig sets the request time budget.
type DeadlineConfig struct {
	// Budget is this BFF's own per-request budget.
	Budget time.Duration
	// GatewayLimit is API Gateway's integration timeout (29 s) and GatewayMargin what we keep
	// back from it to answer ourselves.
	GatewayLimit, GatewayMargin time.Duration
	// LambdaMargin is kept back from the Lambda invocation deadline.
	LambdaMargin time.Duration
	// Now is for tests; nil means time.Now.
	Now func() time.Time
}

// Deadline sets the request context deadline to the earliest of the Lambda deadline minus a
// margin, the API Gateway limit minus a margin, and the BFF's budget. Domain calls bounded by
// the context then end with a 504 problem of ours instead of API Gateway's generic error.
func Deadline(cfg DeadlineConfig) gin.HandlerFunc {
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	return func(c *gin.Context) {
		ctx := c.Request.Context()
		deadline := EffectiveDeadline(ctx, now(), cfg)
		ctx, cancel := context.WithDeadline(ctx, deadline)
		defer cancel()
		c.Request = c.Request.WithContext(ctx)
		c.Next()
	}
}

// EffectiveDeadline computes the deadline Deadline applies to a request starting at start.
func EffectiveDeadline(ctx context.Context, start time.Time, cfg DeadlineConfig) time.Time {
	var deadline time.Time
	consider := func(t time.Time) {
		if deadline.IsZero() || t.Before(deadline) {
			deadline = t
		}
	}
	if cfg.Budget > 0 {
		consider(start.Add(cfg.Budget))
	}
	if cfg.GatewayLimit > 0 {
		consider(start.Add(cfg.GatewayLimit - cfg.GatewayMargin))
	}
	if d, ok := ctx.Deadline(); ok {
		consider(d.Add(-cfg.LambdaMargin))
	}
	if deadline.IsZero() {
		deadline = start.Add(29 * time.Second)
	}
	return deadline
}

// BodyLimit rejects bodies larger than limit bytes with 413, by declared length at once and by
// actual length while the handler reads.
func BodyLimit(limit int64) gin.HandlerFunc {
	return func(c *gin.Context) {
		if c.Request.ContentLength > limit {
			problem.Abort(c, problem.New(http.StatusRequestEntityTooLarge, problem.CodeBodyTooLarge,
				"The request body is larger than "+strconv.FormatInt(limit, 10)+" bytes."))
			return
		}
		if c.Request.Body != nil {
			c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, limit)
		}
		c.Next()
	}
}

// MaxHeaderBytes is the size limit of a request's head (request line and header fields) that
// HeaderLimit enforces.
const MaxHeaderBytes = 64 << 10

// HeaderSize is the size of r's head as it came over the wire: request line, Host and every
// header field with its separators.
func HeaderSize(r *http.Request) int {
	n := len(r.Method) + 1 + len(r.RequestURI) + 1 + len(r.Proto) + 2
	if r.Host != "" {
		n += len("Host: ") + len(r.Host) + 2
	}
	for k, vs := range r.Header {
		for _, v := range vs {
			n += len(k) + 2 + len(v) + 2
		}
	}
	return n + 2
}

// HeaderLimit answers 431 problem+json when the request's head is larger than limit bytes.
// The local http.Server's own limit sits above it (its refusal is plain text, rewritten by
// the server package), so this check is the one clients meet, with their correlation ID.
func HeaderLimit(limit int) gin.HandlerFunc {
	return func(c *gin.Context) {
		if HeaderSize(c.Request) > limit {
			problem.Abort(c, problem.New(http.StatusRequestHeaderFieldsTooLarge, problem.CodeHeaderTooLarge,
				"The request line and headers are larger than "+strconv.Itoa(limit)+" bytes."))
			return
		}
		c.Next()
	}
}

// CORSConfig is a BFF's CORS policy.
type CORSConfig struct {
	// Origins is the allowlist of exact origins ("https://app.example.com"). Empty means no
	// cross-origin access.
	Origins []string
	// Credentials allows cookies on cross-origin requests (only ever for allowlisted origins).
	Credentials bool
	Methods     []string
	Headers     []string
	Expose      []string
	MaxAge      time.Duration
}

// CORS answers preflights and adds CORS headers for allowlisted origins only. A preflight from
// another origin gets a 403 problem; a simple request from one gets no CORS headers, so the
// browser withholds the response.
func CORS(cfg CORSConfig) gin.HandlerFunc {
	allowed := make(map[string]bool, len(cfg.Origins))
	for _, o := range cfg.Origins {
		allowed[strings.TrimRight(o, "/")] = true
	}
	methods := strings.Join(orDefault(cfg.Methods, []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"}), ", ")
	headers := strings.Join(orDefault(cfg.Headers, []string{"Content-Type", "Authorization", HeaderCorrelationID}), ", ")
	expose := strings.Join(orDefault(cfg.Expose, []string{HeaderCorrelationID, "X-Trace-ID", "ETag", "Retry-After"}), ", ")
	maxAge := strconv.Itoa(int(cfg.MaxAge / time.Second))
	return func(c *gin.Context) {
		origin := c.GetHeader("Origin")
		if origin == "" {
			c.Next()
			return
		}
		h := c.Writer.Header()
		h.Add("Vary", "Origin")
		ok := allowed[origin]
		preflight := c.Request.Method == http.MethodOptions && c.GetHeader("Access-Control-Request-Method") != ""
		if preflight {
			h.Add("Vary", "Access-Control-Request-Method")
			h.Add("Vary", "Access-Control-Request-Headers")
			if !ok {
				problem.Abort(c, problem.New(http.StatusForbidden, "origin_not_allowed", "This origin may not call this API."))
				return
			}
			h.Set("Access-Control-Allow-Origin", origin)
			h.Set("Access-Control-Allow-Methods", methods)
			h.Set("Access-Control-Allow-Headers", headers)
			if cfg.Credentials {
				h.Set("Access-Control-Allow-Credentials", "true")
			}
			if cfg.MaxAge > 0 {
				h.Set("Access-Control-Max-Age", maxAge)
			}
			c.AbortWithStatus(http.StatusNoContent)
			return
		}
		if ok {
			h.Set("Access-Control-Allow-Origin", origin)
			h.Set("Access-Control-Expose-Headers", expose)
			if cfg.Credentials {
				h.Set("Access-Control-Allow-Credentials", "true")
			}
		}
		c.Next()
	}
}

func orDefault(v, d []string) []string {
	if len(v) == 0 {
		return d
	}
	return v
}

// SecurityHeaders sets headers suited to a JSON API. Responses default to no-store; handlers
// that serve cacheable data set their own Cache-Control.
func SecurityHeaders() gin.HandlerFunc {
	return func(c *gin.Context) {
		h := c.Writer.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
		h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
		h.Set("Cache-Control", "no-store")
		c.Next()
	}
}

// RequireJSON answers 415 when a request with a body is not JSON. Paths for which exempt
// returns true (form posts such as an OAuth token endpoint) are let through, and so are
// requests that match no route (c.FullPath() is empty): they get their 404 or 405, not a 415
// about a body no handler would read.
func RequireJSON(exempt func(path string) bool) gin.HandlerFunc {
	return func(c *gin.Context) {
		r := c.Request
		hasBody := r.ContentLength > 0 || (r.ContentLength < 0 && r.Body != nil && r.Body != http.NoBody)
		if !hasBody || r.Method == http.MethodGet || r.Method == http.MethodHead || c.FullPath() == "" || (exempt != nil && exempt(r.URL.Path)) {
			c.Next()
			return
		}
		if !IsJSON(r.Header.Get("Content-Type")) {
			problem.Abort(c, problem.New(http.StatusUnsupportedMediaType, problem.CodeUnsupportedMedia, "Send the body as application/json."))
			return
		}
		c.Next()
	}
}

// IsJSON reports whether a Content-Type is JSON (application/json or any +json type).
func IsJSON(ct string) bool {
	ct = strings.ToLower(strings.TrimSpace(strings.SplitN(ct, ";", 2)[0]))
	return ct == "application/json" || strings.HasSuffix(ct, "+json")
}
