// Package apigwlocal is a local API Gateway front: an http.Handler built from a typed
// description of an API (an HTTP API with payload format 2.0, or a REST API with the Lambda
// proxy payload 1.0) that selects the route, applies the API's authorizer the way API Gateway
// does (HTTP API JWT authorizer, REST API Cognito user-pool authorizer), turns the request into
// the event API Gateway would send (github.com/aws/aws-lambda-go/events types), invokes the
// route's function and maps its answer back to HTTP.
//
// It serves `make run-lambda` (the BFFs under the Lambda Runtime Interface Emulator, like
// `sam local start-api` without Docker) and the rehearsal of the Terraform-created APIs.
//
// What it mirrors, with the AWS documentation it follows:
//   - Route selection (HTTP API "Working with routes"): the most specific route wins: a route
//     without path variables over one with {var}, {var} over a greedy {proxy+}, a method over
//     ANY, and $default last. REST APIs have no $default: an unknown resource or method is the
//     MISSING_AUTHENTICATION_TOKEN gateway response (403 {"message":"Missing Authentication Token"}).
//   - Stage: REST APIs put /{stage} in the URL (the event's path is without it,
//     requestContext.path with it); HTTP APIs with the $default stage do not; a named HTTP API
//     stage is in rawPath, as API Gateway sends it.
//   - Payload 2.0 ("Working with AWS Lambda proxy integrations for HTTP APIs"): lower-case
//     header names, repeated headers and query parameters joined with commas, cookies in
//     `cookies` (not in headers), bodies of non-text content types base64-encoded; the answer's
//     `cookies` become Set-Cookie headers, and an answer without statusCode is a 200 JSON body.
//   - Payload 1.0: headers and multiValueHeaders, queryStringParameters (last value) and
//     multiValueQueryStringParameters, base64 only for API.BinaryMediaTypes.
//   - Errors as API Gateway answers them: 401 {"message":"Unauthorized"}, 403
//     {"message":"Forbidden"}, 404 {"message":"Not Found"} (HTTP API), 502 {"message":"Internal
//     Server Error"} when the function fails or answers a malformed response, 504 when the
//     integration takes longer than API.Timeout (29 s by default, API Gateway's limit), 413 over
//     10 MB. REST APIs answer through API.GatewayResponses when set (Terraform's
//     aws_api_gateway_gateway_response), with $context.requestId and $context.path substituted.
package apigwlocal

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"
)

// Kind is the type of API, which decides the payload format.
type Kind int

const (
	// HTTPAPI is an API Gateway HTTP API with the Lambda proxy payload format 2.0.
	HTTPAPI Kind = iota + 1
	// RESTAPI is an API Gateway REST API with the Lambda proxy integration (payload 1.0).
	RESTAPI
)

func (k Kind) String() string {
	switch k {
	case HTTPAPI:
		return "HTTP API"
	case RESTAPI:
		return "REST API"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// DefaultTimeout is API Gateway's integration timeout (29 s).
const DefaultTimeout = 29 * time.Second

// MaxBodyBytes is API Gateway's payload limit (10 MB).
const MaxBodyBytes = 10 << 20

// Invoker runs one function invocation: the event in, the function's response payload out. An
// error means the invocation failed (a function error, a crash or a timeout).
type Invoker interface {
	Invoke(ctx context.Context, payload []byte) ([]byte, error)
}

// InvokerFunc adapts a function to Invoker.
type InvokerFunc func(ctx context.Context, payload []byte) ([]byte, error)

// Invoke calls f.
func (f InvokerFunc) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	return f(ctx, payload)
}

// API describes one API as it was created (or as Terraform would create it).
type API struct {
	Kind Kind
	// ID is the API ID (requestContext.apiId); default "local".
	ID string
	// Stage name: "$default" for an HTTP API's default stage, the stage name of a REST API.
	Stage string
	// StageInPath: the URL carries /{Stage} first. True for REST APIs on their execute-api
	// URL and for named HTTP API stages; false for the HTTP API $default stage (and for custom
	// domains, whose base path mapping replaces the stage).
	StageInPath bool
	// Routes as API Gateway writes route keys ("GET /v1/orders/{id}", "ANY /{proxy+}", "$default").
	Routes []Route
	// JWT is the HTTP API's JWT authorizer, used by routes with Authorized set.
	JWT *JWTAuthorizer
	// Cognito is the REST API's Cognito user-pool authorizer, used by routes with Authorized set.
	Cognito *CognitoAuthorizer
	// APIKeys are the keys a REST API accepts in x-api-key on routes with APIKeyRequired
	// (key value -> key ID, the event's requestContext.identity.apiKeyId).
	APIKeys map[string]string
	// BinaryMediaTypes of a REST API ("image/png", "*/*"): request bodies of these types are
	// sent base64-encoded. HTTP APIs decide by content type themselves.
	BinaryMediaTypes []string
	// StageVariables are sent as stageVariables.
	StageVariables map[string]string
	// GatewayResponses override a REST API's gateway responses by type (Terraform's
	// aws_api_gateway_gateway_response); the DEFAULT_4XX/DEFAULT_5XX entries apply to the
	// types of their class that have none.
	GatewayResponses map[ResponseType]GatewayResponse
	// Timeout cuts the integration (default DefaultTimeout).
	Timeout time.Duration
	// AccountID for requestContext.accountId; default "123456789012".
	AccountID string
	// Now replaces the clock (tests); it also decides token expiry.
	Now func() time.Time
	// Logger receives one line per failed invocation; default slog.Default().
	Logger *slog.Logger
}

// Route binds a route key to a function.
type Route struct {
	// Key is the route key: "METHOD /path" with {name} and a final {name+}, METHOD may be
	// ANY; or "$default" (HTTP API only).
	Key string
	// Function receives the route's events.
	Function Invoker
	// Authorized routes go through the API's authorizer (JWT or Cognito).
	Authorized bool
	// Scopes are the route's authorization scopes (HTTP API: authorization_scopes; REST:
	// the method's authorization_scopes).
	Scopes []string
	// APIKeyRequired (REST API): the request must carry one of API.APIKeys in x-api-key.
	APIKeyRequired bool
}

// ResponseType names a REST API gateway response.
type ResponseType string

// The gateway response types this front produces.
const (
	ResponseUnauthorized        ResponseType = "UNAUTHORIZED"
	ResponseAccessDenied        ResponseType = "ACCESS_DENIED"
	ResponseMissingAuthToken    ResponseType = "MISSING_AUTHENTICATION_TOKEN"
	ResponseInvalidAPIKey       ResponseType = "INVALID_API_KEY"
	ResponseRequestTooLarge     ResponseType = "REQUEST_TOO_LARGE"
	ResponseIntegrationTimeout  ResponseType = "INTEGRATION_TIMEOUT"
	ResponseIntegrationFailure  ResponseType = "INTEGRATION_FAILURE"
	ResponseAuthorizerFailure   ResponseType = "AUTHORIZER_FAILURE"
	ResponseDefault4XX          ResponseType = "DEFAULT_4XX"
	ResponseDefault5XX          ResponseType = "DEFAULT_5XX"
	responseNotFoundHTTPAPIOnly ResponseType = "NOT_FOUND"
)

// GatewayResponse is a customised REST API gateway response. Body may use $context.requestId
// and $context.path; header values may be 'literal' (quoted, as Terraform writes them) or
// context.requestId.
type GatewayResponse struct {
	// Status overrides the default status when not zero.
	Status  int
	Headers map[string]string
	Body    string
}

// Gateway is the front of one API. Build it with New; it is safe for concurrent use.
type Gateway struct {
	api    API
	routes []*route
	def    *route // $default
	jwt    *jwtRules
	cog    *cognitoRules
	log    *slog.Logger
}

// New validates api and builds its front.
func New(api API) (*Gateway, error) {
	if api.Kind != HTTPAPI && api.Kind != RESTAPI {
		return nil, errors.New("apigwlocal: Kind must be HTTPAPI or RESTAPI")
	}
	if api.ID == "" {
		api.ID = "local"
	}
	if api.Stage == "" {
		if api.Kind == RESTAPI {
			return nil, errors.New("apigwlocal: a REST API needs a Stage name")
		}
		api.Stage = "$default"
	}
	if api.Stage == "$default" && api.StageInPath {
		return nil, errors.New("apigwlocal: the $default stage is never in the path")
	}
	if api.Timeout <= 0 {
		api.Timeout = DefaultTimeout
	}
	if api.AccountID == "" {
		api.AccountID = "123456789012"
	}
	if api.Now == nil {
		api.Now = time.Now
	}
	g := &Gateway{api: api, log: api.Logger}
	if g.log == nil {
		g.log = slog.Default()
	}
	seen := map[string]bool{}
	for i, r := range api.Routes {
		if r.Function == nil {
			return nil, fmt.Errorf("apigwlocal: route %q: no Function", r.Key)
		}
		if seen[r.Key] {
			return nil, fmt.Errorf("apigwlocal: duplicate route %q", r.Key)
		}
		seen[r.Key] = true
		if r.Authorized && api.Kind == HTTPAPI && api.JWT == nil {
			return nil, fmt.Errorf("apigwlocal: route %q is authorized but the API has no JWT authorizer", r.Key)
		}
		if r.Authorized && api.Kind == RESTAPI && api.Cognito == nil {
			return nil, fmt.Errorf("apigwlocal: route %q is authorized but the API has no Cognito authorizer", r.Key)
		}
		if r.APIKeyRequired && api.Kind != RESTAPI {
			return nil, fmt.Errorf("apigwlocal: route %q: API keys exist on REST APIs only", r.Key)
		}
		if r.Key == "$default" {
			if api.Kind == RESTAPI {
				return nil, errors.New("apigwlocal: REST APIs have no $default route")
			}
			g.def = &route{Route: api.Routes[i]}
			continue
		}
		rt, err := parseRoute(api.Routes[i])
		if err != nil {
			return nil, err
		}
		g.routes = append(g.routes, rt)
	}
	slices.SortStableFunc(g.routes, func(a, b *route) int { return a.rank - b.rank })
	if api.JWT != nil {
		j, err := newJWTRules(*api.JWT)
		if err != nil {
			return nil, err
		}
		g.jwt = j
	}
	if api.Cognito != nil {
		c, err := newCognitoRules(*api.Cognito)
		if err != nil {
			return nil, err
		}
		g.cog = c
	}
	return g, nil
}

// route is a parsed route key.
type route struct {
	Route
	method   string // upper case or ANY
	path     string // "/v1/orders/{id}"
	segments []string
	greedy   bool
	rank     int // lower is more specific
}

func parseRoute(r Route) (*route, error) {
	method, path, ok := strings.Cut(r.Key, " ")
	if !ok || method == "" || !strings.HasPrefix(path, "/") {
		return nil, fmt.Errorf("apigwlocal: route key %q is not \"METHOD /path\" or $default", r.Key)
	}
	rt := &route{Route: r, method: strings.ToUpper(method), path: path}
	if path != "/" {
		rt.segments = strings.Split(strings.TrimPrefix(path, "/"), "/")
	}
	vars := 0
	for i, s := range rt.segments {
		switch {
		case s == "":
			return nil, fmt.Errorf("apigwlocal: route key %q has an empty segment", r.Key)
		case strings.HasPrefix(s, "{") && strings.HasSuffix(s, "+}"):
			if i != len(rt.segments)-1 {
				return nil, fmt.Errorf("apigwlocal: route key %q: a greedy variable must be last", r.Key)
			}
			rt.greedy = true
		case strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}"):
			vars++
		}
	}
	// Exact paths first, then fewer variables, then greedy; longer literal prefixes first;
	// a method before ANY.
	rt.rank = vars * 10
	if rt.greedy {
		rt.rank += 1000 - len(rt.segments)*10
	}
	if rt.method == "ANY" {
		rt.rank += 5
	}
	return rt, nil
}

// match reports whether the route matches method and path, with the path parameters.
func (rt *route) match(method, path string) (map[string]string, bool) {
	if rt.method != "ANY" && rt.method != method {
		return nil, false
	}
	var segs []string
	if path != "/" && path != "" {
		segs = strings.Split(strings.TrimPrefix(path, "/"), "/")
	}
	var params map[string]string
	set := func(k, v string) {
		if params == nil {
			params = map[string]string{}
		}
		params[k] = v
	}
	for i, s := range rt.segments {
		if rt.greedy && i == len(rt.segments)-1 {
			if len(segs) <= i {
				return nil, false
			}
			set(strings.TrimSuffix(strings.TrimPrefix(s, "{"), "+}"), strings.Join(unescapeAll(segs[i:]), "/"))
			return params, true
		}
		if i >= len(segs) || segs[i] == "" {
			return nil, false
		}
		if strings.HasPrefix(s, "{") {
			set(strings.TrimSuffix(strings.TrimPrefix(s, "{"), "}"), unescape(segs[i]))
			continue
		}
		if s != segs[i] {
			return nil, false
		}
	}
	if len(segs) != len(rt.segments) {
		return nil, false
	}
	return params, true
}

// selectRoute returns the most specific route for method and path (without the stage).
func (g *Gateway) selectRoute(method, path string) (*route, map[string]string) {
	for _, rt := range g.routes {
		if p, ok := rt.match(method, path); ok {
			return rt, p
		}
	}
	if g.def != nil {
		return g.def, nil
	}
	return nil, nil
}

func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// ServeHTTP implements http.Handler.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	now := g.api.Now()
	rc := &reqCtx{id: newRequestID(), start: now, rawPath: r.URL.EscapedPath()}
	if rc.rawPath == "" {
		rc.rawPath = "/"
	}
	path := rc.rawPath
	if g.api.StageInPath {
		stripped, ok := cutStage(path, g.api.Stage)
		if !ok {
			g.refuse(w, rc, missingRoute(g.api.Kind))
			return
		}
		path = stripped
	}
	rc.path = path
	rt, params := g.selectRoute(r.Method, path)
	if rt == nil {
		g.refuse(w, rc, missingRoute(g.api.Kind))
		return
	}
	rc.route, rc.params = rt, params
	if r.ContentLength > MaxBodyBytes {
		g.refuse(w, rc, ResponseRequestTooLarge)
		return
	}
	body, err := readBody(r)
	if err != nil {
		g.refuse(w, rc, ResponseRequestTooLarge)
		return
	}
	if rt.APIKeyRequired {
		id, ok := g.api.APIKeys[r.Header.Get("X-Api-Key")]
		if !ok || r.Header.Get("X-Api-Key") == "" {
			g.refuse(w, rc, ResponseInvalidAPIKey)
			return
		}
		rc.apiKey, rc.apiKeyID = r.Header.Get("X-Api-Key"), id
	}
	if rt.Authorized {
		if refusal := g.authorize(r, rc); refusal != "" {
			g.refuse(w, rc, refusal)
			return
		}
	}
	var payload []byte
	if g.api.Kind == HTTPAPI {
		payload, err = g.v2Event(r, rc, body)
	} else {
		payload, err = g.v1Event(r, rc, body)
	}
	if err != nil {
		g.log.Error("apigwlocal: build event", slog.String("error", err.Error()))
		g.refuse(w, rc, ResponseIntegrationFailure)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), g.api.Timeout)
	defer cancel()
	out, err := rt.Function.Invoke(ctx, payload)
	if err != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			g.log.Warn("apigwlocal: integration timed out", slog.String("route", rt.Key), slog.Duration("timeout", g.api.Timeout), slog.String("requestId", rc.id))
			g.refuse(w, rc, ResponseIntegrationTimeout)
			return
		}
		g.log.Error("apigwlocal: invoke failed", slog.String("route", rt.Key), slog.String("error", err.Error()), slog.String("requestId", rc.id))
		g.refuse(w, rc, ResponseIntegrationFailure)
		return
	}
	if err := g.writeResponse(w, rc, out); err != nil {
		g.log.Error("apigwlocal: malformed Lambda proxy response", slog.String("route", rt.Key), slog.String("error", err.Error()), slog.String("requestId", rc.id))
		g.refuse(w, rc, ResponseIntegrationFailure)
	}
}

func missingRoute(k Kind) ResponseType {
	if k == HTTPAPI {
		return responseNotFoundHTTPAPIOnly
	}
	return ResponseMissingAuthToken
}

// cutStage strips a leading /stage segment.
func cutStage(path, stage string) (string, bool) {
	p := "/" + stage
	if path == p {
		return "/", true
	}
	if strings.HasPrefix(path, p+"/") {
		return path[len(p):], true
	}
	return "", false
}

// reqCtx is what one request accumulates on its way through the front.
type reqCtx struct {
	id       string
	start    time.Time
	rawPath  string // as sent, with the stage when it is in the path
	path     string // without the stage
	route    *route
	params   map[string]string
	apiKey   string
	apiKeyID string
	jwt      *jwtResult
	claims   map[string]any // REST Cognito authorizer claims
}

// refuse answers a gateway-made response.
func (g *Gateway) refuse(w http.ResponseWriter, rc *reqCtx, t ResponseType) {
	status, msg := defaultResponse(g.api.Kind, t)
	h := w.Header()
	g.idHeaders(h, rc)
	if g.api.Kind == RESTAPI {
		if gr, ok := g.gatewayResponse(t, status); ok {
			if gr.Status != 0 {
				status = gr.Status
			}
			for k, v := range gr.Headers {
				h.Set(k, g.expand(v, rc, true))
			}
			if h.Get("Content-Type") == "" {
				h.Set("Content-Type", "application/json")
			}
			w.WriteHeader(status)
			_, _ = w.Write([]byte(g.expand(gr.Body, rc, false)))
			return
		}
	}
	h.Set("Content-Type", "application/json")
	if t == ResponseUnauthorized && g.api.Kind == HTTPAPI {
		h.Set("WWW-Authenticate", "Bearer")
	}
	w.WriteHeader(status)
	fmt.Fprintf(w, "{\"message\":%q}", msg)
}

func (g *Gateway) gatewayResponse(t ResponseType, status int) (GatewayResponse, bool) {
	if gr, ok := g.api.GatewayResponses[t]; ok {
		return gr, true
	}
	if status >= 500 {
		gr, ok := g.api.GatewayResponses[ResponseDefault5XX]
		return gr, ok
	}
	gr, ok := g.api.GatewayResponses[ResponseDefault4XX]
	return gr, ok
}

func (g *Gateway) expand(s string, rc *reqCtx, header bool) string {
	if header {
		if len(s) >= 2 && s[0] == '\'' && s[len(s)-1] == '\'' {
			return s[1 : len(s)-1]
		}
		switch s {
		case "context.requestId":
			return rc.id
		case "context.path":
			return g.contextPath(rc)
		}
		return s
	}
	return strings.NewReplacer("$context.requestId", rc.id, "$context.path", g.contextPath(rc)).Replace(s)
}

func (g *Gateway) contextPath(rc *reqCtx) string { return rc.rawPath }

// defaultResponse is API Gateway's default status and message of a gateway response.
func defaultResponse(k Kind, t ResponseType) (int, string) {
	switch t {
	case ResponseUnauthorized:
		return http.StatusUnauthorized, "Unauthorized"
	case ResponseAccessDenied:
		return http.StatusForbidden, "Forbidden"
	case ResponseMissingAuthToken:
		return http.StatusForbidden, "Missing Authentication Token"
	case responseNotFoundHTTPAPIOnly:
		return http.StatusNotFound, "Not Found"
	case ResponseInvalidAPIKey:
		return http.StatusForbidden, "Forbidden"
	case ResponseRequestTooLarge:
		return http.StatusRequestEntityTooLarge, "Request Entity Too Large"
	case ResponseIntegrationTimeout:
		if k == RESTAPI {
			return http.StatusGatewayTimeout, "Endpoint request timed out"
		}
		return http.StatusGatewayTimeout, "Gateway Timeout"
	case ResponseAuthorizerFailure:
		return http.StatusInternalServerError, "Internal Server Error"
	}
	if k == RESTAPI {
		return http.StatusBadGateway, "Internal server error"
	}
	return http.StatusBadGateway, "Internal Server Error"
}

func (g *Gateway) idHeaders(h http.Header, rc *reqCtx) {
	if g.api.Kind == HTTPAPI {
		h.Set("Apigw-Requestid", rc.id)
		return
	}
	h.Set("X-Amzn-Requestid", rc.id)
	h.Set("X-Amz-Apigw-Id", rc.id[:8]+"=")
}
