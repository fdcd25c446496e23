package server

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"net/http"
	"strings"

	"bffsuite.dev/shared/logging"
	"bffsuite.dev/shared/middleware"
	"bffsuite.dev/shared/problem"
	"github.com/aws/aws-lambda-go/events"
	ginadapter "github.com/awslabs/aws-lambda-go-api-proxy/gin"
	"github.com/gin-gonic/gin"
)

// LambdaHandler serves API Gateway events through aws-lambda-go-api-proxy's Gin adapters. It
// implements lambda.Handler (Invoke(ctx, payload)), recognises REST API payload 1.0 and HTTP
// API payload 2.0 from each event, and closes the adapter's known gaps:
//   - v2 header values are split on commas by the adapter; the original values are restored
//     (dates and other comma-holding values survive), see restoreHeaders;
//   - base paths and the HTTP API stage prefix are stripped before routing;
//   - binary or compressed response bodies are always base64 (the adapter only checks UTF-8);
//   - a malformed event body answers a 400 problem instead of a failed invocation.
//
// Several Set-Cookie headers come out as v2 `cookies` and v1 `multiValueHeaders` (the adapter
// does this right); v2 request cookies reach Gin as Cookie headers.
type LambdaHandler struct {
	v1         *ginadapter.GinLambda
	v2         *ginadapter.GinLambdaV2
	basePaths  []string
	stripStage bool
	logger     *slog.Logger
}

// NewLambdaHandler wraps an engine built by NewEngine (whose chain starts with restoreHeaders).
func NewLambdaHandler(engine *gin.Engine, cfg Config, logger *slog.Logger) *LambdaHandler {
	if logger == nil {
		logger = slog.Default()
	}
	return &LambdaHandler{
		v1: ginadapter.New(engine), v2: ginadapter.NewV2(engine),
		basePaths: cfg.BasePaths, stripStage: cfg.StripStage, logger: logger,
	}
}

// anyEvent holds the fields of both proxy payload versions, so an event is decoded once; only
// the small requestContext, whose shape differs, is decoded a second time into its own type.
// (Decoding a probe first and then the whole typed event cost two full passes over the JSON:
// about two thirds of the Lambda path's CPU.)
type anyEvent struct {
	Version                         string              `json:"version"`
	RouteKey                        string              `json:"routeKey"`
	RawPath                         string              `json:"rawPath"`
	RawQueryString                  string              `json:"rawQueryString"`
	Cookies                         []string            `json:"cookies"`
	Resource                        string              `json:"resource"`
	Path                            string              `json:"path"`
	HTTPMethod                      string              `json:"httpMethod"`
	Headers                         stringMap           `json:"headers"`
	MultiValueHeaders               map[string][]string `json:"multiValueHeaders"`
	QueryStringParameters           stringMap           `json:"queryStringParameters"`
	MultiValueQueryStringParameters map[string][]string `json:"multiValueQueryStringParameters"`
	PathParameters                  stringMap           `json:"pathParameters"`
	StageVariables                  stringMap           `json:"stageVariables"`
	RequestContext                  json.RawMessage     `json:"requestContext"`
	Body                            string              `json:"body"`
	IsBase64Encoded                 bool                `json:"isBase64Encoded"`
}

// Invoke implements lambda.Handler.
func (h *LambdaHandler) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	var e anyEvent
	if err := json.Unmarshal(payload, &e); err != nil {
		return nil, fmt.Errorf("decode event: %w", err)
	}
	switch {
	case e.Version == "2.0" || (e.RouteKey != "" && e.HTTPMethod == ""):
		ev := events.APIGatewayV2HTTPRequest{
			Version: e.Version, RouteKey: e.RouteKey, RawPath: e.RawPath, RawQueryString: e.RawQueryString,
			Cookies: e.Cookies, Headers: e.Headers, QueryStringParameters: e.QueryStringParameters,
			PathParameters: e.PathParameters, StageVariables: e.StageVariables, Body: e.Body, IsBase64Encoded: e.IsBase64Encoded,
		}
		if len(e.RequestContext) > 0 {
			if err := json.Unmarshal(e.RequestContext, &ev.RequestContext); err != nil {
				return nil, fmt.Errorf("decode HTTP API request context: %w", err)
			}
		}
		return json.Marshal(h.serveV2(ctx, ev))
	case e.HTTPMethod != "":
		ev := events.APIGatewayProxyRequest{
			Resource: e.Resource, Path: e.Path, HTTPMethod: e.HTTPMethod, Headers: e.Headers,
			MultiValueHeaders: e.MultiValueHeaders, QueryStringParameters: e.QueryStringParameters,
			MultiValueQueryStringParameters: e.MultiValueQueryStringParameters, PathParameters: e.PathParameters,
			StageVariables: e.StageVariables, Body: e.Body, IsBase64Encoded: e.IsBase64Encoded,
		}
		if len(e.RequestContext) > 0 {
			if err := json.Unmarshal(e.RequestContext, &ev.RequestContext); err != nil {
				return nil, fmt.Errorf("decode REST API request context: %w", err)
			}
		}
		return json.Marshal(h.serveV1(ctx, ev))
	}
	return nil, errors.New("unsupported event: neither an API Gateway REST (1.0) nor HTTP API (2.0) proxy event")
}

type originalHeadersKey struct{}

func (h *LambdaHandler) serveV2(ctx context.Context, ev events.APIGatewayV2HTTPRequest) events.APIGatewayV2HTTPResponse {
	if ev.RawPath == "" {
		ev.RawPath = ev.RequestContext.HTTP.Path
	}
	if h.stripStage && ev.RequestContext.Stage != "" && ev.RequestContext.Stage != "$default" {
		ev.RawPath = stripPrefix(ev.RawPath, "/"+ev.RequestContext.Stage)
	}
	ev.RawPath = h.stripBase(ev.RawPath)
	if ev.IsBase64Encoded {
		if _, err := base64.StdEncoding.DecodeString(ev.Body); err != nil {
			return v2Problem(ctx, problem.New(http.StatusBadRequest, problem.CodeBadRequest, "The request body is not valid base64."))
		}
	}
	// The adapter would split every header value on commas (and canonicalise each key twice);
	// restoreHeaders sets them as sent instead, so the adapter gets none.
	ctx = context.WithValue(ctx, originalHeadersKey{}, ev.Headers)
	ev.Headers = nil
	resp, err := h.v2.ProxyWithContext(ctx, ev)
	if err != nil {
		h.logger.ErrorContext(ctx, "lambda proxy failed", slog.String("error", err.Error()))
		return v2Problem(ctx, problem.New(http.StatusInternalServerError, problem.CodeInternal, "An unexpected error occurred."))
	}
	if !resp.IsBase64Encoded && needsBase64(resp.Headers) {
		resp.Body = base64.StdEncoding.EncodeToString([]byte(resp.Body))
		resp.IsBase64Encoded = true
	}
	return resp
}

func (h *LambdaHandler) serveV1(ctx context.Context, ev events.APIGatewayProxyRequest) events.APIGatewayProxyResponse {
	ev.Path = h.stripBase(ev.Path)
	if ev.IsBase64Encoded {
		if _, err := base64.StdEncoding.DecodeString(ev.Body); err != nil {
			return v1Problem(ctx, problem.New(http.StatusBadRequest, problem.CodeBadRequest, "The request body is not valid base64."))
		}
	}
	resp, err := h.v1.ProxyWithContext(ctx, ev)
	if err != nil {
		h.logger.ErrorContext(ctx, "lambda proxy failed", slog.String("error", err.Error()))
		return v1Problem(ctx, problem.New(http.StatusInternalServerError, problem.CodeInternal, "An unexpected error occurred."))
	}
	if !resp.IsBase64Encoded && needsBase64(flatten(resp.MultiValueHeaders)) {
		resp.Body = base64.StdEncoding.EncodeToString([]byte(resp.Body))
		resp.IsBase64Encoded = true
	}
	return resp
}

func (h *LambdaHandler) stripBase(path string) string {
	for _, p := range h.basePaths {
		if stripped := stripPrefix(path, p); stripped != path {
			return stripped
		}
	}
	return path
}

// stripPrefix removes prefix when it is a whole leading path segment (or segments).
func stripPrefix(path, prefix string) string {
	if path == prefix {
		return "/"
	}
	if strings.HasPrefix(path, prefix+"/") {
		return path[len(prefix):]
	}
	return path
}

// restoreHeaders (first in NewEngine's chain, a no-op off Lambda) sets the header values of an
// HTTP API event as API Gateway sent them (it joins repeated headers with commas; the adapter,
// which serveV2 therefore hands no headers, would split every value on commas, breaking dates,
// quoted strings and more). The request's Cookie header comes from the event's cookies array,
// as the adapter set it; a cookie header in the map is used only when that array was empty.
func restoreHeaders(c *gin.Context) {
	if orig, ok := c.Request.Context().Value(originalHeadersKey{}).(map[string]string); ok {
		old := c.Request.Header
		h := make(http.Header, len(orig)+len(old))
		for k, v := range old {
			h[k] = v
		}
		vals := make([]string, len(orig)) // one backing array for every single-valued header
		i := 0
		for k, v := range orig {
			key := canonicalHeaderKey(k)
			if key == "Cookie" {
				if _, ok := h[key]; ok {
					continue
				}
			}
			vals[i] = v
			h[key] = vals[i : i+1 : i+1]
			i++
		}
		c.Request.Header = h
	}
	c.Next()
}

// commonHeaderKeys maps the lower-case names API Gateway sends to their canonical form without
// an allocation; other names go through http.CanonicalHeaderKey.
var commonHeaderKeys = func() map[string]string {
	m := map[string]string{}
	for _, k := range []string{
		"Accept", "Accept-Encoding", "Accept-Language", "Authorization", "Cache-Control", "Content-Length",
		"Content-Type", "Cookie", "Host", "If-Modified-Since", "If-None-Match", "Idempotency-Key", "Origin",
		"Pragma", "Referer", "User-Agent", "Via", "X-Amz-Cf-Id", "X-Amzn-Trace-Id", "X-Correlation-Id",
		"X-Csrf-Token", "X-Forwarded-For", "X-Forwarded-Port", "X-Forwarded-Proto", "X-Request-Id",
		"Sec-Fetch-Dest", "Sec-Fetch-Mode", "Sec-Fetch-Site", "Traceparent", "Tracestate",
		"Access-Control-Request-Method", "Access-Control-Request-Headers",
	} {
		m[strings.ToLower(k)] = k
		m[k] = k
	}
	return m
}()

func canonicalHeaderKey(k string) string {
	if c, ok := commonHeaderKeys[k]; ok {
		return c
	}
	return http.CanonicalHeaderKey(k)
}

// needsBase64 reports whether a response must be sent base64-encoded: anything compressed,
// and any content type that is not text.
func needsBase64(headers map[string]string) bool {
	var ct, ce string
	for k, v := range headers {
		switch {
		case strings.EqualFold(k, "Content-Type"):
			ct = v
		case strings.EqualFold(k, "Content-Encoding"):
			ce = v
		}
	}
	if ce != "" && !strings.EqualFold(ce, "identity") {
		return true
	}
	if ct == "" {
		return false
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return true
	}
	switch {
	case strings.HasPrefix(mt, "text/"),
		mt == "application/json", strings.HasSuffix(mt, "+json"),
		mt == "application/xml", strings.HasSuffix(mt, "+xml"),
		mt == "application/javascript", mt == "application/x-www-form-urlencoded",
		mt == "image/svg+xml":
		return false
	}
	return true
}

func flatten(h map[string][]string) map[string]string {
	out := make(map[string]string, len(h))
	for k, v := range h {
		out[k] = strings.Join(v, ",")
	}
	return out
}

func problemBody(ctx context.Context, e *problem.Error) (string, map[string]string) {
	id := logging.CorrelationID(ctx)
	if id == "" {
		id = middleware.NewID()
	}
	p := problem.Problem{Type: problem.TypePrefix + e.Code, Title: http.StatusText(e.Status), Status: e.Status,
		Detail: e.Detail, Code: e.Code, CorrelationID: id}
	if problem.TraceIDFunc != nil {
		p.TraceID = problem.TraceIDFunc(ctx)
	}
	b, _ := p.MarshalJSON()
	return string(b), map[string]string{"Content-Type": problem.ContentType, middleware.HeaderCorrelationID: id, "Cache-Control": "no-store"}
}

func v2Problem(ctx context.Context, e *problem.Error) events.APIGatewayV2HTTPResponse {
	body, headers := problemBody(ctx, e)
	return events.APIGatewayV2HTTPResponse{StatusCode: e.Status, Headers: headers, Body: body}
}

func v1Problem(ctx context.Context, e *problem.Error) events.APIGatewayProxyResponse {
	body, headers := problemBody(ctx, e)
	mv := make(map[string][]string, len(headers))
	for k, v := range headers {
		mv[k] = []string{v}
	}
	return events.APIGatewayProxyResponse{StatusCode: e.Status, MultiValueHeaders: mv, Body: body}
}
