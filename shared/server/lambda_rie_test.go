package server_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"bffsuite.dev/shared/testenv"
)

// These tests run the echoapp fixture (testdata/echoapp, built on server.NewEngine and
// server.Run) as a real Lambda bootstrap under the Runtime Interface Emulator and post
// API Gateway events derived from the samples aws-lambda-go ships (testdata/events).

var (
	rieOnce sync.Once
	rieInst *testenv.RIE
)

func echoRIE(t *testing.T) *testenv.RIE {
	t.Helper()
	testenv.RequireTool(t, "bin/aws-lambda-rie")
	rieOnce.Do(func() {
		bootstrap := testenv.BuildBootstrap(t, "testdata/echoapp")
		// The bootstrap must outlive this test: copy it out of the per-test temp dir.
		dir, err := os.MkdirTemp("", "echoapp")
		if err != nil {
			t.Fatal(err)
		}
		dst := filepath.Join(dir, "bootstrap")
		b, _ := os.ReadFile(bootstrap)
		if err := os.WriteFile(dst, b, 0o755); err != nil {
			t.Fatal(err)
		}
		rieInst = testenv.StartRIE(&longLived{T: t}, dst, map[string]string{
			"BFF_REQUEST_BUDGET": "300ms",
			"BFF_MAX_BODY_BYTES": "4096",
			"BFF_BASE_PATHS":     "/shop",
			"BFF_CORS_ORIGINS":   "https://app.example.com",
		})
	})
	if rieInst == nil {
		t.Fatal("emulator failed to start earlier")
	}
	return rieInst
}

// longLived lets the shared emulator outlive the first test that starts it; TestMain stops it.
type longLived struct{ *testing.T }

var cleanups []func()

func (l *longLived) Cleanup(f func()) { cleanups = append(cleanups, f) }
func (l *longLived) TempDir() string {
	d, _ := os.MkdirTemp("", "rie")
	return d
}

func TestMain(m *testing.M) {
	code := m.Run()
	for _, f := range cleanups {
		f()
	}
	os.Exit(code)
}

// event loads a sample event and applies edits (top-level and dotted keys).
func event(t *testing.T, sample string, edits map[string]any) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "events", sample))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	for k, v := range edits {
		parts := strings.Split(k, ".")
		cur := m
		for _, p := range parts[:len(parts)-1] {
			next, ok := cur[p].(map[string]any)
			if !ok {
				next = map[string]any{}
				cur[p] = next
			}
			cur = next
		}
		if v == nil {
			delete(cur, parts[len(parts)-1])
		} else {
			cur[parts[len(parts)-1]] = v
		}
	}
	b, _ := json.Marshal(m)
	return b
}

type v2Response struct {
	StatusCode      int               `json:"statusCode"`
	Headers         map[string]string `json:"headers"`
	Cookies         []string          `json:"cookies"`
	Body            string            `json:"body"`
	IsBase64Encoded bool              `json:"isBase64Encoded"`
}

type v1Response struct {
	StatusCode        int                 `json:"statusCode"`
	Headers           map[string]string   `json:"headers"`
	MultiValueHeaders map[string][]string `json:"multiValueHeaders"`
	Body              string              `json:"body"`
	IsBase64Encoded   bool                `json:"isBase64Encoded"`
}

type echoBody struct {
	Path          string              `json:"path"`
	Query         map[string][]string `json:"query"`
	Cookies       map[string]string   `json:"cookies"`
	Headers       map[string][]string `json:"headers"`
	CorrelationID string              `json:"correlation_id"`
	// problem members
	Code   string `json:"code"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
}

func invoke(t *testing.T, ev []byte, out any) {
	t.Helper()
	r := echoRIE(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	b, err := r.Invoke(ctx, ev)
	if err != nil {
		t.Fatalf("Invoke: %v", err)
	}
	if err := json.Unmarshal(b, out); err != nil {
		t.Fatalf("decode response %s: %v", b, err)
	}
}

func decodeBody(t *testing.T, body string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(body), v); err != nil {
		t.Fatalf("decode body %q: %v", body, err)
	}
}

func v2Event(t *testing.T, method, rawPath, rawQuery string, edits map[string]any) []byte {
	t.Helper()
	e := map[string]any{
		"rawPath": rawPath, "rawQueryString": rawQuery,
		"requestContext.http.method": method, "requestContext.http.path": rawPath,
	}
	for k, v := range edits {
		e[k] = v
	}
	return event(t, "apigw-v2-request-no-authorizer.json", e)
}

func v1Event(t *testing.T, method, path string, edits map[string]any) []byte {
	t.Helper()
	e := map[string]any{"httpMethod": method, "path": path, "body": nil,
		"queryStringParameters": nil, "multiValueQueryStringParameters": nil, "requestContext.path": "/prod" + path}
	for k, v := range edits {
		e[k] = v
	}
	return event(t, "apigw-request.json", e)
}

func TestLambdaV2RequestShapes(t *testing.T) {
	tests := []struct {
		name   string
		ev     func(t *testing.T) []byte
		check  func(t *testing.T, got echoBody)
		status int
	}{
		{
			name: "several cookies all reach Gin",
			ev: func(t *testing.T) []byte {
				return v2Event(t, "GET", "/echo", "cookie=session&cookie=csrf&cookie=pref",
					map[string]any{"cookies": []string{"session=abc", "csrf=t0k", "pref=dark"}})
			},
			status: 200,
			check: func(t *testing.T, got echoBody) {
				want := map[string]string{"session": "abc", "csrf": "t0k", "pref": "dark"}
				for k, v := range want {
					if got.Cookies[k] != v {
						t.Errorf("cookie %s = %q, want %q (all: %v)", k, got.Cookies[k], v, got.Cookies)
					}
				}
			},
		},
		{
			name: "encoded query decoded exactly once",
			ev: func(t *testing.T) []byte {
				return v2Event(t, "GET", "/echo", "q=a%26b%20c&plus=1%2B1&space=a+b&u=%C3%A9t%C3%A9%20%E2%9C%93&pct=100%25", nil)
			},
			status: 200,
			check: func(t *testing.T, got echoBody) {
				want := map[string]string{"q": "a&b c", "plus": "1+1", "space": "a b", "u": "été ✓", "pct": "100%"}
				for k, v := range want {
					if len(got.Query[k]) != 1 || got.Query[k][0] != v {
						t.Errorf("query %s = %q, want [%q]", k, got.Query[k], v)
					}
				}
			},
		},
		{
			name: "header values with commas are not split",
			ev: func(t *testing.T) []byte {
				return v2Event(t, "GET", "/echo", "header=If-Modified-Since&header=Accept&header=X-Custom",
					map[string]any{
						"headers.if-modified-since": "Wed, 21 Oct 2015 07:28:00 GMT",
						"headers.accept":            "text/html, application/json;q=0.9",
						"headers.x-custom":          `"a,b", c`,
					})
			},
			status: 200,
			check: func(t *testing.T, got echoBody) {
				want := map[string]string{
					"If-Modified-Since": "Wed, 21 Oct 2015 07:28:00 GMT",
					"Accept":            "text/html, application/json;q=0.9",
					"X-Custom":          `"a,b", c`,
				}
				for k, v := range want {
					if strings.Join(got.Headers[k], "|") != v {
						t.Errorf("header %s = %q, want %q", k, got.Headers[k], v)
					}
				}
			},
		},
		{
			name: "stage prefix stripped",
			ev: func(t *testing.T) []byte {
				return v2Event(t, "GET", "/prod/echo", "", map[string]any{"requestContext.stage": "prod"})
			},
			status: 200,
			check: func(t *testing.T, got echoBody) {
				if got.Path != "/echo" {
					t.Errorf("path = %q, want /echo", got.Path)
				}
			},
		},
		{
			name:   "custom domain base path stripped",
			ev:     func(t *testing.T) []byte { return v2Event(t, "GET", "/shop/echo", "", nil) },
			status: 200,
			check: func(t *testing.T, got echoBody) {
				if got.Path != "/echo" {
					t.Errorf("path = %q, want /echo", got.Path)
				}
			},
		},
		{
			name: "correlation ID seeded from the API Gateway request ID",
			ev: func(t *testing.T) []byte {
				return v2Event(t, "GET", "/echo", "", map[string]any{"requestContext.requestId": "LV7fzho-PHcEJPw="})
			},
			status: 200,
			check: func(t *testing.T, got echoBody) {
				// "=" is not allowed in correlation IDs, so a fresh one is generated
				if got.CorrelationID == "" || got.CorrelationID == "LV7fzho-PHcEJPw=" {
					t.Errorf("correlation_id = %q, want a generated ID", got.CorrelationID)
				}
			},
		},
		{
			name: "well-formed request ID adopted",
			ev: func(t *testing.T) []byte {
				return v2Event(t, "GET", "/echo", "", map[string]any{"requestContext.requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"})
			},
			status: 200,
			check: func(t *testing.T, got echoBody) {
				if got.CorrelationID != "c6af9ac6-7b61-11e6-9a41-93e8deadbeef" {
					t.Errorf("correlation_id = %q, want the API Gateway request ID", got.CorrelationID)
				}
			},
		},
		{
			name: "incoming X-Correlation-ID wins",
			ev: func(t *testing.T) []byte {
				return v2Event(t, "GET", "/echo", "", map[string]any{"headers.x-correlation-id": "client-corr-0001"})
			},
			status: 200,
			check: func(t *testing.T, got echoBody) {
				if got.CorrelationID != "client-corr-0001" {
					t.Errorf("correlation_id = %q, want client-corr-0001", got.CorrelationID)
				}
			},
		},
		{
			name:   "unknown route is a 404 problem",
			ev:     func(t *testing.T) []byte { return v2Event(t, "GET", "/nope", "", nil) },
			status: 404,
			check: func(t *testing.T, got echoBody) {
				if got.Code != "not_found" || got.CorrelationID == "" {
					t.Errorf("problem = %+v, want code not_found with a correlation_id", got)
				}
			},
		},
		{
			name:   "wrong method is a 405 problem",
			ev:     func(t *testing.T) []byte { return v2Event(t, "DELETE", "/echo", "", nil) },
			status: 405,
			check: func(t *testing.T, got echoBody) {
				if got.Code != "method_not_allowed" {
					t.Errorf("code = %q, want method_not_allowed", got.Code)
				}
			},
		},
		{
			name:   "slow handler ends in our own 504 problem",
			ev:     func(t *testing.T) []byte { return v2Event(t, "GET", "/slow", "ms=3000", nil) },
			status: 504,
			check: func(t *testing.T, got echoBody) {
				if got.Code != "timeout" {
					t.Errorf("code = %q, want timeout", got.Code)
				}
			},
		},
		{
			name:   "panic is a 500 problem without internals",
			ev:     func(t *testing.T) []byte { return v2Event(t, "GET", "/panic", "", nil) },
			status: 500,
			check: func(t *testing.T, got echoBody) {
				if got.Code != "internal_error" || strings.Contains(got.Detail, "secret") {
					t.Errorf("problem = %+v, want internal_error without internal text", got)
				}
			},
		},
		{
			name: "oversized body is a 413 problem",
			ev: func(t *testing.T) []byte {
				return v2Event(t, "POST", "/json", "", map[string]any{"body": `{"a":"` + strings.Repeat("x", 5000) + `"}`,
					"headers.content-type": "application/json", "headers.content-length": "5008"})
			},
			status: 413,
			check: func(t *testing.T, got echoBody) {
				if got.Code != "body_too_large" {
					t.Errorf("code = %q, want body_too_large", got.Code)
				}
			},
		},
		{
			name: "non-JSON body is a 415 problem",
			ev: func(t *testing.T) []byte {
				return v2Event(t, "POST", "/json", "", map[string]any{"body": "a=b", "headers.content-type": "text/plain", "headers.content-length": "3"})
			},
			status: 415,
			check: func(t *testing.T, got echoBody) {
				if got.Code != "unsupported_media_type" {
					t.Errorf("code = %q, want unsupported_media_type", got.Code)
				}
			},
		},
		{
			name: "invalid base64 body is a 400 problem",
			ev: func(t *testing.T) []byte {
				return v2Event(t, "POST", "/binary", "", map[string]any{"body": "!!!not base64", "isBase64Encoded": true})
			},
			status: 400,
			check: func(t *testing.T, got echoBody) {
				if got.Code != "bad_request" {
					t.Errorf("code = %q, want bad_request", got.Code)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var resp v2Response
			invoke(t, tt.ev(t), &resp)
			if resp.StatusCode != tt.status {
				t.Fatalf("status = %d, want %d (body %s)", resp.StatusCode, tt.status, resp.Body)
			}
			if resp.Headers["X-Correlation-Id"] == "" && resp.Headers["X-Correlation-ID"] == "" {
				t.Errorf("headers = %v, want X-Correlation-ID", resp.Headers)
			}
			if tt.status >= 400 && resp.Headers["Content-Type"] != "application/problem+json" {
				t.Errorf("Content-Type = %q, want application/problem+json", resp.Headers["Content-Type"])
			}
			var got echoBody
			decodeBody(t, resp.Body, &got)
			tt.check(t, got)
		})
	}
}

func TestLambdaSetCookies(t *testing.T) {
	t.Run("v2 cookies field", func(t *testing.T) {
		var resp v2Response
		invoke(t, v2Event(t, "POST", "/cookies", "", nil), &resp)
		if resp.StatusCode != 204 || len(resp.Cookies) != 3 {
			t.Fatalf("POST /cookies = %d cookies %q, want 204 with 3 cookies", resp.StatusCode, resp.Cookies)
		}
		if !strings.Contains(strings.Join(resp.Cookies, "\n"), "session=s1; Path=/; Max-Age=3600; HttpOnly; Secure; SameSite=Lax") {
			t.Errorf("cookies = %q, want the session cookie with its attributes", resp.Cookies)
		}
	})
	t.Run("v1 multiValueHeaders", func(t *testing.T) {
		var resp v1Response
		invoke(t, v1Event(t, "POST", "/cookies", nil), &resp)
		if resp.StatusCode != 204 || len(resp.MultiValueHeaders["Set-Cookie"]) != 3 {
			t.Fatalf("POST /cookies = %d Set-Cookie %q, want 204 with 3", resp.StatusCode, resp.MultiValueHeaders["Set-Cookie"])
		}
	})
}

func TestLambdaBinaryBodies(t *testing.T) {
	payload := make([]byte, 256)
	for i := range payload {
		payload[i] = byte(i)
	}
	// Valid UTF-8 that is still binary by content type: the adapter alone would send it as text.
	utf8Binary := []byte("plain ascii bytes in an octet-stream")
	for _, body := range [][]byte{payload, utf8Binary} {
		enc := base64.StdEncoding.EncodeToString(body)
		t.Run("v2", func(t *testing.T) {
			var resp v2Response
			invoke(t, v2Event(t, "POST", "/binary", "", map[string]any{"body": enc, "isBase64Encoded": true,
				"headers.content-type": "application/octet-stream"}), &resp)
			got, err := base64.StdEncoding.DecodeString(resp.Body)
			if resp.StatusCode != 200 || !resp.IsBase64Encoded || err != nil || !bytes.Equal(got, body) {
				t.Errorf("POST /binary = %d base64=%v body %q, want 200 base64 round trip", resp.StatusCode, resp.IsBase64Encoded, resp.Body)
			}
		})
		t.Run("v1", func(t *testing.T) {
			var resp v1Response
			invoke(t, v1Event(t, "POST", "/binary", map[string]any{"body": enc, "isBase64Encoded": true,
				"multiValueHeaders.Content-Type": []string{"application/octet-stream"}}), &resp)
			got, err := base64.StdEncoding.DecodeString(resp.Body)
			if resp.StatusCode != 200 || !resp.IsBase64Encoded || err != nil || !bytes.Equal(got, body) {
				t.Errorf("POST /binary = %d base64=%v body %q, want 200 base64 round trip", resp.StatusCode, resp.IsBase64Encoded, resp.Body)
			}
		})
	}
}

func TestLambdaV1RequestShapes(t *testing.T) {
	t.Run("multi-value query and headers", func(t *testing.T) {
		var resp v1Response
		invoke(t, v1Event(t, "GET", "/echo", map[string]any{
			"multiValueQueryStringParameters":     map[string][]string{"q": {"a&b c"}, "tag": {"x", "y,z"}, "header": {"Accept", "If-Modified-Since"}},
			"multiValueHeaders.Accept":            []string{"text/html", "application/json"},
			"multiValueHeaders.If-Modified-Since": []string{"Wed, 21 Oct 2015 07:28:00 GMT"},
		}), &resp)
		if resp.StatusCode != 200 {
			t.Fatalf("status = %d, want 200 (%s)", resp.StatusCode, resp.Body)
		}
		var got echoBody
		decodeBody(t, resp.Body, &got)
		if strings.Join(got.Query["q"], "|") != "a&b c" || strings.Join(got.Query["tag"], "|") != "x|y,z" {
			t.Errorf("query = %v, want q=[a&b c] tag=[x y,z]", got.Query)
		}
		if strings.Join(got.Headers["Accept"], "|") != "text/html|application/json" || strings.Join(got.Headers["If-Modified-Since"], "|") != "Wed, 21 Oct 2015 07:28:00 GMT" {
			t.Errorf("headers = %v, want both Accept values and the intact date", got.Headers)
		}
	})
	t.Run("base path mapping stripped", func(t *testing.T) {
		var resp v1Response
		invoke(t, v1Event(t, "GET", "/shop/echo", nil), &resp)
		var got echoBody
		decodeBody(t, resp.Body, &got)
		if resp.StatusCode != 200 || got.Path != "/echo" {
			t.Errorf("GET /shop/echo = %d path %q, want 200 /echo", resp.StatusCode, got.Path)
		}
	})
	t.Run("unknown route is a 404 problem", func(t *testing.T) {
		var resp v1Response
		invoke(t, v1Event(t, "GET", "/hello/world", nil), &resp)
		if resp.StatusCode != 404 || strings.Join(resp.MultiValueHeaders["Content-Type"], "") != "application/problem+json" {
			t.Errorf("GET /hello/world = %d %v, want 404 problem+json", resp.StatusCode, resp.MultiValueHeaders)
		}
	})
}
