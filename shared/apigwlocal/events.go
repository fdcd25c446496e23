package apigwlocal

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/aws/aws-lambda-go/events"
)

// requestTimeLayout is requestContext.time / requestTime ("12/Mar/2020:19:03:58 +0000").
const requestTimeLayout = "02/Jan/2006:15:04:05 -0700"

func readBody(r *http.Request) ([]byte, error) {
	if r.Body == nil {
		return nil, nil
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, MaxBodyBytes+1))
	if err != nil {
		return nil, err
	}
	if len(b) > MaxBodyBytes {
		return nil, errors.New("body over 10 MB")
	}
	return b, nil
}

func unescape(s string) string {
	if u, err := url.PathUnescape(s); err == nil {
		return u
	}
	return s
}

func unescapeAll(l []string) []string {
	out := make([]string, len(l))
	for i, s := range l {
		out[i] = unescape(s)
	}
	return out
}

func sourceIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// forwardedFor is X-Forwarded-For as API Gateway sends it: the client's chain, if any, with
// the source IP appended.
func forwardedFor(r *http.Request) string {
	if prior := strings.Join(r.Header.Values("X-Forwarded-For"), ", "); prior != "" {
		return prior + ", " + sourceIP(r)
	}
	return sourceIP(r)
}

func hostOf(r *http.Request) (domain, prefix string) {
	domain = r.Host
	if h, _, err := net.SplitHostPort(domain); err == nil {
		domain = h
	}
	prefix, _, _ = strings.Cut(domain, ".")
	return r.Host, prefix
}

// isText reports whether an HTTP API sends a body of this content type as text. HTTP APIs
// base64-encode every other body (there is no binaryMediaTypes setting for them).
func isText(contentType string) bool {
	if contentType == "" {
		return true
	}
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return false
	}
	return strings.HasPrefix(mt, "text/") || mt == "application/json" || strings.HasSuffix(mt, "+json") ||
		mt == "application/xml" || strings.HasSuffix(mt, "+xml") || mt == "application/javascript" ||
		mt == "application/x-www-form-urlencoded" || mt == "application/graphql"
}

// isBinaryMediaType reports whether a REST API with these binary media types base64-encodes a
// body of contentType.
func isBinaryMediaType(types []string, contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		mt = contentType
	}
	for _, t := range types {
		if t == "*/*" || strings.EqualFold(t, mt) {
			return true
		}
		if base, ok := strings.CutSuffix(t, "/*"); ok && strings.HasPrefix(mt, base+"/") {
			return true
		}
	}
	return false
}

func (g *Gateway) v2Event(r *http.Request, rc *reqCtx, body []byte) ([]byte, error) {
	domain, prefix := hostOf(r)
	headers := map[string]string{}
	for k, vs := range r.Header {
		lk := strings.ToLower(k)
		if lk == "cookie" {
			continue
		}
		headers[lk] = strings.Join(vs, ",")
	}
	headers["host"] = r.Host
	if len(body) > 0 || r.ContentLength >= 0 && r.Method != http.MethodGet && r.Method != http.MethodHead {
		headers["content-length"] = strconv.Itoa(len(body))
	}
	headers["x-forwarded-for"] = forwardedFor(r)
	headers["x-forwarded-proto"] = "http"
	if _, port, err := net.SplitHostPort(r.Host); err == nil {
		headers["x-forwarded-port"] = port
	}
	headers["x-amzn-trace-id"] = "Root=1-" + strconv.FormatInt(rc.start.Unix(), 16) + "-" + strings.ReplaceAll(rc.id, "-", "")[:24]
	var cookies []string
	for _, line := range r.Header.Values("Cookie") {
		for c := range strings.SplitSeq(line, ";") {
			if c = strings.TrimSpace(c); c != "" {
				cookies = append(cookies, c)
			}
		}
	}
	var query map[string]string
	if r.URL.RawQuery != "" {
		query = map[string]string{}
		for k, vs := range parseQuery(r.URL.RawQuery) {
			query[k] = strings.Join(vs, ",")
		}
	}
	routeKey := rc.route.Key
	ev := events.APIGatewayV2HTTPRequest{
		Version: "2.0", RouteKey: routeKey, RawPath: rc.rawPath, RawQueryString: r.URL.RawQuery,
		Cookies: cookies, Headers: headers, QueryStringParameters: query, PathParameters: rc.params,
		StageVariables: g.api.StageVariables,
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			RouteKey: routeKey, AccountID: g.api.AccountID, Stage: g.api.Stage, RequestID: rc.id, APIID: g.api.ID,
			DomainName: domain, DomainPrefix: prefix, Time: rc.start.UTC().Format(requestTimeLayout), TimeEpoch: rc.start.UnixMilli(),
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{
				Method: r.Method, Path: rc.rawPath, Protocol: r.Proto, SourceIP: sourceIP(r), UserAgent: r.UserAgent(),
			},
		},
	}
	if rc.jwt != nil {
		ev.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
			JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{Claims: rc.jwt.claims, Scopes: rc.jwt.scopes},
		}
	}
	if len(body) > 0 {
		if isText(r.Header.Get("Content-Type")) {
			ev.Body = string(body)
		} else {
			ev.Body, ev.IsBase64Encoded = base64.StdEncoding.EncodeToString(body), true
		}
	}
	return json.Marshal(ev)
}

// parseQuery splits a raw query like API Gateway: keys and values unescaped, order kept.
func parseQuery(raw string) map[string][]string {
	out := map[string][]string{}
	for kv := range strings.SplitSeq(raw, "&") {
		if kv == "" {
			continue
		}
		k, v, _ := strings.Cut(kv, "=")
		if uk, err := url.QueryUnescape(k); err == nil {
			k = uk
		}
		if uv, err := url.QueryUnescape(v); err == nil {
			v = uv
		}
		out[k] = append(out[k], v)
	}
	return out
}

func (g *Gateway) v1Event(r *http.Request, rc *reqCtx, body []byte) ([]byte, error) {
	domain, prefix := hostOf(r)
	headers := map[string]string{}
	multi := map[string][]string{}
	for k, vs := range r.Header {
		headers[k] = vs[len(vs)-1]
		multi[k] = slices.Clone(vs)
	}
	headers["Host"], multi["Host"] = r.Host, []string{r.Host}
	headers["X-Forwarded-For"], multi["X-Forwarded-For"] = forwardedFor(r), []string{forwardedFor(r)}
	headers["X-Forwarded-Proto"], multi["X-Forwarded-Proto"] = "http", []string{"http"}
	var query map[string]string
	var mquery map[string][]string
	if r.URL.RawQuery != "" {
		query, mquery = map[string]string{}, map[string][]string{}
		for k, vs := range parseQuery(r.URL.RawQuery) {
			query[k], mquery[k] = vs[len(vs)-1], vs
		}
	}
	stagePath := rc.rawPath
	if !g.api.StageInPath {
		stagePath = rc.path
	}
	ev := events.APIGatewayProxyRequest{
		Resource: rc.route.path, Path: rc.path, HTTPMethod: r.Method, Headers: headers, MultiValueHeaders: multi,
		QueryStringParameters: query, MultiValueQueryStringParameters: mquery, PathParameters: rc.params,
		StageVariables: g.api.StageVariables,
		RequestContext: events.APIGatewayProxyRequestContext{
			AccountID: g.api.AccountID, ResourceID: resourceID(rc.route.Key), Stage: g.api.Stage, DomainName: domain, DomainPrefix: prefix,
			RequestID: rc.id, ExtendedRequestID: rc.id[:8] + "=", Protocol: r.Proto,
			Identity: events.APIGatewayRequestIdentity{
				SourceIP: sourceIP(r), UserAgent: r.UserAgent(), APIKey: rc.apiKey, APIKeyID: rc.apiKeyID,
			},
			ResourcePath: rc.route.path, Path: stagePath, HTTPMethod: r.Method,
			RequestTime: rc.start.UTC().Format(requestTimeLayout), RequestTimeEpoch: rc.start.UnixMilli(), APIID: g.api.ID,
		},
	}
	if rc.claims != nil {
		ev.RequestContext.Authorizer = map[string]any{"claims": rc.claims}
	}
	if len(body) > 0 {
		if isBinaryMediaType(g.api.BinaryMediaTypes, r.Header.Get("Content-Type")) {
			ev.Body, ev.IsBase64Encoded = base64.StdEncoding.EncodeToString(body), true
		} else {
			ev.Body = string(body)
		}
	}
	return json.Marshal(ev)
}

// resourceID is a stable short ID per resource, like API Gateway's.
func resourceID(key string) string {
	var h uint32 = 2166136261
	for i := 0; i < len(key); i++ {
		h = (h ^ uint32(key[i])) * 16777619
	}
	return strconv.FormatUint(uint64(h)%(36*36*36*36*36*36), 36)
}

// proxyResponse holds the fields of both response formats.
type proxyResponse struct {
	StatusCode        *int                `json:"statusCode"`
	Headers           map[string]string   `json:"headers"`
	MultiValueHeaders map[string][]string `json:"multiValueHeaders"`
	Cookies           []string            `json:"cookies"`
	Body              *string             `json:"body"`
	IsBase64Encoded   bool                `json:"isBase64Encoded"`
}

// writeResponse maps a function's response payload to HTTP. An error means the payload is not
// a valid proxy response (API Gateway answers 502 then).
func (g *Gateway) writeResponse(w http.ResponseWriter, rc *reqCtx, out []byte) error {
	var res proxyResponse
	trimmed := bytes.TrimSpace(out)
	isObject := len(trimmed) > 0 && trimmed[0] == '{'
	if !isObject || json.Unmarshal(trimmed, &res) != nil || res.StatusCode == nil {
		if g.api.Kind == RESTAPI {
			return fmt.Errorf("no statusCode in %.200s", out)
		}
		// Payload 2.0: a response without statusCode is a 200 with the payload as JSON body.
		if !json.Valid(trimmed) {
			return fmt.Errorf("not JSON: %.200s", out)
		}
		h := w.Header()
		g.idHeaders(h, rc)
		h.Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(trimmed)
		return nil
	}
	if *res.StatusCode < 100 || *res.StatusCode > 599 {
		return fmt.Errorf("statusCode %d", *res.StatusCode)
	}
	var body []byte
	if res.Body != nil {
		if res.IsBase64Encoded {
			b, err := base64.StdEncoding.DecodeString(*res.Body)
			if err != nil {
				return fmt.Errorf("isBase64Encoded body is not base64: %w", err)
			}
			body = b
		} else {
			body = []byte(*res.Body)
		}
	}
	h := w.Header()
	for k, vs := range res.MultiValueHeaders {
		for _, v := range vs {
			h.Add(k, v)
		}
	}
	for k, v := range res.Headers {
		if g.api.Kind == HTTPAPI {
			// Payload 2.0 headers are comma-joined values: one header line.
			h.Set(k, v)
			continue
		}
		if _, dup := res.MultiValueHeaders[k]; !dup {
			h.Set(k, v)
		}
	}
	if g.api.Kind == HTTPAPI {
		for _, c := range res.Cookies {
			h.Add("Set-Cookie", c)
		}
		if h.Get("Content-Type") == "" && len(body) > 0 {
			h.Set("Content-Type", "text/plain; charset=utf-8")
		}
	} else if h.Get("Content-Type") == "" {
		h.Set("Content-Type", "application/json")
	}
	g.idHeaders(h, rc)
	h.Del("Content-Length")
	w.WriteHeader(*res.StatusCode)
	_, _ = w.Write(body)
	return nil
}

func base64RawURL(s string) ([]byte, error) { return base64.RawURLEncoding.DecodeString(s) }
