package metrics

import (
	"io"
	"log/slog"
	"net/http"
	"os"
	"sync/atomic"
	"time"

	"bffsuite.dev/shared/logging"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/gin-gonic/gin"
)

// MiddlewareOptions configures Middleware.
type MiddlewareOptions struct {
	Config Config
	// Service is the BFF's name ("bff-web"), the Service dimension.
	Service string
	// ClientKind ("web", "mobile", "partner") is written as a property.
	ClientKind string
	// Out receives the EMF lines; nil means os.Stdout (where Lambda's log capture reads them).
	Out    io.Writer
	Logger *slog.Logger
}

// Middleware gives each request a Recorder (From) and, when the request ends, records its
// Requests/Latency/Fault/Error/Partial metrics and flushes every line in one write. The first
// request an engine serves also records ColdStart. With metrics off it only passes through.
func Middleware(opts MiddlewareOptions) gin.HandlerFunc {
	if !opts.Config.Enabled() {
		return func(c *gin.Context) { c.Next() }
	}
	out := opts.Out
	if out == nil {
		out = os.Stdout
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.Default()
	}
	var served atomic.Bool
	return func(c *gin.Context) {
		start := time.Now()
		rec := New(opts.Config.Namespace, opts.Service)
		if !served.Swap(true) {
			rec.Count(ColdStart)
		}
		c.Request = c.Request.WithContext(WithRecorder(c.Request.Context(), rec))
		panicking := true
		defer func() {
			status := c.Writer.Status()
			if panicking {
				status = http.StatusInternalServerError
			}
			route := c.FullPath()
			if route == "" {
				route = "unmatched"
			}
			ctx := c.Request.Context()
			if id := logging.CorrelationID(ctx); id != "" {
				rec.Property("correlation_id", id)
			}
			if id := logging.TraceID(ctx); id != "" {
				rec.Property("trace_id", id)
			}
			if lc, ok := lambdacontext.FromContext(ctx); ok {
				rec.Property("aws_request_id", lc.AwsRequestID)
			}
			if opts.ClientKind != "" {
				rec.Property("client_kind", opts.ClientKind)
			}
			rec.Request(route, status, time.Since(start), false)
			if err := rec.Flush(out); err != nil {
				logger.LogAttrs(ctx, slog.LevelWarn, "metrics flush failed", slog.String("error", err.Error()))
			}
		}()
		c.Next()
		panicking = false
	}
}
