package apigwlocal

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

// recorder is an in-process function that keeps the last event and answers resp.
type recorder struct {
	mu    sync.Mutex
	event []byte
	resp  []byte
	err   error
	delay time.Duration
}

func (r *recorder) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	r.mu.Lock()
	r.event = payload
	resp, err, delay := r.resp, r.err, r.delay
	r.mu.Unlock()
	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if resp == nil && err == nil {
		resp = []byte(`{"statusCode":200,"body":"ok"}`)
	}
	return resp, err
}

func (r *recorder) last() []byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.event
}

func newGateway(t *testing.T, api API) *Gateway {
	t.Helper()
	if api.Logger == nil {
		api.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	g, err := New(api)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return g
}

func serve(t *testing.T, h http.Handler, r *http.Request) *http.Response {
	t.Helper()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w.Result()
}

func bodyOf(t *testing.T, resp *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestRouteSelection(t *testing.T) {
	fns := map[string]*recorder{}
	var routes []Route
	for _, k := range []string{"GET /v1/orders/{id}", "GET /v1/orders/mine", "POST /v1/orders", "ANY /v1/{proxy+}", "GET /v1/orders/{id}/{rest+}", "$default"} {
		fns[k] = &recorder{}
		routes = append(routes, Route{Key: k, Function: fns[k]})
	}
	g := newGateway(t, API{Kind: HTTPAPI, Routes: routes})
	tests := []struct {
		method, path string
		wantRoute    string
		wantParams   map[string]string
	}{
		{"GET", "/v1/orders/mine", "GET /v1/orders/mine", nil},
		{"GET", "/v1/orders/42", "GET /v1/orders/{id}", map[string]string{"id": "42"}},
		{"GET", "/v1/orders/a%20b", "GET /v1/orders/{id}", map[string]string{"id": "a b"}},
		{"POST", "/v1/orders", "POST /v1/orders", nil},
		{"DELETE", "/v1/orders/42", "ANY /v1/{proxy+}", map[string]string{"proxy": "orders/42"}},
		{"GET", "/v1/orders/42/lines/7", "GET /v1/orders/{id}/{rest+}", map[string]string{"id": "42", "rest": "lines/7"}},
		{"GET", "/v1", "$default", nil},
		{"GET", "/healthz", "$default", nil},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			resp := serve(t, g, httptest.NewRequest(tt.method, tt.path, nil))
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status = %d, want 200", resp.StatusCode)
			}
			var ev events.APIGatewayV2HTTPRequest
			if err := json.Unmarshal(fns[tt.wantRoute].last(), &ev); err != nil {
				t.Fatalf("route %q got no event: %v", tt.wantRoute, err)
			}
			if ev.RouteKey != tt.wantRoute || ev.RequestContext.RouteKey != tt.wantRoute {
				t.Errorf("routeKey = %q, want %q", ev.RouteKey, tt.wantRoute)
			}
			if !reflect.DeepEqual(ev.PathParameters, tt.wantParams) {
				t.Errorf("pathParameters = %v, want %v", ev.PathParameters, tt.wantParams)
			}
			fns[tt.wantRoute].event = nil
		})
	}
}

func TestNoRoute(t *testing.T) {
	fn := &recorder{}
	tests := []struct {
		name       string
		api        API
		path       string
		wantStatus int
		wantBody   string
	}{
		{"http api", API{Kind: HTTPAPI, Routes: []Route{{Key: "GET /a", Function: fn}}}, "/b", 404, `{"message":"Not Found"}`},
		{"http api wrong method", API{Kind: HTTPAPI, Routes: []Route{{Key: "POST /b", Function: fn}}}, "/b", 404, `{"message":"Not Found"}`},
		{"rest api", API{Kind: RESTAPI, Stage: "v1", StageInPath: true, Routes: []Route{{Key: "GET /a", Function: fn}}}, "/v1/b", 403, `{"message":"Missing Authentication Token"}`},
		{"rest api without stage", API{Kind: RESTAPI, Stage: "v1", StageInPath: true, Routes: []Route{{Key: "GET /a", Function: fn}}}, "/a", 403, `{"message":"Missing Authentication Token"}`},
		{"rest api gateway response", API{Kind: RESTAPI, Stage: "v1", StageInPath: true, Routes: []Route{{Key: "GET /a", Function: fn}},
			GatewayResponses: map[ResponseType]GatewayResponse{ResponseMissingAuthToken: {Status: 404,
				Headers: map[string]string{"Content-Type": "'application/problem+json'", "X-Correlation-ID": "context.requestId"},
				Body:    `{"code":"not_found","instance":"$context.path"}`}}},
			"/v1/b", 404, `{"code":"not_found","instance":"/v1/b"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := serve(t, newGateway(t, tt.api), httptest.NewRequest("GET", tt.path, nil))
			if got := bodyOf(t, resp); resp.StatusCode != tt.wantStatus || got != tt.wantBody {
				t.Errorf("got %d %s, want %d %s", resp.StatusCode, got, tt.wantStatus, tt.wantBody)
			}
			if fn.last() != nil {
				t.Errorf("function invoked for an unrouted request")
			}
		})
	}
	g := newGateway(t, tests[4].api)
	resp := serve(t, g, httptest.NewRequest("GET", "/v1/nope", nil))
	if got, want := resp.Header.Get("X-Correlation-ID"), resp.Header.Get("X-Amzn-Requestid"); got == "" || got != want {
		t.Errorf("X-Correlation-ID = %q, want the request ID %q", got, want)
	}
	if got := resp.Header.Get("Content-Type"); got != "application/problem+json" {
		t.Errorf("Content-Type = %q, want application/problem+json", got)
	}
}

func TestV2Event(t *testing.T) {
	fn := &recorder{}
	now := time.Date(2026, 3, 12, 19, 3, 58, 0, time.UTC)
	g := newGateway(t, API{Kind: HTTPAPI, ID: "abc123", Routes: []Route{{Key: "POST /v1/orders/{id}", Function: fn}},
		StageVariables: map[string]string{"env": "dev"}, Now: func() time.Time { return now }})
	tests := []struct {
		name, contentType string
		body              []byte
		wantBody          string
		wantB64           bool
	}{
		{"json", "application/json", []byte(`{"a":1}`), `{"a":1}`, false},
		{"binary", "image/png", []byte{0x89, 'P', 0, 0xff}, base64.StdEncoding.EncodeToString([]byte{0x89, 'P', 0, 0xff}), true},
		{"no body", "", nil, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "http://abc123.example:8082/v1/orders/42?x=1&x=2&y=a%20b", bytes.NewReader(tt.body))
			if tt.contentType != "" {
				r.Header.Set("Content-Type", tt.contentType)
			}
			r.Header.Add("X-Multi", "a")
			r.Header.Add("X-Multi", "b")
			r.Header.Set("Date", "Wed, 02 Dec 2026 10:00:00 GMT")
			r.Header.Set("Cookie", "session=s1; csrf=c2")
			r.Header.Set("User-Agent", "smoke/1")
			r.Header.Set("X-Forwarded-For", "198.51.100.7")
			serve(t, g, r)
			var ev events.APIGatewayV2HTTPRequest
			if err := json.Unmarshal(fn.last(), &ev); err != nil {
				t.Fatal(err)
			}
			checks := []struct {
				name      string
				got, want any
			}{
				{"version", ev.Version, "2.0"},
				{"rawPath", ev.RawPath, "/v1/orders/42"},
				{"rawQueryString", ev.RawQueryString, "x=1&x=2&y=a%20b"},
				{"cookies", ev.Cookies, []string{"session=s1", "csrf=c2"}},
				{"cookie header", ev.Headers["cookie"], ""},
				{"x-multi", ev.Headers["x-multi"], "a,b"},
				{"date", ev.Headers["date"], "Wed, 02 Dec 2026 10:00:00 GMT"},
				{"x-forwarded-for", ev.Headers["x-forwarded-for"], "198.51.100.7, 192.0.2.1"},
				{"query", ev.QueryStringParameters, map[string]string{"x": "1,2", "y": "a b"}},
				{"pathParameters", ev.PathParameters, map[string]string{"id": "42"}},
				{"stageVariables", ev.StageVariables, map[string]string{"env": "dev"}},
				{"stage", ev.RequestContext.Stage, "$default"},
				{"apiId", ev.RequestContext.APIID, "abc123"},
				{"domainPrefix", ev.RequestContext.DomainPrefix, "abc123"},
				{"time", ev.RequestContext.Time, "12/Mar/2026:19:03:58 +0000"},
				{"timeEpoch", ev.RequestContext.TimeEpoch, now.UnixMilli()},
				{"http.method", ev.RequestContext.HTTP.Method, "POST"},
				{"http.path", ev.RequestContext.HTTP.Path, "/v1/orders/42"},
				{"http.sourceIp", ev.RequestContext.HTTP.SourceIP, "192.0.2.1"},
				{"http.userAgent", ev.RequestContext.HTTP.UserAgent, "smoke/1"},
				{"body", ev.Body, tt.wantBody},
				{"isBase64Encoded", ev.IsBase64Encoded, tt.wantB64},
				{"authorizer", ev.RequestContext.Authorizer == nil, true},
			}
			for _, c := range checks {
				if !reflect.DeepEqual(c.got, c.want) {
					t.Errorf("%s = %#v, want %#v", c.name, c.got, c.want)
				}
			}
			if ev.RequestContext.RequestID == "" {
				t.Error("requestContext.requestId is empty")
			}
			for k := range ev.Headers {
				if k != strings.ToLower(k) {
					t.Errorf("header %q is not lower case", k)
				}
			}
		})
	}
}

func TestV1Event(t *testing.T) {
	fn := &recorder{}
	g := newGateway(t, API{Kind: RESTAPI, Stage: "v1", StageInPath: true, BinaryMediaTypes: []string{"image/*"},
		Routes: []Route{{Key: "ANY /{proxy+}", Function: fn}}})
	tests := []struct {
		name, contentType string
		body              []byte
		wantBody          string
		wantB64           bool
	}{
		{"json", "application/json", []byte(`{"a":1}`), `{"a":1}`, false},
		{"binary media type", "image/png", []byte{0x89, 'P'}, base64.StdEncoding.EncodeToString([]byte{0x89, 'P'}), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("PUT", "/v1/hello/world?name=me&name=you", bytes.NewReader(tt.body))
			r.Header.Set("Content-Type", tt.contentType)
			r.Header.Add("X-Multi", "a")
			r.Header.Add("X-Multi", "b")
			r.Header.Set("Cookie", "a=1; b=2")
			serve(t, g, r)
			var ev events.APIGatewayProxyRequest
			if err := json.Unmarshal(fn.last(), &ev); err != nil {
				t.Fatal(err)
			}
			checks := []struct {
				name      string
				got, want any
			}{
				{"resource", ev.Resource, "/{proxy+}"},
				{"path", ev.Path, "/hello/world"},
				{"httpMethod", ev.HTTPMethod, "PUT"},
				{"header", ev.Headers["X-Multi"], "b"},
				{"multiValueHeaders", ev.MultiValueHeaders["X-Multi"], []string{"a", "b"}},
				{"cookie", ev.Headers["Cookie"], "a=1; b=2"},
				{"query", ev.QueryStringParameters, map[string]string{"name": "you"}},
				{"multiValueQuery", ev.MultiValueQueryStringParameters, map[string][]string{"name": {"me", "you"}}},
				{"pathParameters", ev.PathParameters, map[string]string{"proxy": "hello/world"}},
				{"stage", ev.RequestContext.Stage, "v1"},
				{"requestContext.path", ev.RequestContext.Path, "/v1/hello/world"},
				{"resourcePath", ev.RequestContext.ResourcePath, "/{proxy+}"},
				{"requestContext.httpMethod", ev.RequestContext.HTTPMethod, "PUT"},
				{"sourceIp", ev.RequestContext.Identity.SourceIP, "192.0.2.1"},
				{"body", ev.Body, tt.wantBody},
				{"isBase64Encoded", ev.IsBase64Encoded, tt.wantB64},
				{"authorizer", ev.RequestContext.Authorizer == nil, true},
			}
			for _, c := range checks {
				if !reflect.DeepEqual(c.got, c.want) {
					t.Errorf("%s = %#v, want %#v", c.name, c.got, c.want)
				}
			}
		})
	}
}

// TestEventShapeMatchesSamples compares the keys of the events this front builds with the
// real API Gateway samples in aws-lambda-go's events/testdata: every key we send exists in
// the real events, and every key of the real events (but the ones that need features we do
// not emulate: mTLS, IAM and Lambda authorizers, Cognito identity pools) is present.
func TestEventShapeMatchesSamples(t *testing.T) {
	dir := eventsTestdata(t)
	fn := &recorder{}
	tests := []struct {
		sample  string
		also    string // a second sample of the same format whose keys we may send too
		api     API
		request *http.Request
		notEmu  []string
	}{
		{"apigw-v2-request-no-authorizer.json", "apigw-v2-request-jwt-authorizer.json", API{Kind: HTTPAPI, Routes: []Route{{Key: "$default", Function: fn}}, StageVariables: map[string]string{"a": "b"}},
			httptest.NewRequest("POST", "/my/path?parameter1=value1", strings.NewReader("{}")), []string{"requestContext.authentication"}},
		{"apigw-request.json", "", API{Kind: RESTAPI, Stage: "testStage", StageInPath: true, Routes: []Route{{Key: "ANY /{proxy+}", Function: fn}}, StageVariables: map[string]string{"a": "b"}},
			httptest.NewRequest("POST", "/testStage/hello/world?name=me", strings.NewReader("{}")),
			[]string{"requestContext.authorizer", "requestContext.operationName", "requestContext.identity.cognitoIdentityPoolId",
				"requestContext.identity.accountId", "requestContext.identity.cognitoIdentityId", "requestContext.identity.caller",
				"requestContext.identity.apiKey", "requestContext.identity.apiKeyId", "requestContext.identity.accessKey",
				"requestContext.identity.cognitoAuthenticationType", "requestContext.identity.cognitoAuthenticationProvider",
				"requestContext.identity.userArn", "requestContext.identity.user", "requestContext.identity.clientCert"}},
	}
	for _, tt := range tests {
		t.Run(tt.sample, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join(dir, tt.sample))
			if err != nil {
				t.Fatal(err)
			}
			serve(t, newGateway(t, tt.api), tt.request)
			want, got := keyPaths(t, raw), keyPaths(t, fn.last())
			allowed := map[string]bool{}
			for k := range want {
				allowed[k] = true
			}
			if tt.also != "" {
				also, err := os.ReadFile(filepath.Join(dir, tt.also))
				if err != nil {
					t.Fatal(err)
				}
				for k := range keyPaths(t, also) {
					allowed[k] = true
				}
			}
			for k := range got {
				if !allowed[k] {
					t.Errorf("we send %s, which the real event does not have", k)
				}
			}
			for k := range want {
				if !got[k] && !coveredBy(tt.notEmu, k) {
					t.Errorf("the real event has %s, which we do not send", k)
				}
			}
		})
	}
}

func coveredBy(l []string, k string) bool {
	for _, p := range l {
		if k == p || strings.HasPrefix(k, p+".") {
			return true
		}
	}
	return false
}

// keyPaths lists the object keys of a JSON document as dotted paths, two levels below
// requestContext and one elsewhere (header and query names are data, not shape).
func keyPaths(t *testing.T, doc []byte) map[string]bool {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(doc, &m); err != nil {
		t.Fatalf("decode %s: %v", doc, err)
	}
	out := map[string]bool{}
	for k, v := range m {
		out[k] = true
		if k != "requestContext" {
			continue
		}
		rc, _ := v.(map[string]any)
		for k2, v2 := range rc {
			out["requestContext."+k2] = true
			if inner, ok := v2.(map[string]any); ok && (k2 == "http" || k2 == "identity") {
				for k3 := range inner {
					out["requestContext."+k2+"."+k3] = true
				}
			}
		}
	}
	return out
}

func eventsTestdata(t *testing.T) string {
	t.Helper()
	out, err := goListDir("github.com/aws/aws-lambda-go")
	if err != nil {
		t.Fatalf("locate aws-lambda-go: %v", err)
	}
	return filepath.Join(out, "events", "testdata")
}

func TestResponseMapping(t *testing.T) {
	png := []byte{0x89, 'P', 'N', 'G', 0, 0xff}
	tests := []struct {
		name       string
		kind       Kind
		resp       string
		err        error
		wantStatus int
		wantBody   string
		wantHeader map[string][]string
	}{
		{"v2 cookies and headers", HTTPAPI, `{"statusCode":201,"headers":{"Content-Type":"application/json","X-A":"1,2"},"cookies":["a=1; HttpOnly","b=2"],"body":"{}"}`, nil,
			201, "{}", map[string][]string{"Set-Cookie": {"a=1; HttpOnly", "b=2"}, "X-A": {"1,2"}, "Content-Type": {"application/json"}}},
		{"v2 base64", HTTPAPI, `{"statusCode":200,"headers":{"Content-Type":"image/png"},"body":"` + base64.StdEncoding.EncodeToString(png) + `","isBase64Encoded":true}`, nil,
			200, string(png), map[string][]string{"Content-Type": {"image/png"}}},
		{"v2 inferred", HTTPAPI, `{"hello":"world"}`, nil, 200, `{"hello":"world"}`, map[string][]string{"Content-Type": {"application/json"}}},
		{"v2 not JSON", HTTPAPI, `nope`, nil, 502, `{"message":"Internal Server Error"}`, nil},
		{"v2 function error", HTTPAPI, ``, errors.New("boom"), 502, `{"message":"Internal Server Error"}`, nil},
		{"v2 bad base64", HTTPAPI, `{"statusCode":200,"body":"***","isBase64Encoded":true}`, nil, 502, `{"message":"Internal Server Error"}`, nil},
		{"v1 multi value", RESTAPI, `{"statusCode":200,"headers":{"X-One":"1"},"multiValueHeaders":{"Set-Cookie":["a=1","b=2"]},"body":"hi"}`, nil,
			200, "hi", map[string][]string{"Set-Cookie": {"a=1", "b=2"}, "X-One": {"1"}}},
		{"v1 no statusCode", RESTAPI, `{"hello":"world"}`, nil, 502, `{"message":"Internal server error"}`, nil},
		{"v1 function error", RESTAPI, ``, errors.New("boom"), 502, `{"message":"Internal server error"}`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fn := &recorder{resp: []byte(tt.resp), err: tt.err}
			api := API{Kind: tt.kind, Routes: []Route{{Key: "GET /x", Function: fn}}}
			if tt.kind == RESTAPI {
				api.Stage = "prod"
			}
			resp := serve(t, newGateway(t, api), httptest.NewRequest("GET", "/x", nil))
			if got := bodyOf(t, resp); resp.StatusCode != tt.wantStatus || got != tt.wantBody {
				t.Errorf("got %d %q, want %d %q", resp.StatusCode, got, tt.wantStatus, tt.wantBody)
			}
			for k, want := range tt.wantHeader {
				if got := resp.Header.Values(k); !reflect.DeepEqual(got, want) {
					t.Errorf("header %s = %q, want %q", k, got, want)
				}
			}
		})
	}
}

func TestTimeoutAndLimits(t *testing.T) {
	slow := &recorder{delay: 2 * time.Second}
	for _, kind := range []Kind{HTTPAPI, RESTAPI} {
		t.Run(kind.String(), func(t *testing.T) {
			api := API{Kind: kind, Timeout: 100 * time.Millisecond, Routes: []Route{{Key: "POST /slow", Function: slow}}}
			if kind == RESTAPI {
				api.Stage = "prod"
			}
			g := newGateway(t, api)
			start := time.Now()
			resp := serve(t, g, httptest.NewRequest("POST", "/slow", nil))
			if resp.StatusCode != http.StatusGatewayTimeout {
				t.Errorf("slow function: status = %d, want 504", resp.StatusCode)
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("answered after %v, want the 100ms cut", d)
			}
			big := httptest.NewRequest("POST", "/slow", bytes.NewReader(make([]byte, MaxBodyBytes+1)))
			if resp := serve(t, g, big); resp.StatusCode != http.StatusRequestEntityTooLarge {
				t.Errorf("11 MB body: status = %d, want 413", resp.StatusCode)
			}
		})
	}
	if g, _ := New(API{Kind: HTTPAPI}); g.api.Timeout != 29*time.Second {
		t.Errorf("default timeout = %v, want 29s", g.api.Timeout)
	}
}

func TestNewRejects(t *testing.T) {
	fn := &recorder{}
	tests := []struct {
		name string
		api  API
	}{
		{"no kind", API{}},
		{"rest without stage", API{Kind: RESTAPI}},
		{"default stage in path", API{Kind: HTTPAPI, StageInPath: true}},
		{"rest $default", API{Kind: RESTAPI, Stage: "v1", Routes: []Route{{Key: "$default", Function: fn}}}},
		{"authorized without authorizer", API{Kind: HTTPAPI, Routes: []Route{{Key: "GET /a", Function: fn, Authorized: true}}}},
		{"bad key", API{Kind: HTTPAPI, Routes: []Route{{Key: "GET a", Function: fn}}}},
		{"greedy not last", API{Kind: HTTPAPI, Routes: []Route{{Key: "GET /{p+}/a", Function: fn}}}},
		{"duplicate", API{Kind: HTTPAPI, Routes: []Route{{Key: "GET /a", Function: fn}, {Key: "GET /a", Function: fn}}}},
		{"api key on http api", API{Kind: HTTPAPI, Routes: []Route{{Key: "GET /a", Function: fn, APIKeyRequired: true}}}},
		{"remote JWT issuer without JWKSURL", API{Kind: HTTPAPI, JWT: &JWTAuthorizer{Issuer: "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_X", Audience: []string{"a"}}}},
		{"remote pool without JWKS URL", API{Kind: RESTAPI, Stage: "v1", Cognito: &CognitoAuthorizer{Issuers: []string{"https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_X"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := New(tt.api); err == nil {
				t.Errorf("New(%s) = nil error, want a refusal", tt.name)
			}
		})
	}
}

func TestUserPoolIssuer(t *testing.T) {
	tests := []struct {
		arn, want string
		ok        bool
	}{
		{"arn:aws:cognito-idp:eu-west-1:123456789012:userpool/eu-west-1_Abc", "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Abc", true},
		{"arn:aws:cognito-idp:eu-west-1:123456789012:userpool/", "", false},
		{"arn:aws:s3:::bucket", "", false},
	}
	for _, tt := range tests {
		got, err := UserPoolIssuer(tt.arn)
		if got != tt.want || (err == nil) != tt.ok {
			t.Errorf("UserPoolIssuer(%q) = %q, %v; want %q (ok %v)", tt.arn, got, err, tt.want, tt.ok)
		}
	}
}

func TestAPIKeys(t *testing.T) {
	fn := &recorder{}
	g := newGateway(t, API{Kind: RESTAPI, Stage: "v1", APIKeys: map[string]string{"k-123": "id-1"},
		Routes: []Route{{Key: "GET /a", Function: fn, APIKeyRequired: true}}})
	tests := []struct {
		key        string
		wantStatus int
	}{{"", 403}, {"wrong", 403}, {"k-123", 200}}
	for _, tt := range tests {
		r := httptest.NewRequest("GET", "/a", nil)
		if tt.key != "" {
			r.Header.Set("X-Api-Key", tt.key)
		}
		if resp := serve(t, g, r); resp.StatusCode != tt.wantStatus {
			t.Errorf("x-api-key %q: status = %d, want %d", tt.key, resp.StatusCode, tt.wantStatus)
		}
	}
	var ev events.APIGatewayProxyRequest
	_ = json.Unmarshal(fn.last(), &ev)
	if ev.RequestContext.Identity.APIKeyID != "id-1" {
		t.Errorf("identity.apiKeyId = %q, want id-1", ev.RequestContext.Identity.APIKeyID)
	}
}

// sortedKeys is for messages.
func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
