// Package problem writes RFC 9457 application/problem+json responses and maps errors to them
// in one place. Handlers and middleware never write error bodies themselves: they call
// Abort(c, err) (or c.Error(err) then c.Abort()), and Middleware turns the error into a problem
// response with a stable code and the correlation ID, and logs it once. Internal error text is
// logged, never sent.
package problem

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"bffsuite.dev/shared/domain"
	"bffsuite.dev/shared/logging"
	"github.com/gin-gonic/gin"
)

// ContentType is the RFC 9457 media type.
const ContentType = "application/problem+json"

// TypePrefix forms the problem type URI from its code: TypePrefix + code.
const TypePrefix = "urn:bffsuite:problem:"

// Problem is the JSON body of a problem response.
type Problem struct {
	Type          string              `json:"type"`
	Title         string              `json:"title"`
	Status        int                 `json:"status"`
	Detail        string              `json:"detail,omitempty"`
	Instance      string              `json:"instance,omitempty"`
	Code          string              `json:"code"`
	CorrelationID string              `json:"correlation_id,omitempty"`
	TraceID       string              `json:"trace_id,omitempty"`
	Errors        []domain.FieldError `json:"errors,omitempty"`
	// Extra members (e.g. "store_url" for 426, "retry_after_seconds"), merged into the object.
	Extensions map[string]any `json:"-"`
}

// MarshalJSON merges Extensions into the object. Extension keys never replace standard members.
func (p Problem) MarshalJSON() ([]byte, error) {
	type plain Problem
	if len(p.Extensions) == 0 {
		return json.Marshal(plain(p))
	}
	m := make(map[string]any, len(p.Extensions)+9)
	for k, v := range p.Extensions {
		m[k] = v
	}
	b, err := json.Marshal(plain(p))
	if err != nil {
		return nil, err
	}
	var std map[string]any
	if err := json.Unmarshal(b, &std); err != nil {
		return nil, err
	}
	for k, v := range std {
		m[k] = v
	}
	return json.Marshal(m)
}

// Error is an error that knows its HTTP problem. Platform pieces (auth, idempotency, rate
// limits) and handlers return it; domain code returns domain sentinels instead, mapped by From.
type Error struct {
	Status int
	Code   string
	Title  string // defaults to http.StatusText(Status)
	// Detail is sent to the client: keep it free of internal information.
	Detail     string
	Header     http.Header
	Fields     []domain.FieldError
	Extensions map[string]any
	// Err is the cause, logged but never sent.
	Err error
}

// New returns a problem error with a status, a stable code and a client-safe detail.
func New(status int, code, detail string) *Error {
	return &Error{Status: status, Code: code, Detail: detail}
}

// Wrap returns a problem error whose cause is err (logged, not sent).
func Wrap(err error, status int, code, detail string) *Error {
	return &Error{Status: status, Code: code, Detail: detail, Err: err}
}

func (e *Error) Error() string {
	msg := fmt.Sprintf("%d %s", e.Status, e.Code)
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// WithHeader returns e with a response header added.
func (e *Error) WithHeader(key, value string) *Error {
	if e.Header == nil {
		e.Header = http.Header{}
	}
	e.Header.Add(key, value)
	return e
}

// Codes of problems the platform itself raises.
const (
	CodeNotFound          = "not_found"
	CodeMethodNotAllowed  = "method_not_allowed"
	CodeBadRequest        = "bad_request"
	CodeValidation        = "validation_failed"
	CodeBodyTooLarge      = "body_too_large"
	CodeUnsupportedMedia  = "unsupported_media_type"
	CodeInternal          = "internal_error"
	CodeTimeout           = "timeout"
	CodeUnavailable       = "dependency_unavailable"
	CodeConflict          = "conflict"
	CodeInsufficientStock = "insufficient_stock"
	CodeInvalidTransition = "invalid_transition"
	CodeInvalidCursor     = "invalid_cursor"
	CodeCancelled         = "request_cancelled"
	// Protocol-level problems: the request's head is refused before any route is matched.
	CodeHeaderTooLarge    = "header_too_large"
	CodeMalformedRequest  = "malformed_request"
	CodeExpectationFailed = "expectation_failed"
	CodeHTTPVersion       = "http_version_not_supported"
	CodeTransferEncoding  = "transfer_encoding_not_supported"
)

// From maps any error to the problem it answers with. The mapping of domain sentinels lives
// here and nowhere else.
func From(err error) *Error {
	var pe *Error
	if errors.As(err, &pe) {
		return pe
	}
	if v, ok := domain.AsValidation(err); ok {
		return &Error{Status: http.StatusBadRequest, Code: CodeValidation, Detail: "The request has invalid fields.", Fields: v.Fields, Err: err}
	}
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		return Wrap(err, http.StatusRequestEntityTooLarge, CodeBodyTooLarge, fmt.Sprintf("The request body is larger than %d bytes.", mbe.Limit))
	case errors.Is(err, domain.ErrNotFound):
		return Wrap(err, http.StatusNotFound, CodeNotFound, "The resource does not exist.")
	case errors.Is(err, domain.ErrInsufficientStock):
		return Wrap(err, http.StatusConflict, CodeInsufficientStock, "Not enough stock for one or more lines.")
	case errors.Is(err, domain.ErrInvalidTransition):
		return Wrap(err, http.StatusConflict, CodeInvalidTransition, "The order cannot change to that status from its current one.")
	case errors.Is(err, domain.ErrConflict):
		return Wrap(err, http.StatusConflict, CodeConflict, "The resource was changed concurrently; retry the request.")
	case errors.Is(err, domain.ErrInvalidCursor):
		return Wrap(err, http.StatusBadRequest, CodeInvalidCursor, "The cursor is malformed, expired or belongs to another query.")
	case errors.Is(err, context.DeadlineExceeded):
		return Wrap(err, http.StatusGatewayTimeout, CodeTimeout, "The request took longer than its time budget.")
	case errors.Is(err, domain.ErrUnavailable):
		return Wrap(err, http.StatusBadGateway, CodeUnavailable, "A service this request depends on is unavailable.")
	case errors.Is(err, context.Canceled):
		return Wrap(err, http.StatusServiceUnavailable, CodeCancelled, "The request was cancelled.")
	}
	return Wrap(err, http.StatusInternalServerError, CodeInternal, "An unexpected error occurred.")
}

// Abort records err on the Gin context and stops the chain; Middleware writes the response.
func Abort(c *gin.Context, err error) {
	_ = c.Error(err)
	c.Abort()
}

// TraceIDFunc, when set, returns the trace ID for the problem body (set by the tracing setup).
var TraceIDFunc func(ctx context.Context) string

// Write sends e as problem+json on c, with the correlation ID.
func Write(c *gin.Context, e *Error) {
	ctx := c.Request.Context()
	p := Problem{
		Type:          TypePrefix + e.Code,
		Title:         e.Title,
		Status:        e.Status,
		Detail:        e.Detail,
		Instance:      c.Request.URL.Path,
		Code:          e.Code,
		CorrelationID: logging.CorrelationID(ctx),
		Errors:        e.Fields,
		Extensions:    e.Extensions,
	}
	if p.Title == "" {
		p.Title = http.StatusText(e.Status)
	}
	if TraceIDFunc != nil {
		p.TraceID = TraceIDFunc(ctx)
	}
	body, err := p.MarshalJSON()
	if err != nil {
		body = []byte(`{"type":"` + TypePrefix + CodeInternal + `","title":"Internal Server Error","status":500,"code":"` + CodeInternal + `"}`)
		e = &Error{Status: http.StatusInternalServerError}
	}
	h := c.Writer.Header()
	for k, vs := range e.Header {
		for _, v := range vs {
			h.Add(k, v)
		}
	}
	h.Set("Cache-Control", "no-store")
	c.Data(e.Status, ContentType, body)
}

// Middleware maps the last error recorded on the context to a problem response, unless the
// handler already wrote one, and logs each error once: 5xx at error level with the internal
// cause, 4xx at info level with the code only.
func Middleware(logger *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		c.Next()
		if len(c.Errors) == 0 {
			return
		}
		err := c.Errors.Last().Err
		pe := From(err)
		ctx := c.Request.Context()
		if pe.Status >= 500 {
			logger.LogAttrs(ctx, slog.LevelError, "request failed",
				slog.Int("status", pe.Status), slog.String("code", pe.Code), slog.String("error", err.Error()))
		} else {
			logger.LogAttrs(ctx, slog.LevelInfo, "request rejected",
				slog.Int("status", pe.Status), slog.String("code", pe.Code))
		}
		if c.Writer.Written() {
			return
		}
		Write(c, pe)
	}
}
